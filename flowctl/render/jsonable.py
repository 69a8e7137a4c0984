"""One rule for putting user values (defaults, constants, results) into JSON output."""
from __future__ import annotations

import json
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` itself when JSON can hold it, else its ``repr``."""
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)
