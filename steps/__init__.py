"""Cairn's engine side: runbooks, the engine, execution, sessions, cluster state, checks, sandbox.

Nothing in this package imports `textual` or `tui`: every front end drives the same engine.
"""

__version__ = "0.1.0"
