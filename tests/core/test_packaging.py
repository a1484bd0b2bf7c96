"""What the wheel carries. Users install it (`pip install .`), not the checkout, so every
package and every template must be declared in pyproject.toml; `.ci/installed` then builds
the wheel and runs it from a fresh venv (demo sync, pages, digest)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

from sheets_sync import template_dir

ROOT = Path(__file__).resolve().parents[2]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_on_disk_is_in_the_wheel() -> None:
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("sheets_sync", "web")
        for p in (ROOT / top).rglob("__init__.py")
    }
    templates = {  # the folder and every folder in it (else setuptools warns they are ignored)
        ".".join(("sheets_sync", "templates", *p.relative_to(ROOT / "templates").parts))
        for p in [ROOT / "templates", *(ROOT / "templates").rglob("*")]
        if p.is_dir() and "__pycache__" not in p.parts
    }
    assert set(SETUPTOOLS["packages"]) == on_disk | templates


def test_the_templates_folder_is_the_package_sheets_sync_templates() -> None:
    assert SETUPTOOLS["package-dir"] == {"sheets_sync.templates": "templates"}
    assert template_dir().resolve() == (ROOT / "templates").resolve()
    assert (template_dir() / "web" / "launch.html").is_file()
    assert (template_dir() / "email" / "digest.txt").is_file()
    assert (template_dir() / "web" / "static" / "site.css").is_file()


def test_every_template_and_static_file_is_package_data() -> None:
    globs = SETUPTOOLS["package-data"]["sheets_sync.templates"]
    folder = ROOT / "templates"
    files = [
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != "__init__.py"
    ]
    assert len(files) >= 22  # the pages, the emails and the stylesheet
    # setuptools' "**/" also matches no folder at all
    left_out = [
        f for f in files if not any(fnmatch(f, g) or fnmatch(f, g.removeprefix("**/")) for g in globs)
    ]
    assert not left_out, f"not in the wheel: {left_out}"
