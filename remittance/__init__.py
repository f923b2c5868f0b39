"""Turning inbound 835s into adjudications, ledger postings and rework items."""
