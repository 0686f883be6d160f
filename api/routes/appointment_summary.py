"""The person's printable summary for the appointment, at ``/summary/{token}``.

Reachable only with the conversation's unguessable token (the chat API's ``triage.summary_url``),
never listed, never indexed (``X-Robots-Tag``, a robots meta tag, ``/robots.txt``), not kept by
browsers or proxies (``Cache-Control: no-store``), and never leaking its URL to another site
(``Referrer-Policy: no-referrer``). Unknown tokens, conversations past retention and
conversations without an assessment are all the same plain 404.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.engine import Engine

from api.routes.widget import TEMPLATES_DIR, _serve, load_asset
from bot.settings import Settings
from clinician.care_team import summary_page
from clinician.transcripts import read_events, transcript_turns

router = APIRouter(tags=["summary"])

PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow, noarchive",
}
TOKEN_PATH = Path(..., min_length=16, max_length=128, description="The summary's token.")


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The widget's templates, where summary.html lives (loaded once)."""
    return Jinja2Templates(directory=str(TEMPLATES_DIR))


def base_url(settings: Settings, request_base: str) -> str:
    """Where the gateway is reached: ``PUBLIC_BASE_URL``, else the base of the request."""
    return (settings.public_base_url or request_base).rstrip("/")


async def with_summary_url(
    engine: Engine, base: str, session_id: str, triage: dict | None
) -> dict | None:
    """The chat API's ``triage`` with a new ``summary_url`` when a disposition was given.

    The link is absolute (the widget runs on other sites' pages) and holds a new token.
    """
    if not triage:
        return triage
    token = await asyncio.to_thread(summary_page.issue_token, engine, session_id)
    return {**triage, "summary_url": base + summary_page.PATH_PREFIX + token}


async def add_summary_url(request: Request, session_id: str, triage: dict | None) -> dict | None:
    """``with_summary_url`` for a chat API request."""
    base = base_url(request.app.state.settings, str(request.base_url))
    return await with_summary_url(request.app.state.engine, base, session_id, triage)


def _not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers=PRIVATE_HEADERS)


def _page(request: Request, token: str) -> Response:
    settings: Settings = request.app.state.settings
    engine = request.app.state.engine
    session_id = summary_page.resolve(engine, token, settings.retention_days)
    if session_id is None or not summary_page.conversation_exists(engine, session_id):
        return _not_found()
    with engine.connect() as conn:
        turns = transcript_turns(read_events(conn, session_id))
    view = summary_page.view(turns, settings.emergency_number)
    if view is None:
        return _not_found()
    return templates().TemplateResponse(
        request, "summary.html", {"v": view}, headers=PRIVATE_HEADERS
    )


@router.get(
    "/summary/{token}",
    response_class=HTMLResponse,
    include_in_schema=False,
)
async def summary(request: Request, token: str = TOKEN_PATH) -> Response:
    """The printable summary page of the token's conversation, or a plain 404."""
    return await asyncio.to_thread(_page, request, token)


@router.get("/summary.css", include_in_schema=False)
async def summary_css(request: Request) -> Response:
    """The summary page's stylesheet."""
    return _serve(request, load_asset("summary.css", "text/css; charset=utf-8"))


@router.get("/summary.js", include_in_schema=False)
async def summary_js(request: Request) -> Response:
    """The summary page's print button script."""
    return _serve(request, load_asset("summary.js", "text/javascript; charset=utf-8"))


@router.get("/robots.txt", include_in_schema=False)
async def robots() -> PlainTextResponse:
    """Keep crawlers off the summaries and the dashboard."""
    # Names only the prefix: the tokens themselves are never listed anywhere.
    return PlainTextResponse("User-agent: *\nDisallow: /summary/\nDisallow: /clinician\n")
