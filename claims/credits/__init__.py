"""Credit balances, refunds and payer recoupments."""
