"""Reading 835s into remittances: our golden files, the shared samples, bad input, streaming."""

from __future__ import annotations

import io
import subprocess
import sys
import tracemalloc
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from edi.x12 import X12Error
from edi.x835.balance import balance
from edi.x835.models import AdjustmentGroup, ClaimStatus, Procedure, Remittance
from edi.x835.reader import Reader835, read_835

GOLDEN = Path(__file__).parent / "golden"
PAID = GOLDEN / "835_paid_partial_denial.835"
REVERSAL = GOLDEN / "835_reversal_plb.835"
CROSSOVER = GOLDEN / "835_crossover.835"
GEN835 = Path(__file__).resolve().parents[3] / "shared" / "bench" / "gen835.py"
PHI = ("DOE", "JANE", "ROE", "RICHARD", "POE", "EDGAR", "M0001", "M0002", "M0004")
CO, PR = AdjustmentGroup.CONTRACTUAL, AdjustmentGroup.PATIENT_RESPONSIBILITY


def only(path: Path | str | bytes) -> Remittance:
    [remittance] = list(read_835(path))
    return remittance


def error(text: str) -> X12Error:
    with pytest.raises(X12Error) as caught:
        list(read_835(text, name="bad.835"))
    message = str(caught.value)
    assert not any(value in message for value in PHI), message
    return caught.value


def test_payment_trace_and_parties() -> None:
    r = only(PAID)
    assert (r.control_number, r.position, r.interchange_control, r.group_control) == (
        "0001",
        3,
        "000000101",
        "101",
    )
    p = r.payment
    assert (p.handling, p.amount_cents, p.credit_debit, p.method, p.format) == (
        "I",
        45000,
        "C",
        "ACH",
        "CCP",
    )
    assert p.payer_bank == ("01", "999999999", "DA", "123456")
    assert p.payee_bank == ("01", "999988880", "DA", "98765")
    assert p.date == date(2025, 1, 15) and p.position == 4
    assert r.trace is not None
    assert (r.trace.number, r.trace.payer_id, r.trace.position) == ("EFT0001", "1512345678", 5)
    assert [(d.qualifier, d.value) for d in r.dates] == [("405", date(2025, 1, 14))]
    assert [(x.qualifier, x.value) for x in r.references] == [("EV", "MAINSTCLINIC")]
    assert (r.payer.entity, r.payer.name, r.payer.id_qualifier, r.payer.id) == (
        "PR",
        "ACME HEALTH PLAN",
        "XV",
        "12345",
    )
    assert r.payer.address is not None and r.payer.address.city == "HARRISBURG"
    assert [c.function for c in r.payer.contacts] == ["CX", "BL"]
    assert r.payer.contacts[1].numbers == (("TE", "8005551313"), ("EM", "EDI@EXAMPLE.COM"))
    assert (r.payee.name, r.payee.id_qualifier, r.payee.id) == (
        "MAIN STREET CLINIC",
        "XX",
        "1234567893",
    )
    assert [(x.qualifier, x.value) for x in r.payee.references] == [("TJ", "231234567")]
    assert [(h.number, h.position) for h in r.headers] == [("1", 18)]
    assert r.end_position == 56


def test_a_paid_claim() -> None:
    paid = only(PAID).claims[0]
    assert (paid.patient_control_number, paid.status, paid.position) == (
        "PAID1",
        ClaimStatus.PRIMARY,
        19,
    )
    assert (paid.charge_cents, paid.paid_cents, paid.patient_responsibility_cents) == (
        20000,
        15000,
        0,
    )
    assert (paid.filing_indicator, paid.payer_claim_number, paid.facility, paid.frequency) == (
        "12",
        "PAYERCLM1",
        "11",
        "1",
    )
    assert [(d.qualifier, d.value) for d in paid.dates] == [
        ("232", date(2025, 1, 1)),
        ("233", date(2025, 1, 1)),
        ("050", date(2025, 1, 5)),
    ]
    patient = paid.person("QC")
    assert patient is not None and (patient.last_name, patient.id) == ("DOE", "M0001")
    assert "DOE" not in repr(patient) and "M0001" not in repr(paid)
    rendering = paid.person("82")
    assert rendering is not None and rendering.id_qualifier == "XX"
    [line] = paid.lines
    assert line.procedure == Procedure("HC", "99213")
    assert (line.number, line.charge_cents, line.paid_cents, line.units, line.position) == (
        1,
        20000,
        15000,
        Decimal(1),
        25,
    )
    assert line.reference("6R") == "PAID1-1"
    assert [(a.qualifier, a.cents) for a in line.amounts] == [("B6", 15000)]
    assert [(a.group, a.reason, a.amount_cents) for a in line.adjustments] == [(CO, "45", 5000)]


def test_a_partial_payment_with_multi_reason_cas() -> None:
    part = only(PAID).claims[1]
    assert part.patient_control_number == "PART1" and part.patient_responsibility_cents == 10000
    assert [p.entity for p in part.people] == ["QC", "IL"]
    first, second = part.lines
    assert first.procedure == Procedure("HC", "99214", ("25",))
    assert [
        (a.group, a.reason, a.amount_cents, a.quantity_thousandths) for a in first.adjustments
    ] == [
        (CO, "45", 5000, None),
        (PR, "1", 3000, 0),
        (PR, "2", 2000, None),
    ]
    assert first.adjustments[1].position == first.adjustments[2].position == 37
    assert second.units == Decimal(2)
    assert second.adjustments[0].quantity_thousandths == 2000
    pr = sum(a.amount_cents for ln in part.lines for a in ln.adjustments if a.group is PR)
    assert pr == part.patient_responsibility_cents


def test_a_denial_with_remarks() -> None:
    deny = only(PAID).claims[2]
    assert deny.status is ClaimStatus.DENIED and deny.paid_cents == 0
    [moa] = deny.adjudications
    assert (moa.segment, moa.remarks) == ("MOA", ("MA130",))
    [line] = deny.lines
    assert [(a.group, a.reason, a.amount_cents) for a in line.adjustments] == [(CO, "16", 12500)]
    assert [(r.qualifier, r.code) for r in line.remarks] == [("HE", "M51"), ("HE", "N286")]


def test_a_reversal_then_its_correction_and_two_plb_segments() -> None:
    r = only(REVERSAL)
    reversal, correction, other = r.claims
    assert reversal.is_reversal and not correction.is_reversal
    assert reversal.patient_control_number == correction.patient_control_number == "REV1"
    assert (reversal.charge_cents, reversal.paid_cents) == (-20000, -15000)
    assert reversal.patient_responsibility_cents is None
    assert reversal.lines[0].units == Decimal(-1)
    assert reversal.lines[0].adjustments[0].amount_cents == -5000
    assert (reversal.payer_claim_number, correction.payer_claim_number) == (
        "PAYERCLM1",
        "PAYERCLM9",
    )
    assert correction.amount("I") == 250
    assert other.patient_control_number == "OVP1"
    plb = [
        (p.provider_id, p.fiscal_period, p.reason, p.reference, p.amount_cents, p.position)
        for p in r.provider_adjustments
    ]
    assert plb == [
        ("1234567893", date(2025, 12, 31), "L6", None, -250, 41),
        ("1234567893", date(2025, 12, 31), "WO", "PAYERCLM4", 3000, 41),
        ("1234567893", date(2025, 12, 31), "FB", "FB20250101", 500, 42),
    ]
    assert r.claim_paid_cents == 11000 and r.provider_adjustment_cents == 3250
    assert r.payment.amount_cents == 7750
    interest = -sum(p.amount_cents for p in r.provider_adjustments if p.reason == "L6")
    assert interest == sum(c.amount("I") or 0 for c in r.claims)


def test_a_crossover() -> None:
    claim = only(CROSSOVER).claims[0]
    assert claim.status is ClaimStatus.PRIMARY_FORWARDED and claim.crossover
    carrier = claim.person("TT")
    assert carrier is not None and carrier.is_organization and carrier.id == "99999"
    corrected = claim.person("74")
    assert corrected is not None and corrected.first_name == "JANE"
    assert [(a.group, a.reason, a.amount_cents) for a in claim.adjustments] == [(PR, "1", 4000)]
    assert claim.amount("AU") == 25000
    assert [(q.qualifier, q.value) for q in claim.quantities] == [("CA", Decimal(1))]
    assert [(x.qualifier, x.value) for x in claim.references] == [("F8", "ORIGCLM1")]
    [line] = claim.lines
    assert line.original_procedure == Procedure("HC", "99214")
    assert [d.qualifier for d in line.dates] == ["150", "151"]
    assert [(x.qualifier, x.value) for x in line.references] == [("6R", "XOVER1-1"), ("LU", "11")]
    assert not only(PAID).claims[0].crossover


def test_every_clp02_in_the_reference_is_read() -> None:
    text = PAID.read_text()
    for status in ClaimStatus:
        claim = only(text.replace("CLP*PAID1*1*", f"CLP*PAID1*{status.value}*")).claims[0]
        assert claim.status is status


def test_several_interchanges_in_one_file_and_layouts_read_the_same() -> None:
    joined = PAID.read_text() + REVERSAL.read_text() + CROSSOVER.read_text()
    reader = Reader835(joined)
    remittances = list(reader)
    assert [len(r.claims) for r in remittances] == [3, 3, 1]
    assert [r.interchange_control for r in remittances] == ["000000101", "000000102", "000000103"]
    assert reader.warnings == ["line breaks between segments"]
    one_line = "\ufeff" + "  " + PAID.read_text().replace("~\n", "~").replace("\nN1", "\n   N1")
    squashed = Reader835(one_line.encode())
    assert list(squashed) == [only(PAID)]
    assert squashed.warnings == [
        "file starts with a UTF-8 byte-order mark",
        "whitespace before the ISA segment",
    ]


def test_reading_stops_before_a_later_fault_so_the_first_remittance_is_yielded_first() -> None:
    text = PAID.read_text() + REVERSAL.read_text()[:-200]
    remittances = read_835(io.StringIO(text))
    assert next(remittances).claims[0].patient_control_number == "PAID1"
    with pytest.raises(X12Error, match="truncated"):
        next(remittances)


# Bad input: each an X12Error naming the place, never quoting patient data.


def test_a_truncated_file() -> None:
    text = PAID.read_text()
    exc = error(text[: text.index("NM1*QC*1*ROE") + 8])
    assert "truncated" in exc.message and exc.segment == 31
    exc = error(text[: text.index("SE*")])
    assert "truncated" in exc.message and exc.source == "bad.835"


def test_wrong_delimiters() -> None:
    exc = error(PAID.read_text().replace("GS*HP*", "GS|HP|"))
    assert (exc.segment, exc.message) == (2, "not a segment (bad segment ID)")
    isa, rest = PAID.read_text().split("~", 1)
    exc = error(isa + "~" + rest.replace("~", "!"))  # the ISA declares "~"; the rest uses "!"
    assert (exc.segment, exc.message) == (
        2,
        "file ends inside a segment (no segment terminator): truncated?",
    )


def test_a_wrong_se_count() -> None:
    exc = error(PAID.read_text().replace("SE*54*0001", "SE*53*0001"))
    assert (exc.segment, exc.segment_id, exc.element) == (56, "SE", 1)
    assert "53 segments declared, 54 found" in str(exc)
    exc = error(PAID.read_text().replace("SE*54*0001", "SE*54*0002"))
    assert (exc.segment_id, exc.element) == ("SE", 2)
    exc = error(PAID.read_text().replace("GE*1*101", "GE*2*101"))
    assert (exc.segment_id, exc.element) == ("GE", 1)
    exc = error(PAID.read_text().replace("IEA*1*000000101", "IEA*1*000000102"))
    assert (exc.segment_id, exc.element) == ("IEA", 2)


@pytest.mark.parametrize(
    ("old", "new", "segment", "element", "words"),
    [
        ("CLP*PART1*1*500*300*", "CLP*PART1*1*500*3OO*", 30, 4, "not a number"),
        ("CLP*PART1*1*500*300*", "CLP*PART1*1*500*300.001*", 30, 4, "more than 2 decimal"),
        ("SVC*HC:81002*200*", "SVC*HC:81002*2e2*", 40, 2, "not a number"),
        ("CAS*CO*45*50*2", "CAS*CO*45**2", 42, 3, "without an amount"),
        ("BPR*I*450*", "BPR*I*45O*", 4, 2, "not a number"),
        ("PLACEHOLDER", "", 0, 0, ""),
    ],
)
def test_amounts_that_are_not_money(
    old: str, new: str, segment: int, element: int, words: str
) -> None:
    if old == "PLACEHOLDER":
        exc = error(REVERSAL.read_text().replace("*WO:PAYERCLM4*30", "*WO:PAYERCLM4*thirty"))
        assert (exc.segment, exc.segment_id, exc.element) == (41, "PLB", 6)
        return
    text = PAID.read_text()
    assert old in text
    exc = error(text.replace(old, new))
    assert (exc.segment, exc.element) == (segment, element)
    assert words in exc.message


def test_an_unknown_clp02() -> None:
    exc = error(PAID.read_text().replace("CLP*PART1*1*", "CLP*PART1*5*"))
    assert (exc.segment, exc.segment_id, exc.element) == (30, "CLP", 2)
    assert "element CLP02" in str(exc)


def test_cas_group_cr_is_refused() -> None:
    exc = error(PAID.read_text().replace("CAS*CO*16*125", "CAS*CR*16*125"))
    assert (exc.segment, exc.segment_id, exc.element) == (52, "CAS", 1)
    assert "CR is 4010 only" in exc.message


def test_another_version_is_refused_naming_gs08() -> None:
    exc = error(PAID.read_text().replace("005010X221A1", "004010X091A1"))
    assert (exc.segment, exc.segment_id, exc.element) == (2, "GS", 8)


def test_misplaced_segments() -> None:
    exc = error(PAID.read_text().replace("LX*1~", "LX*1~\nSVC*HC:1*1*1~", 1))
    assert (exc.segment_id, exc.message) == ("SVC", "SVC before any CLP")
    exc = error(PAID.read_text().replace("N1*PE*", "N1*XX*"))
    assert (exc.segment_id, exc.element) == ("N1", 1)


# The shared public samples.


def test_badx12_nine_claims_balance(x12_samples: Path) -> None:
    r = only(x12_samples / "badx12_835_X221A1_multiple-claims-single-check.edi")
    assert len(r.claims) == 9
    assert sum(len(c.lines) for c in r.claims) == 33
    assert (
        sum(len(ln.adjustments) for c in r.claims for ln in c.lines)
        + sum(len(c.adjustments) for c in r.claims)
        >= 39
    )
    assert balance(r) == []
    assert r.payment.amount_cents == r.claim_paid_cents == 81080


def test_medicare_part_a_balances_with_plb(x12_samples: Path) -> None:
    r = only(x12_samples / "lfh_medicare-part-a.835")
    assert len(r.claims) == 2 and balance(r) == []
    [plb] = r.provider_adjustments
    assert (plb.reason, plb.reference, plb.amount_cents) == ("CV", "CP", -127)
    assert [h.number for h in r.headers] == ["110212", "130212"]
    assert r.headers[0].summary[0] == "6543210903" and r.headers[0].supplemental
    assert [c.header_number for c in r.claims] == ["110212", "130212"]
    assert r.claims[0].adjudications[0].segment == "MIA"


def test_secondary_payment_multi_reason_cas(x12_samples: Path) -> None:
    reader = Reader835(x12_samples / "lfh_secondary-payment.835")
    [r] = list(reader)
    assert balance(r) == []
    line = r.claims[1].lines[1]
    assert [(a.group, a.reason, a.amount_cents) for a in line.adjustments] == [
        (PR, "1", 15000),
        (PR, "2", 7000),
        (CO, "42", 8500),
    ]
    assert line.revenue_code == "220"
    # The file declares ":" in ISA16 and writes ">": read, and noted.
    assert "SVC01 uses '>' as component separator, not ISA16's" in reader.warnings


def test_example_from_nth_is_read_and_its_imbalances_named(x12_samples: Path) -> None:
    reader = Reader835(x12_samples / "inteligenz_835_X221A1_ExampleFromNth.txt")
    remittances = list(reader)
    assert len(remittances) == 3 and sum(len(r.claims) for r in remittances) == 56
    assert "file starts with a UTF-8 byte-order mark" in reader.warnings
    assert "spaces before segments" in reader.warnings
    findings = [f for r in remittances for f in balance(r)]
    assert findings and {f.level for f in findings} >= {"claim", "transaction"}
    first = findings[0]
    assert first.claim and first.segment > 0 and first.expected != first.found


def test_the_4010_envelope_reversals_file_is_refused_naming_gs08(x12_samples: Path) -> None:
    # GS08 says "5010" (no guide) and CAS uses 4010's CR group: we do not guess.
    with pytest.raises(X12Error) as caught:
        list(read_835(x12_samples / "inteligenz_835_4010env_reversals_Example1.txt"))
    assert (caught.value.segment, caught.value.segment_id, caught.value.element) == (2, "GS", 8)


# Streaming: memory follows one transaction set, not the file.


def _generate(tmp_path: Path, claims: int) -> Path:
    if not GEN835.is_file():
        pytest.skip("../shared/bench/gen835.py is not beside this checkout")
    out = tmp_path / f"gen_{claims}.835"
    subprocess.run(
        [sys.executable, str(GEN835), str(claims), "-s", "1", "--claims-per-st", "200",
         "-o", str(out)],
        check=True,
    )  # fmt: skip
    return out


def _peak(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        claims = 0
        for r in read_835(path):
            claims += len(r.claims)
            assert balance(r) == []
        return claims, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    small, large = _generate(tmp_path, 400), _generate(tmp_path, 4000)
    (small_claims, small_peak), (large_claims, large_peak) = _peak(small), _peak(large)
    assert (small_claims, large_claims) == (400, 4000)
    assert large.stat().st_size > 9 * small.stat().st_size
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)


def test_an_envelope_segment_inside_a_transaction_set() -> None:
    text = PAID.read_text()
    exc = error(text.replace("LX*1~", "ST*835*0002~", 1))
    assert (exc.segment, exc.segment_id) == (18, "ST")
    assert "before the SE of the transaction set begun at segment 3" in exc.message
