"""The batch view: batches the engine sent, answered by our golden 999s and 277CAs, counted
per batch; the silent claims by their payer's wait; the same data from the HTTP API."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api import routes
from api.app import create_app
from claims.claim.models import Claim
from claims.claim.state import ClaimState
from claims.errors import InvalidInput, NotFound
from claims.files.models import Batch, CounterKind
from remittance.batches import batch_report
from tests.claims import factories as f
from tests.remittance.test_acks import (
    EDI_GOLDEN,
    NOW,
    golden,
    ingest,
    items,
    make_partner,
    numbers,
    ready_claim,
    submit,
)
from tests.remittance.test_acks import sent as sent_now

SENT_DAY = NOW.date()  # 2026-11-23


def dated(batch: Batch) -> Batch:
    """The batch as if sent at NOW (the engine stamps the real time)."""
    batch.created_at = NOW
    return batch


def sent(session: Session, *args: Any, **kwargs: Any) -> tuple[f.Office, Batch, list[Claim]]:
    """As test_acks.sent, with the batch sent at NOW."""
    office, batch, claims = sent_now(session, *args, **kwargs)
    return office, dated(batch), claims


def view(session: Session, office: f.Office, today: date, **filters: Any) -> dict[str, Any]:
    """The one batch of the office's report, as JSON."""
    report = batch_report(session, practice_id=office.practice.id, today=today, **filters)
    (batch,) = report.as_json()["batches"]
    return batch


def test_a_batch_with_accepted_rejected_flagged_and_silent_claims(session: Session) -> None:
    # Five claims in one file: the 999 accepts the set; the payer's 277CA accepts the first,
    # rejects the second, receives the third and cannot find the fourth; of the fifth it says
    # nothing.
    office, batch, claims = sent(session, [None] * 5)
    ingest(session, office, golden("999_accepted.x12", **numbers(batch)), "a.999")
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims[:4], 1)}
    text = golden("277ca_per_claim.x12", gs06=str(batch.group_control_number), **pcns)
    ingest(session, office, text, "a.277")
    accepted, rejected, received, not_found, silent = claims

    early = view(session, office, SENT_DAY + timedelta(days=7))  # the payer waits 7 days
    assert early["sent"] == {"claims": 5, "charge_total": "375.00"}
    assert early["ack_999"] == {"accepted": 5, "accepted_with_errors": 0, "rejected": 0, "none": 0}
    assert early["ack_277ca"] == {
        "accepted": 1, "received": 1, "rejected": 1, "flagged": 1, "none": 1,
    }  # fmt: skip
    assert early["remitted"] == 0
    assert early["heard_nothing"]["claims"] == 0
    (item,) = items(session, rejected)
    assert early["rejected"] == {
        "claims": 1, "charge_total": "75.00", "by_999": 0, "by_277ca": 1,
        "items": [{
            "claim_id": rejected.id, "patient_control_number": rejected.patient_control_number,
            "payer_code": office.payer.payer_code, "state": "rejected", "charge": "75.00",
            "by": "277CA", "codes": "A7:21:IL A7:164:IL A3:562:85", "rework_item_id": item.id,
        }],
    }  # fmt: skip

    late = view(session, office, SENT_DAY + timedelta(days=8))
    assert late["heard_nothing"] == {
        "claims": 1, "charge_total": "75.00", "no_999": 0, "no_277ca": 1,
        "items": [{
            "claim_id": silent.id, "patient_control_number": silent.patient_control_number,
            "payer_code": office.payer.payer_code, "state": "received", "charge": "75.00",
            "waiting_for": "277CA", "days": 8, "wait_days": 7,
        }],
    }  # fmt: skip
    # The claims the 277CA answered, accepted or not, are not waiting for anything.
    assert {accepted.id, received.id, not_found.id}.isdisjoint(
        c["claim_id"] for c in late["heard_nothing"]["items"]
    )


def test_the_days_each_payer_waits_decide_which_claims_heard_nothing(session: Session) -> None:
    # Two payers' claims in one file, nothing came back: the first payer waits 2 days for a
    # 999 (the default), the second 4.
    office = f.make_office(session)
    make_partner(session, office.practice.id)
    patient = f.make_patient(session, office.practice)
    patient_payer = f.make_payer(session, office.practice, wait_999_days=4)
    other = dataclasses.replace(
        office, payer=patient_payer, patient=patient,
        coverage=f.make_coverage(session, patient, patient_payer),
    )  # fmt: skip
    first = ready_claim(session, office)
    second = ready_claim(session, other)
    dated(submit(session, office))
    assert office.payer.wait_999_days == 2 and office.payer.wait_277ca_days == 7

    def silent(days: int, **filters: Any) -> list[tuple[int, str, int, int]]:
        found = view(session, office, SENT_DAY + timedelta(days=days), **filters)
        return [
            (c["claim_id"], c["waiting_for"], c["days"], c["wait_days"])
            for c in found["heard_nothing"]["items"]
        ]

    assert silent(2) == []  # two whole days: still within the wait
    assert silent(3) == [(first.id, "999", 3, 2)]
    assert silent(5) == [(first.id, "999", 5, 2), (second.id, "999", 5, 4)]
    office.payer.wait_999_days = 6
    session.flush()
    assert silent(5) == [(second.id, "999", 5, 4)]
    # With a payer named, only its claims count (and the sent figures are theirs).
    only = view(session, office, SENT_DAY + timedelta(days=5), payer_code=patient_payer.payer_code)
    assert only["sent"] == {"claims": 1, "charge_total": "75.00"}
    assert [c["claim_id"] for c in only["heard_nothing"]["items"]] == [second.id]


def test_rejections_by_999_and_ta1_name_what_rejected_them(session: Session) -> None:
    office, batch, claims = sent(session, counters={CounterKind.INTERCHANGE: 17})
    text = (EDI_GOLDEN / "ta1_rejected.x12").read_text()  # TA1*000000017*...*R*022
    ingest(session, office, text, "ta1.x12")
    found = view(session, office, SENT_DAY + timedelta(days=30))
    assert found["interchange_rejected"].startswith("TA1 R 022: invalid control structure")
    assert found["ack_999"]["rejected"] == 2 and found["ack_277ca"]["none"] == 2
    assert [(c["by"], c["codes"]) for c in found["rejected"]["items"]] == [("TA1", "TA1 R 022")] * 2
    assert found["rejected"]["by_999"] == 2 and found["heard_nothing"]["claims"] == 0

    office, batch, claims = sent(session)
    ingest(session, office, golden("999_rejected_set.x12", **numbers(batch), dmg_2="20"), "r.999")
    found = view(session, office, SENT_DAY + timedelta(days=30))
    assert found["interchange_rejected"] is None
    assert [c["by"] for c in found["rejected"]["items"]] == ["999", "999"]
    assert all(c["codes"].startswith("IK5 R 5") for c in found["rejected"]["items"])
    assert all(c.state is ClaimState.REJECTED for c in claims)


def test_accepted_with_errors_is_counted_apart(session: Session) -> None:
    office, batch, claims = sent(session)
    text = golden(
        "999_accepted_with_errors.x12", **numbers(batch), clm2=claims[1].patient_control_number,
        nm1_2="20",
    )  # fmt: skip
    ingest(session, office, text, "e.999")
    found = view(session, office, SENT_DAY + timedelta(days=1))
    assert found["ack_999"] == {"accepted": 2, "accepted_with_errors": 2, "rejected": 0, "none": 0}
    # A 277CA later: the 999's errors stay counted, the claims are not silent any more.
    assert view(session, office, SENT_DAY + timedelta(days=8))["heard_nothing"]["no_277ca"] == 2


def test_filters_pages_and_bad_names(session: Session) -> None:
    office, first_batch, _ = sent(session)
    ready_claim(session, office)
    second_batch = dated(submit(session, office))
    report = batch_report(session, practice_id=office.practice.id, today=SENT_DAY, limit=1)
    assert report.total == 2 and [b.batch_id for b in report.batches] == [second_batch.id]
    report = batch_report(
        session, practice_id=office.practice.id, today=SENT_DAY, limit=1, offset=1
    )
    assert [b.batch_id for b in report.batches] == [first_batch.id]
    later = batch_report(
        session, practice_id=office.practice.id, today=SENT_DAY, since=SENT_DAY + timedelta(days=1)
    )
    assert (later.total, later.batches) == (0, [])
    one = batch_report(
        session, practice_id=office.practice.id, today=SENT_DAY, batch_id=first_batch.id
    )
    assert [b.claims for b in one.batches] == [2]
    with pytest.raises(NotFound, match=f"batch {second_batch.id + 1} not found"):
        batch_report(
            session, practice_id=office.practice.id, today=SENT_DAY, batch_id=second_batch.id + 1
        )
    with pytest.raises(InvalidInput, match="payer: no payer with code NOSUCH"):
        batch_report(session, practice_id=office.practice.id, today=SENT_DAY, payer_code="NOSUCH")
    with pytest.raises(InvalidInput, match="limit"):
        batch_report(session, practice_id=office.practice.id, today=SENT_DAY, limit=0)


# --- the HTTP API -------------------------------------------------------------------------


@pytest.fixture
def client(session: Session, database_url: str) -> Iterator[TestClient]:
    """The app on the test's own session (so it runs on both databases)."""
    app = create_app(database_url)
    app.dependency_overrides[routes.get_session] = lambda: session
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


def test_the_endpoint_returns_the_same_batches_as_the_report(
    session: Session, client: TestClient
) -> None:
    office, batch, claims = sent(session, [None] * 3)
    pcns = {f"clm{n}": c.patient_control_number for n, c in enumerate(claims, 1)}
    text = golden("277ca_provider_rejected.x12", gs06=str(batch.group_control_number), **pcns)
    ingest(session, office, text, "p.277")
    day = SENT_DAY + timedelta(days=9)
    url = f"/api/v1/practices/{office.practice.id}/batches"
    response = client.get(url, params={"as_of": day.isoformat()})
    assert response.status_code == 200, response.text
    body = response.json()
    expected = batch_report(session, practice_id=office.practice.id, today=day).as_json()
    assert (body["as_of"], body["total"], body["limit"], body["offset"]) == (
        "2026-12-02", 1, 20, 0,
    )  # fmt: skip
    (got,) = body["items"]
    (want,) = expected["batches"]
    assert got.keys() == want.keys()
    assert got["sent_at"] == want["sent_at"] == "2026-11-23T09:30:00Z"
    for key in ("sent", "ack_999", "ack_277ca", "rejected", "heard_nothing"):
        assert got[key] == want[key], key
    assert got["rejected"]["by_277ca"] == 2 and got["ack_277ca"]["received"] == 1
    assert got["heard_nothing"]["claims"] == 0  # the third claim's A1 is an answer
    assert client.get(url, params={"payer": "NOSUCH"}).status_code == 422
    assert client.get(url, params={"since": "yesterday"}).status_code == 422
    assert client.get(f"/api/v1/practices/{office.practice.id + 999}/batches").status_code == 404
