"""X12 5010 readers and writers over plain value objects (pure: imports nothing of ours)."""
