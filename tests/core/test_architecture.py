"""The arrows that must never be (ARCHITECTURE): checked on the source, so a shortcut
taken in a hurry fails the build instead of quietly bending the design."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = sorted((ROOT / "sheets_sync" / "domain").glob("*.py"))
BLUEPRINTS = [ROOT / "web" / n for n in ("approvals.py", "partners.py", "site.py", "security.py")]
CORE = sorted((ROOT / "sheets_sync").rglob("*.py"))
STEPS = sorted((ROOT / "sheets_sync" / "steps").glob("*.py"))


def imported(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved against sheets_sync."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parts = path.parent.parts
    package = ".".join(parts[parts.index("sheets_sync") :]) if "sheets_sync" in parts else path.parent.name
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                names.add(".".join([*base, node.module or ""]).rstrip("."))
            else:
                names.add(node.module or "")
    return names


def clock_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("now", "today", "utcnow", "time", "monotonic", "perf_counter")
            and ast.unparse(node.func.value)
            in ("datetime", "date", "time", "datetime.datetime", "datetime.date")
        ):
            found.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: p.name)
def test_the_domain_imports_no_edge(path: Path) -> None:
    forbidden = ("sheets_sync.backends", "sheets_sync.mail", "web", "openpyxl", "gspread", "flask",
                 "requests", "sqlite3", "python_calamine", "smtplib")  # fmt: skip
    bad = [m for m in imported(path) if any(m == f or m.startswith(f + ".") for f in forbidden)]
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: p.name)
def test_the_domain_never_reads_the_clock(path: Path) -> None:
    assert not clock_reads(path)


def test_the_architecture_test_sees_a_clock_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from datetime import datetime\nx = datetime.now()\n")
    assert clock_reads(sample) == ["sample.py:2 datetime.now()"]


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: p.name)
def test_web_pages_never_touch_a_workbook_library(path: Path) -> None:
    bad = [m for m in imported(path) if m.split(".")[0] in ("openpyxl", "gspread", "python_calamine")]
    bad += [m for m in imported(path) if m.startswith("sheets_sync.backends")]
    assert not bad, f"{path.name} imports {bad}"


SYNC = [ROOT / "sheets_sync" / n for n in ("sync.py", "diff.py", "records.py", "outputs.py")]


@pytest.mark.parametrize("path", SYNC + STEPS, ids=lambda p: p.name)
def test_the_sync_never_names_a_concrete_backend(path: Path) -> None:
    mods = imported(path)
    concrete = [m for m in mods if m.startswith("sheets_sync.backends.") and not m.endswith(".base")]
    concrete += [m for m in mods if m in ("openpyxl", "gspread", "python_calamine")]
    assert not concrete, f"{path.name} imports {concrete}"


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_never_imports_the_web_package_but_the_command_line(path: Path) -> None:
    """Web depends on the core, never the reverse; ``cli.py`` starts the server."""
    if path == ROOT / "sheets_sync" / "cli.py":
        return
    bad = [m for m in imported(path) if m == "web" or m.startswith("web.")]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_google_setup_depends_on_the_backend_not_both_ways() -> None:
    backends = ROOT / "sheets_sync" / "backends"
    assert "sheets_sync.backends.google" in imported(backends / "google_setup.py")
    assert "sheets_sync.backends.google_setup" not in imported(backends / "google.py")


def test_the_architecture_test_resolves_relative_imports(tmp_path: Path) -> None:
    domain = tmp_path / "sheets_sync" / "domain"
    domain.mkdir(parents=True)
    sample = domain / "sample.py"
    sample.write_text("from ..backends.xlsx import XlsxBackend\nfrom .calendar import WorkCalendar\n")
    assert imported(sample) == {"sheets_sync.backends.xlsx", "sheets_sync.domain.calendar"}


def test_the_architecture_test_sees_the_core_import_web(tmp_path: Path) -> None:
    steps = tmp_path / "sheets_sync" / "steps"
    steps.mkdir(parents=True)
    sample = steps / "sample.py"
    sample.write_text("from web.site import render\nfrom ..links import LinkSigner\n")
    assert imported(sample) == {"web.site", "sheets_sync.links"}
