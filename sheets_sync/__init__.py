"""sheets-sync: a production desk for jewelry workshops around their shared workbook."""

from importlib.resources import files
from pathlib import Path

__version__ = "0.1.0"


def template_dir() -> Path:
    """The folder of the jinja2 templates (web pages, emails, static files): the checkout's
    top-level templates/, installed as the package ``sheets_sync.templates``."""
    try:
        return Path(str(files("sheets_sync.templates")))
    except ModuleNotFoundError:  # an editable install made before templates/ was a package
        raise ModuleNotFoundError(
            "sheets_sync.templates is not installed: reinstall sheets-sync (pip install -e . in a checkout)"
        ) from None
