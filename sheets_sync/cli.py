"""The `sheets-sync` command. Thin: parse, call, print. SheetsSyncError -> clear message.

Exit codes: 0 done; 1 `check` found errors in the workbook; 2 configuration or workbook
cannot be used; 3 the workbook is locked (another sync, or open in Excel/LibreOffice);
4 the backend could not be reached (try again later).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from . import pipeline
from .config import Config, as_dict, load_config
from .errors import SheetsSyncError
from .explain import story_lines
from .sync import SyncReport

P = ParamSpec("P")
R = TypeVar("R")


def clear_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn our exceptions into one clear line and the documented exit code."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except SheetsSyncError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)

    return wrapper


def _config(ctx: click.Context) -> Config:
    obj: dict[str, Any] = ctx.ensure_object(dict)
    if "config" not in obj:
        config = load_config(obj.get("config_path"))
        if obj.get("workbook"):
            config = config.with_workbook(Path(obj["workbook"]))
        obj["config"] = config
    result: Config = obj["config"]
    return result


def _now(config: Config) -> datetime:
    return datetime.now(config.workshop.zone)


def _late_option(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A global option given after the command (``run --workbook x.xlsx``) counts too."""

    def store(ctx: click.Context, _: click.Parameter, value: Any) -> Any:
        if value not in (None, False):
            obj: dict[str, Any] = ctx.ensure_object(dict)
            obj[name] = value
            obj.pop("config", None)
            if name == "verbose":
                logging.getLogger().setLevel(logging.INFO)
        return value

    return store


def global_options(fn: Callable[P, R]) -> Callable[P, R]:
    """--config, --workbook and -v on a command too, for people who type them last."""
    for decorator in (
        click.option("--config", "config_path", type=click.Path(path_type=Path), expose_value=False,
                     callback=_late_option("config_path"), help="config.toml to use."),
        click.option("--workbook", type=click.Path(path_type=Path), expose_value=False,
                     callback=_late_option("workbook"), help="Use this .xlsx workbook."),
        click.option("-v", "--verbose", is_flag=True, expose_value=False,
                     callback=_late_option("verbose"), help="Log what happens."),
    ):
        fn = decorator(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="config.toml to use.")
@click.option("--workbook", type=click.Path(path_type=Path), help="Use this .xlsx workbook.")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
@click.version_option(package_name="sheets-sync")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None, workbook: Path | None, verbose: bool) -> None:
    """A production desk around the workshop's shared workbook."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    ctx.ensure_object(dict).update(config_path=config_path, workbook=workbook)


@main.command()
@global_options
@click.option("--demo", "demo_path", type=click.Path(path_type=Path), help="Write the demo workbook here.")
@click.option("--google", "google_key", help="Prepare this Google spreadsheet (key or URL).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.pass_context
@clear_errors
def init(ctx: click.Context, demo_path: Path | None, google_key: str | None, force: bool) -> None:
    """Create the demo workbook, or prepare a Google spreadsheet."""
    config = _config(ctx)
    if google_key:
        click.echo(pipeline.prepare_google(config, google_key))
        return
    path = demo_path or config.workbook.path
    pipeline.init_demo(config, path, _now(config).date(), force=force)
    click.echo(f"Wrote the demo workbook {path}. Next: sheets-sync --workbook {path} run")


def _summary(report: SyncReport, verb: str, *, every_row: bool = False) -> None:
    tabs = ", ".join(f"{t} {n}" for t, n in report.rows_read.items() if n)
    click.echo(f"Read {report.source}: {tabs or 'no rows'}.")
    click.echo(f"Problems: {report.errors} errors, {report.warnings} warnings.")
    if report.story is not None:
        for line in story_lines(report.story, limit=60 if every_row else 12, every_row=every_row):
            click.echo(line)
    changed = report.changed_by_tab()
    cells = sum(changed.values())
    if cells:
        detail = ", ".join(f"{t} {n}" for t, n in sorted(changed.items()))
        click.echo(f"{verb}: {cells} cells ({detail}).")
    elif report.unchanged_since is not None:
        click.echo(
            "Nothing changed since the full sync of "
            f"{report.unchanged_since:%d/%m/%Y %H:%M}: the workbook is up to date."
        )
    else:
        click.echo("Nothing to change: the workbook is up to date.")
    for err in report.after_write_errors:
        click.secho(f"Warning: {err}", fg="yellow", err=True)


class _Progress:
    """On a terminal, one line on stderr saying which phase the sync is in, rewritten in
    place and wiped at the end; nothing at all when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = datetime.now()
        self.shown = False

    def __call__(self, name: str) -> None:
        if self.enabled:
            seconds = (datetime.now() - self.started).total_seconds()
            click.echo(f"\r\x1b[2K  syncing: {name} ({seconds:.1f} s)", err=True, nl=False)
            self.shown = True

    def done(self) -> None:
        if self.shown:
            click.echo("\r\x1b[2K", err=True, nl=False)
            self.shown = False


@main.command()
@global_options
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.option(
    "--take-over",
    is_flag=True,
    help="Sync a workbook another installation synced last (it is gone for good).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Compute everything even when the workbook is as the last sync left it.",
)
@click.pass_context
@clear_errors
def run(ctx: click.Context, dry_run: bool, quiet: bool, take_over: bool, full: bool) -> None:
    """Sync once: validate every row, compute, write machine columns and tabs."""
    config = _config(ctx)
    created = pipeline.ensure_default_workbook(config, _now(config).date())
    if created:
        click.echo(f"No workbook yet: wrote the demo workbook {created}.")
    progress = _Progress(not quiet and sys.stderr.isatty())
    try:
        report = pipeline.sync_once(config, _now(config), dry_run=dry_run, phase=progress,
                                    take_over=take_over, tell=True, full=full)
    finally:
        progress.done()
    _summary(report, "Would change" if dry_run else "Changed", every_row=dry_run)


@main.command()
@global_options
@click.pass_context
@clear_errors
def check(ctx: click.Context) -> None:
    """Validate only and list the problems; exit 1 when there are errors."""
    config = _config(ctx)
    report = pipeline.sync_once(config, _now(config), dry_run=True, what="check")
    for p in sorted(report.problems, key=lambda p: (p.severity != "error", p.tab, p.key)):
        colour = "red" if p.severity == "error" else "yellow"
        click.secho(f"{p.severity:7} {p.message}", fg=colour)
    click.echo(f"{report.errors} errors, {report.warnings} warnings in {report.source}.")
    if report.errors:
        sys.exit(1)


@main.command("config")
@global_options
@click.pass_context
@clear_errors
def show_config(ctx: click.Context) -> None:
    """Print the configuration in force (secrets are never part of it)."""
    import json

    click.echo(json.dumps(as_dict(_config(ctx)), indent=2, default=str))


@main.command()
@global_options
@click.pass_context
@clear_errors
def watch(ctx: click.Context) -> None:
    """Run syncs every [watch] sync_minutes and the digest at [mail] digest_time."""
    from .watch import watch as run_watch

    config = _config(ctx)
    where = config.workbook.path if config.workbook.backend == "xlsx" else config.workbook.spreadsheet
    click.echo(
        f"Watching {where}: "
        f"a sync every {config.watch.sync_minutes} min, digest at {config.mail.digest_time:%H:%M} "
        f"({config.workshop.timezone}). Ctrl-C stops."
    )
    runs = run_watch(config)
    click.echo(f"Stopped after {runs} runs.")


@main.command()
@global_options
@click.pass_context
@clear_errors
def digest(ctx: click.Context) -> None:
    """Send today's staff digest now (still at most once a day)."""
    from .watch import send_digest

    config = _config(ctx)
    report = send_digest(config)
    if isinstance(report, SyncReport):
        _summary(report, "Changed")


@main.command()
@global_options
@click.pass_context
@clear_errors
def doctor(ctx: click.Context) -> None:
    """Check the connection to the workbook and say in words what is wrong."""
    for line in pipeline.doctor(_config(ctx)):
        click.echo(f"ok  {line}")


@main.command()
@global_options
@click.pass_context
@clear_errors
def serve(ctx: click.Context) -> None:
    """The web app for client and partner links (waitress on [web] host:port). It also
    applies submitted answers to the workbook with a sync every [watch] sync_minutes."""
    from web.server import serve as run_server

    config = _config(ctx)
    click.echo(f"Serving on http://{config.web.host}:{config.web.port} (links use {config.web.base_url}).")
    run_server(
        config,
        sync=lambda: pipeline.sync_once(config, _now(config), what="serve"),
        sync_every_seconds=config.watch.sync_minutes * 60,
    )


@main.command()
@global_options
@click.argument("order_ref", required=False)
@click.pass_context
@clear_errors
def links(ctx: click.Context, order_ref: str | None) -> None:
    """Print the client and partner links the last sync wrote in the ⚙ Link columns (all,
    or one order's). Reads only: writes nothing, signs nothing."""
    config = _config(ctx)
    found = pipeline.published_links(config, _now(config), order_ref)
    if not found:
        click.echo(f"{order_ref or 'The workbook'} has no approvals or launches.")
    for line in found:
        url = line.url or "(no link yet: the next `sheets-sync run` writes it)"
        click.echo(f"{line.order_ref}  {line.kind:8} {line.row_id:8} {line.audience}: {url}")
