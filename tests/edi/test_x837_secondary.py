"""Claims to a secondary payer: loops 2320/2330A/2330B and 2430 carry the primary's
adjudication, balanced at claim and line level, and pass pyx12."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from edi.validate import pyx12_problems
from edi.x837.models import Claim, ClaimAdjustment, Kind, LineAdjudication, OtherPayer, Person
from edi.x837.writer import InvalidClaim, check_claim, write_batch
from tests.edi.builders import ADDRESS, SUBSCRIBER, batch, institutional, professional

PAID_ON = date(2026, 5, 20)
PRIMARY = OtherPayer(
    "P", "18", "CI", Person("ALDER", "AVA"), "PRI55555", "FIRST HEALTH PLAN", "FIRST1",
    group_number="G77", subscriber_address=ADDRESS,
)  # fmt: skip


def _line(paid: int, *adjustments: tuple[str, str, int], eaf: bool = True) -> LineAdjudication:
    cas = tuple(ClaimAdjustment(g, r, c) for g, r, c in adjustments)
    patient = sum(c for g, _, c in adjustments if g == "PR")
    return LineAdjudication("FIRST1", paid, PAID_ON, cas, patient if eaf else None)


def secondary_professional(pcn: str = "CLAIMS2") -> Claim:
    claim = professional(pcn)
    adjudicated = (
        _line(16000, ("CO", "45", 2500), ("PR", "2", 4000)),
        _line(15000, ("CO", "45", 2000), ("PR", "1", 5000)),
        _line(4000, ("CO", "45", 800)),
    )
    lines = tuple(
        replace(line, adjudications=(adj,))
        for line, adj in zip(claim.lines, adjudicated, strict=True)
    )
    return replace(
        claim,
        subscriber=replace(SUBSCRIBER, payer_responsibility="S"),
        lines=lines,
        other_payers=(replace(PRIMARY, paid_cents=35000),),
    )


def test_a_secondary_837p_with_line_adjudication_passes_pyx12() -> None:
    claim = secondary_professional()
    written = write_batch(batch(Kind.PROFESSIONAL, (claim,)))
    assert pyx12_problems(written.text) == []
    text = written.text
    assert "SBR*S*18*GRP1001******CI~" in text
    assert (
        "SBR*P*18*G77******CI~\nAMT*D*350~\nOI***Y***Y~\nNM1*IL*1*ALDER*AVA****MI*PRI55555~" in text
    )
    assert (
        "NM1*PR*2*FIRST HEALTH PLAN*****PI*FIRST1~\nLX*1~" in text
    )  # no 2330B DTP: lines carry it
    assert (
        "SVD*FIRST1*160*HC:99214:25**1~\nCAS*CO*45*25~\nCAS*PR*2*40~\nDTP*573*D8*20260520~\n"
        "AMT*EAF*40~"
    ) in text
    assert "SVD*FIRST1*40*HC:J3301**4~\nCAS*CO*45*8~\nDTP*573*D8*20260520~\nAMT*EAF*0~" in text
    # 2320 comes after the claim's provider loops and before the first line.
    assert text.index("NM1*82") < text.index("SBR*P") < text.index("LX*1")


def test_claim_level_only_adjudication_carries_the_date_and_liability_in_2320() -> None:
    claim = professional("CLAIMS3")
    primary = replace(
        PRIMARY, paid_cents=30000, adjudicated_on=PAID_ON, remaining_patient_liability_cents=10000,
        adjustments=(ClaimAdjustment("CO", "45", 9300), ClaimAdjustment("PR", "1", 10000)),
    )  # fmt: skip
    claim = replace(
        claim, subscriber=replace(SUBSCRIBER, payer_responsibility="S"), other_payers=(primary,)
    )
    written = write_batch(batch(Kind.PROFESSIONAL, (claim,)))
    assert pyx12_problems(written.text) == []
    assert "CAS*CO*45*93~\nCAS*PR*1*100~\nAMT*D*300~\nAMT*EAF*100~" in written.text
    assert "PI*FIRST1~\nDTP*573*D8*20260520~\nLX*1~" in written.text
    assert "SVD" not in written.text


def test_a_secondary_837i_passes_pyx12_with_revenue_codes_on_svd() -> None:
    claim = institutional("CLAIMI2")
    adjudicated = (
        _line(40000, ("CO", "45", 6000), ("PR", "1", 4000)),
        _line(6000, ("CO", "45", 1500)),
    )
    lines = tuple(
        replace(line, adjudications=(adj,))
        for line, adj in zip(claim.lines, adjudicated, strict=True)
    )
    claim = replace(
        claim,
        subscriber=replace(claim.subscriber, payer_responsibility="S"),
        lines=lines,
        other_payers=(replace(PRIMARY, paid_cents=46000),),
    )
    written = write_batch(batch(Kind.INSTITUTIONAL, (claim,)))
    assert pyx12_problems(written.text) == []
    assert "SVD*FIRST1*400*HC:99284*0450*1~" in written.text


def test_many_adjustments_of_one_group_take_six_to_a_cas() -> None:
    claim = professional("CLAIMS4")
    reasons = [ClaimAdjustment("CO", str(r), 100) for r in (45, 59, 94, 97, 131, 144, 253)]
    primary = replace(
        PRIMARY, paid_cents=claim.total_charge_cents - 700, adjudicated_on=PAID_ON,
        adjustments=tuple(reasons),
    )  # fmt: skip
    claim = replace(
        claim, subscriber=replace(SUBSCRIBER, payer_responsibility="S"), other_payers=(primary,)
    )
    written = write_batch(batch(Kind.PROFESSIONAL, (claim,)))
    assert pyx12_problems(written.text) == []
    assert "CAS*CO*45*1**59*1**94*1**97*1**131*1**144*1~\nCAS*CO*253*1~" in written.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"paid_cents": 35001}, "other_payers[1].paid"),  # the claim does not balance
        ({"payer_responsibility": "S"}, "other_payers.payer_responsibility"),  # same as 2000B
        ({"member_id": ""}, "other_payers[1].member_id"),
        ({"relationship": "99"}, "other_payers[1].relationship"),
        (
            {"remaining_patient_liability_cents": 9000},
            "other_payers[1].remaining_patient_liability",
        ),
    ],
)
def test_an_unbalanced_or_incomplete_other_payer_is_refused(
    change: dict[str, object], field: str
) -> None:
    claim = secondary_professional()
    other = replace(claim.other_payers[0], **change)  # type: ignore[arg-type]
    with pytest.raises(InvalidClaim) as caught:
        check_claim(replace(claim, other_payers=(other,)), Kind.PROFESSIONAL)
    assert caught.value.field == field


def test_a_line_that_does_not_balance_is_refused() -> None:
    claim = secondary_professional()
    first = claim.lines[0]
    wrong = replace(first.adjudications[0], paid_cents=15999)
    lines = (replace(first, adjudications=(wrong,)), *claim.lines[1:])
    with pytest.raises(InvalidClaim, match="line does not balance") as caught:
        check_claim(replace(claim, lines=lines), Kind.PROFESSIONAL)
    assert caught.value.field == "lines[1].adjudications"


def test_without_2430_the_payer_needs_its_adjudication_date() -> None:
    claim = professional("CLAIMS5")
    primary = replace(PRIMARY, paid_cents=claim.total_charge_cents)
    claim = replace(
        claim, subscriber=replace(SUBSCRIBER, payer_responsibility="S"), other_payers=(primary,)
    )
    with pytest.raises(InvalidClaim) as caught:
        check_claim(claim, Kind.PROFESSIONAL)
    assert caught.value.field == "other_payers[1].adjudicated_on"
