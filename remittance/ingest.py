"""Taking in files that come back (835, 999, 277CA, TA1, and paper EOBs a person entered):
recognise, keep, and apply each one.

This is the unit of work for a file, like a job runner: it commits. The file is kept first
(and committed) so that nothing received is ever lost, then it is read whole to refuse a
malformed file before anything is applied, then each transaction set is applied and
committed on its own, so a mixed file posts only its new transaction sets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from claims.base import utcnow
from claims.errors import InvalidInput
from claims.files.models import Direction, FileKind, FileStatus, StoredFile
from claims.files.service import store_file
from edi.inspect import kind_of
from edi.x12 import X12Error, read_segments
from remittance.report import DUPLICATE, FileReport


@dataclass(frozen=True, slots=True)
class Inbound:
    """A kept file and who takes it in, handed to the handler of its kind."""

    practice_id: int
    stored: StoredFile
    content: bytes
    name: str | None
    actor: str
    today: date


# A handler reads the whole file first and raises X12Error before applying anything when it
# is malformed; then it applies each transaction set and commits it, adding its report.
Handler = Callable[[Session, Inbound, FileReport], None]

EOB = "EOB"  # a paper EOB or check entered by a person (remittance/eob.py)

_FILE_KINDS = {
    EOB: FileKind.OTHER,
    "835": FileKind.X835,
    "999": FileKind.X999,
    "277CA": FileKind.X277CA,
    "TA1": FileKind.TA1,
}


def detect_kind(content: bytes, *, name: str | None = None) -> str:
    """835, 999, 277CA or TA1 from the file's own envelope (GS08 and ST01), never its name,
    or EOB for a JSON document; X12Error when it is none of these."""
    # An X12 file starts with ISA; a JSON object, list or string is a (perhaps mistyped) EOB,
    # which its reader refuses by field rather than as a file with no ISA segment.
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[", b'"'):
        return EOB
    gs08 = ""
    for seg in read_segments(content, name=name):
        if seg.id == "TA1":
            return "TA1"
        if seg.id == "GS":
            gs08 = seg.get(8)
        elif seg.id == "ST":
            kind = kind_of(seg.get(1), gs08)
            if kind not in _FILE_KINDS:
                raise X12Error(
                    f"a {kind if kind != 'unknown' else seg.get(1)} transaction set: "
                    "ingest takes 835, 999, 277CA and TA1 files",
                    source=name, segment=seg.position, segment_id="ST",
                )  # fmt: skip
            return kind
    raise X12Error("no transaction set (ST) or TA1 in the file", source=name)


def _handler(kind: str) -> Handler:
    # Imported here: each kind's module pulls in its reader only when a file of it arrives.
    if kind == "835":
        from remittance.era import ingest_835

        return ingest_835
    if kind == EOB:
        from remittance.eob import ingest_eob

        return ingest_eob
    from remittance.acks import ingest_277ca, ingest_999, ingest_ta1

    return {"999": ingest_999, "277CA": ingest_277ca, "TA1": ingest_ta1}[kind]


def ingest_file(
    session: Session,
    *,
    practice_id: int,
    content: bytes,
    name: str | None,
    actor: str,
    today: date,
) -> FileReport:
    """Keep a received file and apply it; the report says what happened (never raises for bad
    input: a malformed file is kept, refused whole and reported as rejected)."""
    report = FileReport(name=name, sha256=hashlib.sha256(content).hexdigest(), kind="unknown")
    try:
        report.kind = detect_kind(content, name=name)
    except X12Error as exc:
        report.error = exc.describe()
    kind = _FILE_KINDS.get(report.kind, FileKind.OTHER)
    stored, new = store_file(
        session, practice_id=practice_id, content=content, direction=Direction.INBOUND,
        kind=kind, name=name, actor=actor, status=FileStatus.RECEIVED,
    )  # fmt: skip
    processed_before = not new and stored.status is FileStatus.PROCESSED
    report.file_id = stored.id
    if report.error is not None:
        _refuse(stored, report.error)
        session.commit()
        report.settle_status()
        return report
    session.commit()  # the file is kept whatever happens next
    inbound = Inbound(practice_id, stored, content, name, actor, today)
    try:
        _handler(report.kind)(session, inbound, report)
    except (X12Error, InvalidInput) as exc:
        session.rollback()
        report.error = exc.describe() if isinstance(exc, X12Error) else str(exc)
        report.transactions.clear()
        _refuse(stored, report.error)
        session.commit()
        report.settle_status()
        return report
    report.settle_status()
    if report.status == DUPLICATE and processed_before:
        # The same bytes again changed nothing: the record of how they were processed the
        # first time (status, when) stands.
        session.commit()
        return report
    stored.status = FileStatus.DUPLICATE if report.status == DUPLICATE else FileStatus.PROCESSED
    stored.error = None
    stored.processed_at = utcnow()
    session.commit()
    return report


def _refuse(stored: StoredFile, error: str) -> None:
    stored.status = FileStatus.REFUSED
    stored.error = error
    stored.processed_at = utcnow()


__all__ = ["FileReport", "Inbound", "detect_kind", "ingest_file"]
