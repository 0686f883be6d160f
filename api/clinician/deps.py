"""The clinician API's dependencies, as ``Annotated`` aliases: the service, the login session,
the CSRF check, the admin check and the list filters.

Authentication is a server-side session behind an HttpOnly, SameSite=Strict cookie. Requests
that change anything also need the session's CSRF token in the ``X-CSRF-Token`` header, a
header no other site can set without a CORS grant this API never gives.

The cookie is read from the request rather than through ``fastapi.security.APIKeyCookie``:
that would add a security scheme to the published OpenAPI document, which is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Path, Query, Request

from bot.triage.models import LEVEL_NAMES
from clinician import audit, auth
from clinician.auth import Session
from clinician.service import ClinicianService
from clinician.summary import FilterError, Filters

PREFIX = "/api/v1/clinician"
COOKIE_NAME = "clinician_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_ID_PATH = Path(..., min_length=1, max_length=255, description="The chat session id.")


def service(request: Request) -> ClinicianService:
    """The gateway's clinician service (started with the app)."""
    return request.app.state.clinician


def client_address(request: Request) -> str:
    """The client's address for the audit log and the login throttle."""
    return request.client.host if request.client else "unknown"


def current_session(request: Request) -> Session | None:
    """The live login session of the request's cookie, or None."""
    svc = service(request)
    return auth.load_session(svc.engine, request.cookies.get(COOKIE_NAME), svc.policy)


def record(request: Request, session: Session, action: str, **kw: Any) -> None:
    """Write one audit entry for what the logged-in clinician did."""
    audit.record(
        service(request).engine,
        action,
        actor=session.account.username,
        role=session.account.role,
        client=client_address(request),
        **kw,
    )


def require_session(request: Request) -> Session:
    """The login session, or 401."""
    session = current_session(request)
    if session is None:
        raise HTTPException(status_code=401, detail="login required")
    return session


def require_csrf(
    request: Request, session: Annotated[Session, Depends(require_session)]
) -> Session:
    """The login session of a request carrying its CSRF token in the header, or 403."""
    if not auth.csrf_matches(session.csrf_token, request.headers.get(CSRF_HEADER)):
        raise HTTPException(status_code=403, detail=f"missing or wrong {CSRF_HEADER} header")
    return session


def require_admin(session: Annotated[Session, Depends(require_session)]) -> Session:
    """The login session of an admin, or 403."""
    if not session.account.is_admin:
        raise HTTPException(status_code=403, detail="admins only")
    return session


def filters_dep(
    level: Annotated[
        list[str] | None,
        Query(description=f"{', '.join(LEVEL_NAMES)} or none; repeat or comma-separate."),
    ] = None,
    symptom: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(description="YYYY-MM-DD or ISO 8601 (UTC)")] = None,
    until: Annotated[str | None, Query(description="YYYY-MM-DD (inclusive) or ISO 8601")] = None,
    flagged: Annotated[
        bool | None, Query(description="Marked for clinician attention by the bot.")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Text in users' messages.")] = None,
) -> Filters:
    """The conversation list's filters from the query string, or 422."""
    try:
        return Filters.parse(level, symptom, since, until, flagged, q)
    except FilterError as err:
        raise HTTPException(status_code=422, detail=str(err)) from None


ServiceDep = Annotated[ClinicianService, Depends(service)]
SessionDep = Annotated[Session, Depends(require_session)]
CsrfSessionDep = Annotated[Session, Depends(require_csrf)]


@dataclass(frozen=True)
class Annotator:
    """A logged-in clinician changing a conversation's annotations (CSRF checked)."""

    request: Request
    session: Session
    svc: ClinicianService

    @property
    def username(self) -> str:
        """Who writes the annotation."""
        return self.session.account.username

    def record(self, action: str, **kw: Any) -> None:
        """Audit what this clinician did."""
        record(self.request, self.session, action, **kw)


def annotator(request: Request, session: CsrfSessionDep, svc: ServiceDep) -> Annotator:
    """The clinician writing an annotation: the session after the CSRF check, and the store."""
    return Annotator(request, session, svc)


AnnotatorDep = Annotated[Annotator, Depends(annotator)]
AdminDep = Annotated[Session, Depends(require_admin)]
FiltersDep = Annotated[Filters, Depends(filters_dep)]
