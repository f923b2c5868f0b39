"""Fixtures of the remittance tests: a practice whose payer is the golden 835s' payer."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.claims.factories import Office, make_office
from tests.remittance.helpers import PAYER_CODE


@pytest.fixture
def office(session: Session) -> Office:
    """A practice ready to bill, its payer known by the golden 835s' N1*PR N104."""
    office = make_office(session)
    office.payer.payer_code = PAYER_CODE
    session.flush()
    return office
