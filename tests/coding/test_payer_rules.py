"""Tests of coding/payer_rules.py: the rule file schema, its errors, and rule matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from coding.errors import RuleFileError
from coding.payer_rules import (
    Check,
    PayerRule,
    ProcedureMatcher,
    load_payer_rules,
    load_payer_rules_file,
    load_rule_directory,
)

GOOD = """\
# Acme's rules (a comment)
payer = "DEMOACME1"

[[rule]]
id = "telehealth-95"
check = "modifier_required"
modifiers = ["95"]
hint = "Acme pays telehealth only with 95."
[rule.when]
place_of_service = ["02", "10"]

[[rule]]
id = "imaging-auth"
check = "prior_authorization_required"
when = { procedures = ["70551-70553", "72148"] }

[[rule]]
id = "drug-ndc"
check = "ndc_required"
severity = "warning"
when.procedures = ["J*"]
when.kind = "professional"

[[rule]]
id = "no-gt"
check = "modifier_not_allowed"
modifiers = ["GT"]

[[rule]]
id = "therapy-referral"
check = "referring_provider_required"
when = { procedures = ["97110"] }
"""


def test_a_good_file_loads_every_rule() -> None:
    rules = load_payer_rules(GOOD, file="acme.toml")
    assert rules.payer_code == "DEMOACME1" and rules.file == "acme.toml"
    assert [r.id for r in rules.rules] == [
        "telehealth-95", "imaging-auth", "drug-ndc", "no-gt", "therapy-referral",
    ]  # fmt: skip
    telehealth, imaging, drug, no_gt, referral = rules.rules
    assert telehealth.check is Check.MODIFIER_REQUIRED and telehealth.modifiers == {"95"}
    assert telehealth.place_of_service == {"02", "10"} and telehealth.severity == "error"
    assert telehealth.hint.startswith("Acme pays")
    assert drug.severity == "warning" and drug.kind == "professional"
    assert no_gt.procedures is None and no_gt.place_of_service is None
    assert referral.check.edit_id == "PAYER-REFERRING-REQUIRED"
    assert imaging.procedures == ProcedureMatcher(frozenset({"72148"}), (("70551", "70553"),), ())


def test_rules_match_kind_place_and_procedure() -> None:
    rules = load_payer_rules(GOOD, file="acme.toml").rules
    telehealth, imaging, drug, no_gt, _ = rules
    assert telehealth.applies("professional", "02", "99213")
    assert not telehealth.applies("professional", "11", "99213")
    assert not telehealth.applies("professional", None, "99213")
    assert imaging.applies("professional", "11", "70552")
    assert not imaging.applies("professional", "11", "70554")
    assert imaging.applies("institutional", None, "72148")
    assert not imaging.applies("professional", "11", None)
    assert drug.applies("professional", "11", "J3301")
    assert not drug.applies("institutional", None, "J3301")
    assert no_gt.applies("institutional", None, None)


def test_files_and_directories_load_from_disk(tmp_path: Path) -> None:
    (tmp_path / "acme.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "blue.toml").write_bytes(b'\xef\xbb\xbfpayer = "DEMOBLUE1"\n')
    (tmp_path / "notes.txt").write_text("not a rule file", encoding="utf-8")
    assert load_payer_rules_file(tmp_path / "acme.toml").file == str(tmp_path / "acme.toml")
    found = load_rule_directory(tmp_path)
    assert sorted(found) == ["DEMOACME1", "DEMOBLUE1"] and found["DEMOBLUE1"].rules == ()
    (tmp_path / "acme2.toml").write_text('payer = "DEMOACME1"\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match="also has rules"):
        load_rule_directory(tmp_path)


RULE = '[[rule]]\nid = "r1"\ncheck = "modifier_required"\nmodifiers = ["95"]\n'


@pytest.mark.parametrize(
    ("text", "line", "path", "words"),
    [
        ('payer = "X"\n[[rule]\n', 2, "", "not valid TOML"),
        ('payer = "X"\nfoo = 1\n', 2, "foo", "unknown key"),
        ("payer = 7\n", 1, "payer", "payer must be"),
        ('payer = "X"\nrule = 3\n', 2, "rule", "array of tables"),
        ('payer = "X"\n' + RULE + "colour = 1\n", 6, "rule[1].colour", "unknown key"),
        ('payer = "X"\n' + RULE.replace('"r1"', '"r 1"'), 3, "rule[1].id", "letters, digits"),
        ('payer = "X"\n' + RULE.replace("modifier_required", "pay_less"), 4, "rule[1].check",
         "check must be one of"),
        ('payer = "X"\n' + RULE.replace('["95"]', "[]"), 5, "rule[1].modifiers",
         "non-empty list"),
        ('payer = "X"\n' + RULE.replace('["95"]', '["9"]'), 5, "rule[1].modifiers[1]",
         "not a modifier"),
        ('payer = "X"\n' + RULE.replace('modifiers = ["95"]\n', ""), 2, "rule[1].modifiers",
         "needs a list of modifiers"),
        ('payer = "X"\n' + RULE.replace("modifier_required", "ndc_required"), 5,
         "rule[1].modifiers", "takes no modifiers"),
        ('payer = "X"\n' + RULE + 'severity = "fatal"\n', 6, "rule[1].severity", "severity"),
        ('payer = "X"\n' + RULE + "hint = 3\n", 6, "rule[1].hint", "hint must be"),
        ('payer = "X"\n' + RULE + "when = 3\n", 6, "rule[1].when", "when must be a table"),
        ('payer = "X"\n' + RULE + "[rule.when]\nplace = [\"11\"]\n", 7, "rule[1].when.place",
         "unknown condition"),
        ('payer = "X"\n' + RULE + "[rule.when]\nplace_of_service = [\"1\"]\n", 7,
         "rule[1].when.place_of_service[1]", "place of service"),
        ('payer = "X"\n' + RULE + "[rule.when]\nkind = \"dental\"\n", 7, "rule[1].when.kind",
         "kind must be"),
        ('payer = "X"\n' + RULE + "[rule.when]\nprocedures = [\"ABC\"]\n", 7,
         "rule[1].when.procedures[1]", "not a CPT or HCPCS code"),
        ('payer = "X"\n' + RULE + "[rule.when]\nprocedures = [\"99215-99202\"]\n", 7,
         "rule[1].when.procedures[1]", "range"),
        ('payer = "X"\n' + RULE + "[rule.when]\nprocedures = [\"J33011*\"]\n", 7,
         "rule[1].when.procedures[1]", "prefix"),
        ('payer = "X"\n' + RULE + RULE, 7, "rule[2].id", "used twice"),
        ('payer = "X"\n' + RULE + "when.kind = \"dental\"\n", 6, "rule[1].when.kind",
         "kind must be"),
    ],
)  # fmt: skip
def test_schema_errors_name_file_line_and_key(
    text: str, line: int | None, path: str, words: str
) -> None:
    with pytest.raises(RuleFileError) as caught:
        load_payer_rules(text, file="bad.toml")
    error = caught.value
    assert (error.file, error.line, error.key_path) == ("bad.toml", line, path)
    assert words in error.message
    assert str(error).startswith("bad.toml")


def test_a_rule_without_conditions_applies_everywhere() -> None:
    rule = PayerRule(id="x", check=Check.NDC_REQUIRED)
    assert rule.applies("professional", "11", "99213") and rule.applies("institutional", None, None)
