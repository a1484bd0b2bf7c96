"""The web app: one link per client approval (/a/<token>) and per partner launch (/p/<token>).

``create_app(config)`` builds it (``flask --app web run`` calls it with no arguments and
loads ./config.toml or the defaults); ``web.server.serve(config)`` runs it with waitress.
The app never talks to the workbook: it reads the pages the sync published into the
journal and writes answers into the journal (see ``sheets_sync.journal``).

Flask is imported inside ``create_app`` so that ``sheets_sync.links`` stays cheap to import for
the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sheets_sync import template_dir
from sheets_sync.config import Config
from sheets_sync.journal import Journal
from sheets_sync.links import LinkSigner

if TYPE_CHECKING:
    from flask import Flask

TEMPLATES = template_dir()
STATIC = TEMPLATES / "web" / "static"
FORM_ALLOWANCE = 64 * 1024  # bytes of a request besides the photo


def body_limit(config: Config) -> int:
    """The largest request body the app reads: one photo of ``[web] max_upload_mb`` and
    the form around it."""
    return int(config.web.max_upload_mb * 1024 * 1024) + FORM_ALLOWANCE


def create_app(
    config: Config | None = None,
    journal: Journal | None = None,
    signer: LinkSigner | None = None,
    *,
    now: Callable[[], datetime] | None = None,
) -> Flask:
    import logging
    from datetime import UTC

    from flask import Flask, request
    from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

    from sheets_sync.config import load_config
    from sheets_sync.links import signer_from_config

    from . import approvals, partners
    from .security import SecurityHeaders, TrustedProxies, rate_limiter, redact_logs
    from .site import PageError, Services, picture, render, show_date

    config = config or load_config()
    journal = journal or Journal(config.web.journal_path)
    signer = signer or signer_from_config(config)
    clock = now or (lambda: datetime.now(UTC))

    app = Flask(
        __name__,
        template_folder=str(TEMPLATES),
        static_folder=str(STATIC),
        static_url_path="/static",
    )
    app.config["MAX_CONTENT_LENGTH"] = body_limit(config)
    app.extensions["sheets_sync"] = Services(config, journal, signer, clock)
    app.jinja_env.filters["picture"] = picture
    app.jinja_env.filters["day"] = show_date
    redact_logs(app.logger, logging.getLogger("werkzeug"), logging.getLogger("waitress"))
    # the client's address: X-Forwarded-For only from a proxy named in [web] trusted_proxies;
    # the security headers (and Retry-After on a 429) on every answer
    app.wsgi_app = SecurityHeaders(  # type: ignore[method-assign]
        TrustedProxies(app.wsgi_app, config.web.trusted_proxies)
    )
    # one allowance per client address, shared by the client and partner pages and photos
    links = rate_limiter(app, config.web.rate_limit_per_minute)
    app.register_blueprint(links(approvals.bp))
    app.register_blueprint(links(partners.bp))

    @app.before_request
    def limit_size() -> None:
        # refuse an oversized body before any of it is parsed (or spooled to disk)
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and request.content_length > limit:
            raise RequestEntityTooLarge()

    @app.get("/")
    def index() -> tuple[str, int]:
        return render(
            "web/message.html",
            title=config.workshop.name,
            message="This site opens the links the workshop sends you. "
            "Please use the link from your email or message.",
        )

    @app.get("/favicon.ico")
    def favicon() -> tuple[str, int]:
        return "", 204

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        if isinstance(exc, PageError):
            return render("web/message.html", code, title=exc.title, message=exc.description)
        title, message = _FRIENDLY.get(code, _FRIENDLY[500])
        if code == 413:
            message += f" The limit is {config.web.max_upload_mb:g} MB."
        return render("web/message.html", code, title=title, message=message)

    @app.errorhandler(Exception)
    def crash(exc: Exception) -> tuple[str, int]:
        app.logger.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        title, message = _FRIENDLY[500]
        return render("web/message.html", 500, title=title, message=message)

    return app


_FRIENDLY = {
    400: ("Something is missing", "We could not read this form. Please open your link again."),
    404: (
        "This link does not work",
        "This link is not valid. Please check you copied the whole link, or ask the "
        "workshop for a new one.",
    ),
    405: ("Not possible", "This page cannot do that."),
    410: ("This link has expired", "Please ask the workshop for a new link."),
    413: (
        "The photo is too large",
        "The file you sent is larger than we accept. Please send a smaller photo.",
    ),
    429: ("Too many requests", "Please wait a minute and try again."),
    500: (
        "Something went wrong on our side",
        "Your answer was not recorded. Please try again in a few minutes.",
    ),
    503: (
        "Please try again",
        "We could not record your answer just now. Please try again in a few minutes.",
    ),
}
