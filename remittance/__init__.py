"""Inbound files turned into postings: 835 matching and posting, acknowledgments, deposits."""
