"""TA1 interchange acknowledgments: their value objects, codes and read_ta1."""

# A TA1 answers one interchange we sent (by its ISA13). It comes in an interchange of its own
# (ISA, TA1, IEA with no groups) or beside the groups of one (ISA, TA1, GS..GE, IEA); read_ta1
# reads the TA1 segments of either and leaves the groups to their readers. Faults raise
# X12Error naming the segment position and element.

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TextIO

from edi.envelope import TRAILER_CONTROLS, EnvelopeWalker, source_name
from edi.x12 import Segment, X12Error, read_segments


class AcknowledgmentCode(enum.StrEnum):
    """TA104: what happened to the interchange acknowledged."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    REJECTED = "R"

    @property
    def label(self) -> str:
        """Our short wording."""
        return {"A": "accepted", "E": "accepted with errors", "R": "rejected"}[self.value]

    @property
    def is_rejection(self) -> bool:
        """The whole interchange, every group and claim in it, was rejected."""
        return self is AcknowledgmentCode.REJECTED


# TA105 interchange note codes, with our wording.
NOTES = {
    "000": "no error",
    "001": "ISA13 and IEA02 differ",
    "002": "control standard not supported",
    "003": "control version not supported",
    "004": "invalid segment terminator",
    "005": "invalid sender ID qualifier",
    "006": "invalid sender ID",
    "007": "invalid receiver ID qualifier",
    "008": "invalid receiver ID",
    "009": "unknown receiver ID",
    "010": "invalid authorization information qualifier",
    "011": "invalid authorization information",
    "012": "invalid security information qualifier",
    "013": "invalid security information",
    "014": "invalid interchange date",
    "015": "invalid interchange time",
    "016": "invalid standards identifier",
    "017": "invalid version ID",
    "018": "invalid interchange control number",
    "019": "invalid acknowledgment requested value",
    "020": "invalid test indicator",
    "021": "invalid number of included groups",
    "022": "invalid control structure",
    "023": "premature end of file",
    "024": "invalid interchange content (such as an invalid GS)",
    "025": "duplicate interchange control number",
    "026": "invalid element separator",
    "027": "invalid component separator",
    "028": "invalid delivery date in deferred delivery request",
    "029": "invalid delivery time in deferred delivery request",
    "030": "invalid delivery time code in deferred delivery request",
    "031": "invalid grade of service code",
}


@dataclass(frozen=True, slots=True)
class InterchangeAcknowledgment:
    """One TA1: the answer for one interchange, and the interchange that carried it."""

    segment: int  # 1-based position of the TA1 in the file
    control_number: int  # TA101: ISA13 of the interchange acknowledged
    interchange_at: datetime  # TA102/TA103: ISA09/ISA10 of the interchange acknowledged
    code: AcknowledgmentCode  # TA104
    note: str  # TA105, a key of NOTES
    sender_qualifier: str  # ISA05 of the carrying interchange (whoever acknowledges)
    sender_id: str  # ISA06, trimmed
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08, trimmed
    carrier_control_number: int  # ISA13 of the carrying interchange
    is_test: bool  # ISA15 = T
    warnings: tuple[str, ...] = ()  # trailer control numbers that differ (IEA02)

    @property
    def note_text(self) -> str:
        """Our wording of the note code."""
        return NOTES[self.note]


def read_ta1(
    data: str | bytes | Path | TextIO, *, name: str | None = None
) -> list[InterchangeAcknowledgment]:
    """The TA1 segments of a file, in order; X12Error names any fault."""
    segments = read_segments(data, name=name)
    reader = _Reader(source_name(data, name), segments.delimiters.component)
    return reader.read(segments, "no TA1 segment in the file")


class _Reader(EnvelopeWalker[InterchangeAcknowledgment, None]):
    """Reads the TA1 segments of each interchange and leaves its groups to their readers."""

    tolerated = TRAILER_CONTROLS  # as in the 999 reader

    def warn(self, warning: str) -> None:
        """At once, to the TA1 segments of the open interchange read so far."""
        for index in range(self.interchange_start, len(self.done)):
            ack = self.done[index]
            self.done[index] = replace(ack, warnings=(*ack.warnings, warning))

    def outside(self, seg: Segment) -> None:
        if seg.id == "TA1":
            assert self.isa is not None  # the checker refuses a TA1 outside an interchange
            self.done.append(_ta1(seg, self.isa, self.source))


def _ta1(seg: Segment, isa: Segment, source: str | None) -> InterchangeAcknowledgment:
    def error(message: str, element: int) -> X12Error:
        return X12Error(
            message, source=source, segment=seg.position, segment_id="TA1", element=element
        )

    control = seg.get(1).strip()
    if not control.isdigit():
        raise error("required" if not control else "not a number", 1)
    day, clock = seg.get(2), seg.get(3)
    try:
        if len(day) != 6 or not day.isdigit():
            raise error("not a date (YYMMDD)", 2)
        if len(clock) != 4 or not clock.isdigit():
            raise error("not a time (HHMM)", 3)
        # ISA09 has two-digit years; 5010 interchanges are from this century.
        year, month, dom = 2000 + int(day[:2]), int(day[2:4]), int(day[4:])
        at = datetime(year, month, dom, int(clock[:2]), int(clock[2:]))
    except ValueError:
        raise error("not a date and time (YYMMDD, HHMM)", 2) from None
    code = seg.get(4)
    if code not in ("A", "E", "R"):
        raise error(("required" if not code else "not a code") + " (A, E or R)", 4)
    note = seg.get(5)
    if note not in NOTES:
        raise error(("required" if not note else "not a note code") + " (000-031)", 5)
    carrier = isa.get(13).strip()
    return InterchangeAcknowledgment(
        seg.position,
        int(control),
        at,
        AcknowledgmentCode(code),
        note,
        isa.get(5),
        isa.get(6).strip(),
        isa.get(7),
        isa.get(8).strip(),
        int(carrier) if carrier.isdigit() else 0,
        isa.get(15) == "T",
    )
