"""The runbook: what an operator's procedure is, before anything runs.

model (the typed steps), registry (finding and parsing runbook YAML, with line-numbered errors),
params (the operator's `--set` values), template (placeholders), plan (the steps a run will take,
with everything known in advance rendered), generators (commands computed at run time from the
cluster), argvfmt (an argv as an operator would type it), schema (the published JSON Schema).
The built-in runbooks are the YAML files in builtin/.
"""
