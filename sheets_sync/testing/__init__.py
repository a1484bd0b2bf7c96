"""Test doubles shipped as real code (like httpx's MockTransport): a fake Sheets API v4."""

from .fake_sheets import Call, FakeSheets, FakeSheetsAdapter, Fault, fake_session

__all__ = ["Call", "FakeSheets", "FakeSheetsAdapter", "Fault", "fake_session"]
