"""What posting does with each claim adjustment: a shipped table of group code + CARC to a
treatment (remittance/treatments.toml), which users may override line by line."""

from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from claims.config import data_dir
from claims.errors import InvalidInput
from coding.remit import GroupCode, is_carc_format

TREATMENTS_ENV = "CLAIMS_TREATMENTS_FILE"
SHIPPED = Path(__file__).with_name("treatments.toml")


class Treatment(enum.StrEnum):
    """What an adjustment does to the ledger."""

    CONTRACTUAL = "contractual"  # written off: CO to contractual, OA/PI to other adjustments
    DENIAL = "denial"  # no entry: the balance stays open with a rework item
    TRANSFER = "transfer"  # to the next coverage, else the patient
    INFORMATIONAL = "informational"  # no entry


@dataclass(frozen=True, slots=True)
class Treatments:
    """The table in force: explicit (group, CARC) entries, then each group's default."""

    by_code: Mapping[tuple[str, str], Treatment]
    by_group: Mapping[str, Treatment]

    def of(self, group: str, carc: str, *, claim_denied: bool = False) -> Treatment:
        """The treatment of one adjustment; on a denied claim (CLP02 4) all but PR deny."""
        if claim_denied and group != GroupCode.PATIENT:
            return Treatment.DENIAL
        found = self.by_code.get((group, carc))
        if found is not None:
            return found
        return self.by_group.get(group, Treatment.DENIAL)


def parse_treatments(text: str, *, file: str) -> dict[tuple[str, str], Treatment]:
    """The (group, CARC or "*") entries of a treatments file; InvalidInput names the bad line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{file}: not valid TOML: {exc}") from exc
    entries: dict[tuple[str, str], Treatment] = {}
    groups = {g.value for g in GroupCode}
    for group, table in data.items():
        if group not in groups or not isinstance(table, dict):
            raise InvalidInput(f"{file}: [{group}]: a section per group code: CO, OA, PI or PR")
        for carc, value in table.items():
            if carc != "*" and not is_carc_format(carc):
                raise InvalidInput(f"{file}: [{group}] {carc!r}: not a CARC")
            try:
                entries[(group, carc)] = Treatment(value)
            except ValueError:
                allowed = ", ".join(t.value for t in Treatment)
                raise InvalidInput(
                    f"{file}: [{group}] {carc}: {value!r} is not a treatment ({allowed})"
                ) from None
    return entries


def override_file(explicit: Path | None = None) -> Path | None:
    """The user's overrides: the explicit file, else CLAIMS_TREATMENTS_FILE, else
    treatments.toml in the data folder when it exists."""
    if explicit is not None:
        return explicit
    configured = os.environ.get(TREATMENTS_ENV)
    if configured:
        return Path(configured)
    default = data_dir() / "treatments.toml"
    return default if default.is_file() else None


def load_treatments(overrides: Path | None = None) -> Treatments:
    """The shipped table with the user's overrides applied on top."""
    entries = parse_treatments(SHIPPED.read_text(encoding="utf-8"), file=SHIPPED.name)
    extra = override_file(overrides)
    if extra is not None:
        try:
            text = extra.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"{extra}: cannot read the treatments file: {exc.strerror}") from exc
        entries.update(parse_treatments(text, file=str(extra)))
    return Treatments(
        by_code={k: t for k, t in entries.items() if k[1] != "*"},
        by_group={g: t for (g, c), t in entries.items() if c == "*"},
    )
