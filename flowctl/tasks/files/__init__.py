"""Tasks on the local file system, as Prefect 1's ``prefect.tasks.files``: copy, move, remove
and list paths (``operations``), make and extract zip archives (``compression``).

Each path is the one the flow gives, used as given: these tasks act where their user asks
them to, as ``shutil`` does.
"""
from flowctl.tasks.files.compression import Unzip, Zip
from flowctl.tasks.files.operations import Copy, Glob, Move, Remove

__all__ = ["Copy", "Glob", "Move", "Remove", "Unzip", "Zip"]
