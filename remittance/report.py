"""What ingesting a file did, per file and per transaction set, for the CLI, API and logs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edi.x835.balance import money

# File and transaction statuses a report can carry.
POSTED = "posted"  # applied (an 835: cash posted; an acknowledgment: claims moved)
PROCESSED = "processed"  # an acknowledgment applied
HELD = "held"  # an 835 that did not balance: its cash waits in unapplied cash
DUPLICATE = "duplicate"  # seen before with the same content: nothing changed
CONFLICT = "conflict"  # seen before with other content: nothing changed, a person decides
REJECTED = "rejected"  # malformed or unreadable: refused whole, nothing applied
PARTIAL = "partial"  # a file whose transaction sets ended differently (see each)


@dataclass(slots=True)
class TransactionReport:
    """One ST..SE: its idempotency key, what happened, and its figures (money in cents)."""

    position: int  # of the ST
    control_number: str
    key: str
    status: str
    claims: int = 0
    matched: int = 0
    unmatched: int = 0
    posted_cents: int = 0  # claim payments applied to claims
    unapplied_cents: int = 0
    provider_adjustment_cents: int = 0
    denials: int = 0
    rework_items: int = 0
    remittance_id: int | None = None
    exceptions: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # kind-specific counts (acks)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "position": self.position,
            "control_number": self.control_number,
            "key": self.key,
            "status": self.status,
            "claims": self.claims,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "posted": money(self.posted_cents),
            "unapplied": money(self.unapplied_cents),
            "provider_adjustments": money(self.provider_adjustment_cents),
            "denials": self.denials,
            "rework_items": self.rework_items,
            "remittance_id": self.remittance_id,
            "exceptions": self.exceptions,
            **self.details,
        }


@dataclass(slots=True)
class FileReport:
    """One file: its digest, kind and overall status, and each of its transaction sets."""

    name: str | None
    sha256: str
    kind: str  # 835, 999, 277CA, TA1 or unknown
    status: str = POSTED
    file_id: int | None = None
    error: str | None = None  # why it was rejected, naming the place
    transactions: list[TransactionReport] = field(default_factory=list)

    def settle_status(self) -> None:
        """The file's status from its transactions': one status when they agree, else partial."""
        if self.error is not None:
            self.status = REJECTED
            return
        statuses = {t.status for t in self.transactions}
        if len(statuses) == 1:
            self.status = statuses.pop()
        elif statuses:
            self.status = PARTIAL

    def total(self, name: str) -> int:
        """The sum of one numeric field over the transaction sets."""
        return sum(int(getattr(t, name)) for t in self.transactions)

    def as_json(self) -> dict[str, Any]:
        """Plain JSON: amounts as decimal strings."""
        return {
            "file": self.name,
            "sha256": self.sha256,
            "kind": self.kind,
            "status": self.status,
            "file_id": self.file_id,
            "error": self.error,
            "claims": self.total("claims"),
            "matched": self.total("matched"),
            "unmatched": self.total("unmatched"),
            "posted": money(self.total("posted_cents")),
            "unapplied": money(self.total("unapplied_cents")),
            "denials": self.total("denials"),
            "exceptions": [e for t in self.transactions for e in t.exceptions],
            "transactions": [t.as_json() for t in self.transactions],
        }
