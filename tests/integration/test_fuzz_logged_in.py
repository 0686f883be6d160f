"""schemathesis over the whole OpenAPI document with a clinician logged in, against a gateway
whose Rasa, action server and tracker store are the real ones of the shared stack: chat turns
are real turns, the clinician API reads real conversations.

The gateway app is served by a real uvicorn of its own, with settings of its own: rate limits
off. The fuzzer's made-up logins come from a documentation address (``X-Forwarded-For``,
trusted from loopback), so the failed logins it leaves in the shared database throttle that
address only, not the other tests' clinicians on 127.0.0.1. The session is made the way a clinician
makes one, through ``POST /api/v1/clinician/login`` with an account made by
``bot clinician add``; every case carries its cookie and CSRF token, and a new login follows a
fuzzed ``logout``. Checks: no 5xx at all (Rasa is up), documented status codes, content types
and response schemas: what the document promises about answers. (How strictly it describes
inputs, schemathesis's positive/negative data checks, is left to tests/api/test_fuzz_openapi.py,
logged out: the filters accept more date spellings than JSON Schema's formats name.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import create_app
from bot.settings import Settings
from tests.browser.conftest import ThreadedServer
from tests.conftest import ROOT
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

USERNAME = "fuzz-admin"
PASSWORD = "fuzzing-passphrase-1"


class Login:
    """A clinician session on the shared database, renewed when a case logged it out."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.cookie = self.csrf = ""

    def renew(self) -> None:
        response = httpx.post(
            f"{self.stack.gateway_url}/api/v1/clinician/login",
            json={"username": USERNAME, "password": PASSWORD},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        self.cookie = response.cookies["clinician_session"]
        self.csrf = response.json()["csrf_token"]

    def valid(self) -> bool:
        response = httpx.get(
            f"{self.stack.gateway_url}/api/v1/clinician/session",
            cookies={"clinician_session": self.cookie},
            timeout=30,
        )
        return response.status_code == 200


@pytest.fixture(scope="module")
def login(stack: Stack) -> Login:
    bot = str(Path(sys.executable).with_name("bot"))
    made = subprocess.run(
        [bot, "clinician", "add", USERNAME, "--role", "admin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=stack.env,
        cwd=ROOT,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    # A conversation with a disposition, so the clinician API has real data to show.
    assert stack.chat("my back hurts and my legs have gone numb and I can't pee").status_code == 200
    session = Login(stack)
    session.renew()
    return session


FUZZER_ADDRESS = "192.0.2.44"  # TEST-NET-1, never a real client


@pytest.fixture(scope="module")
def fuzz_gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory):
    app = create_app(
        Settings(
            state_dir=tmp_path_factory.mktemp("fuzz-logged-in"),
            rasa_port=stack.ports["rasa"],
            action_port=stack.ports["actions"],
            tracker_store_url=f"sqlite:///{stack.tracker_db}",
            rate_limit_per_session="off",
            rate_limit_per_client="off",
        )
    )
    with ThreadedServer(app, proxy_headers=True, forwarded_allow_ips="127.0.0.1") as server:
        yield server


@pytest.fixture(scope="module")
def stack_schema(fuzz_gateway: ThreadedServer, login: Login):
    schema = schemathesis.openapi.from_url(f"{fuzz_gateway.url}/openapi.json")
    # A message over MAX_MESSAGE_CHARS is refused with the documented 413.
    schema.config.checks.negative_data_rejection.expected_statuses.append("413")
    return schema


schema = schemathesis.pytest.from_fixture("stack_schema")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_whole_api_fuzzed_logged_in_finds_no_failure(case, login: Login):
    if not login.valid():
        login.renew()  # an earlier case was a logout
    case.headers = {
        **(case.headers or {}),
        "X-CSRF-Token": login.csrf,
        "X-Forwarded-For": FUZZER_ADDRESS,
    }
    case.cookies = {**(case.cookies or {}), "clinician_session": login.cookie}
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code < 500, response.text
    if case.path.startswith("/api/v1/clinician") and case.path != "/api/v1/clinician/login":
        assert response.status_code != 401, (case.path, response.text)  # logged in indeed
    assert "Traceback" not in response.text
