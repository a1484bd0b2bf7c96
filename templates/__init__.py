"""The jinja2 templates: web pages (``web/``, with ``web/static/``) and emails (``email/``).

This folder is installed as the package ``sheets_sync.templates`` (pyproject.toml maps it),
so the wheel carries every template as package data and the code finds them through
``sheets_sync.template_dir()`` wherever the package is installed.
"""
