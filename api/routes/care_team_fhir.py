"""The hospital record: ``GET /api/v1/clinician/conversations/{session_id}/fhir`` (fixed path),
an HL7 FHIR R4 Bundle as ``application/fhir+json``, and the same Bundles as NDJSON for the bulk
export (``/api/v1/clinician/export?format=ndjson``). Behind the login; every export audited."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine

from api.routes.care_team_common import (
    AUTH_RESPONSES,
    SESSION_ID_PATH,
    SessionDep,
    record,
    service,
    transcript,
)
from clinician.care_team import fhir
from clinician.transcripts import read_events, transcript_turns

router = APIRouter(prefix="/api/v1/clinician", tags=["clinician"])


@router.get(
    "/conversations/{session_id}/fhir",
    response_class=Response,
    responses={
        200: {
            "description": "An HL7 FHIR R4 Bundle: a QuestionnaireResponse and a "
            "RiskAssessment per assessment.",
            "content": {fhir.MEDIA_TYPE: {"schema": {"type": "object"}}},
        },
        **AUTH_RESPONSES,
        404: {"description": "No such conversation."},
    },
    summary="One conversation as an HL7 FHIR R4 Bundle (for the hospital record)",
)
def fhir_bundle(
    request: Request, session: SessionDep, session_id: str = SESSION_ID_PATH
) -> Response:
    data = transcript(service(request), session_id)
    if data is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    body = fhir.validated(fhir.bundle(session_id, data["turns"]))
    record(
        request,
        session,
        "export",
        target=session_id,
        detail={"format": "fhir", "kind": "transcript"},
    )
    return Response(
        content=body,
        media_type=fhir.MEDIA_TYPE,
        headers={"Cache-Control": "no-store"},
    )


def ndjson_bundles(engine: Engine, items: Iterable[dict]) -> Iterator[str]:
    """One FHIR Bundle per line, for each conversation of the filtered list."""
    for item in items:
        with engine.connect() as conn:
            rows = read_events(conn, item["session_id"])
        yield fhir.ndjson_line(fhir.bundle(item["session_id"], transcript_turns(rows)))
