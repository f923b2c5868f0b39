"""Practices and their master data: billing providers, providers, payers, trading partners."""
