"""Sending claims: assembling 837 value objects from the database, batches, control numbers."""
