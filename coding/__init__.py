"""Code sets and scrubber edits (pure: no database)."""
