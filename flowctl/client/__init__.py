"""Prefect 1's ``prefect.client`` names that make sense without a server: ``Secret``."""
from flowctl.client.secrets import Secret

__all__ = ["Secret"]
