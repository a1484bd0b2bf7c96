"""sheets-sync: a production desk for jewelry workshops around their shared workbook."""

__version__ = "0.1.0"
