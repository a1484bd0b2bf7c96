"""Backends: where the workbook lives. They share the small interface in ``base``."""
