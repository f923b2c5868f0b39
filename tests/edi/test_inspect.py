"""Summaries of any X12 file: kinds, counts, charge totals, and problems with their places;
never patient data."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest

from edi import inspect as inspect_module
from edi.inspect import Summary, TransactionSummary, inspect_file, kind_of
from edi.validate import Problem
from edi.x12 import Segment, X12Error
from edi.x837.models import Kind
from edi.x837.writer import write_batch
from tests.edi import x12text as t
from tests.edi.builders import batch, institutional, professional

GOLDEN = Path(__file__).parent / "golden" / "837p_two_claims.x12"
GOOD = [*t.billing(1), *t.subscriber(2, 1, "M1"), *t.claim("A", "10")]


def codes(summary: Summary) -> list[str]:
    return [p.code for p in summary.problems]


def test_the_golden_837p() -> None:
    summary = inspect_file(GOLDEN)
    assert summary == Summary("837P", "005010X222A1", 1, 2, Decimal("643"), ())
    assert summary.as_json() == {
        "kind": "837P",
        "version": "005010X222A1",
        "transactions": 1,
        "claims": 2,
        "charge_total": "643.00",
        "problems": [],
    }


def test_an_837i_with_several_transaction_sets() -> None:
    claims = (institutional("I1"), institutional("I2"), institutional("I3"))
    text = write_batch(batch(Kind.INSTITUTIONAL, claims, per_transaction=2)).text
    summary = inspect_file(text.encode())
    assert (summary.kind, summary.version) == ("837I", "005010X223A2")
    assert (summary.transactions, summary.claims) == (2, 3)
    assert summary.charge_total == Decimal("1725.00") and summary.problems == ()


def test_a_wrong_clm02_names_the_claim_and_its_segment() -> None:
    text = GOLDEN.read_text().replace("CLM*CLAIMP1*493*", "CLM*CLAIMP1*494*")
    summary = inspect_file(text)
    [problem] = summary.problems
    assert problem == Problem(
        "error",
        "CLM02-SUM",
        "claim CLAIMP1: CLM02 494.00 differs from the sum of its line charges 493.00",
        21,
        "CLM",
        "CLM02",
    )
    assert summary.charge_total == Decimal("644")  # the file's CLM02s, as they are
    assert summary.errors == 1


def test_cents_add_up_exactly() -> None:
    claim = t.claim("A", "0.1", "0.2", total="0.3")
    claim[3] = "SV1*HC:99213*0.1*UN*1***1"
    summary = inspect_file(t.file_837([*t.billing(1), *t.subscriber(2, 1, "M1"), *claim]))
    assert summary.problems == () and summary.as_json()["charge_total"] == "0.30"


@pytest.mark.parametrize(
    ("change", "code", "segment_prefix"),
    [
        (lambda s: s.replace("SE*", "SE*9"), "SE-COUNT", "SE*"),
        (lambda s: s.replace("*0001~\nGE", "*0002~\nGE"), "SE-CONTROL", "SE*"),
        (lambda s: s.replace("GE*1*1", "GE*4*1"), "GE-COUNT", "GE*"),
        (lambda s: s.replace("GE*1*1", "GE*1*5"), "GE-CONTROL", "GE*"),
        (lambda s: s.replace("IEA*1*", "IEA*2*"), "IEA-COUNT", "IEA*"),
        (lambda s: s.replace("IEA*1*000000042", "IEA*1*000000001"), "IEA-CONTROL", "IEA*"),
        (lambda s: s.replace("HI*ABK:I10", "HI*BK:4019"), "ICD9", "HI*"),
        (lambda s: s.replace("SV1*HC:99213*10*", "SV1*HC:99213*ten*"), "AMOUNT", "SV1*"),
        (lambda s: s.replace("CLM*A*10*", "CLM*A*10.001*"), "AMOUNT", "CLM*"),
    ],
    ids=["se-count", "se-control", "ge-count", "ge-control", "iea-count", "iea-control", "icd9",
         "line-amount", "clm02-places"],
)  # fmt: skip
def test_structure_and_data_problems_name_their_segment(
    change: Callable[[str], str], code: str, segment_prefix: str
) -> None:
    text = change(t.file_837(GOOD))
    summary = inspect_file(text)
    assert code in codes(summary)
    problem = next(p for p in summary.problems if p.code == code)
    assert problem.segment == t.position(text, segment_prefix)


def test_a_line_outside_a_claim_is_a_problem() -> None:
    text = t.file_837([*GOOD, *t.billing(3), "LX*1", "SV1*HC:99213*10*UN*1***1"])
    summary = inspect_file(text)
    assert codes(summary) == ["LINE-OUTSIDE-CLAIM"]
    assert summary.problems[0].segment == t.position(text, "SV1", 2)


def test_a_claim_without_lines_is_a_problem() -> None:
    text = t.file_837([*t.billing(1), *t.subscriber(2, 1, "M1"), "CLM*A*0***11:B:1*Y*A*Y*Y"])
    assert codes(inspect_file(text)) == ["CLAIM-NO-LINES"]


def test_a_truncated_file_cannot_be_summarised() -> None:
    text = GOLDEN.read_text()
    with pytest.raises(X12Error) as inside:
        inspect_file(text[:700], name="cut.x12")
    assert str(inside.value).startswith("cut.x12, segment 21: file ends inside a segment")
    with pytest.raises(X12Error) as boundary:
        inspect_file(text[: text.index("\nSE*") + 1], name="cut.x12")
    assert "begun at segment 3 (no SE): truncated?" in str(boundary.value)
    assert boundary.value.segment == 56  # the last whole segment, REF*6R


@pytest.mark.parametrize(
    ("version", "kind", "code", "severity"),
    [
        ("005010X222A2", "837P", "VERSION", "error"),
        ("004010X098A1", "837P", "VERSION", "error"),
        ("005010X223A3", "837I", "VERSION", "error"),
        ("005010X224A2", "unknown", "KIND", "warning"),
    ],
)
def test_versions_we_do_not_read_are_problems(
    version: str, kind: str, code: str, severity: str
) -> None:
    summary = inspect_file(t.file_837(GOOD, version=version))
    assert (summary.kind, summary.version) == (kind, version)
    problem = next(p for p in summary.problems if p.code == code)
    assert problem.severity == severity and version in problem.message


def test_ta1_and_unknown_files() -> None:
    ta1 = t.ISA + "~TA1*000000042*261123*0930*A*000~IEA*0*000000042~"
    summary = inspect_file(ta1)
    assert (summary.kind, summary.version, summary.transactions, summary.problems) == (
        "TA1",
        None,
        0,
        (),
    )
    eligibility = t.ISA + (
        "~GS*HS*S*R*20261123*0930*1*X*005010X279A1~ST*270*0001*005010X279A1~"
        "BHT*0022*13*1*20261123*0930~SE*3*0001~GE*1*1~IEA*1*000000042~"
    )
    summary = inspect_file(eligibility)
    assert (summary.kind, summary.claims, summary.charge_total) == ("unknown", 0, None)
    assert codes(summary) == ["KIND"]


def test_segments_outside_their_envelope_are_problems() -> None:
    text = t.file_837(GOOD).replace("GE*1*1~", "REF*XX*1~\nGE*1*1~")
    summary = inspect_file(text)
    assert codes(summary) == ["OUTSIDE"]
    assert summary.problems[0].segment == t.position(text, "REF*XX")


def test_pyx12_on_request() -> None:
    assert inspect_file(GOLDEN, with_pyx12=True).problems == ()
    text = GOLDEN.read_text().replace("DMG*D8*19800102*F", "DMG*D8*19800102*X")
    assert inspect_file(text).problems == ()  # our own checks do not look at codes
    problems = inspect_file(text, with_pyx12=True).problems
    assert [(p.code, p.segment, p.element) for p in problems] == [("PYX12-7", 19, "DMG03")]


def test_a_summary_holds_no_patient_data() -> None:
    text = GOLDEN.read_text().replace("CLM*CLAIMP1*493*", "CLM*CLAIMP1*494*")
    text = text.replace("HI*ABK:J069", "HI*BK:4659")
    dumped = json.dumps(inspect_file(text, with_pyx12=True).as_json())
    assert "CLAIMP1" in dumped  # claim numbers are allowed
    for phi in ("ALDER", "AVA", "BIRCH", "MIA", "M123456789", "19800102", "20160303", "RIVER"):
        assert phi not in dumped


def test_a_new_kind_takes_a_summariser_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    class Acknowledgments(TransactionSummary):
        def segment(self, seg: Segment) -> None:
            if seg.id == "IK5":
                self.claims += 1

    monkeypatch.setitem(inspect_module.SUMMARISERS, "999", Acknowledgments)
    text = t.ISA + (
        "~GS*FA*S*R*20261123*0930*1*X*005010X231A1~ST*999*0001*005010X231A1~"
        "AK1*HC*1*005010X222A1~AK2*837*0001*005010X222A1~IK5*A~AK9*A*1*1*1~SE*7*0001~"
        "GE*1*1~IEA*1*000000042~"
    )
    assert inspect_file(text).claims == 1


@pytest.mark.parametrize(
    ("st01", "gs08", "kind"),
    [
        ("837", "005010X222A1", "837P"),
        ("837", "005010X223A2", "837I"),
        ("835", "005010X221A1", "835"),
        ("999", "005010X231A1", "999"),
        ("277", "005010X214", "277CA"),
        ("277", "005010X212", "unknown"),
        ("270", "005010X279A1", "unknown"),
    ],
)
def test_kinds(st01: str, gs08: str, kind: str) -> None:
    assert kind_of(st01, gs08) == kind


def test_a_professional_file_written_by_us_passes_our_checks() -> None:
    claims = tuple(professional(f"C{n}") for n in range(7))
    summary = inspect_file(write_batch(batch(Kind.PROFESSIONAL, claims, per_transaction=3)).text)
    assert (summary.transactions, summary.claims, summary.problems) == (3, 7, ())
    assert summary.charge_total == Decimal("3451.00")


# The shared samples: kind, version, ST count, claims, CLM02 total, and our problem codes
# (the README records what pyx12 says of each).
SHARED = {
    "badx12_835_X221A1_multiple-claims-single-check.edi": ("835", "005010X221A1", 1, 9, None, []),
    "badx12_837P_X222A1_COB-to-payer-b.edi": ("837P", "005010X222A1", 1, 1, "79.04", ["ICD9"]),
    "badx12_837P_X222A1_commercial-health-insurance.edi": (
        "837P", "005010X222A1", 1, 1, "100.00", ["ICD9"],
    ),
    "imsweb_277CA_X214_accepted.txt": ("277CA", "005010X214", 1, 1, None, []),
    "imsweb_277CA_X214_rejected.txt": ("277CA", "005010X214", 1, 1, None, []),
    "imsweb_837I_X223A2_x223-test.txt": (
        "837I", "005010X223A2", 1, 1, "500.00",
        ["LAYOUT", "LAYOUT", "CLM02-SUM", "ICD9", "SE-COUNT"],
    ),
    "imsweb_999_X231A1_accepted.txt": ("999", "005010X231A1", 1, 0, None, ["IEA-CONTROL"]),
    "imsweb_999_X231A1_rejected.txt": ("999", "005010X231A1", 1, 0, None, []),
    "inteligenz_835_4010env_reversals_Example1.txt": (
        "835", "5010", 1, 10, None, ["LAYOUT", "LAYOUT", "VERSION", "835"],
    ),
    "inteligenz_835_X221A1_ExampleFromNth.txt": (
        "835", "005010X221A1", 3, 56, None, ["LAYOUT", "LAYOUT"],
    ),
    "lfh_demo.837": ("837P", "005010X222A2", 1, 1, "100.00", ["VERSION", "ICD9"]),
    "lfh_demo.837i": ("837I", "005010X223A3", 1, 1, "89.93", ["VERSION", "ICD9", "ICD9"]),
    "lfh_medicare-part-a.835": ("835", "005010X221A1", 1, 2, None, []),
    "lfh_secondary-payment.835": ("835", "005010X221A1", 1, 2, None, []),
}  # fmt: skip


@pytest.mark.parametrize("sample", sorted(SHARED))
def test_shared_samples(x12_samples: Path, sample: str) -> None:
    kind, version, transactions, claims, total, problem_codes = SHARED[sample]
    summary = inspect_file(x12_samples / sample).as_json()
    assert (summary["kind"], summary["version"]) == (kind, version)
    assert (summary["transactions"], summary["claims"]) == (transactions, claims)
    assert summary["charge_total"] == total
    codes = [p["code"] for p in summary["problems"]]
    assert [c for c in codes if not c.startswith("UNBALANCED-")] == problem_codes


def test_the_many_claims_sample(x12_samples: Path) -> None:
    summary = inspect_file(x12_samples / "imsweb_837P_X222A1_many_claims.txt")
    assert (summary.kind, summary.transactions, summary.claims) == ("837P", 1, 820)
    assert summary.charge_total == Decimal("410000")  # 820 CLM02s of 500
    counted = {code: codes(summary).count(code) for code in set(codes(summary))}
    assert counted == {"LAYOUT": 1, "SE-COUNT": 1, "ICD9": 820, "CLM02-SUM": 820}


# -- 835 (issue 5): totals, balance and problems naming the claim ------------------------------

GOLDEN_835 = Path(__file__).parent / "golden"


def test_an_835_that_balances() -> None:
    summary = inspect_file(GOLDEN_835 / "835_reversal_plb.835")
    assert summary.as_json() == {
        "kind": "835",
        "version": "005010X221A1",
        "transactions": 1,
        "claims": 3,
        "charge_total": None,
        "payment_total": "77.50",
        "claim_paid_total": "110.00",
        "plb_total": "32.50",
        "balanced": True,
        "problems": [],
    }


def test_an_835_claim_that_does_not_balance_is_named() -> None:
    text = (GOLDEN_835 / "835_paid_partial_denial.835").read_text()
    text = text.replace("CLP*PART1*1*500*300*", "CLP*PART1*1*500*290*")
    summary = inspect_file(text)
    assert summary.balanced is False and summary.claim_paid_total == Decimal("440")
    assert summary.payment_total == Decimal("450") and summary.plb_total == Decimal(0)
    assert [(p.code, p.segment, p.segment_id) for p in summary.problems] == [
        ("UNBALANCED-TRANSACTION", 4, "BPR"),
        ("UNBALANCED-CLAIM", 30, "CLP"),
    ]
    assert summary.problems[1].message == ("claim PART1: CLP03 - all CAS = 300.00, CLP04 is 290.00")
    assert "DOE" not in json.dumps(summary.as_json())


def test_an_835_that_cannot_be_read_names_the_element() -> None:
    text = (GOLDEN_835 / "835_paid_partial_denial.835").read_text()
    summary = inspect_file(text.replace("CLP*DENY1*4*", "CLP*DENY1*9*"))
    [problem] = summary.problems
    assert (problem.code, problem.segment, problem.element) == ("835", 46, "CLP02")
    assert summary.balanced is False


def test_example_from_nth_does_not_balance_and_says_where(x12_samples: Path) -> None:
    summary = inspect_file(x12_samples / "inteligenz_835_X221A1_ExampleFromNth.txt")
    assert summary.balanced is False
    assert (summary.payment_total, summary.claim_paid_total) == (
        Decimal("11482.11"),
        Decimal("7327.04"),
    )
    codes = [p.code for p in summary.problems]
    assert codes.count("UNBALANCED-TRANSACTION") == 3
    assert (codes.count("UNBALANCED-CLAIM"), codes.count("UNBALANCED-LINE")) == (51, 50)
    first_claim = next(p for p in summary.problems if p.code == "UNBALANCED-CLAIM")
    assert first_claim.segment == 18 and first_claim.message.startswith("claim 9999999999-999:")


def test_the_835_samples_that_balance(x12_samples: Path) -> None:
    for name, plb in (
        ("badx12_835_X221A1_multiple-claims-single-check.edi", "0.00"),
        ("lfh_medicare-part-a.835", "-1.27"),
        ("lfh_secondary-payment.835", "0.00"),
    ):
        summary = inspect_file(x12_samples / name).as_json()
        assert summary["balanced"] is True, name
        assert summary["plb_total"] == plb
