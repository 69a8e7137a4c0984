"""Scenarios that differ from Prefect 1.4.1 today: scenario id -> one-line description.

Each is an ``xfail(strict=True)`` test: when the engine is fixed the test
XPASSes, fails the run, and its entry here must be removed (or re-record with
``.venv/bin/python tests/differential/record_differences.py --write``).
Only genuine, unfixed bugs belong here; a difference kept on purpose is
recorded, with its reason and both outcomes, in ``deliberate_differences.py``.
"""

KNOWN_DIFFERENCES: dict[str, str] = {
}
