"""The run: carrying a plan out against a target.

engine (the step state machine, and its parts: controls, runner, judge, waits, checking),
execute and supervise (each command in its own supervisor process that outlives Cairn), events
(what happens, as typed records), targets (sandbox, live cluster, saved files), launch (from the
command line's words to a running engine).
"""
