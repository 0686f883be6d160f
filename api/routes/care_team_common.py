"""What the care team's routes take from the clinician side: the login session and CSRF
dependencies, the audit helper and the dashboard's templates (reused, never redefined).

One module to change if those move."""

from __future__ import annotations

from fastapi.templating import Jinja2Templates

from api.routes.clinician import templates as clinician_templates
from api.routes.clinician_api import (
    AUTH_RESPONSES,
    CSRF_RESPONSES,
    SESSION_ID_PATH,
    CsrfSessionDep,
    SessionDep,
    current_session,
    record,
    service,
    transcript,
)

__all__ = [
    "AUTH_RESPONSES",
    "CSRF_RESPONSES",
    "SESSION_ID_PATH",
    "CsrfSessionDep",
    "SessionDep",
    "current_session",
    "page_templates",
    "record",
    "service",
    "transcript",
]


def page_templates() -> Jinja2Templates:
    """The dashboard's templates (base.html, the ``utc`` filter), where alerts.html lives too."""
    return clinician_templates
