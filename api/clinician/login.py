"""Logging in, shared by the JSON API and the pages: the throttle, the audit entries and the
session cookie (HttpOnly, SameSite=Strict, Secure behind HTTPS).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response

from api.clinician.deps import COOKIE_NAME, client_address, service
from clinician import audit, auth
from clinician.accounts import Account, authenticate


def cookie_secure(request: Request) -> bool:
    """Whether cookies get ``Secure``: as configured, else when the request came over HTTPS."""
    configured = service(request).settings.clinician_cookie_secure
    return request.url.scheme == "https" if configured is None else configured


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """Give the browser the session cookie."""
    svc = service(request)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=int(svc.policy.max_seconds),
        path="/",
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Make the browser drop the session cookie."""
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=cookie_secure(request)
    )


@dataclass
class LoginOutcome:
    ok: bool
    status: int
    retry_after: int = 0
    session: Account | None = None
    token: str | None = None
    csrf_token: str | None = None


def attempt_login(request: Request, username: str, password: str) -> LoginOutcome:
    """Throttle, verify, audit, and start a session on success."""
    svc = service(request)
    client = client_address(request)
    username = (username or "").strip()[:64]
    wait = auth.throttled_for(svc.engine, username, client, svc.policy)
    if wait > 0:
        audit.record(svc.engine, "login_throttled", actor=username, client=client)
        return LoginOutcome(ok=False, status=429, retry_after=int(wait) + 1)
    account = authenticate(svc.engine, username, password or "")
    auth.record_attempt(svc.engine, username, client, success=account is not None)
    if account is None:
        audit.record(svc.engine, "login_failure", actor=username, client=client)
        return LoginOutcome(ok=False, status=401)
    token, csrf = auth.start_session(svc.engine, account)
    audit.record(
        svc.engine, "login_success", actor=account.username, role=account.role, client=client
    )
    return LoginOutcome(ok=True, status=200, session=account, token=token, csrf_token=csrf)
