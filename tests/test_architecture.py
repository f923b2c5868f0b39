"""The import direction of DESIGN.md ("The flow"), checked on the source and on a live import."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = frozenset({"claims", "edi", "coding", "remittance", "api"})
WEB = frozenset({"fastapi", "starlette"})  # starlette is FastAPI's own foundation

# What each of our packages must never import (its own name is always allowed).
FORBIDDEN: dict[str, frozenset[str]] = {
    "edi": (OURS - {"edi"}) | WEB | {"sqlalchemy", "alembic"},
    "coding": (OURS - {"coding"}) | WEB | {"sqlalchemy", "alembic"},
    "claims": frozenset({"remittance", "api"}) | WEB,
    "remittance": frozenset({"api"}) | WEB,
    "api": frozenset(),
}

# Modules a plain `import api.cli` (and a quick command) must not load.
HEAVY = ("fastapi", "starlette", "uvicorn", "fhir", "fhir_core")


@dataclass(frozen=True, slots=True)
class Violation:
    """One import that goes against the direction."""

    path: str
    line: int
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.imported}"


@dataclass(frozen=True, slots=True)
class Import:
    """One import found in a module: the absolute module name and where."""

    module: str
    line: int


def module_name(root: Path, path: Path) -> str:
    """The dotted module name of a source file under root."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path, path: Path) -> Iterator[Import]:
    """Every module a file imports, anywhere in it (functions and TYPE_CHECKING blocks too),
    with relative imports resolved and importlib.import_module("...") calls included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(root, path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield Import(target, node.lineno)
            if not node.module:  # `from . import x` imports the submodule x
                for alias in node.names:
                    yield Import(f"{target}.{alias.name}", node.lineno)
        elif isinstance(node, ast.Call) and (dynamic := _dynamic_import(node)):
            yield Import(dynamic, node.lineno)


def _dynamic_import(call: ast.Call) -> str | None:
    """The module named by importlib.import_module("x") or __import__("x"), if that is what
    the call is."""
    func = call.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if called not in {"import_module", "__import__"} or not call.args:
        return None
    first = call.args[0]
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None


def source_files(root: Path, package: str) -> list[Path]:
    """The Python files of one top-level package."""
    return sorted((root / package).rglob("*.py"))


def violations(root: Path) -> list[Violation]:
    """Every import under root that breaks the direction."""
    found = []
    for package, forbidden in FORBIDDEN.items():
        for path in source_files(root, package):
            for imp in imports_of(root, path):
                top = imp.module.split(".")[0]
                if top in forbidden:
                    relative = path.relative_to(root).as_posix()
                    found.append(Violation(relative, imp.line, imp.module))
    return found


def test_the_source_follows_the_import_direction() -> None:
    problems = violations(ROOT)
    assert problems == [], "imports against the direction:\n" + "\n".join(map(str, problems))


def test_the_checker_reads_every_package_and_sees_real_imports() -> None:
    # A checker that parsed nothing would pass vacuously: prove it sees the source.
    for package in FORBIDDEN:
        assert source_files(ROOT, package), f"{package}/ has no Python files"
    demo = {i.module for i in imports_of(ROOT, ROOT / "claims" / "demo.py")}
    assert "coding.npi" in demo
    assert "claims.claim" in demo  # `from claims.claim import service`
    routes = {i.module.split(".")[0] for i in imports_of(ROOT, ROOT / "api" / "routes.py")}
    assert {"fastapi", "claims", "sqlalchemy"} <= routes


def _write(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")


def test_the_checker_catches_violations(tmp_path: Path) -> None:
    for package in FORBIDDEN:
        _write(tmp_path, f"{package}/__init__.py", '"""Package."""\n')
    _write(tmp_path, "edi/writer.py", "from claims.db import make_engine\n")
    _write(tmp_path, "edi/fine.py", "from edi import writer\nfrom . import writer as w\n")
    _write(tmp_path, "coding/icd.py", "def f():\n    import sqlalchemy.orm\n")
    _write(tmp_path, "coding/tables.py", "from alembic import op\n")
    _write(tmp_path, "coding/lazy.py", "import importlib\nimportlib.import_module('edi.x')\n")
    _write(tmp_path, "claims/ledger/post.py", "from .. import ledger\nimport remittance.x as m\n")
    _write(tmp_path, "claims/ok.py", "from coding import npi\nfrom . import ledger\n")
    _write(
        tmp_path,
        "claims/typed.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from api.schemas import X\n",
    )
    _write(tmp_path, "remittance/web.py", "x = 1\nfrom fastapi import APIRouter\n")
    _write(tmp_path, "remittance/ok.py", "from claims.ledger import service\n")
    _write(tmp_path, "api/app.py", "import fastapi\nfrom remittance import ok\n")

    found = {(v.path, v.line, v.imported) for v in violations(tmp_path)}
    assert found == {
        ("edi/writer.py", 1, "claims.db"),
        ("coding/icd.py", 2, "sqlalchemy.orm"),
        ("coding/tables.py", 1, "alembic"),
        ("coding/lazy.py", 2, "edi.x"),
        ("claims/ledger/post.py", 2, "remittance.x"),
        ("claims/typed.py", 3, "api.schemas"),
        ("remittance/web.py", 2, "fastapi"),
    }


def _loaded_modules(code: str) -> set[str]:
    """The top-level names in sys.modules after running code in a fresh interpreter."""
    script = textwrap.dedent(code) + textwrap.dedent(
        """
        import json, sys
        print("MODULES=" + json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    marker = next(line for line in result.stdout.splitlines() if line.startswith("MODULES="))
    return set(json.loads(marker.removeprefix("MODULES=")))


def test_importing_the_cli_stays_light() -> None:
    loaded = _loaded_modules("import api.cli")
    assert "api" in loaded and "typer" in loaded  # the probe did import the CLI
    assert not loaded & set(HEAVY), f"import api.cli loaded {sorted(loaded & set(HEAVY))}"


def test_a_database_command_does_not_pay_for_the_web_stack(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'light.db'}"
    loaded = _loaded_modules(
        f"""
        import contextlib, io, sys
        from api.cli import main
        for argv in (["db", "upgrade"], ["check", "--json"]):
            sys.argv = ["claims", "--database-url", {url!r}, *argv]
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                main()
        assert '"ok": true' in out.getvalue(), out.getvalue()
        """
    )
    assert {"sqlalchemy", "alembic", "claims"} <= loaded  # the commands really ran
    assert not loaded & set(HEAVY), f"`claims check` loaded {sorted(loaded & set(HEAVY))}"


def test_every_package_has_rules() -> None:
    # A new top-level package must be placed in the direction before it ships.
    packages = {init.parent.name for init in ROOT.glob("*/__init__.py")} - {"tests"}
    assert packages == set(FORBIDDEN) == OURS
