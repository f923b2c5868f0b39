"""Encounters, their diagnoses and the charge lines that carry A/R."""
