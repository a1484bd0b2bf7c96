"""The command line on the paths people get wrong: a port out of range, a workbook that
is not there or is a folder. Each says what is wrong, where, and makes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.cli import main
from sheets_sync.config import load_config
from sheets_sync.errors import ConfigError


def made(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("port", [0, 65536, 99999, -1])
def test_a_port_out_of_range_is_a_config_error(tmp_path: Path, port: int) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[web]\nport = {port}\n")
    with pytest.raises(ConfigError, match=rf"config \[web\] port must be 1 to 65535, not {port}"):
        load_config(cfg)
    result = CliRunner().invoke(main, ["--config", str(cfg), "serve"])
    assert result.exit_code == 2
    assert "port must be 1 to 65535" in result.output and "Serving" not in result.output


def test_ports_at_both_ends_are_fine(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    for port in (1, 65535):
        cfg.write_text(f"[web]\nport = {port}\n")
        assert load_config(cfg).web.port == port


@pytest.mark.parametrize("command", ["run", "check", "digest"])
def test_a_missing_workbook_given_with_workbook_is_named_and_nothing_is_made(
    tmp_path: Path, command: str
) -> None:
    result = CliRunner().invoke(main, ["--workbook", "nope.xlsx", command])
    assert result.exit_code == 2
    assert "the workbook nope.xlsx does not exist; it was given with --workbook" in result.output
    assert "config.toml" not in result.output
    assert made(tmp_path) == []  # no var/, no secret, no journal, no lock


def test_a_missing_workbook_named_in_config_points_at_config(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[workbook]\npath = "atelier.xlsx"\n')
    result = CliRunner().invoke(main, ["--config", str(cfg), "run"])
    assert result.exit_code == 2
    assert f"correct [workbook] path in {cfg}" in result.output
    assert made(tmp_path) == ["config.toml"]


def test_a_folder_named_like_a_workbook_is_said_to_be_a_folder(tmp_path: Path) -> None:
    (tmp_path / "x.xlsx").mkdir()
    for args in (["--workbook", "x.xlsx", "run"], ["init", "--demo", "x.xlsx", "--force"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "x.xlsx is a folder, not an .xlsx workbook" in result.output
    assert made(tmp_path) == ["x.xlsx"]
