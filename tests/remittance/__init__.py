"""Tests of remittance/: ingesting and posting what comes back."""
