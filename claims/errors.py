"""Exceptions of the claims package; api/ maps them to HTTP status codes."""


class ClaimsError(Exception):
    """Base of every error the claims package raises on purpose."""


class NotFound(ClaimsError):
    """A record named by the caller does not exist (or belongs to another practice)."""


class InvalidInput(ClaimsError):
    """Input that breaks a rule; the message names the field, never its PHI value."""


class LedgerError(ClaimsError):
    """A posting that would break the ledger's rules; nothing was written."""


class StateError(ClaimsError):
    """A command that does not fit the claim's state; the message says why."""
