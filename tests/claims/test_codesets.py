"""Stored code sets: imports all or nothing, the shipped ICD-10-CM release, loading tables."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.codesets import service as codesets
from claims.codesets.models import CodeTable
from claims.errors import InvalidInput
from coding.errors import CodeFileError
from tests.coding.helpers import order_file

OCTOBER = date(2025, 10, 1)
CDC_ROWS = [("I10", True, "Essential hypertension"), ("E78", False, "Lipid disorders"),
            ("E785", True, "Hyperlipidemia, unspecified")]  # fmt: skip


def rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(CodeTable)) or 0


def test_an_icd10cm_release_is_imported_with_its_effective_date(session: Session) -> None:
    row = codesets.import_file(
        session, kind="icd10cm", data=order_file(CDC_ROWS).encode(), name="icd10cm-order-2026.txt",
        effective_from=OCTOBER, actor="t",
    )  # fmt: skip
    assert (row.kind, row.effective_from, row.entries) == ("icd10cm", OCTOBER, 3)
    tables = codesets.load_tables(session)
    starts = [r.effective_from for r in tables.icd10cm.releases]
    assert starts == [OCTOBER, date(2026, 4, 1)]  # ours and the shipped one
    release, in_force = tables.icd10cm.for_date(date(2025, 12, 1))
    assert in_force and release.effective_from == OCTOBER


def test_a_bad_file_names_its_line_and_changes_nothing(session: Session) -> None:
    codesets.ensure_default_icd10cm(session)
    before = rows(session)
    broken = order_file(CDC_ROWS) + "\n00004 BADLINE"
    with pytest.raises(CodeFileError) as info:
        codesets.import_file(
            session, kind="icd10cm", data=broken.encode(), name="bad.txt", effective_from=OCTOBER,
            actor="t",
        )  # fmt: skip
    assert info.value.line == 4 and "bad.txt" in str(info.value)
    assert rows(session) == before


def test_an_icd10cm_release_needs_its_effective_date(session: Session) -> None:
    with pytest.raises(InvalidInput, match="--effective"):
        codesets.import_file(
            session, kind="icd10cm", data=order_file(CDC_ROWS).encode(), name="x",
            effective_from=None, actor="t",
        )  # fmt: skip


def test_an_unknown_kind_is_refused_naming_the_kinds(session: Session) -> None:
    with pytest.raises(InvalidInput, match=r"kind: one of .*icd10cm"):
        codesets.import_file(
            session, kind="snomed", data=b"", name="x", effective_from=OCTOBER, actor="t"
        )


def test_importing_the_same_release_again_replaces_it(session: Session) -> None:
    for data in (CDC_ROWS[:1], CDC_ROWS):
        codesets.import_file(
            session, kind="icd10cm", data=order_file(data).encode(), name="x",
            effective_from=OCTOBER, actor="t",
        )  # fmt: skip
    stored = session.scalars(select(CodeTable).where(CodeTable.effective_from == OCTOBER)).all()
    assert [r.entries for r in stored] == [3]


def test_the_shipped_release_is_stored_once(session: Session) -> None:
    codesets.ensure_default_icd10cm(session)
    codesets.ensure_default_icd10cm(session)
    shipped = session.scalars(select(CodeTable).where(CodeTable.kind == "icd10cm")).all()
    assert len(shipped) == 1 and shipped[0].source == codesets.DEFAULT_ICD10CM_SOURCE
    assert shipped[0].entries > 90_000


def test_tables_not_loaded_are_none(session: Session) -> None:
    tables = codesets.load_tables(session)
    assert tables.cpt is None and tables.hcpcs is None and tables.ptp_professional is None


def test_the_shipped_release_date_is_what_the_package_ships() -> None:
    assert codesets._default_release().effective_from == codesets.DEFAULT_ICD10CM_EFFECTIVE
