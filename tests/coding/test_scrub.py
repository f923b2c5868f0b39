"""Tests of coding/scrub.py: a corpus of claims with one known defect each, clean claims (the
demo's among them), NCCI and history wiring, payer rules, and the edit catalogue."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache

import pytest

import coding.scrub as scrub_module
from claims.demo import FIRST_SERVICE_DATE, LAST_SERVICE_DATE, VISITS
from coding.cpt import parse_cpt_csv
from coding.hcpcs import HcpcsTable, parse_hcpcs_file
from coding.icd10cm import IcdReleaseSet, build_release
from coding.ncci import MueEdit, MueTable, PtpEdit, PtpTable
from coding.npi import check_digit
from coding.nubc import NubcKind, parse_nubc_csv
from coding.payer_rules import PayerRules, load_payer_rules
from coding.pos import parse_pos_csv
from coding.remit import Category
from coding.scrub import (
    EDIT_CATEGORIES,
    EDIT_SEVERITIES,
    NO_HISTORY,
    ClaimHistory,
    ClaimKind,
    CodeTables,
    Demographics,
    Finding,
    HistoryLine,
    ProviderRole,
    ScrubClaim,
    ScrubLine,
    ScrubProvider,
    Severity,
    edit_category,
    scrub,
)
from tests.coding.helpers import hcpcs_record, shipped_release


def _npi(first_nine: str) -> str:
    return first_nine + check_digit(first_nine)


BILLING_NPI = _npi("123456789")
RENDERING_NPI = _npi("198765432")
REFERRING_NPI = _npi("143210987")
DOS = date(2026, 5, 4)
TODAY = date(2026, 6, 1)

# --- tables built from small files in the official layouts ---------------------------------

HCPCS_FILE = "\n".join(
    [hcpcs_record(code, "our words", added=date(1995, 1, 1)) for code in ("G0008", "J3301")]
    + [hcpcs_record("G8431", "quality words", added=date(2010, 1, 1))]
    + [hcpcs_record("G0101", "retired", added=date(1998, 1, 1), terminated=date(2025, 12, 31))]
    + [
        hcpcs_record(m, "modifier words", record="7", added=date(1990, 1, 1))
        for m in ("RT", "LT", "TC", "GA", "QW", "XE", "XS", "XP", "XU", "F1", "FA")
    ]
    + [
        hcpcs_record(
            "GT", "retired", record="7", added=date(2003, 1, 1), terminated=date(2017, 12, 31)
        )
    ]
)
DEMO_CPT = (
    "99213", "99214", "80053", "83036", "82306", "36415", "85025", "84443", "11102", "20610",
    "93000", "90471", "90686", "71046", "97110", "81003", "94010", "99283", "88321", "3074F",
    "70551",
)  # fmt: skip
CPT_FILE = "code,description,start,end\n" + "".join(
    f"{code},licensed words,2000-01-01,\n" for code in DEMO_CPT
) + "99201,deleted visit,1992-01-01,2020-12-31\n"  # fmt: skip


@lru_cache(maxsize=1)
def _hcpcs() -> HcpcsTable:
    return parse_hcpcs_file(HCPCS_FILE, file="HCPC2026_APR_ANWEB.txt")


@lru_cache(maxsize=1)
def _releases() -> IcdReleaseSet:
    # An older release that still had a code the April 2026 release does not.
    october = build_release(date(2025, 10, 1), [("I10", True, "x"), ("Z9999", True, "gone")])
    return IcdReleaseSet.of(shipped_release(), october)


def _ptp() -> PtpTable:
    return PtpTable.from_edits(
        [
            PtpEdit("20610", "99214", date(2000, 1, 1), None, 1, "Misuse of column two code"),
            PtpEdit("11102", "99213", date(2000, 1, 1), None, 1, "Misuse of column two code"),
            PtpEdit("80053", "84443", date(2000, 1, 1), None, 0, "Laboratory panel"),
        ]
    )


def _mue() -> MueTable:
    return MueTable.from_edits(
        [
            MueEdit("99213", 1, 2, "Code descriptor"),
            MueEdit("99214", 1, 2, "Code descriptor"),
            MueEdit("36415", 2, 3, "Clinical"),
            MueEdit("J3301", 40, 3, "Clinical"),
        ]
    )


def tables(**changes: object) -> CodeTables:
    """Every table loaded (small ones), with changes."""
    full = CodeTables(
        icd10cm=_releases(),
        hcpcs=_hcpcs(),
        cpt=parse_cpt_csv(CPT_FILE, file="cpt.csv"),
        ptp_professional=_ptp(),
        ptp_institutional=_ptp(),
        mue_professional=_mue(),
        mue_institutional=_mue(),
        mue_dme=_mue(),
    )
    return replace(full, **changes)  # type: ignore[arg-type]


# --- claims ---------------------------------------------------------------------------------


def line(number: int = 1, code: str | None = "99213", **changes: object) -> ScrubLine:
    """A clean 837P line (one unit, $150, pointing to diagnosis 1), with changes."""
    base = ScrubLine(number, code, 15000, 1000, pointers=(1,))
    return replace(base, **changes)  # type: ignore[arg-type]


PROVIDERS = (
    ScrubProvider(ProviderRole.BILLING, BILLING_NPI),
    ScrubProvider(ProviderRole.RENDERING, RENDERING_NPI),
)


def claim(**changes: object) -> ScrubClaim:
    """A clean 837P claim (an office visit for hypertension), with changes."""
    base = ScrubClaim(
        claim_key="claim-1",
        kind=ClaimKind.PROFESSIONAL,
        patient_key="patient-1",
        payer_code="DEMOACME1",
        service_date=DOS,
        diagnoses=("I10", "E78.5"),
        lines=(line(pointers=(1, 2)),),
        providers=PROVIDERS,
        billing_tin="841234567",
        subscriber=Demographics(),
        timely_filing_days=365,
        place_of_service="11",
        total_charge_cents=15000,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def institutional(**changes: object) -> ScrubClaim:
    """A clean 837I outpatient claim (an emergency visit), with changes."""
    base = claim(
        kind=ClaimKind.INSTITUTIONAL,
        place_of_service=None,
        lines=(ScrubLine(1, "99283", 90000, 1000, revenue_code="0450"),),
        total_charge_cents=90000,
        providers=(*PROVIDERS[:1], ScrubProvider(ProviderRole.ATTENDING, RENDERING_NPI)),
        statement_to=DOS,
        type_of_bill="131",
        reason_for_visit=("R079",),
        admission_type="1",
        admission_source="7",
        patient_status="01",
        present_on_admission=("Y", None),
        condition_codes=("A1",),
        value_codes=("80",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class FakeHistory:
    """Lines of other claims, by patient and date; counts the questions asked."""

    lines: tuple[HistoryLine, ...] = ()
    asked: list[tuple[str, date]] = field(default_factory=list)

    def other_lines(self, patient_key: str, service_date: date) -> Sequence[HistoryLine]:
        self.asked.append((patient_key, service_date))
        return [
            h for h in self.lines
            if h.patient_key == patient_key and h.service_date == service_date
        ]  # fmt: skip


def billed(code: str = "99213", **changes: object) -> HistoryLine:
    """A line of another claim of the same patient, date, payer and billing provider."""
    base = HistoryLine(
        claim_key="claim-0",
        line_number=1,
        patient_key="patient-1",
        service_date=DOS,
        procedure_code=code,
        modifiers=(),
        units_thousandths=1000,
        provider_key=BILLING_NPI,
        payer_code="DEMOACME1",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


RULES_TOML = """\
payer = "DEMOACME1"

[[rule]]
id = "telehealth-95"
check = "modifier_required"
modifiers = ["95"]
when = { place_of_service = ["02", "10"] }

[[rule]]
id = "mri-auth"
check = "prior_authorization_required"
when = { procedures = ["70551-70553"] }

[[rule]]
id = "drug-ndc"
check = "ndc_required"
when = { procedures = ["J*"] }

[[rule]]
id = "no-gt"
check = "modifier_not_allowed"
modifiers = ["GT"]
severity = "warning"

[[rule]]
id = "therapy-referral"
check = "referring_provider_required"
when = { procedures = ["97110"] }
"""


RULES = {"DEMOACME1": load_payer_rules(RULES_TOML, file="acme.toml")}
# A payer that refuses XU, as a warning.
NO_XU = {
    "DEMOACME1": load_payer_rules(
        'payer = "DEMOACME1"\n[[rule]]\nid = "no-xu"\ncheck = "modifier_not_allowed"\n'
        'modifiers = ["XU"]\nseverity = "warning"\n',
        file="no-xu.toml",
    )
}


# --- the corpus -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A claim with one known defect and the exact edit IDs it must get."""

    name: str
    claim: ScrubClaim
    expected: tuple[str, ...]
    tables: CodeTables | None = None
    today: date = TODAY
    history: ClaimHistory = NO_HISTORY
    rules: Mapping[str, PayerRules] | None = None


def _dx(count: int) -> tuple[str, ...]:
    codes = ("I10", "E785", "E119", "J069", "R059", "M5450", "F411", "G4700", "N390", "K219",
             "R109", "J45909", "D649", "E039", "L821", "Z23")  # fmt: skip
    return codes[:count]


def _many_lines(count: int) -> tuple[ScrubLine, ...]:
    return tuple(line(n, "97110", charge_cents=4500) for n in range(1, count + 1))


CORPUS = [
    # the claim as a whole
    Case("no lines", claim(lines=(), total_charge_cents=None), ("LINES-MISSING",)),
    Case("51 lines on an 837P", claim(lines=_many_lines(51), total_charge_cents=None),
         ("LINES-TOO-MANY",)),
    Case("total is not the sum", claim(total_charge_cents=15001), ("CLAIM-TOTAL-MISMATCH",)),
    Case("frequency 2", claim(frequency="2"), ("FREQ-INVALID",)),
    Case("replacement without the payer's number", claim(frequency="7"),
         ("FREQ-NO-PAYER-CLAIM-NUMBER",)),
    Case("void to a payer that takes none",
         claim(frequency="8", payer_claim_number_present=True, payer_accepts_replacement=False),
         ("FREQ-NOT-ACCEPTED",)),
    Case("date of service tomorrow", claim(), ("DOS-FUTURE",), today=DOS - timedelta(days=1)),
    Case("a line dated in the future",
         claim(lines=(line(pointers=(1, 2), service_date=date(2026, 6, 2)),)),
         ("DOS-FUTURE",)),
    Case("past timely filing", claim(), ("DOS-TIMELY-FILING",), today=DOS + timedelta(days=366)),
    Case("timely filing nearly over", claim(), ("DOS-TIMELY-FILING-NEAR",),
         today=DOS + timedelta(days=340)),
    Case("a later payer's limit runs from the prior payer's remittance",
         claim(filing_from=DOS + timedelta(days=200)), (), today=DOS + timedelta(days=400)),
    Case("past a later payer's limit from the prior payer's remittance",
         claim(filing_from=DOS + timedelta(days=10)), ("DOS-TIMELY-FILING",),
         today=DOS + timedelta(days=376)),
    Case("subscriber without member ID", claim(subscriber=Demographics(member_id=False)),
         ("SUBSCRIBER-INCOMPLETE",)),
    Case("subscriber-patient without address", claim(subscriber=Demographics(address=False)),
         ("SUBSCRIBER-INCOMPLETE",)),
    Case("dependent without birth date", claim(patient=Demographics(birth_date=False)),
         ("PATIENT-INCOMPLETE",)),
    Case("dependent: the subscriber's address is not needed",
         claim(subscriber=Demographics(address=False, birth_date=False), patient=Demographics()),
         ()),
    # providers
    Case("rendering NPI mistyped",
         claim(providers=(PROVIDERS[0], ScrubProvider(ProviderRole.RENDERING, "1234567890"))),
         ("NPI-CHECK-DIGIT",)),
    Case("referring provider without NPI",
         claim(providers=(*PROVIDERS, ScrubProvider(ProviderRole.REFERRING, None))),
         ("NPI-MISSING",)),
    Case("no billing provider", claim(providers=PROVIDERS[1:]), ("NPI-MISSING",)),
    Case("TIN of 8 digits", claim(billing_tin="84123456"), ("TIN-FORMAT",)),
    Case("TIN of zeros", claim(billing_tin="000000000"), ("TIN-FORMAT",)),
    Case("TIN with a never-assigned prefix", claim(billing_tin="071234567"), ("TIN-FORMAT",)),
    Case("no TIN", claim(billing_tin=None), ("TIN-FORMAT",)),
    # diagnoses
    Case("not a code", claim(diagnoses=("I10.1", "E78.5")), ("DX-INVALID",)),
    Case("a category", claim(diagnoses=("E11", "E78.5")), ("DX-NOT-BILLABLE",)),
    Case("a code of an earlier release", claim(diagnoses=("I10", "Z99.99")),
         ("DX-NOT-IN-EFFECT",)),
    Case("no release for the date", claim(service_date=date(2026, 10, 5)), ("CODESET-MISSING",),
         today=date(2026, 10, 20)),
    Case("manifestation first", claim(diagnoses=("G63", "E11.42")),
         ("DX-MANIFESTATION-FIRST",)),
    Case("inherited manifestation first", claim(diagnoses=("D63.1", "N18.4")),
         ("DX-MANIFESTATION-FIRST",)),
    Case("external cause first", claim(diagnoses=("W19.XXXA", "S72.001A")),
         ("DX-EXTERNAL-CAUSE-FIRST",)),
    Case("external cause second is fine", claim(diagnoses=("S72.001A", "W19.XXXA")), ()),
    Case("the same diagnosis twice", claim(diagnoses=("I10", "I10")), ("DX-DUPLICATE",)),
    Case("13 diagnoses", claim(diagnoses=_dx(13)), ("DX-TOO-MANY",)),
    Case("no diagnosis", claim(diagnoses=()), ("DX-MISSING", "PTR-INVALID", "PTR-INVALID")),
    # pointers
    Case("no pointer", claim(lines=(line(pointers=()),)), ("PTR-MISSING",)),
    Case("five pointers", claim(diagnoses=_dx(5), lines=(line(pointers=(1, 2, 3, 4, 5)),)),
         ("PTR-TOO-MANY",)),
    Case("pointer past the diagnoses", claim(lines=(line(pointers=(1, 3)),)), ("PTR-INVALID",)),
    Case("pointer zero", claim(lines=(line(pointers=(0,)),)), ("PTR-INVALID",)),
    # procedures
    Case("no procedure code", claim(lines=(line(code=None, pointers=(1, 2)),)),
         ("PROC-MISSING",)),
    Case("neither CPT nor HCPCS", claim(lines=(line(code="9921A", pointers=(1, 2)),)),
         ("PROC-FORMAT",)),
    Case("CPT code not in the table", claim(lines=(line(code="99999"),)), ("PROC-INVALID",)),
    Case("CPT code deleted before the date", claim(lines=(line(code="99201"),)),
         ("PROC-NOT-IN-EFFECT",)),
    Case("HCPCS code not in the table", claim(lines=(line(code="J9999"),)), ("PROC-INVALID",)),
    Case("HCPCS code terminated", claim(lines=(line(code="G0101"),)), ("PROC-NOT-IN-EFFECT",)),
    Case("no CPT table", claim(), ("CPT-NOT-LOADED",), tables=tables(cpt=None)),
    Case("no HCPCS table", claim(lines=(line(code="G0008"),)), ("HCPCS-NOT-LOADED",),
         tables=tables(hcpcs=None)),
    # modifiers
    Case("modifier of one character", claim(lines=(line(modifiers=("2",)),)), ("MOD-FORMAT",)),
    Case("modifier in lower case", claim(lines=(line(modifiers=("rt",)),)), ("MOD-FORMAT",)),
    Case("five modifiers", claim(lines=(line(modifiers=("25", "59", "76", "GA", "QW")),)),
         ("MOD-TOO-MANY",)),
    Case("the same modifier twice", claim(lines=(line(modifiers=("25", "25")),)),
         ("MOD-DUPLICATE",)),
    Case("Level II modifier not in the HCPCS file", claim(lines=(line(modifiers=("GY",)),)),
         ("MOD-INVALID",)),
    Case("Level II modifier terminated", claim(lines=(line(modifiers=("GT",)),)),
         ("MOD-INVALID",)),
    Case("modifier nobody knows, no HCPCS file", claim(lines=(line(modifiers=("ZZ",)),)),
         ("MOD-UNKNOWN",), tables=tables(hcpcs=None)),
    Case("common modifier, no HCPCS file", claim(lines=(line(modifiers=("GA",)),)), (),
         tables=tables(hcpcs=None)),
    # units and charges
    Case("zero units", claim(lines=(line(units_thousandths=0),)), ("UNITS-NOT-POSITIVE",)),
    Case("negative charge", claim(lines=(line(charge_cents=-100),), total_charge_cents=-100),
         ("CHARGE-NEGATIVE",)),
    Case("zero charge on a visit", claim(lines=(line(charge_cents=0),), total_charge_cents=0),
         ("CHARGE-ZERO",)),
    Case("zero charge on a quality code",
         claim(lines=(line(), line(2, "3074F", charge_cents=0)), total_charge_cents=15000), ()),
    Case("zero charge on a HCPCS quality code",
         claim(lines=(line(), line(2, "G8431", charge_cents=0)), total_charge_cents=15000), ()),
    # place of service
    Case("no place of service", claim(place_of_service=None), ("POS-MISSING",)),
    Case("not a place of service", claim(place_of_service="68"), ("POS-INVALID",)),
    Case("line place of service not a code", claim(lines=(line(place_of_service="00"),)),
         ("POS-INVALID",)),
    Case("place of service retired", claim(place_of_service="99"), ("POS-NOT-IN-EFFECT",),
         tables=tables(pos=parse_pos_csv("11,office,,\n99,other,,2025-12-31\n", file="p"))),
    # lab and drugs
    Case("lab test without CLIA", claim(lines=(line(code="80053"),), total_charge_cents=None),
         ("CLIA-MISSING",)),
    Case("CLIA number misshapen", claim(clia_number="38X1234567"), ("CLIA-FORMAT",)),
    Case("specimen draw needs no CLIA", claim(lines=(line(code="36415"),)), ()),
    Case("outpatient 837I without a reason for visit", institutional(reason_for_visit=()),
         ("RFV-MISSING",)),
    Case("inpatient 837I needs no reason for visit",
         institutional(reason_for_visit=(), type_of_bill="111"), ()),
    Case("a hospital's lab needs no CLIA on an 837I (no REF*X4 there)",
         institutional(lines=(line(code="85025", revenue_code="0300"),),
                       total_charge_cents=None), ()),
    Case("interpretation only needs no CLIA",
         claim(lines=(line(code="80053", modifiers=("26",)),)), ()),
    Case("referred-slide consultation needs no CLIA", claim(lines=(line(code="88321"),)), ()),
    Case("NDC with hyphens", claim(lines=(line(code="J3301", ndc="0003-0293-05"),)),
         ("NDC-FORMAT",)),
    # duplicates
    Case("already billed to this payer", claim(lines=(line(code="93000"),)), ("DUP-CLAIM",),
         history=FakeHistory((billed("93000"),))),
    Case("billed to another payer", claim(lines=(line(code="93000"),)), (),
         history=FakeHistory((billed("93000", payer_code="DEMOBLUE1"),))),
    Case("billed on another date", claim(lines=(line(code="93000"),)), (),
         history=FakeHistory((billed("93000", service_date=DOS - timedelta(days=1)),))),
    Case("the claim's own earlier lines", claim(), (),
         history=FakeHistory((billed(claim_key="claim-1"),))),
    Case("a repeat on purpose", claim(lines=(line(code="93000", modifiers=("76",)),)), (),
         history=FakeHistory((billed("93000"),))),
    Case("the other side", claim(lines=(line(code="20610", modifiers=("RT",)),)), (),
         history=FakeHistory((billed("20610", modifiers=("LT",)),))),
    Case("same side again", claim(lines=(line(code="20610", modifiers=("RT",)),)),
         ("DUP-CLAIM",), history=FakeHistory((billed("20610", modifiers=("RT",)),))),
    Case("a replacement is not a duplicate",
         claim(frequency="7", payer_claim_number_present=True), (),
         history=FakeHistory((billed("93000"),))),
    # NCCI
    Case("PTP pair without a bypass modifier",
         claim(lines=(line(code="99214"), line(2, "20610")),
               total_charge_cents=None), ("NCCI-PTP",)),
    Case("PTP pair bypassed by 25",
         claim(lines=(line(code="99214", modifiers=("25",)), line(2, "20610", modifiers=("RT",))),
               total_charge_cents=None), ()),
    Case("PTP pair across claims", claim(lines=(line(code="99214"),)), ("NCCI-PTP",),
         history=FakeHistory((billed("20610", claim_key="claim-9"),))),
    Case("PTP pair of another billing provider", claim(lines=(line(code="99214"),)), (),
         history=FakeHistory((billed("20610", provider_key=_npi("111111111")),))),
    Case("units over a per-day MUE", claim(lines=(line(units_thousandths=2000),)),
         ("NCCI-MUE",)),
    Case("per-day MUE across claims", claim(), ("NCCI-MUE", "DUP-CLAIM"),
         history=FakeHistory((billed(),))),
    Case("no NCCI tables", claim(), ("NCCI-NOT-LOADED",),
         tables=tables(ptp_professional=None, mue_professional=None)),
    # payer rules
    Case("telehealth without 95", claim(place_of_service="10"), ("PAYER-MODIFIER-REQUIRED",),
         rules=RULES),
    Case("telehealth with 95", claim(place_of_service="10", lines=(line(modifiers=("95",)),)),
         (), rules=RULES),
    Case("MRI without authorization", claim(lines=(line(code="70551"),)),
         ("PAYER-PRIOR-AUTH-REQUIRED",), rules=RULES),
    Case("MRI with authorization",
         claim(lines=(line(code="70551"),), prior_authorization_present=True), (),
         rules=RULES),
    Case("drug without NDC", claim(lines=(line(code="J3301"),)), ("PAYER-NDC-REQUIRED",),
         rules=RULES),
    Case("modifier the payer refuses (a warning)", claim(lines=(line(modifiers=("XU",)),)),
         ("PAYER-MODIFIER-NOT-ALLOWED",), rules=NO_XU),
    Case("therapy without referral", claim(lines=(line(code="97110", charge_cents=15000),)),
         ("PAYER-REFERRING-REQUIRED",), rules=RULES),
    Case("rules of another payer do not apply", claim(payer_code="DEMOBLUE1",
         place_of_service="10"), (), rules=RULES),
    # institutional
    Case("837I clean", institutional(), ()),
    Case("837I line without revenue code",
         institutional(lines=(ScrubLine(1, "99283", 90000, 1000),)), ("REV-MISSING",)),
    Case("837I without type of bill", institutional(type_of_bill=None), ("TOB-MISSING",)),
    Case("837I type of bill misshapen", institutional(type_of_bill="0131"), ("NUBC-FORMAT",)),
    Case("837I revenue code misshapen",
         institutional(lines=(ScrubLine(1, "99283", 90000, 1000, revenue_code="450"),)),
         ("NUBC-FORMAT",)),
    Case("837I condition code misshapen", institutional(condition_codes=("A",)),
         ("NUBC-FORMAT",)),
    Case("837I discharge status misshapen", institutional(patient_status="1"),
         ("NUBC-FORMAT",)),
    Case("837I revenue code not in the imported table",
         institutional(lines=(ScrubLine(1, "99283", 90000, 1000, revenue_code="0451"),)),
         ("NUBC-UNKNOWN",),
         tables=tables(nubc={NubcKind.REVENUE: parse_nubc_csv(
             "0450,emergency room\n", kind=NubcKind.REVENUE, file="rev.csv")})),
    Case("837I present-on-admission misshapen", institutional(present_on_admission=("X",)),
         ("POA-INVALID",)),
    Case("837I statement ends before it starts",
         institutional(statement_to=DOS - timedelta(days=1)), ("DOS-RANGE",)),
    Case("837I with 26 diagnoses", institutional(diagnoses=_dx(16) * 2),
         ("DX-TOO-MANY", *("DX-DUPLICATE",) * 16)),
    Case("837I needs no pointers or place of service",
         institutional(lines=(ScrubLine(1, "99283", 90000, 1000, revenue_code="0450",
                                        pointers=()),)), ()),
]  # fmt: skip


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_each_defect_gets_exactly_its_edits(case: Case) -> None:
    findings = scrub(
        case.claim,
        tables=case.tables or tables(),
        history=case.history,
        today=case.today,
        rules=case.rules,
    )
    assert sorted(f.edit_id for f in findings) == sorted(case.expected), [
        (f.edit_id, f.message) for f in findings
    ]
    for finding in findings:
        _check_finding(finding, case.claim)


def _check_finding(finding: Finding, claim: ScrubClaim) -> None:
    """Severity as catalogued; a place; words that name fields and quote no patient data."""
    assert finding.edit_id in EDIT_CATEGORIES
    expected = CATALOGUE[finding.edit_id][0]
    if expected != "*":
        assert finding.severity is (Severity.ERROR if expected == "E" else Severity.WARNING)
    assert re.fullmatch(r"claim|line \d+", finding.place), finding.place
    assert finding.field and finding.message and finding.hint
    for secret in (claim.patient_key, claim.service_date.isoformat(), claim.claim_key):
        assert secret not in finding.message and secret not in finding.hint


def _catalogue() -> dict[str, tuple[str, str]]:
    """The edit table of coding/scrub.py's docstring: edit ID -> (severity, category)."""
    doc = scrub_module.__doc__ or ""
    rows = re.findall(r"^([A-Z][A-Z0-9-]+)\s+([EW*])\s+(\S+)\s", doc, flags=re.MULTILINE)
    return {edit: (severity, category) for edit, severity, category in rows}


CATALOGUE = _catalogue()


def test_the_docstring_catalogue_is_the_code_catalogue() -> None:
    assert set(CATALOGUE) == set(EDIT_CATEGORIES) == set(EDIT_SEVERITIES)
    for edit_id, (severity, category) in CATALOGUE.items():
        # The docstring shortens long category names with "..".
        assert EDIT_CATEGORIES[edit_id].value.startswith(category.rstrip(".")), edit_id
        if severity != "*":  # payer rules: the rule's severity, error by default
            assert EDIT_SEVERITIES[edit_id].value[0].upper() == severity, edit_id
    assert edit_category("DUP-CLAIM") is Category.DUPLICATE
    assert edit_category("DOS-TIMELY-FILING") is Category.TIMELY_FILING
    assert edit_category("PAYER-PRIOR-AUTH-REQUIRED") is Category.AUTHORIZATION
    assert edit_category("SOMETHING-NEW") is Category.OTHER


def test_the_corpus_covers_every_edit() -> None:
    seen = {edit for case in CORPUS for edit in case.expected}
    assert seen == set(EDIT_CATEGORIES)


def test_a_clean_claim_gets_nothing_and_messages_name_the_place() -> None:
    assert scrub(claim(), tables=tables(), history=NO_HISTORY, today=TODAY) == []
    findings = scrub(
        claim(lines=(line(), line(2, "99213", units_thousandths=0)), total_charge_cents=None),
        tables=tables(), history=NO_HISTORY, today=TODAY,
    )  # fmt: skip
    assert [(f.edit_id, f.place, f.field) for f in findings] == [
        ("UNITS-NOT-POSITIVE", "line 2", "units")
    ]


def test_payer_rule_severity_comes_from_the_rule() -> None:
    findings = scrub(
        claim(lines=(line(modifiers=("XU",)),)),
        tables=tables(), history=NO_HISTORY, today=TODAY, rules=NO_XU,
    )  # fmt: skip
    assert [(f.edit_id, f.severity) for f in findings] == [
        ("PAYER-MODIFIER-NOT-ALLOWED", Severity.WARNING)
    ]


def test_history_is_asked_once_per_date_and_own_lines_are_dropped() -> None:
    history = FakeHistory((billed(claim_key="claim-1", units_thousandths=5000),))
    two_dates = claim(
        lines=(line(), line(2, "36415", service_date=DOS + timedelta(days=1))),
        total_charge_cents=None,
    )
    findings = scrub(two_dates, tables=tables(), history=history, today=TODAY)
    assert findings == []  # the claim's own stored line neither duplicates nor adds units
    assert sorted(history.asked) == [("patient-1", DOS), ("patient-1", DOS + timedelta(days=1))]


def test_ncci_findings_keep_the_line_and_words_of_coding_ncci() -> None:
    findings = scrub(
        claim(lines=(line(code="99214"), line(2, "20610")), total_charge_cents=None),
        tables=tables(), history=NO_HISTORY, today=TODAY,
    )  # fmt: skip
    (finding,) = findings
    assert (finding.edit_id, finding.place, finding.field) == (
        "NCCI-PTP",
        "line 1",
        "procedure_code",
    )
    assert "20610/99214" in finding.message and finding.severity is Severity.ERROR


def test_dme_suppliers_use_the_dme_mue_file() -> None:
    strict = MueTable.from_edits([MueEdit("99213", 0, 1, "DME")])
    dme = claim(dme_supplier=True)
    findings = scrub(dme, tables=tables(mue_dme=strict), history=NO_HISTORY, today=TODAY)
    assert [f.edit_id for f in findings] == ["NCCI-MUE"]
    assert scrub(claim(), tables=tables(mue_dme=strict), history=NO_HISTORY, today=TODAY) == []


# --- the demo's visits ----------------------------------------------------------------------

PAYERS = (("DEMOMCR01", False), ("DEMOACME1", True), ("DEMOBLUE1", True))


def demo_claims() -> list[ScrubClaim]:
    """Every demo visit as a claim: to each payer (Medicare bills G0008 for 90471), on the
    first and last date of service the demo draws, with and without a referring provider."""
    claims = []
    for number, visit in enumerate(VISITS, start=1):
        for payer, accepts_replacement in PAYERS:
            for day in (FIRST_SERVICE_DATE, LAST_SERVICE_DATE):
                lines = tuple(
                    ScrubLine(
                        line_number=n,
                        procedure_code=(
                            "G0008"
                            if payer == "DEMOMCR01" and c.procedure_code == "90471"
                            else c.procedure_code
                        ),
                        charge_cents=c.charge_cents,
                        units_thousandths=c.units_thousandths,
                        modifiers=c.modifiers,
                        pointers=c.pointers,
                        ndc=c.ndc,
                    )
                    for n, c in enumerate(visit.charges, start=1)
                )
                providers: tuple[ScrubProvider, ...] = PROVIDERS
                if number % 2:
                    providers = (*PROVIDERS, ScrubProvider(ProviderRole.REFERRING, REFERRING_NPI))
                claims.append(
                    ScrubClaim(
                        claim_key=f"demo-{number}-{payer}-{day}",
                        kind=ClaimKind.PROFESSIONAL,
                        patient_key=f"demo-patient-{number}",
                        payer_code=payer,
                        service_date=day,
                        diagnoses=visit.diagnoses,
                        lines=lines,
                        providers=providers,
                        billing_tin="841234567",
                        subscriber=Demographics(),
                        patient=Demographics() if number % 3 == 0 else None,
                        timely_filing_days=365,
                        payer_accepts_replacement=accepts_replacement,
                        place_of_service="11",
                        total_charge_cents=sum(c.charge_cents for c in visit.charges),
                        clia_number="38D1234567" if visit.lab else None,
                    )
                )
    return claims


DEMO_TODAY = LAST_SERVICE_DATE + timedelta(days=15)


def test_the_demo_visits_are_clean_with_every_table() -> None:
    for demo in demo_claims():
        findings = scrub(demo, tables=tables(), history=NO_HISTORY, today=DEMO_TODAY)
        assert findings == [], (demo.claim_key, [(f.edit_id, f.message) for f in findings])


def test_the_demo_visits_without_licensed_tables_only_warn_about_them() -> None:
    # What ships: the ICD-10-CM release and our own lists. CPT, HCPCS and NCCI are user imports.
    shipped = CodeTables(icd10cm=IcdReleaseSet.of(shipped_release()))
    for demo in demo_claims():
        findings = scrub(demo, tables=shipped, history=NO_HISTORY, today=DEMO_TODAY)
        expected = ["CPT-NOT-LOADED", "NCCI-NOT-LOADED"]
        codes = {ln.procedure_code for ln in demo.lines}
        if codes & {"J3301", "G0008"}:
            expected.append("HCPCS-NOT-LOADED")
        assert sorted(f.edit_id for f in findings) == sorted(expected), demo.claim_key
        assert all(f.severity is Severity.WARNING for f in findings)


def test_the_demo_visits_pass_payer_rules_they_meet() -> None:
    # Every demo payer with Acme's rules: drugs carry their NDC, therapy has a referral.
    for demo in demo_claims():
        book = {demo.payer_code: replace(RULES["DEMOACME1"], payer_code=demo.payer_code)}
        findings = scrub(demo, tables=tables(), history=NO_HISTORY, today=DEMO_TODAY, rules=book)
        assert findings == [], demo.claim_key
        if any(ln.procedure_code == "J3301" for ln in demo.lines):
            without_ndc = replace(demo, lines=tuple(replace(ln, ndc=None) for ln in demo.lines))
            findings = scrub(
                without_ndc, tables=tables(), history=NO_HISTORY, today=DEMO_TODAY, rules=book
            )
            assert [f.edit_id for f in findings] == ["PAYER-NDC-REQUIRED"]


def test_an_hcpcs_file_without_modifiers_leaves_our_modifier_table_in_charge() -> None:
    no_modifiers = HcpcsTable(_hcpcs().procedures, parse_hcpcs_file(
        hcpcs_record("J3301", "words", added=date(2000, 1, 1)), file="f").modifiers)  # fmt: skip
    findings = scrub(
        claim(lines=(line(modifiers=("GA",)), line(2, "93000", modifiers=("ZZ",))),
              total_charge_cents=None),
        tables=tables(hcpcs=no_modifiers), history=NO_HISTORY, today=TODAY,
    )  # fmt: skip
    assert [(f.edit_id, f.place) for f in findings] == [("MOD-UNKNOWN", "line 2")]
