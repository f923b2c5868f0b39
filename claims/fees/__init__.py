"""Fee schedules: the practice's charge master and the payers' contract schedules."""
