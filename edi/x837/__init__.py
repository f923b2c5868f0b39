"""837 health care claims: 837P (005010X222A1) and 837I (005010X223A2)."""
