"""The care team's alerts in the dashboard: the list with each receiver's status, and a manual
resend. JSON under /api/v1/clinician/alerts, a page at /clinician/alerts; both behind the
clinician login, both audited (``view_alerts``, ``alert_resend``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.clinician.deps import PREFIX, CsrfSessionDep, ServiceDep, SessionDep, record, service
from api.clinician.page_deps import FormCsrfDep, PageSessionDep, templates
from api.clinician.schemas import AUTH_RESPONSES, CSRF_RESPONSES
from api.routing import ApiRoute
from clinician.auth import Session
from clinician.care_team import outbox

ALERT_ID = Path(..., min_length=1, max_length=36, description="The alert's id.")
PAGE_SIZE = 100

router = APIRouter(prefix=PREFIX, tags=["clinician"], route_class=ApiRoute)
pages = APIRouter(prefix="/clinician", tags=["clinician pages"], include_in_schema=False)


def _resend(request: Request, session: Session, alert_id: str) -> list[str]:
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
    svc: ServiceDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> dict[str, Any]:
    """One page of the alerts, newest first, with each receiver's status."""
    total, items = outbox.list_alerts(svc.engine, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
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
    """Reschedule an alert for the receivers that have not got it (409 when none)."""
    channels = _resend(request, session, alert_id)
    if not channels:
        raise HTTPException(status_code=409, detail="every receiver already has this alert")
    return {"id": alert_id, "rescheduled": channels}


@pages.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    session: PageSessionDep,
    svc: ServiceDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """The alerts page of the dashboard."""
    total, items = outbox.list_alerts(svc.engine, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    record(request, session, "view_alerts", detail={"page": page, "page_view": True})
    return templates.TemplateResponse(
        request,
        "alerts.html",
        {
            "session": session,
            "items": items,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "configured": svc.settings.alerts_configured,
        },
    )


@pages.post("/alerts/{alert_id}/resend")
def resend_from_page(request: Request, session: FormCsrfDep, alert_id: str = ALERT_ID) -> Response:
    """Resend an alert from the alerts page, then back to it."""
    _resend(request, session, alert_id)
    return RedirectResponse("/clinician/alerts", status_code=303)
