"""The clinician downloads under /api/v1/clinician (fixed paths): one transcript as CSV or
JSON, the filtered list as CSV, JSON or FHIR NDJSON (streamed), and one conversation as an
HL7 FHIR R4 Bundle for the hospital record. Behind the login; every export audited.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import Engine

from api.clinician.deps import (
    PREFIX,
    SESSION_ID_PATH,
    FiltersDep,
    ServiceDep,
    SessionDep,
    record,
)
from api.clinician.schemas import AUTH_RESPONSES, DOWNLOAD_200, LIST_DOWNLOAD_200, Detail
from api.routing import ApiRoute
from clinician import summary
from clinician.care_team import fhir
from clinician.transcripts import read_events, transcript_turns

router = APIRouter(prefix=PREFIX, tags=["clinician"], route_class=ApiRoute)

TRANSCRIPT_CSV_HEADER = [
    "event_id",
    "time_utc",
    "kind",
    "text",
    "intent_or_level",
    "confidence",
    "flagged_correct_intent",
]
LIST_CSV_HEADER = [
    "session_id",
    "started_utc",
    "last_utc",
    "level",
    "symptoms",
    "clinician_attention",
    "user_messages",
]


#: What the two download routes answer besides their own errors.
TRANSCRIPT_DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **DOWNLOAD_200,
    **AUTH_RESPONSES,
    404: {"model": Detail, "description": "No such conversation."},
}
LIST_DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    **LIST_DOWNLOAD_200,
    **AUTH_RESPONSES,
    422: {"model": Detail, "description": "Invalid filter."},
}


@router.get(
    "/conversations/{session_id}/export",
    response_class=Response,
    responses=TRANSCRIPT_DOWNLOAD_RESPONSES,
    summary="One transcript as a CSV or JSON download",
)
def export_transcript(
    request: Request,
    session: SessionDep,
    svc: ServiceDep,
    session_id: str = SESSION_ID_PATH,
    format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    """One transcript as a CSV or JSON attachment, or 404."""
    data = svc.transcript(session_id)
    if data is None:
        raise HTTPException(status_code=404, detail="no such conversation")
    record(
        request,
        session,
        "export",
        target=session_id,
        detail={"format": format, "kind": "transcript"},
    )
    name = f"transcript-{_safe_name(session_id)}.{format}"
    if format == "json":
        return _download(json.dumps(data, indent=2, default=str), "application/json", name)
    rows = (
        [
            t["event_id"],
            iso(t["timestamp"]),
            t["kind"],
            t.get("text") or t.get("advice") or "",
            t.get("intent") or t.get("level") or "",
            "" if t.get("confidence") is None else f"{t['confidence']:.3f}",
            (t.get("flag") or {}).get("correct_intent", ""),
        ]
        for t in data["turns"]
    )
    return _download(_csv([TRANSCRIPT_CSV_HEADER], rows), "text/csv; charset=utf-8", name)


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
    request: Request, session: SessionDep, svc: ServiceDep, session_id: str = SESSION_ID_PATH
) -> Response:
    """One conversation as a validated FHIR R4 Bundle, or 404."""
    data = svc.transcript(session_id)
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


@router.get(
    "/export",
    response_class=Response,
    responses=LIST_DOWNLOAD_RESPONSES,
    summary="The filtered conversation list as a CSV or JSON download",
)
def export_list(
    request: Request,
    session: SessionDep,
    svc: ServiceDep,
    filters: FiltersDep,
    format: Annotated[
        Literal["csv", "json", "ndjson"],
        Query(description="ndjson: one HL7 FHIR R4 Bundle per conversation and line."),
    ] = "csv",
) -> Response:
    """The filtered list as a streamed CSV, JSON or FHIR NDJSON attachment."""
    total, _ = summary.list_page(svc.engine, filters, 1, 1)
    record(
        request,
        session,
        "export",
        detail={"format": format, "kind": "list", "filters": filters.describe(), "rows": total},
    )
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M")
    headers = _attachment(f"conversations-{stamp}.{format}")
    items = summary.iter_all(svc.engine, filters)
    if format == "ndjson":
        body = ndjson_bundles(svc.engine, items)
        return StreamingResponse(body, media_type=fhir.NDJSON_MEDIA_TYPE, headers=headers)
    if format == "json":
        return StreamingResponse(_json_array(items), media_type="application/json", headers=headers)
    rows = (
        [
            i["session_id"],
            iso(i["started_at"]),
            iso(i["last_at"]),
            i["level"] or "",
            "; ".join(i["symptoms"]),
            "yes" if i["attention"] else "no",
            i["user_messages"],
        ]
        for i in items
    )
    return StreamingResponse(
        _csv_stream([LIST_CSV_HEADER], rows),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )


def ndjson_bundles(engine: Engine, items: Iterable[dict]) -> Iterator[str]:
    """One FHIR Bundle per line, for each conversation of the filtered list."""
    for item in items:
        with engine.connect() as conn:
            rows = read_events(conn, item["session_id"])
        yield fhir.ndjson_line(fhir.bundle(item["session_id"], transcript_turns(rows)))


def iso(ts: float | None) -> str:
    """A UTC time as ISO 8601 to the second, or "" when there is none."""
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_cell(value: Any) -> Any:
    """Spreadsheets run cells that start with = + - @ as formulas: quote them."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _safe_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in text)[:64]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def _download(body: str, media_type: str, name: str) -> Response:
    return Response(content=body, media_type=media_type, headers=_attachment(name))


def _csv(*groups: Iterable[list]) -> str:
    return "".join(_csv_stream(*groups))


def _csv_stream(*groups: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for rows in groups:
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


def _json_array(items: Iterable[dict]) -> Iterator[str]:
    yield "["
    for n, item in enumerate(items):
        yield ("," if n else "") + json.dumps(item)
    yield "]"
