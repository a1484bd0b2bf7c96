"""One exception tree. The edges (CLI, web) turn these into clear messages."""

from __future__ import annotations


class SheetsSyncError(Exception):
    """Base of every error the product raises on purpose. ``str()`` is the user message."""

    exit_code = 2


class ConfigError(SheetsSyncError):
    """config.toml or an environment variable is missing or wrong."""


class WorkbookError(SheetsSyncError):
    """The workbook cannot be opened, read or written as a whole."""


class WorkbookLocked(WorkbookError):
    """Someone else holds the workbook (another sync, or Excel/LibreOffice has it open)."""

    exit_code = 3


class NotAWorkbook(WorkbookError):
    """The file is not a readable .xlsx workbook."""


class BackendUnavailable(WorkbookError):
    """The backend could not be reached now (network, quota, 5xx); try again later."""

    exit_code = 4


class CellError(SheetsSyncError, ValueError):
    """A single cell value could not be read as its column's type."""


class LinkError(SheetsSyncError):
    """A signed link is wrong, tampered, expired, or for another purpose."""


class MailError(SheetsSyncError):
    """An email could not be built or delivered."""
