"""Result implementations: ``LocalResult`` (files), ``PrefectResult`` (inline JSON),
``ConstantResult`` (a bound constant's value) and ``SecretResult`` (a secret, never stored)."""
from flowctl.engine.result import NoResult, Result
from flowctl.engine.results.constant_result import ConstantResult
from flowctl.engine.results.local_result import LocalResult
from flowctl.engine.results.prefect_result import PrefectResult
from flowctl.engine.results.secret_result import SecretResult

__all__ = ["Result", "NoResult", "LocalResult", "PrefectResult", "ConstantResult", "SecretResult"]
