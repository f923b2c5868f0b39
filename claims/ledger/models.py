"""Tables of ledger accounts and entries.

An entry moves an amount from one account to another in one row (debit account, credit
account, amount), as TigerBeetle's transfers do, so every entry balances by construction.
Entries are never updated or deleted: database triggers refuse it on both SQLite and
PostgreSQL. Accounts carry running totals (a projection of their entries, checked by
`claims check`).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from claims.base import Base, Cents, IdType, str_enum, utcnow


class AccountKind(enum.StrEnum):
    """The chart of accounts. A/R accounts are scoped to a coverage or a patient."""

    GROSS_CHARGES = "gross_charges"
    INSURANCE_AR = "insurance_ar"  # one per coverage
    PATIENT_AR = "patient_ar"  # one per patient
    ERA_CLEARING = "era_clearing"
    CASH = "cash"
    CONTRACTUAL = "contractual"
    OTHER_ADJUSTMENT = "other_adjustment"
    WRITE_OFF = "write_off"
    UNAPPLIED_CASH = "unapplied_cash"
    REFUNDS_PAYABLE = "refunds_payable"
    PLB = "plb"  # provider-level adjustments
    INTEREST = "interest"


AR_KINDS = frozenset({AccountKind.INSURANCE_AR, AccountKind.PATIENT_AR})


class EntryKind(enum.StrEnum):
    """Why money moved, in one word; the detail is in the entry's reason columns."""

    CHARGE = "charge"
    PAYMENT = "payment"
    ADJUSTMENT = "adjustment"
    TRANSFER = "transfer"  # to the next responsible party
    DEPOSIT = "deposit"
    PROVIDER_ADJUSTMENT = "plb"
    INTEREST = "interest"
    WRITE_OFF = "write_off"
    REFUND = "refund"
    UNAPPLIED = "unapplied"
    REVERSAL = "reversal"
    MANUAL = "manual"


class Account(Base):
    """A ledger account with its running totals (debits and credits posted, in cents)."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("practice_id", "key"),
        CheckConstraint(
            "kind <> 'insurance_ar' OR coverage_id IS NOT NULL", name="insurance_ar_coverage"
        ),
        CheckConstraint(
            "kind <> 'patient_ar' OR patient_id IS NOT NULL", name="patient_ar_patient"
        ),
        CheckConstraint("debits_posted_cents >= 0", name="debits_not_negative"),
        CheckConstraint("credits_posted_cents >= 0", name="credits_not_negative"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"), index=True)
    key: Mapped[str] = mapped_column(String(60))  # "cash", "insurance_ar:coverage:12", ...
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind, "account_kind"))
    coverage_id: Mapped[int | None] = mapped_column(ForeignKey("coverages.id"))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    debits_posted_cents: Mapped[Cents] = mapped_column(default=0)
    credits_posted_cents: Mapped[Cents] = mapped_column(default=0)

    @property
    def balance_cents(self) -> int:
        """Debits minus credits: positive for money owed to us or held by us."""
        return self.debits_posted_cents - self.credits_posted_cents


class Entry(Base):
    """One ledger entry: amount moved from the credit account to the debit account."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        UniqueConstraint("reverses_entry_id"),  # an entry is reversed at most once
        UniqueConstraint("practice_id", "external_id"),
        Index("ix_ledger_entries_debit", "debit_account_id", "charge_line_id"),
        Index("ix_ledger_entries_credit", "credit_account_id", "charge_line_id"),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practices.id"))
    debit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    credit_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount_cents: Mapped[Cents]
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, "entry_kind"))
    posting_date: Mapped[date] = mapped_column(index=True)  # the accounting period
    service_date: Mapped[date | None]  # of the charge line
    deposit_date: Mapped[date | None]  # for payments
    charge_line_id: Mapped[int | None] = mapped_column(ForeignKey("charge_lines.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"), index=True)
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    external_id: Mapped[str | None] = mapped_column(String(120))  # caller's key: retries are safe
    # Why: the file and segment, the adjustment codes, or the person and reason.
    source_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    # The remittance whose posting made the entry (ERA clearing nets to zero per remittance)
    # and the adjudication it applies, so that a reversal can undo exactly that posting.
    remittance_id: Mapped[int | None] = mapped_column(ForeignKey("remittances.id"), index=True)
    adjudication_id: Mapped[int | None] = mapped_column(ForeignKey("adjudications.id"), index=True)
    segment_position: Mapped[int | None]
    group_code: Mapped[str | None] = mapped_column(String(2))
    reason_code: Mapped[str | None] = mapped_column(String(5))  # CARC or PLB reason
    remark_codes: Mapped[str | None] = mapped_column(String(60))  # RARCs
    actor: Mapped[str] = mapped_column(String(80))
    memo: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
