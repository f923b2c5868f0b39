"""Running the scrubber on claims: states move, and every error becomes a rework item."""
