"""Renderers: subscribers to the engine's events that show a run to people or CI.

``live`` (Rich) is imported only when chosen, so plain, JSON and ``--help``
runs never load Rich's live machinery.
"""
