"""Stored files (every X12 file in and out) and the control-number counters."""
