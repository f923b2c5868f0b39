"""The 837 writer: files pyx12 accepts, the loops the guide requires, refusals that name the
claim and field, and a golden file that must not drift."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from edi.validate import pyx12_problems
from edi.x12 import Delimiters, read_segments
from edi.x837.models import Kind, Person
from edi.x837.writer import InvalidClaim, amount, quantity, write_batch
from tests.edi.builders import ADDRESS, batch, dependent, institutional, professional

GOLDEN = Path(__file__).parent / "golden"


def segments(text: str) -> list[tuple[str, ...]]:
    return [s.elements for s in read_segments(text)]


def test_professional_batch_passes_pyx12() -> None:
    written = write_batch(batch(Kind.PROFESSIONAL, (professional(), dependent())))
    assert pyx12_problems(written.text) == []


def test_institutional_batch_passes_pyx12() -> None:
    written = write_batch(batch(Kind.INSTITUTIONAL, (institutional(),)))
    assert pyx12_problems(written.text) == []
    segs = segments(written.text)
    assert ("CLM", "CLAIMI1", "575", "", "", "13:A:1", "", "A", "Y", "Y") in segs
    assert ("HI", "ABK:R079:::::::Y") in segs
    assert ("SV2", "0450", "HC:99284", "500", "UN", "1") in segs


def test_golden_837p_is_stable() -> None:
    written = write_batch(batch(Kind.PROFESSIONAL, (professional(), dependent())))
    assert written.text == (GOLDEN / "837p_two_claims.x12").read_text()


def test_versions_and_counts_in_the_envelope() -> None:
    written = write_batch(batch(Kind.PROFESSIONAL, (professional(),)))
    segs = segments(written.text)
    gs = next(s for s in segs if s[0] == "GS")
    st = next(s for s in segs if s[0] == "ST")
    se = next(s for s in segs if s[0] == "SE")
    assert gs[8] == st[3] == "005010X222A1"
    st_index, se_index = segs.index(st), segs.index(se)
    assert int(se[1]) == se_index - st_index + 1
    assert segs[0][13] == "000000017" and segs[-1] == ("IEA", "1", "000000017")


def test_dependent_without_own_id_gets_a_patient_loop() -> None:
    segs = segments(write_batch(batch(Kind.PROFESSIONAL, (dependent(),))).text)
    hls = [s for s in segs if s[0] == "HL"]
    assert [h[3] for h in hls] == ["20", "22", "23"]
    assert hls[1][4] == "1" and hls[2][2] == hls[1][1]
    sbr = next(s for s in segs if s[0] == "SBR")
    assert sbr[2] == ""  # not 18: the subscriber is someone else
    assert ("PAT", "19") in segs


def test_subscriber_who_is_the_patient_has_no_patient_loop() -> None:
    segs = segments(write_batch(batch(Kind.PROFESSIONAL, (professional(),))).text)
    assert [s[3] for s in segs if s[0] == "HL"] == ["20", "22"]
    assert next(s for s in segs if s[0] == "SBR")[2] == "18"


def test_replacement_carries_the_payer_claim_number() -> None:
    claim = professional(frequency="7", payer_claim_number="PAYER0001")
    written = write_batch(batch(Kind.PROFESSIONAL, (claim,)))
    segs = segments(written.text)
    assert ("REF", "F8", "PAYER0001") in segs
    assert next(s for s in segs if s[0] == "CLM")[5] == "11:B:7"
    assert pyx12_problems(written.text) == []


def test_line_loops_carry_pointers_dates_control_numbers_and_drugs() -> None:
    segs = segments(write_batch(batch(Kind.PROFESSIONAL, (professional(),))).text)
    assert ("SV1", "HC:99214:25", "225", "UN", "1", "", "", "1:2") in segs
    assert ("REF", "6R", "CLAIMP1L2") in segs
    assert ("DTP", "472", "D8", "20260501") in segs
    assert ("LIN", "", "N4", "00003029305") in segs
    assert ("CTP", "", "", "", "4", "ML") in segs
    assert ("REF", "G1", "AUTH123") in segs


def test_more_claims_than_fit_in_one_transaction_are_split() -> None:
    claims = tuple(professional(f"C{n}") for n in range(5))
    written = write_batch(batch(Kind.PROFESSIONAL, claims, per_transaction=2))
    segs = segments(written.text)
    assert [s[2] for s in segs if s[0] == "ST"] == ["0001", "0002", "0003"]
    assert next(s for s in segs if s[0] == "GE")[1] == "3"
    assert pyx12_problems(written.text) == []
    assert [span.patient_control_number for span in written.claim_spans] == [
        c.patient_control_number for c in claims
    ]


def test_claim_spans_point_at_each_claims_segments() -> None:
    written = write_batch(batch(Kind.PROFESSIONAL, (professional(), dependent())))
    segs = list(read_segments(written.text))
    for span in written.claim_spans:
        inside = segs[span.first_segment - 1 : span.last_segment]
        assert inside[0].id == "HL"
        clm = next(s for s in inside if s.id == "CLM")
        assert clm.get(1) == span.patient_control_number


def test_custom_delimiters_are_used_and_still_pass() -> None:
    d = Delimiters("|", ">", "!", "\n")
    written = write_batch(batch(Kind.PROFESSIONAL, (professional(),)), d, newline=False)
    assert "|" in written.text and "*" not in written.text
    assert read_segments(written.text).delimiters == d
    assert pyx12_problems(written.text) == []


def test_delimiter_characters_in_free_text_are_replaced() -> None:
    claim = professional(
        subscriber=replace(professional().subscriber, name=Person("O*BRIEN~", "A:B"))
    )
    written = write_batch(batch(Kind.PROFESSIONAL, (claim,)))
    assert ("NM1", "IL", "1", "O BRIEN", "A B", "", "", "", "MI", "M123456789") in segments(
        written.text
    )


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        (professional(total_charge_cents=1), "total_charge"),
        (professional(frequency="7"), "payer_claim_number"),
        (professional(diagnoses=()), "diagnoses"),
        (professional(lines=()), "lines"),
        (professional(patient_control_number="BAD-PCN"), "patient_control_number"),
        (
            professional(billing_provider=replace(professional().billing_provider, tin="12")),
            "billing_provider.tin",
        ),
        (
            professional(subscriber=replace(professional().subscriber, member_id="")),
            "subscriber.member_id",
        ),
        (professional(subscriber=replace(professional().subscriber, is_patient=False)), "patient"),
        (
            professional(
                billing_provider=replace(
                    professional().billing_provider,
                    address=replace(professional().billing_provider.address, postal_code="97201"),
                )
            ),
            "billing_provider.address.postal_code",
        ),
        (
            professional(
                lines=(replace(professional().lines[0], pointers=(3,)),), total_charge_cents=22500
            ),
            "lines[1].pointers",
        ),
        (
            professional(
                lines=(replace(professional().lines[0], pointers=()),), total_charge_cents=22500
            ),
            "lines[1].pointers",
        ),
    ],
)
def test_a_claim_missing_required_data_never_reaches_a_file(claim, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidClaim) as info:
        write_batch(batch(Kind.PROFESSIONAL, (professional("OK1"), claim)))
    assert info.value.field == field
    assert claim.patient_control_number in str(info.value) or "(no CLM01)" in str(info.value)


def test_institutional_claims_need_their_own_data() -> None:
    with pytest.raises(InvalidClaim) as info:
        write_batch(batch(Kind.INSTITUTIONAL, (professional(),)))
    assert info.value.field in {"institutional", "lines[1].revenue_code"}


def test_professional_claims_take_at_most_12_diagnoses_and_50_lines() -> None:
    many_dx = professional(diagnoses=tuple(professional().diagnoses) * 7)
    with pytest.raises(InvalidClaim, match="at most 12"):
        write_batch(batch(Kind.PROFESSIONAL, (many_dx,)))
    line = professional().lines[0]
    many_lines = professional(lines=(line,) * 51, total_charge_cents=line.charge_cents * 51)
    with pytest.raises(InvalidClaim, match="at most 50"):
        write_batch(batch(Kind.PROFESSIONAL, (many_lines,)))


@pytest.mark.parametrize(
    ("cents", "text"),
    [(15000, "150"), (15050, "150.5"), (15055, "150.55"), (5, "0.05"), (0, "0"), (-1270, "-12.7")],
)
def test_amounts_use_the_decimal_data_type(cents: int, text: str) -> None:
    assert amount(cents) == text


@pytest.mark.parametrize(
    ("thousandths", "text"), [(1000, "1"), (1500, "1.5"), (250, "0.25"), (12345, "12.345")]
)
def test_quantities_use_the_decimal_data_type(thousandths: int, text: str) -> None:
    assert quantity(thousandths) == text


def test_builder_npis_are_valid() -> None:
    from coding.npi import is_valid
    from tests.edi.builders import BILLING, REFERRING, RENDERING

    assert all(is_valid(p.npi) for p in (BILLING, REFERRING, RENDERING))


def test_a_service_facility_without_an_npi_is_written_without_one() -> None:
    from edi.x837.models import Provider

    facility = Provider(Person("RIVERSIDE ANNEX", is_organization=True), "", address=ADDRESS)
    written = write_batch(batch(Kind.PROFESSIONAL, (professional(service_facility=facility),)))
    assert ("NM1", "77", "2", "RIVERSIDE ANNEX") in segments(written.text)
    assert pyx12_problems(written.text) == []
