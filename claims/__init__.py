"""The claims domain: every table, the ledger, claim state and the services over them."""
