"""Patient statements in cycles, small-balance write-offs and collections flags."""
