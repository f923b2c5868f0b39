"""`claims import`: our own 837s sent back in from a practice-management system, on a scratch
database: imported, duplicates, a refused file, rejected claims, and an error that undoes all."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.db import make_engine, session_factory, transaction
from claims.encounters.models import Encounter
from claims.files.models import Direction, StoredFile
from claims.practice.models import Practice, TradingPartner
from tests.api.test_cli import claims_cli
from tests.claims.test_intake import twin_practice


@dataclass(frozen=True, slots=True)
class Setup:
    """A database with the demo practice (its claims sent) and a twin to import into."""

    url: str
    code: str  # the twin's practice code
    practice_id: int
    files: dict[str, Path]  # 837P and 837I our submit wrote for the demo practice


@pytest.fixture
def setup(scratch_sqlite_url: str, tmp_path: Path) -> Iterator[Setup]:
    url = scratch_sqlite_url
    assert claims_cli(url, "db", "upgrade")[0] == 0
    assert claims_cli(url, "demo")[0] == 0
    assert claims_cli(url, "scrub", "--practice", "DEMO")[0] == 0
    code, out = claims_cli(
        url, "submit", "--practice", "DEMO", "--out", str(tmp_path / "out"), "--no-pyx12", "--json"
    )
    assert code == 0, out
    files = {f["kind"]: Path(f["path"]) for f in json.loads(out)["files"]}
    assert sorted(files) == ["837I", "837P"]
    engine = make_engine(url)
    with transaction(session_factory(engine)) as session:
        demo = session.scalars(select(Practice).where(Practice.code == "DEMO")).one()
        twin = twin_practice(session, demo)
        code_, twin_id = twin.code, twin.id
    engine.dispose()
    yield Setup(url, code_, twin_id, files)


def count_in(url: str, practice_id: int) -> dict[str, int]:
    engine = make_engine(url)
    with session_factory(engine)() as session:
        counts = {
            model.__name__: session.scalar(
                select(func.count()).select_from(model).where(model.practice_id == practice_id)
            )
            or 0
            for model in (StoredFile, Encounter, Claim)
        }
        # Files received (our 999s and 277CAs for them are kept as outbound files).
        counts["StoredFile"] -= (
            session.scalar(
                select(func.count())
                .select_from(StoredFile)
                .where(
                    StoredFile.practice_id == practice_id,
                    StoredFile.direction == Direction.OUTBOUND,
                )
            )
            or 0
        )
    engine.dispose()
    return counts


def test_our_files_import_into_another_practice_and_submit_again(
    setup: Setup, tmp_path: Path
) -> None:
    paths = [str(setup.files["837P"]), str(setup.files["837I"])]
    code, out = claims_cli(setup.url, "import", *paths, "--practice", setup.code, "--json")
    assert code == 0, out
    first = json.loads(out)["files"]
    assert [(f["path"], f["kind"], f["status"]) for f in first] == [
        (paths[0], "837P", "imported"),
        (paths[1], "837I", "imported"),
    ]
    for report in first:
        content = Path(report["path"]).read_bytes()
        assert report["sha256"] == hashlib.sha256(content).hexdigest()
        assert report["rejected"] == [] and report["error"] is None
        assert {c["state"] for c in report["claims"]} == {"ready"}
        assert all(c["scrub_errors"] == [] and c["warnings"] == [] for c in report["claims"])
    assert [len(f["claims"]) for f in first] == [46, 4]
    assert count_in(setup.url, setup.practice_id) == {"StoredFile": 2, "Encounter": 50, "Claim": 50}

    # The same files again: duplicates, nothing changes, the same claims are reported.
    code, out = claims_cli(setup.url, "import", *paths, "--practice", setup.code, "--json")
    assert code == 0, out
    again = json.loads(out)["files"]
    assert [f["status"] for f in again] == ["duplicate", "duplicate"]
    assert [[c["claim_id"] for c in f["claims"]] for f in again] == [
        [c["claim_id"] for c in f["claims"]] for f in first
    ]
    assert count_in(setup.url, setup.practice_id) == {"StoredFile": 2, "Encounter": 50, "Claim": 50}
    code, out = claims_cli(setup.url, "import", paths[0], "--practice", setup.code)
    assert code == 0
    assert out.startswith(f"{paths[0]}: duplicate of stored file {first[0]['file_id']}")
    assert json.loads(claims_cli(setup.url, "check", "--json")[1])["ok"] is True

    # Queued for the next submit: through a clearinghouse of the new practice, pyx12 agrees.
    engine = make_engine(setup.url)
    with transaction(session_factory(engine)) as session:
        session.add(
            TradingPartner(
                practice_id=setup.practice_id, name="CH", sender_id="PM2", receiver_id="CH",
                application_sender="PM2", application_receiver="CH", submitter_name="PM2",
                submitter_id="PM2", submitter_contact="BILLING", submitter_phone="5035550100",
                receiver_name="CH", receiver_code="CH",
            )
        )  # fmt: skip
    code, out = claims_cli(
        setup.url, "submit", "--practice", setup.code, "--out", str(tmp_path / "again"), "--json"
    )
    assert code == 0, out
    sent = json.loads(out)
    assert sent["held"] == [] and sum(f["claims"] for f in sent["files"]) == 50
    with session_factory(engine)() as session:
        states = session.scalars(
            select(Claim.state).where(Claim.practice_id == setup.practice_id)
        ).all()
        assert set(states) == {ClaimState.SUBMITTED}
    engine.dispose()


def test_a_refused_file_and_rejected_claims_exit_1(setup: Setup, tmp_path: Path) -> None:
    text = setup.files["837P"].read_text()
    cut = tmp_path / "cut.x12"
    cut.write_text(text[: len(text) // 2])
    code, out = claims_cli(setup.url, "import", str(cut), "--practice", setup.code, "--json")
    assert code == 1
    (report,) = json.loads(out)["files"]
    assert (report["status"], report["claims"], report["rejected"]) == ("refused", [], [])
    assert report["error"].startswith("cut.x12, segment ")
    code, out = claims_cli(setup.url, "import", str(cut), "--practice", setup.code)
    assert code == 1 and out.startswith(f"{cut}: duplicate of stored file")
    assert "was refused: cut.x12, segment " in out

    other_payer = tmp_path / "other-payer.x12"
    other_payer.write_text(text.replace("PI*DEMOACME1", "PI*NOPAYER1"))
    code, out = claims_cli(setup.url, "import", str(other_payer), "--practice", setup.code)
    assert code == 1
    head, *rest = out.splitlines()
    assert head.startswith(f"{other_payer}: 837P imported: ")
    assert rest and all(
        line.startswith("  rejected ") and "payer ID NOPAYER1 (loop 2010BB NM109)" in line
        for line in rest
    )
    counts = count_in(setup.url, setup.practice_id)
    assert counts == {"StoredFile": 2, "Encounter": 46 - len(rest), "Claim": 46 - len(rest)}


def test_an_unexpected_error_leaves_nothing_of_the_file(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    import claims.intake.service as intake

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("scrubber down")

    monkeypatch.setattr(intake, "scrub_claims", broken)
    with pytest.raises(RuntimeError, match="scrubber down"):
        claims_cli(setup.url, "import", str(setup.files["837P"]), "--practice", setup.code)
    assert count_in(setup.url, setup.practice_id) == {"StoredFile": 0, "Encounter": 0, "Claim": 0}
    engine = make_engine(setup.url)
    with session_factory(engine)() as session:
        inbound = session.scalars(
            select(StoredFile).where(StoredFile.direction == Direction.INBOUND)
        ).all()
        assert inbound == []
    engine.dispose()
