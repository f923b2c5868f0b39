"""Adjudication records: what each payer paid and adjusted, per claim and per line."""
