"""Writing 999 and 277CA: golden files written back identically, pyx12 finds nothing wrong,
and what is written reads back the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from edi.validate import pyx12_problems
from edi.x12 import Delimiters, read_segments
from edi.x277ca.models import Category, Envelope, Level, StatusCode
from edi.x277ca.reader import read_277ca
from edi.x277ca.writer import (
    ClaimReport,
    LineReport,
    Party,
    ProviderReport,
    Report,
    StatusReport,
    write_277ca,
)
from edi.x999.models import FunctionalAcknowledgment
from edi.x999.reader import read_999
from edi.x999.writer import write_999

GOLDEN = Path(__file__).parent / "golden"
DAY = date(2026, 11, 24)


def test_the_golden_999_is_written_back_identically() -> None:
    text = (GOLDEN / "999_partial.x12").read_text()
    acks = read_999(text)
    assert write_999(acks) == text
    assert pyx12_problems(text) == []


def test_a_public_999_with_other_delimiters_is_written_back_identically(
    x12_samples: Path,
) -> None:
    text = (x12_samples / "imsweb_999_X231A1_rejected.txt").read_text()
    delimiters = read_segments(text).delimiters
    assert delimiters.component == "|"
    assert write_999(read_999(text), delimiters=delimiters) == text


def test_several_999s_share_one_interchange_and_group() -> None:
    (ack,) = read_999((GOLDEN / "999_partial.x12").read_text())
    second = replace(ack, control_number="0002", group_control_number=24, transactions=())
    text = write_999([ack, second], newline=False)
    assert text.count("ST*999*") == 2 and "GE*2*501~" in text
    assert [a.group_control_number for a in read_999(text)] == [23, 24]
    assert pyx12_problems(text) == []


def test_acknowledgments_from_different_envelopes_are_refused() -> None:
    (ack,) = read_999((GOLDEN / "999_partial.x12").read_text())
    other: FunctionalAcknowledgment = replace(
        ack, envelope=replace(ack.envelope, interchange_control_number=9)
    )
    with pytest.raises(ValueError, match="share the first one's envelope"):
        write_999([ack, other])
    with pytest.raises(ValueError, match="at least one"):
        write_999([])


def _status(
    category: Category, code: str, entity: str | None = None, message: str | None = None
) -> StatusReport:
    return StatusReport((StatusCode(category, code, entity),), DAY, message=message)


def _report() -> tuple[Envelope, Report]:
    envelope = Envelope(
        "ZZ", "ENGINE", "ZZ", "PMS1", "ENGINE", "PMS1", 7, 7, datetime(2026, 11, 24, 8, 0), True
    )
    patient = Party("QC", "ALDER", "MI", "M123456789", first_name="AVA")
    accepted = ClaimReport(
        patient, "PMS0001", (_status(Category.ACCEPTED, "20"),), 22500, date(2026, 5, 1),
        clearinghouse_trace="OURPCN1", lines=(
            LineReport(("HC", "99213", "25"), 15000, _status(Category.ACCEPTED, "20"),
                       control_number="PMS0001L1", units="1", service_from=date(2026, 5, 1)),
        ),
    )  # fmt: skip
    rejected = ClaimReport(
        patient, "PMS0002",
        (_status(Category.RETURNED, "21", message="CLM05-3 frequency 7: not imported*~:"),),
        5000, date(2026, 5, 1), date(2026, 5, 3), bill_type="131",
    )  # fmt: skip
    held = ClaimReport(
        patient, "PMS0003", (_status(Category.RECEIVED, "19", message="held: E101"),), 7500,
        date(2026, 5, 2),
    )  # fmt: skip
    provider = ProviderReport(
        Party("85", "RIVERSIDE FAMILY MEDICINE", "XX", "1234567893"), "1",
        _status(Category.RECEIVED, "19", "85"), (accepted, rejected, held),
    )  # fmt: skip
    report = Report(
        "0001", "17", datetime(2026, 11, 24, 8, 0), Party("AY", "ENGINE", "46", "ENGINE"), "17",
        DAY, DAY, Party("41", "PMS", "46", "PMS1"), "17", _status(Category.RECEIVED, "19"),
        (provider,),
    )  # fmt: skip
    return envelope, report


def test_a_277ca_we_write_passes_pyx12_and_reads_back() -> None:
    envelope, report = _report()
    text = write_277ca(envelope, [report])
    assert pyx12_problems(text) == []
    (ack,) = read_277ca(text)
    (receiver,) = ack.sources[0].receivers
    assert (receiver.accepted, receiver.rejected) == (2, 1)
    assert (receiver.accepted_cents, receiver.rejected_cents) == (30000, 5000)
    got = {c.claim_number: (c, s) for c, s in ack.claims()}
    claim, statuses = got["PMS0001"]
    assert [s.level for s in statuses] == [Level.RECEIVER, Level.PROVIDER, Level.CLAIM]
    assert statuses[-1].category is Category.ACCEPTED and statuses[-1].action == "WQ"
    assert claim.clearinghouse_trace == "OURPCN1"
    assert [(line.control_number, line.procedure) for line in claim.lines] == [
        ("PMS0001L1", "HC:99213:25")
    ]
    claim, statuses = got["PMS0002"]
    assert statuses[-1].category is Category.RETURNED and statuses[-1].action == "U"
    # Delimiters in free text become spaces, runs of spaces one.
    assert statuses[-1].message == "CLM05-3 frequency 7 not imported"
    assert (claim.bill_type, claim.service_to) == ("131", date(2026, 5, 3))
    assert got["PMS0003"][1][-1].category is Category.RECEIVED


def test_a_277ca_takes_the_partners_delimiters() -> None:
    envelope, report = _report()
    d = Delimiters(element="|", component=">", repetition="^", segment="~")
    text = write_277ca(envelope, [report], delimiters=d, newline=False)
    assert "\n" not in text and text.startswith("ISA|00|")
    assert [c.claim_number for c, _ in read_277ca(text)[0].claims()] == [
        "PMS0001", "PMS0002", "PMS0003",
    ]  # fmt: skip
