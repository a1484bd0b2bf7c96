from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from sheets_sync.config import load_config
from sheets_sync.contract import HUMAN_TABS, MACHINE_TABS
from sheets_sync.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_the_example_config_loads_as_documented() -> None:
    config = load_config(ROOT / "config.example.toml")
    assert config.workbook.backend == "xlsx"
    assert config.workbook.path == ROOT / "workshop.xlsx"
    assert config.mail.digest_time == time(8, 0)
    assert config.workshop.zone.key == "Europe/Paris"


def test_config_is_frozen() -> None:
    config = load_config(ROOT / "config.example.toml")
    with pytest.raises(AttributeError):
        config.workshop.name = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[web]\nport = "eighty"\n', "config [web] port must be a whole number"),
        ('[mail]\ndigest_time = "8 o\'clock"\n', "must be a time like"),
        ("[workbook]\nbackend = 'excel'\n", 'backend must be "xlsx" or "google"'),
        ("[workshop]\nworkdays = [0, 9]\n", "workdays must list days 0"),
        ("[workshop]\nnmae = 'x'\n", "unknown key(s) nmae"),
        ("[workshop\n", "is not valid TOML"),
    ],
)
def test_bad_config_is_named(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=None) as exc:
        load_config(path)
    assert words in str(exc.value)


def test_readme_documents_every_tab_and_column() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for tab in HUMAN_TABS:
        assert f"**{tab.name}**" in readme, tab.name
        for column in tab.columns:
            assert column.name in readme, f"{tab.name}: {column.name}"
        for machine in tab.machine_columns:
            assert machine in readme, f"{tab.name}: ⚙ {machine}"
    for mtab in MACHINE_TABS:
        assert f"**{mtab.name}**" in readme, mtab.name
