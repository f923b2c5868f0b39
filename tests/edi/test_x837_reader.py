"""The 837 reader: our files read back to the same text, other systems' files to the same
segments (documented differences aside), the HL hierarchy, skipped loops, and refusals that
name the segment and element."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from edi.validate import pyx12_problems
from edi.x12 import Segment, X12Error, read_segments
from edi.x837.models import (
    Address,
    Batch,
    Diagnosis,
    Drug,
    Institutional,
    Kind,
    Person,
    Provider,
    ServiceLine,
    Skipped,
)
from edi.x837.reader import read_837
from edi.x837.writer import InvalidClaim, write_batch
from tests.edi import x12text as t
from tests.edi.builders import ADDRESS, RENDERING, batch, dependent, institutional, professional

GOLDEN = Path(__file__).parent / "golden"


def naive(b: Batch) -> Batch:
    """A built batch as the reader returns it: X12 times carry no time zone."""
    created = b.envelope.created_at.replace(tzinfo=None)
    return replace(b, envelope=replace(b.envelope, created_at=created))


def only(text: str) -> Batch:
    [result] = read_837(text)
    return result


# -- our own files ---------------------------------------------------------------------------


def test_the_golden_file_reads_back_to_the_same_text() -> None:
    golden = (GOLDEN / "837p_two_claims.x12").read_text()
    read = only(golden)
    assert read.skipped == ()
    assert [c.patient_control_number for c in read.claims] == ["CLAIMP1", "CLAIMD1"]
    assert write_batch(read).text == golden
    assert read == naive(batch(Kind.PROFESSIONAL, (professional(), dependent())))


@pytest.mark.parametrize(
    "built",
    [
        batch(Kind.PROFESSIONAL, (professional(), dependent())),
        batch(Kind.INSTITUTIONAL, (institutional(),)),
        batch(Kind.PROFESSIONAL, (professional(frequency="7", payer_claim_number="PAYER0001"),)),
        batch(Kind.PROFESSIONAL, (professional(frequency="8", payer_claim_number="PAYER0002"),)),
        batch(Kind.PROFESSIONAL, tuple(professional(f"C{n}") for n in range(5)), 2),
    ],
    ids=["professional-dependent", "institutional", "frequency-7", "frequency-8", "multi-st"],
)
def test_batches_we_write_read_back_to_the_same_batch_and_text(built: Batch) -> None:
    text = write_batch(built).text
    read = only(text)
    assert read == naive(built)
    assert write_batch(read).text == text


def test_everything_the_models_carry_survives_a_round_trip() -> None:
    facility = Provider(Person("RIVER SURGERY CENTER", is_organization=True), "1528036431")
    facility = replace(facility, address=ADDRESS)
    lines = (
        ServiceLine(
            "PL1", "00400", 60000, 45000, date(2026, 5, 1), ("AA", "QK", "P1", "GC"), (1, 2, 3, 4),
            place_of_service="22", unit="MJ",
        ),
        ServiceLine(
            "PL2", "E0601", 12050, 1500, date(2026, 5, 1), (), (2,),
            service_date_to=date(2026, 5, 31), drug=Drug("00003029305", 2500, "UN"),
        ),
    )  # fmt: skip
    p_claim = professional(
        "RICH1",
        lines=lines,
        total_charge_cents=72050,
        diagnoses=tuple(Diagnosis(code) for code in ("M1711", "I10", "E119", "Z7984")),
        subscriber=replace(
            professional().subscriber, name=Person("ALDER", "AVA", "B", suffix="JR")
        ),
        place_of_service="11",
        service_facility=facility,
        clia_number="05D1234567",
        assignment="C",
        benefits_assigned="N",
        release_of_information="I",
        provider_signature="N",
    )
    others = tuple(Diagnosis(f"R{n:02d}", "N" if n % 2 else "Y") for n in range(10, 23))
    inst = Institutional(
        "111", date(2026, 5, 1), date(2026, 5, 4), "1", "7", "01",
        admission_at=datetime(2026, 5, 1, 14, 30), admitting_diagnosis="R079",
        reason_for_visit=("R079", "R0789"), attending=RENDERING,
    )  # fmt: skip
    i_claim = replace(
        institutional("RICH2"),
        diagnoses=(Diagnosis("I214", "Y"), *others),
        institutional=inst,
        lines=(
            ServiceLine(
                "IL1", None, 300000, 3000, date(2026, 5, 1), unit="DA", revenue_code="0120"
            ),
            ServiceLine("IL2", "93005", 7500, 1000, date(2026, 5, 2), revenue_code="0730"),
        ),
        total_charge_cents=307500,
    )
    outpatient = replace(
        institutional("RICH3"), institutional=replace(inst, admission_at=date(2026, 5, 1))
    )
    for built in (
        batch(Kind.PROFESSIONAL, (p_claim,)),
        batch(Kind.INSTITUTIONAL, (i_claim, outpatient)),
    ):
        text = write_batch(built).text
        assert pyx12_problems(text) == []
        read = only(text)
        assert read == naive(built)
        assert write_batch(read).text == text
    assert "DTP*435*D8*20260501~" in write_batch(batch(Kind.INSTITUTIONAL, (outpatient,))).text


# -- the hierarchy ---------------------------------------------------------------------------


def test_the_hl_hierarchy_gives_each_claim_its_provider_subscriber_and_patient() -> None:
    body = [
        *t.billing(1),
        *t.subscriber(2, 1, "SELF1"),
        *t.claim("A1", "100"),
        *t.claim("A2", "50", "25"),
        *t.subscriber(3, 1, "PARENT1", dependent=True),
        *t.patient(4, 3),
        *t.claim("B1", "70"),
        *t.claim("B2", "30"),
        *t.billing(5, npi="1987654328"),
        *t.subscriber(6, 5, "SELF2"),
        *t.claim("C1", "10"),
    ]
    read = only(t.file_837(body))
    by_pcn = {c.patient_control_number: c for c in read.claims}
    assert list(by_pcn) == ["A1", "A2", "B1", "B2", "C1"]
    assert [c.total_charge_cents for c in read.claims] == [10000, 7500, 7000, 3000, 1000]
    assert [line.charge_cents for line in by_pcn["A2"].lines] == [5000, 2500]
    for pcn in ("A1", "A2"):
        claim = by_pcn[pcn]
        assert claim.subscriber.member_id == "SELF1" and claim.subscriber.is_patient
        assert claim.patient is None and claim.subscriber.birth_date == date(1980, 1, 2)
    for pcn in ("B1", "B2"):
        claim = by_pcn[pcn]
        assert claim.subscriber.member_id == "PARENT1" and not claim.subscriber.is_patient
        assert claim.patient is not None and claim.patient.name == Person("DOE", "MIA")
        assert claim.patient.relationship == "19"
    assert {by_pcn[p].billing_provider.npi for p in ("A1", "A2", "B1", "B2")} == {"1234567893"}
    assert by_pcn["C1"].billing_provider.npi == "1987654328"
    assert by_pcn["C1"].subscriber.member_id == "SELF2"
    # Written back (one HL 22 per claim, as our writer does), the file passes pyx12.
    assert pyx12_problems(write_batch(read).text) == []


def test_a_dependents_claim_does_not_carry_the_subscribers_address() -> None:
    sub = t.subscriber(2, 1, "PARENT1")
    sub[0] = "HL*2*1*22*1"
    sub[1] = "SBR*P**GRP1******CI"
    text = t.file_837([*t.billing(1), *sub, *t.patient(3, 2), *t.claim("D1", "100")])
    read = only(text)
    subscriber = read.claims[0].subscriber
    assert (subscriber.address, subscriber.birth_date, subscriber.sex) == (None, None, None)
    skipped = {(s.position, s.segment_id, s.loop) for s in read.skipped}
    for prefix, seg_id, nth in (("N3*2 OAK", "N3", 1), ("N4*PORT", "N4", 2), ("DMG*", "DMG", 1)):
        assert (t.position(text, prefix, nth), seg_id, "2010BA") in skipped


def test_one_batch_per_group_and_per_run_of_transactions_the_writer_can_rebuild() -> None:
    def st(control: str, *pcns: str) -> list[str]:
        body = [*t.HEADER, *t.billing(1)]
        for n, pcn in enumerate(pcns):
            body += [*t.subscriber(2 + n, 1, f"M{pcn}"), *t.claim(pcn, "10")]
        return t.transaction(control, body)

    even = t.group("7", [st("0001", "A", "B"), st("0002", "C")])
    uneven = t.group("8", [st("0003", "D"), st("0004", "E", "F")])
    batches = read_837(t.interchange(even, uneven))
    assert [b.envelope.group_control_number for b in batches] == [7, 8, 8]
    assert [b.transaction_control_numbers for b in batches] == [(1, 2), (3,), (4,)]
    assert [b.claims_per_transaction for b in batches] == [2, 5000, 5000]
    assert [[c.patient_control_number for c in b.claims] for b in batches] == [
        ["A", "B", "C"],
        ["D"],
        ["E", "F"],
    ]
    assert [s.get(2) for s in read_segments(write_batch(batches[0]).text) if s.id == "ST"] == [
        "0001",
        "0002",
    ]


def test_the_envelope_is_kept() -> None:
    read = only(t.file_837([*t.billing(1), *t.subscriber(2, 1, "M1"), *t.claim("A", "10")]))
    env = read.envelope
    assert (env.sender_qualifier, env.sender_id, env.receiver_id) == ("ZZ", "SENDER", "RECEIVER")
    assert (env.interchange_control_number, env.group_control_number) == (42, 1)
    assert (env.usage, env.acknowledgment_requested) == ("T", False)
    assert env.created_at == datetime(2026, 11, 23, 9, 30)
    assert read.submitter.name == "SUBMITTER" and read.submitter.phone == "5035550100"
    assert (read.receiver.name, read.receiver.id, read.reference) == ("RECEIVER", "R1", "REF1")


# -- skipped loops and elements ----------------------------------------------------------------


def test_loops_and_elements_we_do_not_model_are_skipped_and_reported() -> None:
    billing = t.billing(1)
    billing += ["NM1*87*2", "N3*PO BOX 1", "N4*PORTLAND*OR*972011234"]  # 2010AB pay-to
    claim = t.claim("A", "100")
    claim[0] = "CLM*A*100***11:B:1*Y*A*Y*Y*P"  # CLM10 patient signature source
    claim[1:1] = ["PWK*OZ*BM", "NTE*ADD*NOTE"]
    claim[4:4] = [
        "SBR*S*01*******CI",  # 2320 other subscriber
        "OI***Y***Y",
        "NM1*IL*1*ROE*RAY****MI*X1",  # 2330A
        "NM1*PR*2*OTHER PAYER*****PI*O1",  # 2330B
    ]
    claim += ["NTE*ADD*LINE NOTE"]  # 2400
    text = t.file_837([*billing, *t.subscriber(2, 1, "M1"), *claim])
    read = only(text)

    def at(prefix: str, nth: int = 1) -> int:
        return t.position(text, prefix, nth)

    assert list(read.skipped) == [
        Skipped(at("NM1*87"), "NM1", "2010AB"),
        Skipped(at("N3*PO BOX"), "N3", "2010AB"),
        Skipped(at("N4*PORTLAND*OR*972011234", 2), "N4", "2010AB"),
        Skipped(at("CLM*A"), "CLM", "2300", "CLM10"),
        Skipped(at("PWK"), "PWK", "2300"),
        Skipped(at("NTE*ADD*NOTE"), "NTE", "2300"),
        Skipped(at("SBR*S"), "SBR", "2320"),
        Skipped(at("OI*"), "OI", "2320"),
        Skipped(at("NM1*IL*1*ROE"), "NM1", "2330A"),
        Skipped(at("NM1*PR*2*OTHER"), "NM1", "2330B"),
        Skipped(at("NTE*ADD*LINE"), "NTE", "2400"),
    ]
    assert str(read.skipped[3]) == f"segment {at('CLM*A')} (CLM) element CLM10 in loop 2300"
    # The claim itself is whole: one line, its diagnosis, its payer.
    claim_read = read.claims[0]
    assert len(claim_read.lines) == 1 and claim_read.diagnoses == (Diagnosis("I10"),)
    assert claim_read.subscriber.payer_id == "P1"


# -- amounts, quantities and refusals ----------------------------------------------------------


def _one_line(charge: str, units: str = "1") -> str:
    claim = t.claim("A", "1")
    claim[0] = "CLM*A*1***11:B:1*Y*A*Y*Y"
    claim[3] = f"SV1*HC:99213*{charge}*UN*{units}***1"
    return t.file_837([*t.billing(1), *t.subscriber(2, 1, "M1"), *claim])


@pytest.mark.parametrize(
    ("charge", "cents"), [("12.5", 1250), (".5", 50), ("100", 10000), ("0.01", 1), ("7.", 700)]
)
def test_amounts_become_exact_cents(charge: str, cents: int) -> None:
    assert only(_one_line(charge)).claims[0].lines[0].charge_cents == cents


@pytest.mark.parametrize(
    ("charge", "message"),
    [
        ("12.345", "more than 2 decimal places"),
        ("1e3", "not a number"),
        ("12,50", "not a number"),
        ("NaN", "not a number"),
        ("", "required"),
    ],
)
def test_a_bad_amount_names_the_segment_and_element(charge: str, message: str) -> None:
    text = _one_line(charge)
    with pytest.raises(X12Error) as info:
        read_837(text)
    sv1 = t.position(text, "SV1")
    assert str(info.value) == f"segment {sv1} (SV1), element SV102: {message}"


@pytest.mark.parametrize(("units", "thousandths"), [("1.5", 1500), ("0.125", 125), ("2", 2000)])
def test_quantities_become_exact_thousandths(units: str, thousandths: int) -> None:
    assert only(_one_line("10", units)).claims[0].lines[0].units_thousandths == thousandths


def test_a_quantity_with_four_places_is_refused() -> None:
    with pytest.raises(X12Error, match="element SV104: more than 3 decimal places"):
        read_837(_one_line("10", "1.2345"))


@pytest.mark.parametrize("version", ["005010X222A2", "005010X223A3", "004010X098A1", ""])
def test_versions_we_do_not_read_are_refused_naming_gs08(version: str) -> None:
    text = t.file_837([*t.billing(1), *t.subscriber(2, 1, "M1"), *t.claim("A", "10")])
    text = text.replace("*X*005010X222A1~", f"*X*{version}~").replace(
        "*005010X222A1~", f"*{version}~"
    )
    with pytest.raises(X12Error) as info:
        read_837(text, name="in.x12")
    assert (info.value.segment, info.value.segment_id, info.value.element) == (2, "GS", 8)
    assert str(info.value).startswith("in.x12, segment 2 (GS), element GS08: ")


def test_st03_must_agree_with_gs08() -> None:
    text = t.file_837([*t.billing(1), *t.subscriber(2, 1, "M1"), *t.claim("A", "10")])
    text = text.replace("ST*837*0001*005010X222A1", "ST*837*0001*005010X223A2")
    with pytest.raises(X12Error, match=r"segment 3 \(ST\), element ST03"):
        read_837(text)


def _structure_error(text: str) -> X12Error:
    with pytest.raises(X12Error) as info:
        read_837(text)
    return info.value


GOOD = [*t.billing(1), *t.subscriber(2, 1, "M1"), *t.claim("A", "10")]


def test_a_wrong_se_count_is_refused_at_the_se() -> None:
    text = t.file_837(GOOD)
    bad = text.replace("SE*", "SE*9")
    error = _structure_error(bad)
    assert (error.segment, error.segment_id, error.element) == (t.position(bad, "SE*"), "SE", 1)


def test_se02_must_match_st02() -> None:
    text = t.file_837(GOOD).replace("*0001~\nGE", "*0009~\nGE")
    error = _structure_error(text)
    assert (error.segment_id, error.element) == ("SE", 2)


def test_wrong_ge_and_iea_counts_are_refused() -> None:
    text = t.file_837(GOOD)
    assert _structure_error(text.replace("GE*1*1", "GE*2*1")).segment_id == "GE"
    assert _structure_error(text.replace("IEA*1*", "IEA*3*")).segment_id == "IEA"
    assert _structure_error(text.replace("IEA*1*000000042", "IEA*1*000000043")).element == 2


def test_a_claim_outside_a_subscriber_or_patient_loop_is_refused() -> None:
    text = t.file_837([*t.billing(1), *t.claim("A", "10")])
    error = _structure_error(text)
    assert error.segment == t.position(text, "CLM") and "CLM outside" in error.message


def test_a_line_before_any_claim_is_refused() -> None:
    body = [*t.billing(1), *t.subscriber(2, 1, "M1"), "LX*1", *t.claim("A", "10")]
    text = t.file_837(body)
    error = _structure_error(text)
    assert (error.segment, error.segment_id) == (t.position(text, "LX*1"), "LX")
    assert "before any CLM" in error.message


def test_a_line_after_an_hl_belongs_to_no_claim() -> None:
    body = [*t.billing(1), *t.subscriber(2, 1, "M1"), *t.claim("A", "10"), *t.billing(3)]
    body += ["LX*1", "SV1*HC:99213*10*UN*1***1"]
    text = t.file_837(body)
    assert _structure_error(text).segment == t.position(text, "LX*1", 2)


@pytest.mark.parametrize(
    ("hl", "message"),
    [("HL*3*9*22*0", "names no earlier HL"), ("HL*2*1*22*0", "repeats the HL at segment")],
)
def test_a_broken_hierarchy_is_refused(hl: str, message: str) -> None:
    sub = t.subscriber(3, 1, "M2")
    sub[0] = hl
    text = t.file_837([*GOOD, *sub, *t.claim("B", "10")])
    error = _structure_error(text)
    assert error.segment == t.position(text, hl, 2 if hl.startswith("HL*2*") else 1)
    assert message in error.message


def test_a_fault_in_a_later_transaction_set_returns_nothing() -> None:
    good = t.transaction("0001", [*t.HEADER, *GOOD])
    bad = t.transaction("0002", [*t.HEADER, *GOOD])
    bad = [s.replace("SV1*HC:99213*10", "SV1*HC:99213*1O") for s in bad]  # letter O
    text = t.interchange(t.group("1", [good, bad]))
    error = _structure_error(text)
    assert error.segment == t.position(text, "SV1", 2) and error.element == 2


def test_icd9_diagnoses_are_read_marked_and_written_back_as_they_came() -> None:
    claim = t.claim("A", "10")
    claim[1] = "HI*BK:4019*BF:25000"
    text = t.file_837([*t.billing(1), *t.subscriber(2, 1, "M1"), *claim])
    (batch,) = read_837(text)
    (read,) = batch.claims
    assert [(d.code, d.icd9) for d in read.diagnoses] == [("4019", True), ("25000", True)]
    assert "HI*BK:4019*BF:25000~" in write_batch(batch).text


def test_a_claim_mixing_icd9_and_icd10_is_refused_naming_the_hi() -> None:
    claim = t.claim("A", "10")
    claim[1] = "HI*ABK:I10*BF:25000"
    text = t.file_837([*t.billing(1), *t.subscriber(2, 1, "M1"), *claim])
    error = _structure_error(text)
    assert (error.segment, error.segment_id, error.element) == (t.position(text, "HI*"), "HI", 2)
    assert "mixes ICD-9-CM and ICD-10-CM" in error.message and "25000" not in str(error)


def test_icd9_admitting_diagnosis_on_an_837i_is_refused() -> None:
    body = [
        *t.billing(1), *t.subscriber(2, 1, "M1"),
        *t.institutional_claim("I1", "HI*ABK:R079*BJ:4019"),
    ]  # fmt: skip
    text = t.file_837(body, version=t.I)
    error = _structure_error(text)
    assert error.segment_id == "HI" and "BJ" in error.message


def test_an_837i_claim_reads_its_institutional_data() -> None:
    body = [*t.billing(1), *t.subscriber(2, 1, "M1"), *t.institutional_claim("I1")]
    read = only(t.file_837(body, version=t.I))
    claim = read.claims[0]
    assert read.kind is Kind.INSTITUTIONAL
    assert claim.institutional is not None
    assert claim.institutional.type_of_bill == "131"
    assert claim.institutional.attending is not None
    assert claim.diagnoses == (Diagnosis("R079", "Y"),)
    assert claim.lines[0].revenue_code == "0450" and claim.lines[0].procedure_code == "99284"


def test_an_837i_claim_without_statement_dates_is_refused() -> None:
    claim = [s for s in t.institutional_claim("I1") if not s.startswith("DTP*434")]
    text = t.file_837([*t.billing(1), *t.subscriber(2, 1, "M1"), *claim], version=t.I)
    error = _structure_error(text)
    assert error.segment == t.position(text, "CLM") and "DTP*434" in error.message


def test_encounter_reports_are_not_read_as_claims() -> None:
    text = t.file_837(GOOD).replace("*0930*CH~", "*0930*RP~")
    error = _structure_error(text)
    assert (error.segment_id, error.element) == ("BHT", 6)


def test_a_truncated_file_is_refused() -> None:
    text = t.file_837(GOOD)
    with pytest.raises(X12Error, match="truncated"):
        read_837(text[: text.index("\nSE*") + 1])
    with pytest.raises(X12Error, match="truncated"):
        read_837(text[: text.index("\nSE*") + 4])


def test_files_that_are_not_837_are_refused(x12_samples: Path) -> None:
    with pytest.raises(X12Error, match=r"segment 2 \(GS\), element GS01"):
        read_837(x12_samples / "imsweb_999_X231A1_accepted.txt")


# -- other systems' files (../shared/x12-samples) ----------------------------------------------


@pytest.mark.parametrize(
    ("sample", "segment", "segment_id", "element"),
    [
        ("imsweb_837P_X222A1_many_claims.txt", 23, "HI", 1),  # README: invalid (SE count, HI)
        ("imsweb_837I_X223A2_x223-test.txt", 50, "SE", 1),  # README: invalid (SE count, ZIP)
        ("lfh_demo.837", 2, "GS", 8),  # X222A2
        ("lfh_demo.837i", 2, "GS", 8),  # X223A3
    ],
)
def test_invalid_shared_837s_are_refused_with_a_clear_error(
    x12_samples: Path, sample: str, segment: int, segment_id: str, element: int
) -> None:
    # The samples the README calls invalid, and the versions we do not read; the error names
    # the place and quotes no patient data.
    with pytest.raises(X12Error) as info:
        read_837(x12_samples / sample)
    error = info.value
    assert (error.segment, error.segment_id, error.element) == (segment, segment_id, element)
    assert str(error).startswith(str(x12_samples / sample))


def relabelled(path: Path) -> str:
    """A shared sample as it is (its ICD-9 diagnoses are read, marked and written back)."""
    return path.read_text()


def as_we_would_send(read: Batch) -> Batch:
    """What our submission adds before writing: line control numbers (REF*6R) and ZIP+4,
    which our writer requires and these 2005-2006 files lack."""

    def zip9(address: Address) -> Address:
        return replace(address, postal_code=address.postal_code.ljust(9, "0"))

    claims = []
    for claim in read.claims:
        facility = claim.service_facility
        if facility is not None and facility.address is not None:
            facility = replace(facility, address=zip9(facility.address))
        claims.append(
            replace(
                claim,
                lines=tuple(
                    replace(line, control_number=f"T{n}") for n, line in enumerate(claim.lines, 1)
                ),
                billing_provider=replace(
                    claim.billing_provider, address=zip9(claim.billing_provider.address)
                ),
                service_facility=facility,
            )
        )
    return replace(read, claims=tuple(claims))


def differences(text: str, read: Batch) -> list[tuple[str, int]]:
    """Segment-by-segment differences between a file (less the segments the reader skipped)
    and what the writer makes of what was read (less the REF*6R the test added), ignoring the
    elements the reader reported as not carried: (segment ID, element) for each that differs."""
    delimiters = read_segments(text).delimiters
    written = write_batch(as_we_would_send(read), delimiters).text
    whole = {s.position for s in read.skipped if s.element is None}
    dropped = {(s.position, s.element) for s in read.skipped if s.element is not None}
    original = [s for s in read_segments(text) if s.position not in whole]
    ours = [s for s in read_segments(written) if s.elements[:2] != ("REF", "6R")]
    assert [s.id for s in original] == [s.id for s in ours]
    found = []
    for before, after in zip(original, ours, strict=True):
        for index in range(1, max(len(before.elements), len(after.elements))):
            element = f"{before.id}{index:02d}"
            if before.get(index) != after.get(index) and (before.position, element) not in dropped:
                found.append((before.id, index))
    return found


# Per sample: claims, CLM02 total, and the documented differences of a round trip:
# BHT04/05 are written from the group's GS04/05 (one creation time per batch); N4 03 is the
# ZIP+4 the test supplied; SE01 is recounted without the skipped segments.
SHARED_ROUND_TRIPS = {
    "badx12_837P_X222A1_commercial-health-insurance.edi": (
        1,
        Decimal("100"),
        [("BHT", 5), ("N4", 3), ("SE", 1)],
    ),
    "badx12_837P_X222A1_COB-to-payer-b.edi": (
        1,
        Decimal("79.04"),
        [("BHT", 4), ("BHT", 5), ("N4", 3), ("N4", 3), ("SE", 1)],
    ),
}


@pytest.mark.parametrize("sample", sorted(SHARED_ROUND_TRIPS))
def test_shared_837s_read_and_write_back_the_segments_we_model(
    x12_samples: Path, sample: str
) -> None:
    claims, total, expected = SHARED_ROUND_TRIPS[sample]
    text = relabelled(x12_samples / sample)
    read = only(text)
    raw = [s for s in read_segments(x12_samples / sample) if s.id == "CLM"]
    assert len(read.claims) == len(raw) == claims
    assert sum(Decimal(s.get(2)) for s in raw) == total
    assert Decimal(sum(c.total_charge_cents for c in read.claims)) / 100 == total
    assert differences(text, read) == expected


def test_the_cob_sample_skips_its_cob_and_adjudication_loops(x12_samples: Path) -> None:
    read = only(relabelled(x12_samples / "badx12_837P_X222A1_COB-to-payer-b.edi"))
    loops = {s.loop for s in read.skipped}
    assert {"2010AB", "2320", "2330A", "2330B", "2430"} <= loops
    assert sum(1 for s in read.skipped if s.segment_id == "SVD") == 3
    claim = read.claims[0]
    assert claim.subscriber.payer_responsibility == "S"
    assert claim.release_of_information == "I"
    assert claim.rendering is not None and claim.rendering.taxonomy == "204C00000X"
    assert claim.service_facility is not None and claim.service_facility.npi == "1581234567"
    assert [line.pointers for line in claim.lines] == [(1, 2, 3, 4), (1, 2), (1, 2)]
    assert claim.patient is not None and claim.patient.relationship == "19"


def test_the_imsweb_837i_fails_on_its_documented_se_count(x12_samples: Path) -> None:
    text = relabelled(x12_samples / "imsweb_837I_X223A2_x223-test.txt")
    error = _structure_error(text)
    assert (error.segment, error.segment_id, error.element) == (50, "SE", 1)


def test_segments_are_read_with_their_positions() -> None:
    # The helper the tests use for positions agrees with the tokenizer.
    text = t.file_837(GOOD)
    clm: Segment = next(s for s in read_segments(text) if s.id == "CLM")
    assert clm.position == t.position(text, "CLM")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("*UN*1***1", "*DA*1***1", "lines[1].unit"),  # days are an 837I unit
        ("*11:B:1*Y*A*Y*Y", "*11:B:1*Y*A*Q*Y", "benefits_assigned"),
        ("*11:B:1*Y*A*Y*Y", "*11:B:1*Y*Z*Y*Y", "assignment"),
        ("*11:B:1*Y*A*Y*Y", "*11:B:1*Y*A*Y*X", "release_of_information"),
        ("DTP*472*D8*20260501", "DTP*472*RD8*20260501-20260430", "lines[1].service_date_to"),
    ],
)
def test_what_is_read_as_it_is_still_meets_the_writers_rules(
    old: str, new: str, field: str
) -> None:
    read = only(t.file_837(GOOD).replace(old, new))
    with pytest.raises(InvalidClaim) as info:
        write_batch(read)
    assert info.value.field == field
