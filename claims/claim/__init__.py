"""Claims as submission documents: versions, lines, state and its history."""
