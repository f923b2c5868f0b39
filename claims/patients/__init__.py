"""Patients and their insurance coverages."""
