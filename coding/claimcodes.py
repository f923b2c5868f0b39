"""Claim frequency codes (CLM05-3, the third digit of an 837I type of bill) that we send."""

from __future__ import annotations

import enum


class Frequency(enum.StrEnum):
    """What a claim does to the payer's record of the services."""

    ORIGINAL = "1"  # a first claim for these services
    REPLACEMENT = "7"  # replaces a claim the payer already has (carries REF*F8)
    VOID = "8"  # cancels a claim the payer already has (carries REF*F8)

    @property
    def needs_payer_claim_number(self) -> bool:
        """True for replacement and void, which name the payer's claim (REF*F8)."""
        return self is not Frequency.ORIGINAL


FREQUENCIES = frozenset(f.value for f in Frequency)
