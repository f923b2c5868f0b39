"""The rework queue: every problem a person must work, with its dollars and deadline."""
