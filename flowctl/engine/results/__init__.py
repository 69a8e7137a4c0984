"""Result implementations: ``LocalResult`` (files) and ``PrefectResult`` (inline JSON)."""
from flowctl.engine.result import NoResult, Result
from flowctl.engine.results.local_result import LocalResult
from flowctl.engine.results.prefect_result import PrefectResult

__all__ = ["Result", "NoResult", "LocalResult", "PrefectResult"]
