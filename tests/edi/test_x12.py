"""The X12 tokenizer: delimiters from the ISA, tolerant reading, clear errors with places."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from edi.x12 import Delimiters, X12Error, format_segment, read_segments

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*261123*0440*^*00501*000000001*0*T*:~"
)
BODY = "GS*HC*S*R*20261123*0440*1*X*005010X222A1~ST*837*0001~SE*2*0001~GE*1*1~IEA*1*000000001~"


def ids(text: str | bytes) -> list[str]:
    return [s.id for s in read_segments(text)]


def test_reads_segments_with_positions_and_elements() -> None:
    segments = list(read_segments(ISA + BODY))
    assert [s.id for s in segments] == ["ISA", "GS", "ST", "SE", "GE", "IEA"]
    assert [s.position for s in segments] == [1, 2, 3, 4, 5, 6]
    assert segments[1].get(8) == "005010X222A1"
    assert segments[2].get(9) == ""  # past the end reads as empty


def test_delimiters_come_from_the_isa() -> None:
    custom = ISA.replace("*", "|").replace(":~", "").replace("|^|", "|!|") + ">\n"
    text = custom + BODY.replace("*", "|").replace("~", "\n")
    reader = read_segments(text)
    segments = list(reader)
    assert reader.delimiters == Delimiters("|", ">", "!", "\n")
    assert segments[1].get(8) == "005010X222A1"


@pytest.mark.parametrize(
    ("variant", "warning"),
    [
        (lambda t: "\ufeff" + t, "byte-order mark"),
        (lambda t: t.replace("~", "~\r\n"), "line breaks"),
        (lambda t: t.replace("~", "~\n   "), "spaces before segments"),
        (lambda t: "  \n" + t, "whitespace before the ISA"),
    ],
)
def test_tolerated_layouts_read_the_same_and_are_noted(variant, warning: str) -> None:  # type: ignore[no-untyped-def]
    reader = read_segments(variant(ISA + BODY).encode("utf-8"))
    assert [s.elements for s in reader] == [s.elements for s in read_segments(ISA + BODY)]
    assert any(warning in w for w in reader.warnings)


def test_streams_in_chunks_over_a_large_input() -> None:
    many = "".join(f"LX*{n}~" for n in range(1, 30001))
    reader = read_segments(io.StringIO(ISA + many + "IEA*1*000000001~"))
    count = sum(1 for _ in reader)
    assert count == 30002


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("GS*HC~", "does not start with an ISA"),
        ("ISA*00*short~", "shorter than 106"),
        (ISA + "GS*HC*S*R", "truncated"),
        (ISA + "G$*X~", "bad segment ID"),
        (ISA.replace("*:~", "*A~"), "not a letter, digit or space"),
    ],
)
def test_unreadable_input_names_the_place(text: str, message: str) -> None:
    with pytest.raises(X12Error, match=message) as info:
        list(read_segments(text, name="in.x12"))
    assert "in.x12" in str(info.value)


def test_truncation_names_the_segment_position() -> None:
    with pytest.raises(X12Error) as info:
        list(read_segments(ISA + "GS*HC*S~ST*837"))
    assert info.value.segment == 3


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(X12Error, match="not UTF-8"):
        list(read_segments((ISA + "NM1*\xff~").encode("latin-1")))


def test_a_second_interchange_with_other_delimiters_is_refused() -> None:
    other = ISA.replace("*:~", "*>~")
    with pytest.raises(X12Error, match="other delimiters") as info:
        list(read_segments(ISA + "IEA*1*1~" + other + "IEA*1*1~"))
    assert info.value.segment == 3


def test_format_segment_drops_empty_trailing_elements_and_components() -> None:
    d = Delimiters()
    assert format_segment(["SV1", ("HC", "99213", None), "150", "UN", "1", "", "", None], d) == (
        "SV1*HC:99213*150*UN*1~"
    )
    assert format_segment(["SBR", "P", "", "GRP", None, "CI"], d) == "SBR*P**GRP**CI~"


def test_delimiters_must_be_distinct_punctuation() -> None:
    with pytest.raises(ValueError):
        Delimiters("*", "*", "^", "~")
    with pytest.raises(ValueError):
        Delimiters("A", ":", "^", "~")


def test_every_shared_sample_reads(x12_samples: Path) -> None:
    files = [p for p in x12_samples.iterdir() if p.suffix != ".md"]
    assert files
    for path in files:
        reader = read_segments(path)
        segments = list(reader)
        assert segments[0].id == "ISA", path.name
        assert segments[-1].id == "IEA", path.name
