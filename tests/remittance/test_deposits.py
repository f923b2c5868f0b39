"""Bank deposits: the CSV import (all or nothing, idempotent), matching to remittances by trace
number and amount, and the reconciliation of cash posted against deposits."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from claims.errors import InvalidInput
from claims.files.models import FileKind, StoredFile
from claims.remittances.models import Deposit, Remittance
from remittance.deposits import (
    AMBIGUOUS,
    MATCHED,
    UNMATCHED,
    import_deposits,
    match_deposits,
    parse_deposits_csv,
    reconciliation,
)
from tests.api.test_cli import claims_cli
from tests.claims.factories import ACTOR
from tests.remittance.helpers import GOLDEN, assert_era_invariants, ingest

PAYEE = "N1*PE*MAIN STREET CLINIC*XX*1234567893"


def _era(
    session: Session,
    office,
    golden: str,
    *,
    trace: str | None = None,
    payee: str = "",
    bpr: tuple[str, str] | None = None,
) -> int:  # type: ignore[no-untyped-def]
    """Ingest a golden 835 (its trace, payee or BPR02 changed) and return its remittance."""
    content = (GOLDEN / golden).read_text()
    if trace is not None:
        content = content.replace("TRN*1*CHK0003*", f"TRN*1*{trace}*")
    if payee:
        content = content.replace(PAYEE, PAYEE[:-4] + payee)
    if bpr is not None:
        content = content.replace(f"BPR*I*{bpr[0]}*", f"BPR*I*{bpr[1]}*")
    report = ingest(session, office, content, name=f"{golden}-{trace}-{payee}")
    (t,) = report.transactions
    assert t.remittance_id is not None, report.as_json()
    return t.remittance_id


def _import(session: Session, office, text: str, name: str = "bank.csv"):  # type: ignore[no-untyped-def]
    return import_deposits(
        session, practice_id=office.practice.id, data=text.encode(), name=name, actor=ACTOR
    )


# ---------------------------------------------------------------------- reading the CSV


def test_the_csv_reads_both_date_formats_any_column_order_and_a_bom() -> None:
    data = (
        "\ufeffReference,Amount,Date,Description\r\n"
        "EFT0001,450.00,2025-01-16,ACME HEALTH PLAN EFT\r\n"
        "\r\n"
        '"CHK 0003",-210.5,1/7/2025,\r\n'
    ).encode()
    rows = parse_deposits_csv(data, name="bank.csv")
    assert [(r.line, r.deposit_date, r.amount_cents, r.reference, r.description) for r in rows] == [
        (2, date(2025, 1, 16), 45000, "EFT0001", "ACME HEALTH PLAN EFT"),
        (4, date(2025, 1, 7), -21050, "CHK 0003", None),
    ]
    assert parse_deposits_csv(b"date,amount,reference\n") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty; a header row is required"),
        ("2025-01-16,450.00,EFT0001\n", "line 1, column 1: unknown column '2025-01-16'"),
        ("date,amount\n2025-01-16,450.00\n", "line 1: the header lacks reference"),
        ("date,amount,reference,memo\n", "line 1, column 4: unknown column 'memo'"),
        ("date,amount,date,reference\n", "line 1: column date appears twice"),
        ("date,amount,reference\n2025-01-16,1,A\n2025-02-30,1,B\n", "line 3, column date: not a"),
        ("date,amount,reference\n16.01.2025,1,A\n", "line 2, column date: not a date"),
        ("date,amount,reference\n2025-01-16,12.345,A\n", "line 2, column amount: more than two"),
        ("date,amount,reference\n2025-01-16,$12.00,A\n", "line 2, column amount: not a decimal"),
        ("date,amount,reference\n2025-01-16,1e3,A\n", "line 2, column amount: not a decimal"),
        ("date,amount,reference\n2025-01-16,0.00,A\n", "line 2, column amount: zero"),
        ("date,amount,reference\n2025-01-16,1.00, \n", "line 2, column reference: empty"),
        ("date,amount,reference\n2025-01-16,1.00\n", "line 2: 2 columns where the header has 3"),
        (
            "date,amount,reference\n2025-01-16,1.00,A\n01/16/2025,1,A\n",
            "line 3: the same date, amount and reference as line 2",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_column(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_deposits_csv(text.encode(), name="bank.csv")
    assert str(refused.value).startswith("bank.csv: ")
    assert message in str(refused.value)


@pytest.mark.database
def test_an_import_with_one_bad_row_adds_nothing(session: Session, office) -> None:  # type: ignore[no-untyped-def]
    text = "date,amount,reference\n2025-01-16,450.00,EFT0001\n2025-01-17,4.5.0,EFT0002\n"
    with pytest.raises(InvalidInput, match="line 3, column amount"):
        _import(session, office, text)
    assert session.scalar(select(func.count()).select_from(Deposit)) == 0
    assert (
        session.scalars(select(StoredFile).where(StoredFile.kind == FileKind.OTHER)).first() is None
    )


# ---------------------------------------------------------------------- matching


@pytest.mark.database
def test_deposits_match_remittances_by_trace_and_amount_and_reconcile(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    first = _era(session, office, "835_paid_partial_denial.835")  # EFT0001, 450.00
    # Another ERA paid in the same EFT (same trace, another payee), 210.00.
    second = _era(session, office, "835_crossover.835", trace="EFT0001", payee="0001")
    unpaid = _era(session, office, "835_reversal_plb.835")  # EFT0002, 77.50: no deposit
    check = _era(session, office, "835_unmatched_unbalanced.835")  # CHK0004, 230.00
    text = (
        "date,amount,reference,description\n"
        "2025-01-16,660.00,EFT0001,ACME EFT\n"
        "01/17/2025,230.00,CHK0004,\n"
        "2025-01-18,99.99,NOPE,\n"
    )
    result = _import(session, office, text)

    assert (result.rows, result.added, result.already_present) == (3, 3, 0)
    statuses = [m.status for m in result.matches]
    assert statuses == [MATCHED, MATCHED, UNMATCHED]
    assert set(result.matches[0].remittance_ids) == {first, second}
    deposit_of = dict(session.execute(select(Remittance.id, Remittance.deposit_id)).all())
    eft = session.scalars(select(Deposit).where(Deposit.reference == "EFT0001")).one()
    assert deposit_of[first] == deposit_of[second] == eft.id
    assert deposit_of[unpaid] is None and deposit_of[check] is not None
    stored = session.get(StoredFile, result.file_id)
    assert stored is not None and stored.kind is FileKind.OTHER and stored.content == text.encode()
    assert eft.source_file_id == stored.id and eft.description == "ACME EFT"

    # The same rows again add nothing; one new row is added and matched to nothing.
    again = _import(session, office, text, name="again.csv")
    assert (again.added, again.already_present, again.file_id) == (0, 3, result.file_id)
    more = _import(session, office, text + "2025-01-19,77.50,EFT0002,\n", name="more.csv")
    assert (more.added, more.already_present) == (1, 3)
    assert [m.status for m in more.matches] == [UNMATCHED, MATCHED]  # NOPE still, then EFT0002
    assert session.scalar(select(func.count()).select_from(Deposit)) == 4

    report = reconciliation(session, practice_id=office.practice.id).as_json()
    assert report["totals"]["deposits"] == 4 and report["totals"]["remittances"] == 4
    assert report["totals"]["cash_posted"] == "967.50"
    assert report["totals"]["deposited"] == "1067.49"
    assert report["totals"]["difference"] == "99.99"
    assert report["totals"]["deposited_unmatched"] == "99.99"
    assert report["totals"]["cash_unmatched"] == "0.00"
    assert (report["totals"]["unmatched_deposits"], report["totals"]["unmatched_remittances"]) == (
        1,
        0,
    )
    assert report["reconciled"] is False
    assert [d["reference"] for d in report["unreconciled"]["deposits"]] == ["NOPE"]
    assert report["unreconciled"]["remittances"] == []
    by_id = {r["remittance_id"]: r for r in report["remittances"]}
    assert by_id[first]["cash_posted"] == "450.00" and by_id[first]["payment"] == "450.00"
    assert by_id[first]["reconciliation"] == MATCHED
    (eft_line,) = [d for d in report["deposits"] if d["reference"] == "EFT0001"]
    assert (eft_line["amount"], eft_line["cash_posted"], eft_line["difference"]) == (
        "660.00",
        "660.00",
        "0.00",
    )
    assert_era_invariants(session, office.practice.id)


@pytest.mark.database
def test_a_deposit_matches_only_a_set_of_remittances_that_adds_up_to_it(
    session: Session, office
) -> None:  # type: ignore[no-untyped-def]
    a = _era(session, office, "835_paid_partial_denial.835")  # EFT0001 450.00
    b = _era(session, office, "835_crossover.835", trace="EFT0001", payee="0001")  # 210.00
    c = _era(session, office, "835_paid_partial_denial.835", payee="0002")  # EFT0001 450.00
    # A held ERA's cash landed too: it is matched like any other.
    held = _era(session, office, "835_crossover.835", trace="EFT0009", bpr=("210", "215"))
    assert session.get(Remittance, held).status.value == "held"  # type: ignore[union-attr]
    _import(
        session, office,
        "date,amount,reference\n2025-01-16,210.00,EFT0001\n2025-01-16,500.00,EFT0001\n"
        "2025-01-16,215.00,EFT0009\n",
    )  # fmt: skip
    rec = reconciliation(session, practice_id=office.practice.id)
    by_remittance = {r.remittance_id: r.deposit_id for r in rec.remittances}
    assert by_remittance[b] is not None and by_remittance[held] is not None
    assert by_remittance[a] is None and by_remittance[c] is None
    (short,) = [d for d in rec.deposits if d.amount_cents == 50000]
    assert short.reconciliation == UNMATCHED

    # 450.00 fits A and C alike: a person decides, nothing is guessed.
    _import(session, office, "date,amount,reference\n2025-01-17,450.00,EFT0001\n", "b.csv")
    matches = {m.deposit_id: m for m in match_deposits(session, practice_id=office.practice.id)}
    (ambiguous,) = [m for m in matches.values() if m.status == AMBIGUOUS]
    assert "2 sets of remittances" in (ambiguous.reason or "")
    assert matches[short.deposit_id].status == UNMATCHED
    assert "none of them add up to 500.00" in (matches[short.deposit_id].reason or "")
    rec = reconciliation(session, practice_id=office.practice.id)
    assert {r.remittance_id for r in rec.unreconciled_remittances} == {a, c}
    assert rec.totals()["cash_unmatched_cents"] == 90000
    assert_era_invariants(session, office.practice.id)


# ---------------------------------------------------------------------- the command line


def test_cli_imports_deposits_and_reconciles(tmp_path: Path, scratch_sqlite_url: str) -> None:
    url = scratch_sqlite_url
    assert claims_cli(url, "db", "upgrade")[0] == 0
    assert claims_cli(url, "demo")[0] == 0
    eras = [
        str(GOLDEN / "835_paid_partial_denial.835"),
        str(GOLDEN / "835_unmatched_unbalanced.835"),
    ]
    assert claims_cli(url, "ingest", *eras)[0] == 0  # demo claims differ: cash still lands
    bank = tmp_path / "bank.csv"
    bank.write_text("Date,Amount,Reference\n01/16/2025,450.00,EFT0001\n2025-01-20,5.00,NOPE\n")

    code, out = claims_cli(url, "deposits", "import", str(bank), "--json")
    assert code == 0, out
    imported = json.loads(out)
    assert (imported["rows"], imported["added"], imported["matched"]) == (2, 2, 1)
    code, out = claims_cli(url, "deposits", "import", str(bank))
    assert code == 0 and "0 deposits added, 2 already present" in out

    code, out = claims_cli(url, "reconcile", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["reconciled"] is False
    assert report["totals"]["deposited"] == "455.00" and report["totals"]["cash_posted"] == "680.00"
    assert [d["reference"] for d in report["unreconciled"]["deposits"]] == ["NOPE"]
    assert [r["trace_number"] for r in report["unreconciled"]["remittances"]] == ["CHK0004"]
    code, out = claims_cli(url, "reconcile")
    assert "deposited 455.00, cash posted 680.00, difference -225.00" in out
    assert "trace CHK0004: cash posted 230.00, in no deposit" in out
    assert out.strip().endswith("not reconciled")

    # A bad row is named and nothing changes.
    bad = tmp_path / "bad.csv"
    bad.write_text("date,amount,reference\n2025-01-21,230.00,CHK0004\n2025-01-21,2.3.0,X\n")
    with pytest.raises(InvalidInput, match=r"bad\.csv: line 3, column amount"):
        claims_cli(url, "deposits", "import", str(bad))
    code, out = claims_cli(url, "reconcile", "--json")
    assert json.loads(out)["totals"]["deposits"] == 2
