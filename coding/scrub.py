"""The claim scrubber: the claim shape it reads, its findings, and every edit it runs.

``scrub(claim, tables=..., history=..., today=...)`` runs every edit on one ``ScrubClaim``
and returns its ``Finding`` list (empty: clean). An error blocks submission; a warning does
not. Messages name fields and codes, never patient data (no names, birth dates, member IDs,
addresses or dates of service): the claim carries only the presence of demographics.

Contract with coding/ncci.py: ``HistoryLine`` (a billed line of another live claim) and the
``ClaimHistory`` protocol below; ``other_lines(patient_key, service_date)`` returns the
patient's lines on that date in the other live claims (not voided, not replaced).
Implementations may include the claim being scrubbed: ``scrub`` drops lines with its
``claim_key`` and memoises per call before any edit (NCCI included) sees them. ``NO_HISTORY``
is the null history. ``provider_key`` is the billing provider's NPI on both sides.

Edits (stable IDs; E error, W warning; category routes the rework item, see
``edit_category``):

===========================  ==  ===================  =========================================
edit ID                      sv  category             finding
===========================  ==  ===================  =========================================
LINES-MISSING                E   missing_information  the claim has no service lines
LINES-TOO-MANY               E   coding               over 50 lines (837P) or 999 (837I)
CLAIM-TOTAL-MISMATCH         E   coding               total charge is not the sum of the lines
FREQ-INVALID                 E   coding               frequency is not 1, 7 or 8
FREQ-NO-PAYER-CLAIM-NUMBER   E   missing_information  7/8 without the payer's claim number
FREQ-NOT-ACCEPTED            E   other                payer takes no replacement or void claims
DOS-FUTURE                   E   coding               a date of service after today
DOS-RANGE                    E   coding               837I statement ends before it starts
DOS-TIMELY-FILING            E   timely_filing        past the payer's timely-filing limit
DOS-TIMELY-FILING-NEAR       W   timely_filing        30 days or fewer left to file
SUBSCRIBER-INCOMPLETE        E   eligibility_regis..  a required subscriber field is empty
PATIENT-INCOMPLETE           E   eligibility_regis..  a required patient field is empty
NPI-MISSING                  E   missing_information  no billing NPI, or a provider without NPI
NPI-CHECK-DIGIT              E   missing_information  an NPI is not 10 digits with its check
TIN-FORMAT                   E   missing_information  billing TIN not 9 digits, zeros, bad prefix
CLIA-MISSING                 E   missing_information  lab lines without a CLIA number
CLIA-FORMAT                  E   missing_information  CLIA number not 2 digits, D, 7 digits
CODESET-MISSING              W   coding               no ICD-10-CM release loaded for the date
DX-MISSING                   E   coding               no diagnosis
DX-TOO-MANY                  E   coding               over 12 diagnoses (837P) or 25 (837I)
DX-INVALID                   E   coding               not an ICD-10-CM code in any loaded release
DX-NOT-IN-EFFECT             E   coding               a code of another release, not this date
DX-NOT-BILLABLE              E   coding               a category or subcategory, not billable
DX-DUPLICATE                 W   coding               the same diagnosis twice
DX-MANIFESTATION-FIRST       E   coding               principal is a "classified elsewhere" code
DX-EXTERNAL-CAUSE-FIRST      E   coding               principal is an external cause (V00-Y99)
POA-INVALID                  E   coding               837I present-on-admission not Y, N, U, W
PTR-MISSING                  E   coding               837P line points to no diagnosis
PTR-TOO-MANY                 E   coding               837P line with over 4 pointers
PTR-INVALID                  E   coding               a pointer to no diagnosis of the claim
PROC-MISSING                 E   coding               837P line without a procedure code
PROC-FORMAT                  E   coding               neither CPT nor HCPCS Level II shape
PROC-INVALID                 E   coding               not in the loaded CPT or HCPCS table
PROC-NOT-IN-EFFECT           E   coding               in the table, not valid on the date
CPT-NOT-LOADED               W   coding               CPT codes checked by format only
HCPCS-NOT-LOADED             W   coding               HCPCS codes checked by format only
MOD-FORMAT                   E   coding               a modifier is not 2 letters or digits
MOD-TOO-MANY                 E   coding               over 4 modifiers on a line
MOD-DUPLICATE                W   coding               the same modifier twice on a line
MOD-INVALID                  E   coding               Level II modifier not valid on the date
MOD-UNKNOWN                  W   coding               modifier outside our table, no HCPCS file
UNITS-NOT-POSITIVE           E   coding               units zero or negative
CHARGE-NEGATIVE              E   coding               line charge below zero
CHARGE-ZERO                  W   coding               zero charge on a code that is not quality
POS-MISSING                  E   coding               837P without a place of service
POS-INVALID                  E   coding               not a place-of-service code
POS-NOT-IN-EFFECT            E   coding               place of service not valid on the date
NDC-FORMAT                   E   coding               NDC not 11 digits
REV-MISSING                  E   coding               837I line without a revenue code
TOB-MISSING                  E   coding               837I without a type of bill
RFV-MISSING                  E   coding               outpatient 837I without reason for visit
NUBC-FORMAT                  E   coding               a NUBC code of the wrong shape
NUBC-UNKNOWN                 E   coding               a NUBC code not in the imported table
DUP-CLAIM                    E   duplicate            same patient, date, code, payer billed
NCCI-NOT-LOADED              W   coding               no PTP or MUE table for this claim type
NCCI-PTP                     E   coding               (coding/ncci.py) PTP pair not bypassed
NCCI-MUE                     E   coding               (coding/ncci.py) units over the MUE
PAYER-MODIFIER-REQUIRED      *   coding               payer rule (coding/payer_rules.py)
PAYER-MODIFIER-NOT-ALLOWED   *   coding               payer rule
PAYER-PRIOR-AUTH-REQUIRED    *   authorization        payer rule
PAYER-NDC-REQUIRED           *   missing_information  payer rule
PAYER-REFERRING-REQUIRED     *   missing_information  payer rule
===========================  ==  ===================  =========================================

(* severity as the rule says.) Rules where the issue left room:

- Diagnoses are validated against the release in force on the claim's date of service
  (837I: the statement's through date, as inpatient coding follows the discharge date).
- Lab lines needing CLIA (837P only; the 837I has no REF*X4): CPT 80000-89999, except
  lines with modifier 26 (interpretation only) and ``CLIA_EXEMPT`` (pathology and
  blood-bank consultations that are no lab test); 36415/36416 (specimen draws) sit outside
  the range.
- Quality codes billed at zero without a warning: ``coding.cpt.is_quality_code``.
- Duplicates: skipped on replacement and void claims; a line with 76, 77 or 91 is a repeat
  on purpose; lines whose anatomic modifiers differ (LT vs RT, fingers, toes) differ.
- TIN: the billing TIN is sent as an EIN (REF*EI), so the IRS never-assigned EIN prefixes
  (``INVALID_EIN_PREFIXES``) are refused, as are nine zeros.
- NCCI PTP counts pairs per billing provider; MUE MAI 2/3 sums per billing provider, as CMS
  applies them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TYPE_CHECKING, NamedTuple, Protocol

from coding import npi
from coding.codetable import DatedCodeTable, Validity
from coding.cpt import is_cpt_format, is_lab_code, is_quality_code
from coding.hcpcs import HcpcsTable, is_level2_format, is_modifier_format
from coding.icd10cm import DxStatus, IcdRelease, IcdReleaseSet, is_external_cause
from coding.modifiers import ANATOMIC, CPT_MODIFIERS, LEVEL2_MODIFIERS, PROFESSIONAL_COMPONENT
from coding.modifiers import REPEAT as REPEAT_MODIFIERS
from coding.nubc import NubcKind, format_rule
from coding.nubc import is_format as nubc_format
from coding.payer_rules import Check, PayerRules
from coding.pos import place_of_service_table
from coding.remit import Category

if TYPE_CHECKING:
    from coding.ncci import MueTable, PtpTable

# -------------------------------------------------------------------------------------------
# The contract shared with coding/ncci.py
# -------------------------------------------------------------------------------------------


class Severity(enum.StrEnum):
    """Whether a finding blocks submission (error) or only informs (warning)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One edit's verdict: stable ID, severity, place ("claim" or "line n"), field, words."""

    edit_id: str
    severity: Severity
    place: str
    field: str
    message: str
    hint: str


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One billed service line of a live claim, as the cross-claim edits see it."""

    claim_key: str  # the claim's identity (its id or label), the same for all its lines
    line_number: int  # 1-based position on its claim
    patient_key: str  # an opaque patient identity (a database id), never PHI
    service_date: date
    procedure_code: str
    modifiers: tuple[str, ...]
    units_thousandths: int
    provider_key: str  # the billing provider's NPI (NCCI PTP pairs count per provider)
    payer_code: str


class ClaimHistory(Protocol):
    """What the cross-claim edits (duplicates, NCCI across claims) may ask about the past."""

    def other_lines(self, patient_key: str, service_date: date) -> Sequence[HistoryLine]:
        """The patient's billed lines on that date of service in other live claims."""
        ...


class _NoHistory:
    """A history with nothing in it: every cross-claim edit sees only the claim itself."""

    def other_lines(self, patient_key: str, service_date: date) -> Sequence[HistoryLine]:
        """No lines."""
        return ()


NO_HISTORY: ClaimHistory = _NoHistory()

# -------------------------------------------------------------------------------------------
# The claim as the scrubber reads it
# -------------------------------------------------------------------------------------------


class ClaimKind(enum.StrEnum):
    """Professional (837P) or institutional (837I)."""

    PROFESSIONAL = "professional"
    INSTITUTIONAL = "institutional"


class ProviderRole(enum.StrEnum):
    """Which provider of the claim an NPI belongs to (the field name in messages)."""

    BILLING = "billing_provider"
    RENDERING = "rendering_provider"
    REFERRING = "referring_provider"
    ORDERING = "ordering_provider"
    SUPERVISING = "supervising_provider"
    ATTENDING = "attending_provider"
    OPERATING = "operating_provider"
    SERVICE_FACILITY = "service_facility"


@dataclass(frozen=True, slots=True)
class ScrubProvider:
    """A provider on the claim: its role and NPI (None when the record has none)."""

    role: ProviderRole
    npi: str | None


@dataclass(frozen=True, slots=True)
class Demographics:
    """Which demographic fields of a person are filled in: presence only, never values."""

    name: bool = True
    birth_date: bool = True
    sex: bool = True
    address: bool = True
    member_id: bool = True  # read for the subscriber only


@dataclass(frozen=True, slots=True)
class ScrubLine:
    """One service line: procedure, modifiers, units (thousandths), charge (cents), pointers."""

    line_number: int  # 1-based
    procedure_code: str | None
    charge_cents: int
    units_thousandths: int
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = ()  # 837P: 1-based positions in the claim's diagnoses
    service_date: date | None = None  # None: the claim's date of service
    place_of_service: str | None = None  # 837P: None means the claim's
    revenue_code: str | None = None  # 837I
    ndc: str | None = None  # 11 digits, no hyphens


@dataclass(frozen=True, slots=True)
class ScrubClaim:
    """One claim as the scrubber reads it: codes, amounts, dates and presence flags."""

    claim_key: str  # identity of the claim, matched against HistoryLine.claim_key
    kind: ClaimKind
    patient_key: str  # opaque (a database id), never PHI
    payer_code: str
    service_date: date  # 837P: the claim's date of service; 837I: statement from
    diagnoses: tuple[str, ...]  # ICD-10-CM, principal first, with or without the dot
    lines: tuple[ScrubLine, ...]
    providers: tuple[ScrubProvider, ...]
    billing_tin: str | None
    subscriber: Demographics
    patient: Demographics | None = None  # None: the patient is the subscriber
    timely_filing_days: int | None = None  # the payer's limit; None: not checked
    # The day the limit runs from when not the dates of service: for a claim to a later payer
    # (secondary, tertiary), the remittance date of the payer before it.
    filing_from: date | None = None
    frequency: str = "1"
    payer_claim_number_present: bool = False  # REF*F8 for frequency 7 and 8
    payer_accepts_replacement: bool = True  # False: 7 and 8 are refused (Medicare Part B)
    place_of_service: str | None = None  # 837P CLM05-1
    present_on_admission: tuple[str | None, ...] = ()  # 837I, one per diagnosis
    total_charge_cents: int | None = None  # CLM02 when already set; None: not checked
    clia_number: str | None = None  # REF*X4 (a laboratory identifier, not PHI)
    prior_authorization_present: bool = False  # REF*G1
    dme_supplier: bool = False  # bills DME: MUEs from the DME supplier file
    # 837I only.
    statement_to: date | None = None
    type_of_bill: str | None = None
    reason_for_visit: tuple[str, ...] = ()  # 837I HI*APR
    admission_type: str | None = None
    admission_source: str | None = None
    patient_status: str | None = None
    condition_codes: tuple[str, ...] = ()
    occurrence_codes: tuple[str, ...] = ()
    occurrence_span_codes: tuple[str, ...] = ()
    value_codes: tuple[str, ...] = ()

    @property
    def billing_npi(self) -> str:
        """The billing provider's NPI ("" when none)."""
        for provider in self.providers:
            if provider.role is ProviderRole.BILLING:
                return provider.npi or ""
        return ""


@dataclass(frozen=True, slots=True)
class CodeTables:
    """Every table the edits read; None where the user has loaded nothing."""

    icd10cm: IcdReleaseSet
    hcpcs: HcpcsTable | None = None
    cpt: DatedCodeTable | None = None
    pos: DatedCodeTable = field(default_factory=place_of_service_table)
    ptp_professional: PtpTable | None = None  # the practitioner PTP file (837P)
    ptp_institutional: PtpTable | None = None  # the hospital outpatient PTP file (837I)
    mue_professional: MueTable | None = None  # the practitioner MUE file
    mue_institutional: MueTable | None = None  # the facility outpatient MUE file
    mue_dme: MueTable | None = None  # the DME supplier MUE file
    nubc: Mapping[NubcKind, DatedCodeTable] = field(default_factory=lambda: MappingProxyType({}))


# -------------------------------------------------------------------------------------------
# Edit catalogue: severity, category, message and hint of every edit (str.format templates)
# -------------------------------------------------------------------------------------------

_E = Severity.ERROR
_W = Severity.WARNING
_C = Category

_EDITS: dict[str, tuple[Severity, Category, str, str]] = {
    "LINES-MISSING": (_E, _C.MISSING_INFORMATION, "The claim has no service lines.",
                      "Add the services rendered before sending the claim."),
    "LINES-TOO-MANY": (_E, _C.CODING, "The claim has {count} lines; an {label} allows {limit}.",
                       "Split the services into several claims."),
    "CLAIM-TOTAL-MISMATCH": (_E, _C.CODING,
                             "The claim's total charge is not the sum of its line charges.",
                             "Recompute the total from the lines."),
    "FREQ-INVALID": (_E, _C.CODING,
                     "Claim frequency {value!r} is not 1 (original), 7 (replacement) or 8 (void).",
                     "Set the claim frequency to 1, 7 or 8."),
    "FREQ-NO-PAYER-CLAIM-NUMBER": (_E, _C.MISSING_INFORMATION,
                                   "A frequency {value} claim must name the payer's claim "
                                   "number of the claim it replaces or voids.",
                                   "Enter the payer claim number from the remittance (CLP07)."),
    "FREQ-NOT-ACCEPTED": (_E, _C.OTHER,
                          "This payer does not accept frequency {value} (replacement or void) "
                          "claims.",
                          "Correct the claim through a reopening or an appeal instead."),
    "DOS-FUTURE": (_E, _C.CODING, "The date of service is later than today.",
                   "Bill services only after they are rendered; check the date."),
    "DOS-RANGE": (_E, _C.CODING, "The statement period ends before it starts.",
                  "Correct the statement from and through dates."),
    "DOS-TIMELY-FILING": (_E, _C.TIMELY_FILING,
                          "The payer's timely-filing limit of {limit} days from the date of "
                          "service (a later payer's: from the prior payer's remittance) passed "
                          "{late} days ago.",
                          "Send only with proof of timely filing (an earlier acceptance) or an "
                          "exception; otherwise the balance is written off."),
    "DOS-TIMELY-FILING-NEAR": (_W, _C.TIMELY_FILING,
                               "Only {left} days are left of the payer's {limit}-day "
                               "timely-filing limit.", "Send this claim first."),
    "SUBSCRIBER-INCOMPLETE": (_E, _C.ELIGIBILITY, "The subscriber's {words} is missing.",
                              "Complete the subscriber's {words} from the insurance card or the "
                              "eligibility response."),
    "PATIENT-INCOMPLETE": (_E, _C.ELIGIBILITY, "The patient's {words} is missing.",
                           "Complete the patient's {words} in registration."),
    "NPI-MISSING": (_E, _C.MISSING_INFORMATION, "The {role} has no NPI.",
                    "Enter the {role}'s NPI (NPPES registry)."),
    "NPI-CHECK-DIGIT": (_E, _C.MISSING_INFORMATION,
                        "The {role}'s NPI is not 10 digits with a valid check digit.",
                        "Check the {role}'s NPI against the NPPES registry; a digit is likely "
                        "mistyped."),
    "TIN-FORMAT": (_E, _C.MISSING_INFORMATION, "The billing provider's tax ID {problem}.",
                   "Enter the billing provider's EIN as 9 digits, no hyphen, as on the IRS "
                   "letter (CP 575)."),
    "CLIA-MISSING": (_E, _C.MISSING_INFORMATION, "Lab tests on {lines} need the lab's CLIA number.",
                     "Enter the CLIA certificate number of the lab that ran the tests."),
    "CLIA-FORMAT": (_E, _C.MISSING_INFORMATION,
                    "The CLIA number is not 10 characters: 2 digits, the letter D, 7 digits.",
                    "Copy the CLIA number from the lab's certificate."),
    "CODESET-MISSING": (_W, _C.CODING,
                        "No loaded ICD-10-CM release covers the date of service; the codes were "
                        "checked against the newest one ({release}).",
                        "Import the CDC release in force on that date (claims codes import "
                        "icd10cm)."),
    "DX-MISSING": (_E, _C.CODING, "The claim has no diagnosis.",
                   "Enter the diagnoses, principal first."),
    "DX-TOO-MANY": (_E, _C.CODING,
                    "The claim has {count} diagnoses; an {label} carries at most {limit}.",
                    "Keep the diagnoses the lines point to; split the claim if all are needed."),
    "DX-INVALID": (_E, _C.CODING, "Diagnosis {position} ({code}) is not an ICD-10-CM code.",
                   "Check the code for a typo, or look it up in the tabular list."),
    "DX-NOT-IN-EFFECT": (_E, _C.CODING,
                         "Diagnosis {position} ({code}) is valid in {other} but not in "
                         "{release}, the release for the date of service.",
                         "Use the code valid on the date of service (codes change on Oct 1 and "
                         "Apr 1)."),
    "DX-NOT-BILLABLE": (_E, _C.CODING,
                        "Diagnosis {position} ({code}) is a category with more specific codes "
                        "below it, not billable in {release}.",
                        "Code to the full specificity: choose a billable code under {code}."),
    "DX-DUPLICATE": (_W, _C.CODING, "Diagnosis {position} ({code}) is listed twice.",
                     "Remove the repeated diagnosis and renumber the pointers."),
    "DX-MANIFESTATION-FIRST": (_E, _C.CODING,
                               "The principal diagnosis {code} is a 'classified elsewhere' code "
                               "(a manifestation), which may not be listed first.",
                               "List the underlying condition first and this code after it."),
    "DX-EXTERNAL-CAUSE-FIRST": (_E, _C.CODING,
                                "The principal diagnosis {code} is an external-cause code "
                                "(V00-Y99), which may never be listed first.",
                                "List the injury or condition first; keep the external cause as "
                                "a secondary diagnosis."),
    "POA-INVALID": (_E, _C.CODING,
                    "The present-on-admission indicator of diagnosis {position} is not Y, N, U "
                    "or W.", "Use Y, N, U or W; leave it empty for exempt codes."),
    "PTR-MISSING": (_E, _C.CODING, "The line points to no diagnosis.",
                    "Point the line to 1 to 4 of the claim's diagnoses."),
    "PTR-TOO-MANY": (_E, _C.CODING, "The line has {count} diagnosis pointers; at most 4 fit.",
                     "Keep the 4 diagnoses that best support the service."),
    "PTR-INVALID": (_E, _C.CODING,
                    "Pointer {pointer} does not point to one of the claim's {count} diagnoses.",
                    "Point to a listed diagnosis (1 is the first)."),
    "PROC-MISSING": (_E, _C.CODING, "The line has no procedure code.",
                     "Enter the CPT or HCPCS code of the service."),
    "PROC-FORMAT": (_E, _C.CODING,
                    "Procedure code {code!r} is neither a CPT code (five digits, or four digits "
                    "and F, T or U) nor a HCPCS code (a letter and four digits).",
                    "Correct the procedure code."),
    "PROC-INVALID": (_E, _C.CODING, "{system} code {code} is not in the loaded {system} table.",
                     "Check the code for a typo, or import the current table."),
    "PROC-NOT-IN-EFFECT": (_E, _C.CODING,
                           "{system} code {code} is not valid on the date of service (added "
                           "later or deleted).", "Use the code in effect on the date of service."),
    "CPT-NOT-LOADED": (_W, _C.CODING,
                       "No CPT table is loaded: CPT codes on {lines} were checked for format "
                       "only.", "Import the licensed CPT file (claims codes import cpt)."),
    "HCPCS-NOT-LOADED": (_W, _C.CODING,
                         "No HCPCS table is loaded: HCPCS codes on {lines} were checked for "
                         "format only.",
                         "Import the CMS HCPCS quarterly file (claims codes import hcpcs)."),
    "MOD-FORMAT": (_E, _C.CODING, "Modifier {modifier!r} is not two letters or digits.",
                   "Correct the modifier."),
    "MOD-TOO-MANY": (_E, _C.CODING, "The line has {count} modifiers; at most 4 fit.",
                     "Keep the 4 that affect payment first."),
    "MOD-DUPLICATE": (_W, _C.CODING, "The same modifier appears twice on the line.",
                      "Remove the repeated modifier."),
    "MOD-INVALID": (_E, _C.CODING, "Modifier {modifier} is {why}.",
                    "Use a modifier valid on the date of service."),
    "MOD-UNKNOWN": (_W, _C.CODING,
                    "Modifier {modifier} is not in our modifier table and no HCPCS file is "
                    "loaded to confirm it.", "Check the modifier, or import the HCPCS file."),
    "UNITS-NOT-POSITIVE": (_E, _C.CODING, "The line's units are zero or negative.",
                           "Enter the units rendered (more than zero)."),
    "CHARGE-NEGATIVE": (_E, _C.CODING, "The line charge is negative.",
                        "Enter the charge as zero or more; credits go on the ledger."),
    "CHARGE-ZERO": (_W, _C.CODING,
                    "The line charge is zero for a code that is not a quality code.",
                    "Enter the fee-schedule charge, unless the service is truly free."),
    "POS-MISSING": (_E, _C.CODING, "The claim has no place of service.",
                    "Enter the place-of-service code where the service was rendered."),
    "POS-INVALID": (_E, _C.CODING, "Place of service {code!r} is not a place-of-service code.",
                    "Use a two-digit CMS place-of-service code (11 is an office)."),
    "POS-NOT-IN-EFFECT": (_E, _C.CODING,
                          "Place of service {code} is not valid on the date of service.",
                          "Use the place-of-service code in effect on that date."),
    "NDC-FORMAT": (_E, _C.CODING, "The NDC is not 11 digits.",
                   "Enter the NDC in the 5-4-2 format as 11 digits, no hyphens (pad with a "
                   "leading zero)."),
    "REV-MISSING": (_E, _C.CODING, "The institutional line has no revenue code.",
                    "Enter the 4-digit revenue code of the service."),
    "TOB-MISSING": (_E, _C.CODING, "The institutional claim has no type of bill.",
                    "Enter the 3-digit type of bill (facility type and frequency)."),
    "RFV-MISSING": (_E, _C.CODING,
                    "An outpatient institutional claim needs the patient's reason for visit.",
                    "Enter the reason-for-visit diagnosis (HI APR) from the visit's record."),
    "NUBC-FORMAT": (_E, _C.CODING, "The {words} code {code!r} is not {rule}.",
                    "Correct the {words} code (NUBC UB-04 manual)."),
    "NUBC-UNKNOWN": (_E, _C.CODING, "The {words} code {code} is not in the imported NUBC table.",
                     "Use a {words} code from the NUBC UB-04 manual."),
    "DUP-CLAIM": (_E, _C.DUPLICATE,
                  "{code} for this patient and date of service was already billed to this payer "
                  "on another claim.",
                  "If it is the same service, do not bill it again (correct the other claim "
                  "instead); if it was repeated, add 76, 77 or 91 as fits."),
    "NCCI-NOT-LOADED": (_W, _C.CODING,
                        "No NCCI {missing} table is loaded for this type of claim: those edits "
                        "did not run.", "Import the CMS NCCI files (claims codes import ncci)."),
    "NCCI-PTP": (_E, _C.CODING, "", ""),  # words from coding/ncci.py
    "NCCI-MUE": (_E, _C.CODING, "", ""),  # words from coding/ncci.py
    Check.MODIFIER_REQUIRED.edit_id: (_E, _C.CODING,
                                      "Payer rule {rule}: this line needs modifier {modifiers}.",
                                      "Add modifier {modifiers}."),
    Check.MODIFIER_NOT_ALLOWED.edit_id: (_E, _C.CODING,
                                         "Payer rule {rule}: this payer does not accept "
                                         "modifier {modifiers} here.",
                                         "Remove modifier {modifiers}."),
    Check.PRIOR_AUTHORIZATION_REQUIRED.edit_id: (_E, _C.AUTHORIZATION,
                                                 "Payer rule {rule}: the services on {lines} "
                                                 "need a prior authorization number.",
                                                 "Obtain the authorization and enter its number "
                                                 "(or request a retro-authorization)."),
    Check.NDC_REQUIRED.edit_id: (_E, _C.MISSING_INFORMATION,
                                 "Payer rule {rule}: this payer requires the NDC on {code}.",
                                 "Enter the NDC and quantity of the drug given."),
    Check.REFERRING_PROVIDER_REQUIRED.edit_id: (_E, _C.MISSING_INFORMATION,
                                                "Payer rule {rule}: the services on {lines} need "
                                                "a referring provider.",
                                                "Enter the referring provider and NPI."),
}  # fmt: skip

EDIT_CATEGORIES: Mapping[str, Category] = MappingProxyType(
    {edit_id: entry[1] for edit_id, entry in _EDITS.items()}
)
EDIT_SEVERITIES: Mapping[str, Severity] = MappingProxyType(
    {edit_id: entry[0] for edit_id, entry in _EDITS.items()}
)


def edit_category(edit_id: str) -> Category:
    """The rework category a finding with this edit ID is routed to (other when unknown)."""
    return EDIT_CATEGORIES.get(edit_id, Category.OTHER)


def _add(
    out: list[Finding],
    edit_id: str,
    place: str,
    field_name: str,
    severity: Severity | None = None,
    hint: str = "",
    **values: object,
) -> None:
    """Append the finding of an edit, its words filled in from the catalogue."""
    default, _, message, default_hint = _EDITS[edit_id]
    out.append(
        Finding(
            edit_id,
            severity or default,
            place,
            field_name,
            message.format(**values),
            hint or default_hint.format(**values),
        )
    )


# Limits of the 837 guides.
MAX_LINES = {ClaimKind.PROFESSIONAL: 50, ClaimKind.INSTITUTIONAL: 999}
MAX_DIAGNOSES = {ClaimKind.PROFESSIONAL: 12, ClaimKind.INSTITUTIONAL: 25}
MAX_POINTERS = 4
MAX_MODIFIERS = 4
TIMELY_FILING_WARNING_DAYS = 30
POA_VALUES = frozenset({"Y", "N", "U", "W"})
# Codes 80000-89999 that are consultations, not lab tests, so need no CLIA number.
CLIA_EXEMPT = frozenset({"80500", "80502", "86077", "86078", "86079", "88321", "88323", "88325"})
# EIN prefixes the IRS has never assigned.
INVALID_EIN_PREFIXES = frozenset(
    {"00", "07", "08", "09", "17", "18", "19", "28", "29", "49", "69", "70", "78", "79", "89"}
    | {"96", "97"}
)
_FREQUENCIES = frozenset({"1", "7", "8"})
_PLACES = tuple(f"line {n}" for n in range(1000))  # "line n" without formatting per line


def _place(number: int) -> str:
    return _PLACES[number] if 0 <= number < len(_PLACES) else f"line {number}"


class _Code(NamedTuple):
    """What the line edits need to know of a procedure code, worked out once per code."""

    system: int  # _CPT, _HCPCS or _BAD
    lab: bool  # a lab test that needs CLIA (unless billed with modifier 26)
    quality: bool  # a quality code, billed at zero


_CPT, _HCPCS, _BAD = 1, 2, 0
_CODES: dict[str, _Code] = {}


def _classify(code: str) -> _Code:
    """The procedure code's system and classes, remembered (claims repeat a few thousand)."""
    found = _CODES.get(code)
    if found is None:
        if is_cpt_format(code):
            system = _CPT
        elif is_level2_format(code):
            system = _HCPCS
        else:
            system = _BAD
        lab = system == _CPT and is_lab_code(code) and code not in CLIA_EXEMPT
        found = _Code(system, lab, is_quality_code(code))
        if len(_CODES) < 100_000:
            _CODES[code] = found
    return found


class _NcciLine(NamedTuple):
    """A line of the claim being scrubbed, as coding.ncci reads it."""

    line_number: int
    procedure_code: str
    modifiers: tuple[str, ...]
    units_thousandths: int
    service_date: date


class _ClaimView:
    """The history seen from one claim: its own lines dropped, each date asked once."""

    __slots__ = ("_claim_key", "_history", "_seen")

    def __init__(self, history: ClaimHistory, claim_key: str) -> None:
        self._history = history
        self._claim_key = claim_key
        self._seen: dict[tuple[str, date], list[HistoryLine]] = {}

    def other_lines(self, patient_key: str, service_date: date) -> list[HistoryLine]:
        """The patient's lines on that date in other live claims."""
        key = (patient_key, service_date)
        lines = self._seen.get(key)
        if lines is None:
            own = self._claim_key
            lines = [
                line
                for line in self._history.other_lines(patient_key, service_date)
                if line.claim_key != own
            ]
            self._seen[key] = lines
        return lines


# -------------------------------------------------------------------------------------------
# The engine
# -------------------------------------------------------------------------------------------


def scrub(
    claim: ScrubClaim,
    *,
    tables: CodeTables,
    history: ClaimHistory,
    today: date,
    rules: Mapping[str, PayerRules] | None = None,
) -> list[Finding]:
    """Every finding of every edit on one claim (an empty list: the claim is clean)."""
    out: list[Finding] = []
    _claim_edits(claim, out)
    _date_edits(claim, today, out)
    person = claim.subscriber
    if claim.patient is not None or not (
        person.name and person.member_id and person.birth_date and person.sex and person.address
    ):
        _demographic_edits(claim, out)
    _provider_edits(claim, out)
    _diagnosis_edits(claim, tables.icd10cm, out)
    _line_edits(claim, tables, out)
    if claim.kind is ClaimKind.INSTITUTIONAL:
        _institutional_edits(claim, tables, out)
    view = _ClaimView(history, claim.claim_key) if history is not NO_HISTORY else None
    if view is not None and claim.frequency == "1":
        _duplicate_edits(claim, view, out)
    _ncci_edits(claim, tables, view, out)
    if rules:
        payer_rules = rules.get(claim.payer_code)
        if payer_rules is not None:
            _payer_rule_edits(claim, payer_rules, out)
    return out


def _claim_edits(claim: ScrubClaim, out: list[Finding]) -> None:
    kind = claim.kind
    lines = claim.lines
    if not lines:
        _add(out, "LINES-MISSING", "claim", "lines")
    elif len(lines) > MAX_LINES[kind]:
        _add(out, "LINES-TOO-MANY", "claim", "lines", count=len(lines), label=_label(kind),
             limit=MAX_LINES[kind])  # fmt: skip
    total = claim.total_charge_cents
    if total is not None and lines and sum(line.charge_cents for line in lines) != total:
        _add(out, "CLAIM-TOTAL-MISMATCH", "claim", "total_charge")
    frequency = claim.frequency
    if frequency == "1":
        return
    if frequency not in _FREQUENCIES:
        _add(out, "FREQ-INVALID", "claim", "frequency", value=frequency)
        return
    if not claim.payer_accepts_replacement:
        _add(out, "FREQ-NOT-ACCEPTED", "claim", "frequency", value=frequency)
    if not claim.payer_claim_number_present:
        _add(out, "FREQ-NO-PAYER-CLAIM-NUMBER", "claim", "payer_claim_number", value=frequency)


def _date_edits(claim: ScrubClaim, today: date, out: list[Finding]) -> None:
    first = last = claim.service_date
    future_line = 0
    for line in claim.lines:
        day = line.service_date
        if day is not None:
            if day < first:
                first = day
            if day > last:
                last = day
            if day > today and not future_line:
                future_line = line.line_number
    through = claim.statement_to
    if claim.kind is ClaimKind.INSTITUTIONAL and through is not None:
        if through < claim.service_date:
            _add(out, "DOS-RANGE", "claim", "statement_to")
        last = max(last, through)
    if last > today:
        own = future_line and claim.service_date <= today
        _add(out, "DOS-FUTURE", _place(future_line) if own else "claim", "service_date")
    limit = claim.timely_filing_days
    if limit is None:
        return
    # Institutional limits run from the through date; professional ones from each service;
    # a later payer's from the prior payer's remittance.
    start = through if claim.kind is ClaimKind.INSTITUTIONAL and through else first
    if claim.filing_from is not None:
        start = claim.filing_from
    left = limit - (today - start).days
    if left < 0:
        _add(out, "DOS-TIMELY-FILING", "claim", "service_date", limit=limit, late=-left)
    elif left <= TIMELY_FILING_WARNING_DAYS and last <= today:
        _add(out, "DOS-TIMELY-FILING-NEAR", "claim", "service_date", left=left, limit=limit)


_PERSON_FIELDS = (
    ("name", "name"),
    ("member_id", "member ID"),
    ("birth_date", "birth date"),
    ("sex", "sex"),
    ("address", "address"),
)


def _demographic_edits(claim: ScrubClaim, out: list[Finding]) -> None:
    patient = claim.patient
    # The subscriber's birth date, sex and address are required when they are the patient.
    needed = _PERSON_FIELDS if patient is None else _PERSON_FIELDS[:2]
    for attribute, words in needed:
        if not getattr(claim.subscriber, attribute):
            _add(out, "SUBSCRIBER-INCOMPLETE", "claim", f"subscriber.{attribute}", words=words)
    if patient is not None:
        for attribute, words in _PERSON_FIELDS:
            if attribute != "member_id" and not getattr(patient, attribute):
                _add(out, "PATIENT-INCOMPLETE", "claim", f"patient.{attribute}", words=words)


_NPI_SEEN: dict[str, bool] = {}


def _npi_valid(number: str) -> bool:
    """npi.is_valid, remembered: a practice bills with a handful of NPIs."""
    valid = _NPI_SEEN.get(number)
    if valid is None:
        valid = npi.is_valid(number)
        if len(_NPI_SEEN) < 10_000:
            _NPI_SEEN[number] = valid
    return valid


def _provider_edits(claim: ScrubClaim, out: list[Finding]) -> None:
    has_billing = False
    for provider in claim.providers:
        role = provider.role
        if role is ProviderRole.BILLING:
            has_billing = True
        number = provider.npi
        if not number:
            _add(out, "NPI-MISSING", "claim", f"{role.value}.npi", role=_words(role))
        elif not _npi_valid(number):
            _add(out, "NPI-CHECK-DIGIT", "claim", f"{role.value}.npi", role=_words(role))
    if not has_billing:
        _add(out, "NPI-MISSING", "claim", "billing_provider.npi", role="billing provider")
    tin = claim.billing_tin or ""
    if not (len(tin) == 9 and tin.isascii() and tin.isdigit()):
        _add(out, "TIN-FORMAT", "claim", "billing_provider.tin", problem="is not 9 digits")
    elif tin == "000000000":
        _add(out, "TIN-FORMAT", "claim", "billing_provider.tin", problem="is all zeros")
    elif tin[:2] in INVALID_EIN_PREFIXES:
        _add(out, "TIN-FORMAT", "claim", "billing_provider.tin",
             problem="starts with a prefix the IRS never assigns to an EIN")  # fmt: skip


def _diagnosis_edits(claim: ScrubClaim, releases: IcdReleaseSet, out: list[Finding]) -> None:
    institutional = claim.kind is ClaimKind.INSTITUTIONAL
    on = claim.statement_to if institutional and claim.statement_to else claim.service_date
    release, in_force = releases.for_date(on)
    if not in_force:
        _add(out, "CODESET-MISSING", "claim", "diagnoses", release=release.label)
    diagnoses = claim.diagnoses
    if not diagnoses:
        _add(out, "DX-MISSING", "claim", "diagnoses")
        return
    limit = MAX_DIAGNOSES[claim.kind]
    if len(diagnoses) > limit:
        _add(out, "DX-TOO-MANY", "claim", "diagnoses", count=len(diagnoses),
             label=_label(claim.kind), limit=limit)  # fmt: skip
    seen: set[str] = set()
    for position, raw in enumerate(diagnoses, start=1):
        code = raw.replace(".", "").upper()
        status = release.status(code)
        if status is not DxStatus.BILLABLE:
            _diagnosis_problem(position, code, status, release, releases, out)
        if code in seen:
            _add(out, "DX-DUPLICATE", "claim", f"diagnoses[{position}]", position=position,
                 code=code)  # fmt: skip
        seen.add(code)
    principal = diagnoses[0].replace(".", "").upper()
    if release.is_manifestation(principal):
        _add(out, "DX-MANIFESTATION-FIRST", "claim", "diagnoses[1]", code=principal)
    elif is_external_cause(principal) and release.is_valid(principal):
        _add(out, "DX-EXTERNAL-CAUSE-FIRST", "claim", "diagnoses[1]", code=principal)
    if institutional:
        for position, poa in enumerate(claim.present_on_admission, start=1):
            if poa is not None and poa not in POA_VALUES:
                _add(out, "POA-INVALID", "claim", f"present_on_admission[{position}]",
                     position=position)  # fmt: skip


def _diagnosis_problem(
    position: int,
    code: str,
    status: DxStatus,
    release: IcdRelease,
    releases: IcdReleaseSet,
    out: list[Finding],
) -> None:
    where = f"diagnoses[{position}]"
    if status is DxStatus.HEADER:
        _add(out, "DX-NOT-BILLABLE", "claim", where, position=position, code=code,
             release=release.label)  # fmt: skip
        return
    other = releases.release_with(code)
    if other is not None and other is not release:
        _add(out, "DX-NOT-IN-EFFECT", "claim", where, position=position, code=code,
             other=other.label, release=release.label)  # fmt: skip
    else:
        _add(out, "DX-INVALID", "claim", where, position=position, code=code)


def _line_edits(claim: ScrubClaim, tables: CodeTables, out: list[Finding]) -> None:
    professional = claim.kind is ClaimKind.PROFESSIONAL
    cpt = tables.cpt
    hcpcs = tables.hcpcs
    procedures = hcpcs.procedures if hcpcs is not None else None
    level2_modifiers = hcpcs.modifiers if hcpcs is not None and len(hcpcs.modifiers) else None
    pos_table = tables.pos
    diagnosis_count = len(claim.diagnoses)
    claim_day = claim.service_date.toordinal()
    claim_pos = claim.place_of_service
    valid = Validity.VALID
    cpt_unchecked: list[int] = []
    hcpcs_unchecked: list[int] = []
    lab_lines: list[int] = []
    if professional:
        _pos_check(claim_pos, claim_day, pos_table, "claim", out)
    for line in claim.lines:
        number = line.line_number
        day = line.service_date.toordinal() if line.service_date else claim_day
        modifiers = line.modifiers
        code = line.procedure_code
        quality = False
        if not code:
            if professional:
                _add(out, "PROC-MISSING", _place(number), "procedure_code")
        else:
            kind = _classify(code)
            quality = kind.quality
            if kind.system == _CPT:
                if cpt is None:
                    cpt_unchecked.append(number)
                elif (validity := cpt.validity_on(code, day)) is not valid:
                    _procedure_problem(validity, code, "CPT", number, out)
                if kind.lab and PROFESSIONAL_COMPONENT not in modifiers:
                    lab_lines.append(number)
            elif kind.system == _HCPCS:
                if procedures is None:
                    hcpcs_unchecked.append(number)
                elif (validity := procedures.validity_on(code, day)) is not valid:
                    _procedure_problem(validity, code, "HCPCS", number, out)
            else:
                _add(out, "PROC-FORMAT", _place(number), "procedure_code", code=code)
        if modifiers:
            _modifier_checks(modifiers, day, level2_modifiers, number, out)
        if line.units_thousandths <= 0:
            _add(out, "UNITS-NOT-POSITIVE", _place(number), "units")
        charge = line.charge_cents
        if charge <= 0:
            if charge < 0:
                _add(out, "CHARGE-NEGATIVE", _place(number), "charge")
            elif not quality:
                _add(out, "CHARGE-ZERO", _place(number), "charge")
        if professional:
            pointers = line.pointers
            if not pointers:
                _add(out, "PTR-MISSING", _place(number), "pointers")
            else:
                if len(pointers) > MAX_POINTERS:
                    _add(out, "PTR-TOO-MANY", _place(number), "pointers", count=len(pointers))
                for pointer in pointers:
                    if not 1 <= pointer <= diagnosis_count:
                        _add(out, "PTR-INVALID", _place(number), "pointers", pointer=pointer,
                             count=diagnosis_count)  # fmt: skip
            line_pos = line.place_of_service
            if line_pos is not None and line_pos != claim_pos:
                _pos_check(line_pos, day, pos_table, _place(number), out)
        ndc = line.ndc
        if ndc is not None and not (len(ndc) == 11 and ndc.isascii() and ndc.isdigit()):
            _add(out, "NDC-FORMAT", _place(number), "ndc")
    if cpt_unchecked:
        _add(out, "CPT-NOT-LOADED", "claim", "procedure_code", lines=_lines(cpt_unchecked))
    if hcpcs_unchecked:
        _add(out, "HCPCS-NOT-LOADED", "claim", "procedure_code", lines=_lines(hcpcs_unchecked))
    clia = claim.clia_number
    if clia is None:
        # REF*X4 exists on the 837P only: a hospital's lab is certified through the facility.
        if lab_lines and claim.kind is ClaimKind.PROFESSIONAL:
            _add(out, "CLIA-MISSING", "claim", "clia_number", lines=_lines(lab_lines))
    elif not (len(clia) == 10 and clia.isascii() and clia[:2].isdigit() and clia[2] == "D"
              and clia[3:].isdigit()):  # fmt: skip
        _add(out, "CLIA-FORMAT", "claim", "clia_number")


def _procedure_problem(
    validity: Validity, code: str, system: str, number: int, out: list[Finding]
) -> None:
    edit_id = "PROC-NOT-IN-EFFECT" if validity is Validity.NOT_IN_EFFECT else "PROC-INVALID"
    _add(out, edit_id, _place(number), "procedure_code", system=system, code=code)


def _modifier_checks(
    modifiers: tuple[str, ...],
    day: int,
    level2: DatedCodeTable | None,
    number: int,
    out: list[Finding],
) -> None:
    place = _place(number)
    if len(modifiers) > MAX_MODIFIERS:
        _add(out, "MOD-TOO-MANY", place, "modifiers", count=len(modifiers))
    if len(modifiers) > 1 and len(set(modifiers)) != len(modifiers):
        _add(out, "MOD-DUPLICATE", place, "modifiers")
    for index, modifier in enumerate(modifiers, start=1):
        if modifier in CPT_MODIFIERS:
            continue
        where = f"modifiers[{index}]"
        if not is_modifier_format(modifier):
            _add(out, "MOD-FORMAT", place, where, modifier=modifier)
        elif level2 is not None and not modifier.isdigit():
            validity = level2.validity_on(modifier, day)
            if validity is Validity.NOT_IN_EFFECT:
                _add(out, "MOD-INVALID", place, where, modifier=modifier,
                     why="not valid on the date of service")  # fmt: skip
            elif validity is Validity.UNKNOWN:
                _add(out, "MOD-INVALID", place, where, modifier=modifier,
                     why="not in the loaded HCPCS file")  # fmt: skip
        elif modifier not in LEVEL2_MODIFIERS:
            _add(out, "MOD-UNKNOWN", place, where, modifier=modifier)


def _pos_check(
    code: str | None, day: int, table: DatedCodeTable, place: str, out: list[Finding]
) -> None:
    if not code:
        _add(out, "POS-MISSING", place, "place_of_service")
        return
    validity = table.validity_on(code, day)
    if validity is Validity.UNKNOWN:
        _add(out, "POS-INVALID", place, "place_of_service", code=code)
    elif validity is Validity.NOT_IN_EFFECT:
        _add(out, "POS-NOT-IN-EFFECT", place, "place_of_service", code=code)


# Facility type and classification of outpatient bills (hospital outpatient and other
# part B, clinics, ambulatory surgery, critical access outpatient): the X223A2 guide makes the
# patient's reason for visit (HI APR) required when a claim involves an outpatient visit.
OUTPATIENT_BILL_TYPES = frozenset(
    {"13", "14", "23", "34", "71", "72", "73", "74", "75", "76", "77", "79", "83", "85"}
)


def _institutional_edits(claim: ScrubClaim, tables: CodeTables, out: list[Finding]) -> None:
    nubc = tables.nubc
    if not claim.type_of_bill:
        _add(out, "TOB-MISSING", "claim", "type_of_bill")
    elif claim.type_of_bill[:2] in OUTPATIENT_BILL_TYPES and not claim.reason_for_visit:
        _add(out, "RFV-MISSING", "claim", "reason_for_visit")
        _nubc_check(NubcKind.TYPE_OF_BILL, claim.type_of_bill, "claim", "type_of_bill", nubc, out)
    else:
        _nubc_check(NubcKind.TYPE_OF_BILL, claim.type_of_bill, "claim", "type_of_bill", nubc, out)
    single = (
        (NubcKind.ADMISSION_TYPE, claim.admission_type, "admission_type"),
        (NubcKind.ADMISSION_SOURCE, claim.admission_source, "admission_source"),
        (NubcKind.DISCHARGE_STATUS, claim.patient_status, "patient_status"),
    )
    for kind, value, name in single:
        if value:
            _nubc_check(kind, value, "claim", name, nubc, out)
    repeated = (
        (NubcKind.CONDITION, claim.condition_codes, "condition_codes"),
        (NubcKind.OCCURRENCE, claim.occurrence_codes, "occurrence_codes"),
        (NubcKind.OCCURRENCE_SPAN, claim.occurrence_span_codes, "occurrence_span_codes"),
        (NubcKind.VALUE, claim.value_codes, "value_codes"),
    )
    for kind, values, name in repeated:
        for index, value in enumerate(values, start=1):
            _nubc_check(kind, value, "claim", f"{name}[{index}]", nubc, out)
    for line in claim.lines:
        place = _place(line.line_number)
        if not line.revenue_code:
            _add(out, "REV-MISSING", place, "revenue_code")
        else:
            _nubc_check(NubcKind.REVENUE, line.revenue_code, place, "revenue_code", nubc, out)


def _nubc_check(
    kind: NubcKind,
    code: str,
    place: str,
    field_name: str,
    tables: Mapping[NubcKind, DatedCodeTable],
    out: list[Finding],
) -> None:
    words = kind.value.replace("_", " ")
    if not nubc_format(kind, code):
        _add(out, "NUBC-FORMAT", place, field_name, words=words, code=code, rule=format_rule(kind))
        return
    table = tables.get(kind)
    if table is not None and code not in table:
        _add(out, "NUBC-UNKNOWN", place, field_name, words=words, code=code)


def _duplicate_edits(claim: ScrubClaim, view: _ClaimView, out: list[Finding]) -> None:
    billed: dict[date, dict[str, list[tuple[str, ...]]]] = {}
    payer = claim.payer_code
    for line in claim.lines:
        code = line.procedure_code
        if not code or REPEAT_MODIFIERS.intersection(line.modifiers):
            continue
        day = line.service_date or claim.service_date
        index = billed.get(day)
        if index is None:
            index = billed[day] = {}
            for other in view.other_lines(claim.patient_key, day):
                if other.payer_code == payer:
                    index.setdefault(other.procedure_code, []).append(other.modifiers)
        earlier = index.get(code)
        if earlier is None:
            continue
        sites = ANATOMIC.intersection(line.modifiers)
        if any(ANATOMIC.intersection(modifiers) == sites for modifiers in earlier):
            _add(out, "DUP-CLAIM", _place(line.line_number), "procedure_code", code=code)


def _ncci_edits(
    claim: ScrubClaim, tables: CodeTables, view: _ClaimView | None, out: list[Finding]
) -> None:
    if claim.kind is ClaimKind.INSTITUTIONAL:
        ptp, mue = tables.ptp_institutional, tables.mue_institutional
    else:
        ptp = tables.ptp_professional
        mue = tables.mue_dme if claim.dme_supplier else tables.mue_professional
    if ptp is None or mue is None:
        missing = " and ".join(name for name, t in (("PTP", ptp), ("MUE", mue)) if t is None)
        _add(out, "NCCI-NOT-LOADED", "claim", "procedure_code", missing=missing)
        if ptp is None and mue is None:
            return
    from coding import ncci  # here, not at the top: coding/ncci.py may import this module

    day = claim.service_date
    lines = [
        _NcciLine(line.line_number, code, line.modifiers, line.units_thousandths,
                  line.service_date or day)
        for line in claim.lines
        if (code := line.procedure_code)
    ]  # fmt: skip
    if not lines:
        return
    history: ClaimHistory = view if view is not None else NO_HISTORY
    provider = claim.billing_npi
    found: list[ncci.NcciFinding] = []
    if ptp is not None:
        found += ncci.ptp_findings(
            lines, ptp, history, patient_key=claim.patient_key, provider_key=provider
        )
    if mue is not None:
        found += ncci.mue_findings(
            lines, mue, history, patient_key=claim.patient_key, provider_key=provider
        )
    for f in found:
        out.append(
            Finding(f.edit_id, Severity(f.severity), _place(f.line_number), f.field, f.message,
                    f.hint)
        )  # fmt: skip


def _payer_rule_edits(claim: ScrubClaim, payer: PayerRules, out: list[Finding]) -> None:
    kind = claim.kind.value
    claim_pos = claim.place_of_service
    for rule in payer.rules:
        check = rule.check
        edit_id = check.edit_id
        severity = Severity(rule.severity)
        matched: list[int] = []
        for line in claim.lines:
            if not rule.applies(kind, line.place_of_service or claim_pos, line.procedure_code):
                continue
            matched.append(line.line_number)
            place = _place(line.line_number)
            if check is Check.MODIFIER_REQUIRED:
                if not rule.modifiers.intersection(line.modifiers):
                    _add(out, edit_id, place, "modifiers", severity, rule.hint, rule=rule.id,
                         modifiers=" or ".join(sorted(rule.modifiers)))  # fmt: skip
            elif check is Check.MODIFIER_NOT_ALLOWED:
                refused = rule.modifiers.intersection(line.modifiers)
                if refused:
                    _add(out, edit_id, place, "modifiers", severity, rule.hint, rule=rule.id,
                         modifiers=", ".join(sorted(refused)))  # fmt: skip
            elif check is Check.NDC_REQUIRED and not line.ndc:
                _add(out, edit_id, place, "ndc", severity, rule.hint, rule=rule.id,
                     code=line.procedure_code or "this line")  # fmt: skip
        if not matched:
            continue
        if check is Check.PRIOR_AUTHORIZATION_REQUIRED and not claim.prior_authorization_present:
            _add(out, edit_id, "claim", "prior_authorization", severity, rule.hint,
                 rule=rule.id, lines=_lines(matched))  # fmt: skip
        elif check is Check.REFERRING_PROVIDER_REQUIRED and not _has_referring(claim):
            _add(out, edit_id, "claim", "referring_provider", severity, rule.hint,
                 rule=rule.id, lines=_lines(matched))  # fmt: skip


def _has_referring(claim: ScrubClaim) -> bool:
    return any(p.role is ProviderRole.REFERRING and p.npi for p in claim.providers)


def _label(kind: ClaimKind) -> str:
    return "837P" if kind is ClaimKind.PROFESSIONAL else "837I"


def _words(role: ProviderRole) -> str:
    return role.value.replace("_", " ")


def _lines(numbers: Iterable[int]) -> str:
    numbers = list(numbers)
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return "lines " + ", ".join(str(n) for n in numbers)
