"""Every table of the engine, imported in one place so that Base.metadata is complete."""

from claims.adjudications.models import Adjudication, Adjustment
from claims.audit.models import AuditEvent
from claims.base import Base
from claims.claim.models import Claim, ClaimLine, ClaimTransition
from claims.codesets.models import CodeTable
from claims.credits.models import Refund
from claims.encounters.models import ChargeLine, Diagnosis, Encounter
from claims.fees.models import FeeRate, FeeSchedule
from claims.files.models import Batch, ControlCounter, InboundTransaction, StoredFile
from claims.ledger.models import Account, Entry
from claims.patients.models import Coverage, Patient
from claims.payments.models import PatientPayment
from claims.practice.models import (
    BillingProvider,
    Facility,
    PartnerPayerId,
    Payer,
    Practice,
    Provider,
    TradingPartner,
)
from claims.remittances.models import Deposit, Remittance
from claims.rework.models import Appeal, ReworkItem, ReworkNote
from claims.statements.models import CollectionFlag, PatientStatement, StatementLine

__all__ = [
    "Account",
    "Adjudication",
    "Adjustment",
    "Appeal",
    "AuditEvent",
    "Base",
    "Batch",
    "BillingProvider",
    "ChargeLine",
    "Claim",
    "ClaimLine",
    "ClaimTransition",
    "CodeTable",
    "CollectionFlag",
    "ControlCounter",
    "Coverage",
    "Deposit",
    "Diagnosis",
    "Encounter",
    "Entry",
    "Facility",
    "FeeRate",
    "FeeSchedule",
    "InboundTransaction",
    "PartnerPayerId",
    "Patient",
    "PatientPayment",
    "PatientStatement",
    "Payer",
    "Practice",
    "Provider",
    "Refund",
    "Remittance",
    "ReworkItem",
    "ReworkNote",
    "StatementLine",
    "StoredFile",
    "TradingPartner",
]
