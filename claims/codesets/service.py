"""Importing code-set files and loading the tables the scrubber reads.

An import parses the whole file with coding/'s parser first (which names the line and column
of anything wrong) and stores it only then, so a bad file leaves what was in force in force.
Loading reads the compact bytes once per process and keeps them until a row changes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from claims.codesets.models import CodeTable
from claims.errors import InvalidInput
from coding import icd10cm, ncci
from coding.codetable import DatedCodeTable
from coding.cpt import cpt_from_bytes, parse_cpt_csv
from coding.hcpcs import HcpcsTable, parse_hcpcs_file
from coding.nubc import NubcKind, nubc_from_bytes, parse_nubc_csv
from coding.pos import parse_pos_csv, place_of_service_table, pos_from_bytes
from coding.remit import parse_carc_csv, parse_rarc_csv
from coding.scrub import CodeTables

DEFAULT_ICD10CM_SOURCE = "simple-icd-10-cm 1.5.0 (ICD-10-CM April 1, 2026)"
DEFAULT_ICD10CM_EFFECTIVE = date(2026, 4, 1)  # the release simple-icd-10-cm 1.5.0 ships


@dataclass(frozen=True, slots=True)
class Kind:
    """How one kind of code set is parsed from its official file and read back from bytes."""

    parse: Callable[[bytes, str, date], Any]
    load: Callable[[bytes], Any]
    needs_effective_date: bool = False


KINDS: dict[str, Kind] = {
    "icd10cm": Kind(
        lambda data, name, day: icd10cm.parse_order_file(data, effective_from=day, file=name),
        icd10cm.IcdRelease.from_bytes,
        needs_effective_date=True,
    ),
    "hcpcs": Kind(lambda data, name, _: parse_hcpcs_file(data, file=name), HcpcsTable.from_bytes),
    "cpt": Kind(lambda data, name, _: parse_cpt_csv(data, file=name), cpt_from_bytes),
    "ptp-professional": Kind(
        lambda data, name, _: ncci.parse_ptp(data, file=name), ncci.PtpTable.from_bytes
    ),
    "ptp-institutional": Kind(
        lambda data, name, _: ncci.parse_ptp(data, file=name), ncci.PtpTable.from_bytes
    ),
    "mue-professional": Kind(
        lambda data, name, _: ncci.parse_mue(data, file=name), ncci.MueTable.from_bytes
    ),
    "mue-institutional": Kind(
        lambda data, name, _: ncci.parse_mue(data, file=name), ncci.MueTable.from_bytes
    ),
    "mue-dme": Kind(
        lambda data, name, _: ncci.parse_mue(data, file=name), ncci.MueTable.from_bytes
    ),
    # Our place-of-service table ships; a user's CSV replaces it (code, name, start, end).
    "pos": Kind(lambda data, name, _: parse_pos_csv(data, file=name), pos_from_bytes),
    # Official descriptions the user supplies (the code values and our categories ship).
    "carc": Kind(
        lambda data, name, _: parse_carc_csv(data, file=name),
        lambda data: DatedCodeTable.from_bytes("carc", data),
    ),
    "rarc": Kind(
        lambda data, name, _: parse_rarc_csv(data, file=name),
        lambda data: DatedCodeTable.from_bytes("rarc", data),
    ),
    **{
        f"nubc-{kind.value}": Kind(
            (lambda k: lambda data, name, _: parse_nubc_csv(data, kind=k, file=name))(kind),
            (lambda k: lambda data: nubc_from_bytes(k, data))(kind),
        )
        for kind in NubcKind
    },
}

_cache: dict[tuple[int, str], Any] = {}  # (row id, sha) -> loaded table
# Building the shipped release reads the whole package (seconds): once per process at most.
_default_release = functools.cache(icd10cm.default_release)


def import_file(
    session: Session,
    *,
    kind: str,
    data: bytes,
    name: str,
    effective_from: date | None,
    actor: str,
) -> CodeTable:
    """Parse a code-set file (all or nothing) and store it; CodeFileError names line and column."""
    spec = KINDS.get(kind)
    if spec is None:
        raise InvalidInput(f"kind: one of {', '.join(sorted(KINDS))}")
    if spec.needs_effective_date and effective_from is None:
        raise InvalidInput(f"effective: a {kind} release needs its effective date (--effective)")
    day = effective_from or date.today()
    table = spec.parse(data, name, day)
    return _store(session, kind, day, name, hashlib.sha256(data).hexdigest(), table, actor)


def import_ptp_parts(
    session: Session, *, kind: str, paths: list[Path], effective_from: date | None, actor: str
) -> CodeTable:
    """Import one NCCI PTP setting from the parts CMS splits it into (all or nothing)."""
    if not kind.startswith("ptp-"):
        raise InvalidInput("kind: only a PTP setting comes in several files")
    table = ncci.load_ptp_files(paths)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()
    names = ", ".join(p.name for p in paths)
    return _store(session, kind, effective_from or date.today(), names, digest, table, actor)


def _store(
    session: Session, kind: str, day: date, source: str, sha: str, table: Any, actor: str
) -> CodeTable:
    session.execute(
        delete(CodeTable).where(CodeTable.kind == kind, CodeTable.effective_from == day)
    )
    row = CodeTable(
        kind=kind,
        effective_from=day,
        source=source[:255],
        source_sha256=sha,
        entries=len(table),
        content=table.to_bytes(),
        actor=actor,
    )
    session.add(row)
    session.flush()
    return row


def ensure_default_icd10cm(session: Session) -> None:
    """Store the ICD-10-CM release shipped in simple-icd-10-cm beside any imported ones, unless
    the user imported that release themselves.

    Building it takes a few seconds, once per database; every later load reads the bytes.
    """
    stored = select(CodeTable.id).where(
        CodeTable.kind == "icd10cm", CodeTable.effective_from == DEFAULT_ICD10CM_EFFECTIVE
    )
    if session.scalar(stored) is not None:
        return
    release = _default_release()
    _store(
        session, "icd10cm", release.effective_from, DEFAULT_ICD10CM_SOURCE,
        hashlib.sha256(DEFAULT_ICD10CM_SOURCE.encode()).hexdigest(), release, "engine",
    )  # fmt: skip


def load_tables(session: Session) -> CodeTables:
    """Every stored code set as the scrubber's CodeTables (the newest of each kind; every
    ICD-10-CM release, so each date of service finds its own)."""
    ensure_default_icd10cm(session)
    rows = session.execute(
        select(
            CodeTable.id, CodeTable.kind, CodeTable.effective_from, CodeTable.source_sha256
        ).order_by(CodeTable.kind, CodeTable.effective_from)
    ).all()
    releases = [
        _load(session, row_id, kind, sha) for row_id, kind, _, sha in rows if kind == "icd10cm"
    ]
    newest = {kind: (row_id, sha) for row_id, kind, _, sha in rows if kind != "icd10cm"}

    def table(kind: str) -> Any:
        found = newest.get(kind)
        return _load(session, found[0], kind, found[1]) if found else None

    pos = table("pos")
    nubc = {kind: found for kind in NubcKind if (found := table(f"nubc-{kind.value}"))}
    return CodeTables(
        icd10cm=icd10cm.IcdReleaseSet(tuple(releases)),
        pos=pos if pos is not None else place_of_service_table(),
        nubc=MappingProxyType(nubc),
        hcpcs=table("hcpcs"),
        cpt=table("cpt"),
        ptp_professional=table("ptp-professional"),
        ptp_institutional=table("ptp-institutional"),
        mue_professional=table("mue-professional"),
        mue_institutional=table("mue-institutional"),
        mue_dme=table("mue-dme"),
    )


def _load(session: Session, row_id: int, kind: str, sha: str) -> Any:
    key = (row_id, sha)
    if key not in _cache:
        content = session.scalar(select(CodeTable.content).where(CodeTable.id == row_id))
        assert content is not None
        _cache[key] = KINDS[kind].load(content)
    return _cache[key]


def summary(session: Session) -> list[dict[str, object]]:
    """What is loaded: kind, effective date, source, entries, when and by whom."""
    rows = session.scalars(select(CodeTable).order_by(CodeTable.kind, CodeTable.effective_from))
    return [
        {"kind": r.kind, "effective_from": r.effective_from.isoformat(), "source": r.source,
         "entries": r.entries, "imported_at": r.imported_at.isoformat(), "actor": r.actor}
        for r in rows
    ]  # fmt: skip
