"""Patient payments posted against patient A/R."""
