"""The append-only double-entry ledger in integer cents."""
