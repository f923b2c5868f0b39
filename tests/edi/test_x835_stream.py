"""The claim-level 835 stream: event order, totals, the content hash, and faults mid-stream."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from edi.x12 import X12Error
from edi.x835 import reader as reader_module
from edi.x835.balance import (
    balance,
    claim_findings,
    transaction_imbalance,
    transaction_imbalance_of,
)
from edi.x835.models import ClaimPayment, TransactionEnd, TransactionStart
from edi.x835.reader import Event, Reader835, read_835, remittances, stream_835

GOLDEN = Path(__file__).parent / "golden"
PAID = (GOLDEN / "835_paid_partial_denial.835").read_text()
REVERSAL = (GOLDEN / "835_reversal_plb.835").read_text()
CROSSOVER = (GOLDEN / "835_crossover.835").read_text()
GEN835 = Path(__file__).resolve().parents[3] / "shared" / "bench" / "gen835.py"


def kinds(events: list[Event]) -> list[str]:
    names = {TransactionStart: "Start", ClaimPayment: "Claim", TransactionEnd: "End"}
    return [names[type(e)] for e in events]


def end_of(text: str) -> TransactionEnd:
    *_, end = stream_835(text)
    assert isinstance(end, TransactionEnd)
    return end


def reenvelope(text: str, *, element: str, component: str, repetition: str, segment: str) -> str:
    """The same content under other delimiters (one line, or one segment a line)."""
    table = str.maketrans({"*": element, ":": component, "^": repetition, "~": segment})
    return text.replace("~\n", "~").translate(table)


def controls(text: str, isa13: str, gs06: str, st02: str) -> str:
    """The same content under other interchange, group and transaction control numbers."""
    return (
        text.replace("*000000101*", f"*{isa13}*")
        .replace("IEA*1*000000101", f"IEA*1*{isa13}")
        .replace("*1200*101*X*", f"*1200*{gs06}*X*")
        .replace("GE*1*101", f"GE*1*{gs06}")
        .replace("ST*835*0001", f"ST*835*{st02}")
        .replace("*0001~\nGE", f"*{st02}~\nGE")
    )


def test_events_come_in_file_order_one_start_and_end_per_transaction_set() -> None:
    events = list(stream_835(PAID + REVERSAL + CROSSOVER))
    assert kinds(events) == [
        *("Start", "Claim", "Claim", "Claim", "End"),
        *("Start", "Claim", "Claim", "Claim", "End"),
        *("Start", "Claim", "End"),
    ]
    starts = [e for e in events if isinstance(e, TransactionStart)]
    assert [s.interchange_control for s in starts] == ["000000101", "000000102", "000000103"]
    claims = [e for e in events if isinstance(e, ClaimPayment)]
    assert [c.patient_control_number for c in claims[:3]] == ["PAID1", "PART1", "DENY1"]
    assert [c.position for c in claims] == sorted(c.position for c in claims[:3]) + [
        c.position for c in claims[3:]
    ]


def test_the_start_carries_the_header_and_the_end_the_totals() -> None:
    start, *claims, end = list(stream_835(REVERSAL))
    assert isinstance(start, TransactionStart) and isinstance(end, TransactionEnd)
    assert (start.control_number, start.position, start.group_control) == ("0001", 3, "102")
    assert (start.sender, start.receiver) == ("ACMEHEALTHPLAN", "MAINSTCLINIC")
    assert start.payment.amount_cents == 7750 and start.trace is not None
    assert (start.payer.entity, start.payee.entity) == ("PR", "PE")
    assert (end.control_number, end.claim_count, end.claim_paid_cents) == ("0001", 3, 11000)
    assert end.claim_paid_cents == sum(c.paid_cents for c in claims if isinstance(c, ClaimPayment))
    assert [p.reason for p in end.provider_adjustments] == ["L6", "WO", "FB"]
    assert end.provider_adjustment_cents == 3250
    assert end.end_position == 43 and [h.number for h in end.headers] == ["1"]


def test_a_claim_is_yielded_before_the_next_claim_is_read() -> None:
    # The file is cut inside the second claim: the first comes out (complete at the second's
    # CLP) before the fault the cut makes.
    cut = PAID[: PAID.index("NM1*QC*1*ROE") + 8]
    events = stream_835(cut)
    assert isinstance(next(events), TransactionStart)
    first = next(events)
    assert isinstance(first, ClaimPayment) and first.patient_control_number == "PAID1"
    with pytest.raises(X12Error, match="truncated"):
        next(events)


def test_nothing_is_yielded_past_a_bad_amount() -> None:
    bad = PAID.replace("CLP*PART1*1*500*300*", "CLP*PART1*1*500*3OO*")
    seen: list[Event] = []
    with pytest.raises(X12Error) as caught:
        seen.extend(stream_835(bad, name="bad.835"))
    assert (caught.value.segment, caught.value.element) == (30, 4)
    assert kinds(seen)[:1] == ["Start"] and "End" not in kinds(seen)
    assert [e.patient_control_number for e in seen if isinstance(e, ClaimPayment)] in (
        [],
        ["PAID1"],
    )


@pytest.mark.parametrize(
    ("old", "new", "segment_id"),
    [
        ("SE*54*0001", "SE*53*0001", "SE"),
        ("CLP*DENY1*4*", "CLP*DENY1*5*", "CLP"),
        ("CAS*CO*16*125", "CAS*CR*16*125", "CAS"),
    ],
)
def test_faults_raise_from_the_stream_without_an_end(old: str, new: str, segment_id: str) -> None:
    assert old in PAID
    seen: list[Event] = []
    with pytest.raises(X12Error) as caught:
        seen.extend(stream_835(PAID.replace(old, new), name="bad.835"))
    assert caught.value.segment_id == segment_id and caught.value.source == "bad.835"
    assert not any(isinstance(e, TransactionEnd) for e in seen)


def test_a_truncated_file_raises_from_the_stream() -> None:
    with pytest.raises(X12Error, match="truncated"):
        list(stream_835(PAID[: PAID.index("SE*")]))


def test_a_transaction_set_without_claims() -> None:
    head, _, _ = PAID.partition("LX*1~\n")
    text = head + "SE*16*0001~\nGE*1*101~\nIEA*1*000000101~\n"
    start, end = list(stream_835(text))
    assert isinstance(start, TransactionStart) and isinstance(end, TransactionEnd)
    assert (end.claim_count, end.claim_paid_cents, end.headers) == (0, 0, ())
    finding = transaction_imbalance_of(start, end)
    assert finding is not None and (finding.expected, finding.found) == ("0.00", "450.00")


def test_read_835_is_the_stream_grouped() -> None:
    for text in (PAID + REVERSAL, CROSSOVER):
        grouped = list(remittances(stream_835(text)))
        assert list(read_835(text)) == grouped
        events = list(stream_835(text))
        for remittance in grouped:
            start = events.pop(0)
            claims = [events.pop(0) for _ in remittance.claims]
            end = events.pop(0)
            assert isinstance(start, TransactionStart) and isinstance(end, TransactionEnd)
            assert remittance.claims == tuple(claims)
            assert (remittance.payment, remittance.payer, remittance.dates) == (
                start.payment,
                start.payer,
                start.dates,
            )
            assert remittance.content_sha256 == end.content_sha256 != ""
            assert remittance.claim_paid_cents == end.claim_paid_cents
            assert transaction_imbalance(remittance) == transaction_imbalance_of(start, end)
        assert events == []


def test_the_content_hash_is_sha256_of_the_segments_between_st_and_se() -> None:
    body = PAID.split("ST*835*0001~\n", 1)[1].split("~\nSE*", 1)[0]
    expected = hashlib.sha256("~".join(body.split("~\n")).encode()).hexdigest()
    assert body.startswith("BPR*") and end_of(PAID).content_sha256 == expected


def test_the_content_hash_ignores_envelope_delimiters_and_layout() -> None:
    digest = end_of(PAID).content_sha256
    assert end_of(controls(PAID, "000000777", "77", "0777")).content_sha256 == digest
    for delimiters in (
        {"element": "|", "component": ">", "repetition": "}", "segment": "\n"},
        {"element": "^", "component": "*", "repetition": ":", "segment": "!"},
    ):
        other = reenvelope(PAID, **delimiters)
        assert [len(r.claims) for r in read_835(other)] == [3]
        assert end_of(other).content_sha256 == digest
    crlf = "\ufeff" + PAID.replace("~\n", "~\r\n").replace("\nN1", "\n  N1")
    assert end_of(crlf).content_sha256 == digest
    assert end_of(PAID.replace("~\n", "~")).content_sha256 == digest


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("CLP*PART1*1*500*300*", "CLP*PART1*1*500*300.00*"),  # the same amount, written apart
        ("CAS*CO*45*50*2", "CAS*CO*45*51*2"),
        ("BPR*I*450*", "BPR*I*451*"),
        ("NM1*QC*1*ROE", "NM1*QC*1*ROW"),
        ("SVC*HC:99214:25*", "SVC*HC:99214:59*"),
        ("PAID1-1", "PAID1-2"),
    ],
)
def test_any_changed_element_changes_the_content_hash(old: str, new: str) -> None:
    assert old in PAID
    assert end_of(PAID.replace(old, new)).content_sha256 != end_of(PAID).content_sha256


@pytest.mark.parametrize("chunk", [1, 2, 5, 17, 64, 1 << 16])
def test_layouts_read_the_same_wherever_the_chunks_end(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # The reader splits whole chunks at once and cleans only untidy ones: a line break, an
    # indent or an empty segment cut in two by a chunk boundary must still read the same.
    one_line = PAID.replace("~\n", "~")
    expected = list(stream_835(one_line))
    layouts = {
        one_line: [],
        PAID: ["line breaks between segments"],
        PAID.replace("~\n", "~\r\n"): ["line breaks between segments"],
        PAID.replace("~\n", "~\n\n"): ["line breaks between segments"],
        one_line.replace("~N1", "~  N1").replace("~CLP", "~\tCLP"): ["spaces before segments"],
        PAID.replace("~\nSVC", "\r\n~\r\n SVC"): [
            "line breaks between segments",
            "spaces before segments",
        ],
    }
    monkeypatch.setattr(reader_module, "_CHUNK", chunk)
    for text, warnings in layouts.items():
        reader = Reader835(text)
        assert list(reader.events()) == expected
        assert reader.warnings == warnings


def test_a_header_segment_after_the_claims_began_is_refused() -> None:
    # The TransactionStart has gone out: a DTM in loop 2000 would be lost, so it is refused.
    with pytest.raises(X12Error) as caught:
        list(stream_835(PAID.replace("LX*1~\n", "LX*1~\nDTM*405*20250114~\n").replace(
            "SE*54*", "SE*55*")))  # fmt: skip
    assert (caught.value.segment, caught.value.segment_id) == (19, "DTM")


def test_warnings_are_kept_on_the_reader() -> None:
    reader = Reader835("\ufeff" + PAID)
    list(reader.events())
    assert reader.warnings == [
        "file starts with a UTF-8 byte-order mark",
        "line breaks between segments",
    ]


def test_balancing_from_the_stream_matches_the_remittance(x12_samples: Path) -> None:
    path = x12_samples / "inteligenz_835_X221A1_ExampleFromNth.txt"
    streamed = []
    start: TransactionStart | None = None
    for event in stream_835(path):
        if isinstance(event, TransactionStart):
            start = event
        elif isinstance(event, ClaimPayment):
            streamed += claim_findings(event)
        else:
            assert start is not None
            found = transaction_imbalance_of(start, event)
            streamed += [found] if found is not None else []
    assert streamed == [f for r in read_835(path) for f in balance(r)] != []


# Memory follows the claim being read, not the transaction set.


def _one_st(tmp_path: Path, claims: int) -> Path:
    if not GEN835.is_file():
        pytest.skip("../shared/bench/gen835.py is not beside this checkout")
    out = tmp_path / f"one_st_{claims}.835"
    subprocess.run(
        [sys.executable, str(GEN835), str(claims), "-s", "1", "-o", str(out)], check=True
    )
    return out


def _streamed_peak(path: Path) -> tuple[int, int]:
    def claims() -> Iterator[ClaimPayment]:
        for event in stream_835(path):
            if isinstance(event, ClaimPayment):
                yield event

    tracemalloc.start()
    try:
        count = 0
        for claim in claims():
            count += 1
            assert claim_findings(claim) == []
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_within_one_transaction_set(tmp_path: Path) -> None:
    small, large = _one_st(tmp_path, 400), _one_st(tmp_path, 4000)
    _streamed_peak(large)  # fills the bounded memos of amounts and dates (the same seed)
    (small_claims, small_peak), (large_claims, large_peak) = (
        _streamed_peak(small),
        _streamed_peak(large),
    )
    assert (small_claims, large_claims) == (400, 4000)
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)
