"""Inbound 837P and 837I files from practice-management systems."""
