"""The OpenAPI document tells the truth about every real answer the tests saw.

Runs last (tests/conftest.py): by then tests.contract has recorded the integration and
browser tests' traffic to real gateways. The test sends a round of its own first (every
operation, logged in and not, good and bad input, a disposition), so it holds even when it
runs alone. A client is generated from the running gateway's /openapi.json with
datamodel-code-generator (msgspec models, ``--strict-nullable``): like a typed client in any
language it refuses a null where the document does not allow one.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import jsonschema
import msgspec
import pytest

from tests.conftest import ROOT
from tests.contract import recorder as contract
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

PASSWORD = "contract-passphrase-1"
RED_FLAG = "my back hurts and my legs have gone numb and I can't pee"


def generated_client(document: dict, tmp: Path):
    """The models datamodel-code-generator writes for the document, imported."""
    source = tmp / "openapi.json"
    source.write_text(json.dumps(document))
    target = tmp / "generated_client.py"
    codegen = Path(sys.executable).with_name("datamodel-codegen")
    subprocess.run(
        [
            str(codegen),
            "--input",
            str(source),
            "--input-file-type",
            "openapi",
            "--output-model-type",
            "msgspec.Struct",
            "--strict-nullable",
            "--target-python-version",
            "3.10",
            "--output",
            str(target),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    spec = importlib.util.spec_from_file_location("generated_client", target)
    module = importlib.util.module_from_spec(spec)
    sys.modules["generated_client"] = module
    spec.loader.exec_module(module)
    return module


def own_round(stack: Stack) -> None:
    """Every documented operation at least once, through the real stack."""
    bot = str(Path(sys.executable).with_name("bot"))
    subprocess.run(
        [bot, "clinician", "add", "contract-admin", "--role", "admin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env=stack.env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    with httpx.Client(base_url=stack.gateway_url, timeout=60) as c:
        c.get("/healthz")
        c.get("/readyz")
        c.get("/")
        for asset in ("/widget.js", "/widget.css", "/demo.css"):
            first = c.get(asset)
            c.get(asset, headers={"If-None-Match": first.headers["etag"]})
        opened = c.post("/api/v1/chat", json={"message": "hello"}).json()
        session_id = opened["session_id"]
        c.post("/api/v1/chat", json={"message": RED_FLAG, "session_id": session_id})
        c.post("/api/v1/chat", json={"message": "my hip bone has been aching"})
        c.post("/api/v1/chat", json={"message": ""})
        c.post("/api/v1/chat", json={"message": "x" * 3000})
        c.post("/api/v1/chat", content=b"{", headers={"content-type": "application/json"})
        c.get("/api/v1/clinician/conversations")
        c.get("/api/v1/clinician/session")
        login = c.post(
            "/api/v1/clinician/login", json={"username": "contract-admin", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        c.get("/api/v1/clinician/session")
        c.get("/api/v1/clinician/conversations")
        c.get("/api/v1/clinician/conversations", params={"level": "emergency", "page_size": 5})
        c.get("/api/v1/clinician/conversations", params={"since": "not-a-date"})
        c.get("/api/v1/clinician/stats/weekly")
        transcript = c.get(f"/api/v1/clinician/conversations/{session_id}").json()
        c.get("/api/v1/clinician/conversations/no-such-conversation")
        for fmt in ("csv", "json"):
            c.get(f"/api/v1/clinician/conversations/{session_id}/export", params={"format": fmt})
            c.get("/api/v1/clinician/export", params={"format": fmt})
        user_event = next(t["event_id"] for t in transcript["turns"] if t["kind"] == "user")
        flag = {"event_id": user_event, "correct_intent": "report_back_neck_pain"}
        c.post(f"/api/v1/clinician/conversations/{session_id}/flags", json=flag)
        c.post(f"/api/v1/clinician/conversations/{session_id}/flags", json=flag, headers=csrf)
        c.post(
            f"/api/v1/clinician/conversations/{session_id}/notes",
            json={"body": "called back"},
            headers=csrf,
        )
        c.get("/api/v1/clinician/audit")
        c.post("/api/v1/clinician/logout", headers=csrf)
        c.post("/api/v1/clinician/login", json={"username": "contract-admin", "password": "no"})


def test_every_recorded_gateway_answer_matches_the_document_and_the_generated_client(
    stack: Stack, tmp_path: Path
):
    contract.register_gateway(stack.gateway_url)
    own_round(stack)
    document = httpx.get(f"{stack.gateway_url}/openapi.json").json()
    client = generated_client(document, tmp_path)
    components = document["components"]
    failures: list[str] = []
    checked: Counter = Counter()
    for answer in contract.RECORDED:
        found = contract.operation_for(document, answer.method, answer.path)
        if found is None:
            continue  # not part of the API (unknown paths, the pages, /socket.io/)
        template, operation = found
        where = f"{answer.method} {template} {answer.status}"
        response = operation["responses"].get(str(answer.status))
        if response is None:
            failures.append(f"{where}: status not documented")
            continue
        content = response.get("content") or {}
        media = answer.content_type.split(";")[0].strip()
        if not content:
            if answer.body:
                failures.append(f"{where}: a body where none is documented")
            checked[where] += 1
            continue
        if media not in content:
            failures.append(f"{where}: {media} is not one of {sorted(content)}")
            continue
        checked[where] += 1
        if media != "application/json":
            continue
        body = json.loads(answer.body)
        schema = content[media]["schema"]
        try:
            jsonschema.Draft202012Validator({**schema, "components": components}).validate(body)
        except jsonschema.ValidationError as err:
            failures.append(f"{where}: schema: {err.message[:300]}")
        ref = schema.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            model = getattr(client, ref.rsplit("/", 1)[1])
            try:
                msgspec.convert(body, type=model)
            except msgspec.ValidationError as err:
                failures.append(f"{where}: generated client: {err}")
    print(f"{sum(checked.values())} answers checked: {dict(sorted(checked.items()))}")
    assert not failures, "\n".join(sorted(set(failures)))
    for needed in (
        "POST /api/v1/chat 200",
        "POST /api/v1/chat 422",
        "POST /api/v1/chat 413",
        "GET /readyz 200",
        "GET /api/v1/clinician/conversations 200",
        "GET /api/v1/clinician/conversations 401",
        "GET /api/v1/clinician/conversations/{session_id} 200",
        "GET /api/v1/clinician/export 200",
    ):
        assert checked[needed], needed
