"""Result implementations: ``LocalResult`` (files), ``PrefectResult`` (inline JSON) and
``ConstantResult`` (a bound constant's value)."""
from flowctl.engine.result import NoResult, Result
from flowctl.engine.results.constant_result import ConstantResult
from flowctl.engine.results.local_result import LocalResult
from flowctl.engine.results.prefect_result import PrefectResult

__all__ = ["Result", "NoResult", "LocalResult", "PrefectResult", "ConstantResult"]
