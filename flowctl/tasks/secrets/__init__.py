"""Secret tasks (Prefect 1's ``prefect.tasks.secrets``): values that are never checkpointed nor stored."""
from flowctl.tasks.secrets.base import PrefectSecret, SecretBase
from flowctl.tasks.secrets.env_var import EnvVarSecret

__all__ = ["EnvVarSecret", "PrefectSecret", "SecretBase"]
