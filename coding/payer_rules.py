"""Payer-specific rules without code: one small TOML file per payer, checked at load.

A rule file::

    payer = "ACME01"                 # required: the payer code the rules apply to

    [[rule]]
    id = "telehealth-95"             # required: letters, digits, - and _ (unique in the file)
    check = "modifier_required"      # required: one of the checks below
    modifiers = ["95"]               # for the two modifier checks: two-character modifiers
    severity = "error"               # optional: "error" (default, blocks) or "warning"
    hint = "Add modifier 95."        # optional: our words for the fix
    [rule.when]                      # optional: every condition given must hold
    place_of_service = ["02", "10"]  # the line's place of service is one of these
    procedures = ["99202-99215", "G0008", "J*"]  # codes, inclusive ranges, prefixes + "*"
    kind = "professional"            # or "institutional"

Checks (the whole vocabulary), each a finding with a stable edit ID:

===============================  ================================  ==========================
check                            what it asks, on matching lines   edit ID
===============================  ================================  ==========================
modifier_required                one of ``modifiers`` on the line  PAYER-MODIFIER-REQUIRED
modifier_not_allowed             none of ``modifiers`` on the line PAYER-MODIFIER-NOT-ALLOWED
prior_authorization_required     the claim has a prior auth.       PAYER-PRIOR-AUTH-REQUIRED
ndc_required                     the line has an NDC               PAYER-NDC-REQUIRED
referring_provider_required      the claim has a referring NPI     PAYER-REFERRING-REQUIRED
===============================  ================================  ==========================

A file that breaks the schema is refused whole with ``RuleFileError`` (file, line when
tomllib gives it or the key can be found in the text, key path such as
``rule[2].when.place_of_service``; rules are numbered from 1).
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from coding.cpt import is_cpt_format
from coding.errors import RuleFileError
from coding.hcpcs import is_level2_format, is_modifier_format
from coding.pos import is_pos_format


class Check(enum.StrEnum):
    """What a payer rule asks of the claim."""

    MODIFIER_REQUIRED = "modifier_required"
    MODIFIER_NOT_ALLOWED = "modifier_not_allowed"
    PRIOR_AUTHORIZATION_REQUIRED = "prior_authorization_required"
    NDC_REQUIRED = "ndc_required"
    REFERRING_PROVIDER_REQUIRED = "referring_provider_required"

    @property
    def edit_id(self) -> str:
        """The stable edit ID of this check's findings."""
        return _EDIT_IDS[self]


_EDIT_IDS = {
    Check.MODIFIER_REQUIRED: "PAYER-MODIFIER-REQUIRED",
    Check.MODIFIER_NOT_ALLOWED: "PAYER-MODIFIER-NOT-ALLOWED",
    Check.PRIOR_AUTHORIZATION_REQUIRED: "PAYER-PRIOR-AUTH-REQUIRED",
    Check.NDC_REQUIRED: "PAYER-NDC-REQUIRED",
    Check.REFERRING_PROVIDER_REQUIRED: "PAYER-REFERRING-REQUIRED",
}
_MODIFIER_CHECKS = frozenset({Check.MODIFIER_REQUIRED, Check.MODIFIER_NOT_ALLOWED})
_RULE_KEYS = frozenset({"id", "check", "modifiers", "severity", "hint", "when"})
_WHEN_KEYS = frozenset({"place_of_service", "procedures", "kind"})
_KINDS = frozenset({"professional", "institutional"})
_SEVERITIES = frozenset({"error", "warning"})
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_TOML_PLACE = re.compile(r"\(at line (\d+), column \d+\)")


def _is_procedure(code: str) -> bool:
    return is_cpt_format(code) or is_level2_format(code)


@dataclass(frozen=True, slots=True)
class ProcedureMatcher:
    """Procedure codes given as exact codes, inclusive ranges and prefixes."""

    codes: frozenset[str]
    ranges: tuple[tuple[str, str], ...]
    prefixes: tuple[str, ...]

    def matches(self, code: str) -> bool:
        """True when code is one of the codes, inside a range, or starts with a prefix."""
        if code in self.codes:
            return True
        for low, high in self.ranges:
            if len(code) == len(low) and low <= code <= high:
                return True
        return code.startswith(self.prefixes) if self.prefixes else False


@dataclass(frozen=True, slots=True)
class PayerRule:
    """One checked rule: what it asks, and on which lines."""

    id: str
    check: Check
    modifiers: frozenset[str] = frozenset()
    severity: str = "error"  # "error" or "warning"
    hint: str = ""
    place_of_service: frozenset[str] | None = None
    procedures: ProcedureMatcher | None = None
    kind: str | None = None  # "professional" or "institutional"

    def applies(self, kind: str, place_of_service: str | None, procedure: str | None) -> bool:
        """True when a line of this kind, place and procedure meets every condition."""
        if self.kind is not None and kind != self.kind:
            return False
        if self.place_of_service is not None and place_of_service not in self.place_of_service:
            return False
        if self.procedures is not None:
            return procedure is not None and self.procedures.matches(procedure)
        return True


@dataclass(frozen=True, slots=True)
class PayerRules:
    """The rules of one payer, from one file."""

    payer_code: str
    rules: tuple[PayerRule, ...]
    file: str = "<rules>"


def load_payer_rules(data: str | bytes, *, file: str) -> PayerRules:
    """The rules of a payer rule file (schema in the module docstring); RuleFileError else."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.removeprefix("\ufeff")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_PLACE.search(str(exc))
        line = int(found.group(1)) if found else None
        raise RuleFileError(file, line, "", f"not valid TOML: {exc}") from exc
    return _Reader(text, file).document(document)


def load_payer_rules_file(path: str | Path) -> PayerRules:
    """The rules in a payer rule file on disk."""
    path = Path(path)
    return load_payer_rules(path.read_bytes(), file=str(path))


def load_rule_directory(directory: str | Path) -> dict[str, PayerRules]:
    """Every *.toml rule file in a directory, by payer code; all files or none."""
    found: dict[str, PayerRules] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        rules = load_payer_rules_file(path)
        if rules.payer_code in found:
            other = found[rules.payer_code].file
            raise RuleFileError(str(path), None, "payer", f"payer also has rules in {other}")
        found[rules.payer_code] = rules
    return found


class _Conditions(NamedTuple):
    """The checked ``when`` table of a rule, as PayerRule fields."""

    place_of_service: frozenset[str] | None
    procedures: ProcedureMatcher | None
    kind: str | None


class _Reader:
    """Checks a parsed document against the schema, naming the key and its line."""

    def __init__(self, text: str, file: str) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.headers = [
            n for n, line in enumerate(self.lines, start=1) if line.strip().startswith("[[rule]]")
        ]

    def fail(
        self, path: str, message: str, rule: int | None = None, key: str = ""
    ) -> RuleFileError:
        """An error at a key path, with the line of the key when it can be found."""
        return RuleFileError(self.file, self._line(rule, key), path, message)

    def _line(self, rule: int | None, key: str) -> int | None:
        """Where a key is written: inside the rule's block, else the rule's header line."""
        if rule is None:
            first, last = 1, (self.headers[0] - 1 if self.headers else len(self.lines))
        elif rule <= len(self.headers):
            first = self.headers[rule - 1]
            last = self.headers[rule] - 1 if rule < len(self.headers) else len(self.lines)
        else:
            return None  # an inline array of tables: no header to point at
        last_part = key.split(".")[-1]
        names = (last_part, f"when.{last_part}", key.split(".")[0]) if key else ()
        for name in names:
            for number in range(first, last + 1):
                stripped = self.lines[number - 1].strip()
                if stripped.startswith(name) and stripped[len(name) :].lstrip().startswith("="):
                    return number
        return first if rule is not None else None

    def document(self, document: Mapping[str, object]) -> PayerRules:
        """The checked rules of the whole document."""
        unknown = sorted(set(document) - {"payer", "rule"})
        if unknown:
            raise self.fail(
                unknown[0], f"unknown key {unknown[0]!r} (expected payer, rule)", key=unknown[0]
            )
        payer = document.get("payer")
        if not isinstance(payer, str) or not payer.strip():
            raise self.fail(
                "payer", "payer must be the payer code as a non-empty string", key="payer"
            )
        raw_rules = document.get("rule", [])
        if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
            raise self.fail("rule", "rule must be an array of tables ([[rule]])", key="rule")
        rules: list[PayerRule] = []
        seen: set[str] = set()
        for number, raw in enumerate(raw_rules, start=1):
            rule = self.rule(number, raw)
            if rule.id in seen:
                raise self.fail(f"rule[{number}].id", f"id {rule.id!r} is used twice", number, "id")
            seen.add(rule.id)
            rules.append(rule)
        return PayerRules(payer.strip(), tuple(rules), self.file)

    def rule(self, number: int, raw: Mapping[str, object]) -> PayerRule:
        """One checked [[rule]] table."""
        where = f"rule[{number}]"
        unknown = sorted(set(raw) - _RULE_KEYS)
        if unknown:
            expected = ", ".join(sorted(_RULE_KEYS))
            raise self.fail(
                f"{where}.{unknown[0]}", f"unknown key (expected {expected})", number, unknown[0]
            )
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not rule_id or not set(rule_id) <= _ID_CHARS:
            raise self.fail(f"{where}.id", "id must be letters, digits, '-' or '_'", number, "id")
        check_text = raw.get("check")
        try:
            check = Check(str(check_text))
        except ValueError:
            choices = ", ".join(c.value for c in Check)
            raise self.fail(
                f"{where}.check", f"check must be one of {choices}", number, "check"
            ) from None
        modifiers = self.strings(raw, "modifiers", where, number, is_modifier_format, "modifier")
        if check in _MODIFIER_CHECKS and not modifiers:
            raise self.fail(
                f"{where}.modifiers",
                f"{check.value} needs a list of modifiers",
                number,
                "modifiers",
            )
        if check not in _MODIFIER_CHECKS and modifiers:
            raise self.fail(
                f"{where}.modifiers", f"{check.value} takes no modifiers", number, "modifiers"
            )
        severity = raw.get("severity", "error")
        if severity not in _SEVERITIES:
            raise self.fail(
                f"{where}.severity", "severity must be 'error' or 'warning'", number, "severity"
            )
        hint = raw.get("hint", "")
        if not isinstance(hint, str):
            raise self.fail(f"{where}.hint", "hint must be a string", number, "hint")
        when = raw.get("when", {})
        if not isinstance(when, dict):
            raise self.fail(f"{where}.when", "when must be a table", number, "when")
        conditions = self.conditions(when, f"{where}.when", number)
        return PayerRule(
            id=rule_id,
            check=check,
            modifiers=frozenset(modifiers or ()),
            severity=str(severity),
            hint=hint,
            place_of_service=conditions.place_of_service,
            procedures=conditions.procedures,
            kind=conditions.kind,
        )

    def conditions(self, when: Mapping[str, object], where: str, number: int) -> _Conditions:
        """The checked ``when`` table of a rule."""
        unknown = sorted(set(when) - _WHEN_KEYS)
        if unknown:
            expected = ", ".join(sorted(_WHEN_KEYS))
            raise self.fail(
                f"{where}.{unknown[0]}",
                f"unknown condition (expected {expected})",
                number,
                f"when.{unknown[0]}",
            )
        places = self.strings(
            when, "place_of_service", where, number, is_pos_format, "place of service (2 digits)"
        )
        patterns = self.strings(
            when, "procedures", where, number, lambda _: True, "procedure pattern"
        )
        kind = when.get("kind")
        if kind is not None and kind not in _KINDS:
            raise self.fail(
                f"{where}.kind",
                "kind must be 'professional' or 'institutional'",
                number,
                "when.kind",
            )
        procedures = None
        if patterns is not None:
            procedures = self.matcher(patterns, f"{where}.procedures", number)
        return _Conditions(
            frozenset(places) if places is not None else None,
            procedures,
            None if kind is None else str(kind),
        )

    def strings(
        self,
        table: Mapping[str, object],
        key: str,
        where: str,
        number: int,
        check: Callable[[str], bool],
        what: str,
    ) -> list[str] | None:
        """A list of strings under key, each passing check; None when absent."""
        if key not in table:
            return None
        value = table[key]
        path = f"{where}.{key}"
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise self.fail(path, f"{key} must be a non-empty list of strings", number, key)
        for index, item in enumerate(value, start=1):
            if not check(item):
                raise self.fail(f"{path}[{index}]", f"{item!r} is not a {what}", number, key)
        return list(value)

    def matcher(self, patterns: Iterable[str], path: str, number: int) -> ProcedureMatcher:
        """The procedure patterns compiled into a matcher."""
        codes: set[str] = set()
        ranges: list[tuple[str, str]] = []
        prefixes: list[str] = []
        for index, pattern in enumerate(patterns, start=1):
            at = f"{path}[{index}]"
            if pattern.endswith("*"):
                stem = pattern[:-1]
                if not (1 <= len(stem) <= 4 and stem.isascii() and stem.isalnum()):
                    raise self.fail(
                        at,
                        f"prefix {pattern!r}: 1-4 letters or digits then *",
                        number,
                        "procedures",
                    )
                prefixes.append(stem.upper())
            elif "-" in pattern:
                low, _, high = (part.strip().upper() for part in pattern.partition("-"))
                if not (_is_procedure(low) and _is_procedure(high) and low <= high):
                    raise self.fail(
                        at, f"range {pattern!r}: two codes, low-high", number, "procedures"
                    )
                ranges.append((low, high))
            elif _is_procedure(pattern.strip().upper()):
                codes.add(pattern.strip().upper())
            else:
                raise self.fail(at, f"{pattern!r} is not a CPT or HCPCS code", number, "procedures")
        return ProcedureMatcher(frozenset(codes), tuple(ranges), tuple(prefixes))
