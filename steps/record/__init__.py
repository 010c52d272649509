"""The record: what a run leaves behind, and how it is read back.

session (the session directory and its lock), journal (the append-only event log), view (the
session rebuilt from its events), narrator (events in words, for every front end and the export),
export (the change record), redact and secret_store (secrets kept out of the record, and kept for
resume), state_summary (the cluster before and during the run), session_list (`cairn sessions`),
printable (terminal control sequences shown, never obeyed).
"""
