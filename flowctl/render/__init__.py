"""Renderers: subscribers to the engine's events that show a run to people or CI.

``model`` keeps a small picture of the run (a mapped task is one row of
counters); ``plain``, ``ndjson`` and ``live`` draw it as text, NDJSON or a
Rich live view; ``summary``/``text`` word the end of a run; ``junit`` and
``report`` (with ``report_data`` and ``report_svg``) write the JUnit XML and
the HTML run report. ``live`` (Rich) is imported only when chosen, so plain,
JSON and ``--help`` runs never load Rich's live machinery.
"""
