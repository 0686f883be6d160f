"""The care team's alerts in the dashboard: the list with each receiver's status, and a manual
resend. JSON under /api/v1/clinician/alerts, a page at /clinician/alerts; both behind the
clinician login, both audited (``view_alerts``, ``alert_resend``)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.routes.care_team_common import (
    AUTH_RESPONSES,
    CSRF_RESPONSES,
    CsrfSessionDep,
    SessionDep,
    current_session,
    page_templates,
    record,
    service,
)
from clinician import auth
from clinician.care_team import outbox

ALERT_ID = Path(..., min_length=1, max_length=36, description="The alert's id.")
PAGE_SIZE = 100

router = APIRouter(prefix="/api/v1/clinician", tags=["clinician"])
pages = APIRouter(prefix="/clinician", tags=["clinician pages"], include_in_schema=False)


def _resend(request: Request, session: Any, alert_id: str) -> list[str]:
    engine = service(request).engine
    if outbox.get_alert(engine, alert_id) is None:
        raise HTTPException(status_code=404, detail="no such alert")
    channels = outbox.resend(engine, alert_id)
    record(request, session, "alert_resend", target=alert_id, detail={"channels": channels})
    return channels


@router.get(
    "/alerts",
    responses=AUTH_RESPONSES,
    summary="Alerts sent to the care team, newest first, with each receiver's status",
)
def list_alerts(
    request: Request,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> dict[str, Any]:
    total, items = outbox.list_alerts(
        service(request).engine, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    record(request, session, "view_alerts", detail={"page": page})
    return {"total": total, "page": page, "page_size": PAGE_SIZE, "items": items}


@router.post(
    "/alerts/{alert_id}/resend",
    responses={
        **CSRF_RESPONSES,
        404: {"description": "No such alert."},
        409: {"description": "Every receiver already has it."},
    },
    summary="Send an alert again to the receivers that have not got it",
)
def resend_alert(
    request: Request, session: CsrfSessionDep, alert_id: str = ALERT_ID
) -> dict[str, Any]:
    channels = _resend(request, session, alert_id)
    if not channels:
        raise HTTPException(status_code=409, detail="every receiver already has this alert")
    return {"id": alert_id, "rescheduled": channels}


@pages.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    session = current_session(request)
    if session is None:
        target = "/clinician/alerts" + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/clinician/login?" + urlencode({"next": target}), status_code=303)
    total, items = outbox.list_alerts(
        service(request).engine, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    record(request, session, "view_alerts", detail={"page": page, "page_view": True})
    return page_templates().TemplateResponse(
        request,
        "alerts.html",
        {
            "session": session,
            "items": items,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "configured": service(request).settings.alerts_configured,
        },
    )


@pages.post("/alerts/{alert_id}/resend")
def resend_from_page(
    request: Request,
    alert_id: str = ALERT_ID,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    session = current_session(request)
    if session is None:
        return RedirectResponse("/clinician/login", status_code=303)
    if not auth.csrf_matches(session.csrf_token, csrf_token):
        return page_templates().TemplateResponse(
            request, "forbidden.html", {"session": session, "csrf": True}, status_code=403
        )
    _resend(request, session, alert_id)
    return RedirectResponse("/clinician/alerts", status_code=303)
