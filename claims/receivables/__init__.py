"""A/R by charge line and responsible party, read from the ledger."""
