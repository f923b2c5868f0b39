"""The HTTP API (api.app.create_app) over a scratch SQLite database holding the demo practice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from claims import demo
from claims.claim import service as claim_service
from claims.claim.models import Claim
from claims.claim.state import Command
from claims.db import make_engine, session_factory, transaction
from claims.practice.models import Practice
from claims.schema import upgrade

MONEY = re.compile(r"^-?\d+\.\d{2}$")
PROBLEM = "application/problem+json"


def money(value: Any) -> Decimal:
    """A JSON money value: must be a decimal string with two places, never a number."""
    assert isinstance(value, str), f"money must be a decimal string, got {value!r}"
    assert MONEY.match(value), value
    return Decimal(value)


class Demo:
    """What the scratch database holds, by ID."""

    practice_id: int
    other_practice_id: int
    held_claim_id: int
    claim_totals: dict[int, int]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Demo]]:
    """A scratch SQLite database at head with the demo practice, one claim put on hold, and a
    second, empty practice; committed."""
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.db'}"
    engine = make_engine(url)
    upgrade(engine)
    facts = Demo()
    with transaction(session_factory(engine)) as session:
        practice = demo.seed(session)
        assert practice is not None
        other = Practice(code="OTHER", name="Another practice")
        session.add(other)
        session.flush()
        claims = session.scalars(select(Claim).where(Claim.practice_id == practice.id)).all()
        held = min(claims, key=lambda c: c.id)
        claim_service.run_command(session, claim=held, command=Command.HOLD, actor="test")
        facts.practice_id = practice.id
        facts.other_practice_id = other.id
        facts.held_claim_id = held.id
        facts.claim_totals = {c.id: c.total_charge_cents for c in claims}
    engine.dispose()
    yield url, facts


@pytest.fixture(scope="module")
def client(seeded: tuple[str, Demo]) -> Iterator[TestClient]:
    app = create_app(seeded[0])
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def facts(seeded: tuple[str, Demo]) -> Demo:
    return seeded[1]


def claims_url(facts: Demo) -> str:
    return f"/api/v1/practices/{facts.practice_id}/claims"


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "sqlite"}


def test_root_points_at_the_api_docs(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.is_redirect and response.headers["location"] == "/docs"


def test_practices(client: TestClient, facts: Demo) -> None:
    response = client.get("/api/v1/practices")
    assert response.status_code == 200
    by_code = {p["code"]: p for p in response.json()}
    assert set(by_code) == {demo.PRACTICE_CODE, "OTHER"}
    assert by_code[demo.PRACTICE_CODE]["id"] == facts.practice_id
    assert by_code[demo.PRACTICE_CODE]["name"]


def test_claims_pagination(client: TestClient, facts: Demo) -> None:
    seen: list[int] = []
    for offset in range(0, 50, 20):
        response = client.get(claims_url(facts), params={"limit": 20, "offset": offset})
        assert response.status_code == 200
        page = response.json()
        assert (page["total"], page["limit"], page["offset"]) == (50, 20, offset)
        assert len(page["items"]) == min(20, 50 - offset)
        seen += [item["id"] for item in page["items"]]
    assert seen == sorted(facts.claim_totals, reverse=True)  # newest first, no overlap

    past_end = client.get(claims_url(facts), params={"offset": 50}).json()
    assert past_end["items"] == [] and past_end["total"] == 50
    default = client.get(claims_url(facts)).json()
    assert (default["limit"], default["offset"], len(default["items"])) == (50, 0, 50)

    for item in default["items"]:
        assert money(item["total_charge"]) * 100 == facts.claim_totals[item["id"]]
        assert item["frequency"] == "1" and item["submitted_at"] is None
        assert item["created_at"].endswith("Z") or item["created_at"].endswith("+00:00")


def test_claims_state_filter(client: TestClient, facts: Demo) -> None:
    held = client.get(claims_url(facts), params={"state": "on_hold"}).json()
    assert held["total"] == 1
    assert [item["id"] for item in held["items"]] == [facts.held_claim_id]
    assert held["items"][0]["state"] == "on_hold"

    drafts = client.get(claims_url(facts), params={"state": "draft", "limit": 500}).json()
    assert drafts["total"] == 49 and len(drafts["items"]) == 49
    assert {item["state"] for item in drafts["items"]} == {"draft"}

    assert client.get(claims_url(facts), params={"state": "paid"}).json()["total"] == 0
    other = client.get(f"/api/v1/practices/{facts.other_practice_id}/claims").json()
    assert other["total"] == 0 and other["items"] == []


def test_claim_detail(client: TestClient, facts: Demo) -> None:
    response = client.get(f"{claims_url(facts)}/{facts.held_claim_id}")
    assert response.status_code == 200
    claim = response.json()
    total = money(claim["total_charge"])
    assert total * 100 == facts.claim_totals[facts.held_claim_id]

    assert claim["lines"]
    assert [line["line_number"] for line in claim["lines"]] == list(
        range(1, len(claim["lines"]) + 1)
    )
    assert sum(money(line["charge"]) for line in claim["lines"]) == total
    for line in claim["lines"]:
        assert line["line_control_number"].startswith(claim["patient_control_number"])

    assert [(h["trigger"], h["to_state"]) for h in claim["history"]] == [
        ("created", "draft"),
        ("hold", "on_hold"),
    ]

    entries = claim["ledger"]
    assert entries and {e["kind"] for e in entries} == {"charge"}
    assert sum(money(e["amount"]) for e in entries) == total
    assert {e["charge_line_id"] for e in entries} == {x["charge_line_id"] for x in claim["lines"]}
    for e in entries:
        assert e["credit_account"] == "gross_charges"
        assert e["debit_account"].startswith("insurance_ar:coverage:")
        date.fromisoformat(e["posting_date"])


def test_unknown_claim_is_a_problem(client: TestClient, facts: Demo) -> None:
    missing = max(facts.claim_totals) + 1000
    response = client.get(f"{claims_url(facts)}/{missing}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 404 and f"claim {missing}" in problem["detail"]


def test_a_claim_of_another_practice_is_not_found(client: TestClient, facts: Demo) -> None:
    url = f"/api/v1/practices/{facts.other_practice_id}/claims/{facts.held_claim_id}"
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert f"claim {facts.held_claim_id}" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/claims", "/claims/1", "/ledger/accounts"])
def test_unknown_practice_is_a_problem(client: TestClient, path: str) -> None:
    response = client.get(f"/api/v1/practices/987654{path}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)
    assert "practice 987654" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "ten"}, "limit"),
        ({"state": "lost"}, "state"),
    ],
)
def test_bad_query_parameter_is_422(
    client: TestClient, facts: Demo, params: dict[str, Any], field: str
) -> None:
    response = client.get(claims_url(facts), params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 422 and f"query.{field}" in problem["detail"]
    assert str(params[field]) not in str(problem["errors"])  # names the field, not the value


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM)


def test_ledger_accounts_balance_to_zero(client: TestClient, facts: Demo) -> None:
    response = client.get(f"/api/v1/practices/{facts.practice_id}/ledger/accounts")
    assert response.status_code == 200
    accounts = response.json()
    assert accounts
    for a in accounts:
        assert money(a["balance"]) == money(a["debits_posted"]) - money(a["credits_posted"])
    assert sum(money(a["balance"]) for a in accounts) == 0
    [gross] = [a for a in accounts if a["key"] == "gross_charges"]
    assert money(gross["balance"]) * 100 == -sum(facts.claim_totals.values())

    empty = client.get(f"/api/v1/practices/{facts.other_practice_id}/ledger/accounts")
    assert empty.status_code == 200 and empty.json() == []


def test_ledger_check(client: TestClient) -> None:
    response = client.get("/api/v1/ledger/check")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "imbalances": []}


def test_openapi_describes_money_as_strings(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    summary = schema["components"]["schemas"]["ClaimSummary"]["properties"]["total_charge"]
    kinds = {summary.get("type")} | {option.get("type") for option in summary.get("anyOf", [])}
    assert "string" in kinds


def test_ledger_check_reports_the_accounts_that_differ(scratch_sqlite_url: str) -> None:
    from sqlalchemy import text

    from api.app import create_app
    from claims import demo
    from claims.db import make_engine, session_factory, transaction
    from claims.schema import upgrade

    engine = make_engine(scratch_sqlite_url)
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        demo.seed(session)
        session.execute(
            text("UPDATE ledger_accounts SET debits_posted_cents = debits_posted_cents + 1 "
                 "WHERE key = 'gross_charges'")
        )  # fmt: skip
    engine.dispose()
    with TestClient(create_app(scratch_sqlite_url)) as client:
        body = client.get("/api/v1/ledger/check").json()
    assert body["ok"] is False
    (problem,) = body["imbalances"]
    assert problem["key"] == "gross_charges"
    assert problem["projected_debits"] == problem["entry_debits"] + 1
