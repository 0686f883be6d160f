"""The hospital record: one conversation as an HL7 FHIR R4 (4.0.1) ``Bundle``.

For each assessment (disposition) the Bundle holds

- a ``QuestionnaireResponse``: what the person reported, and each question the bot asked with
  the person's reply exactly as sent (``valueString``) and the bot's reading of it (an
  extension with a ``valueCode``/``valueDecimal``: yes, no, unknown, days...);
- a ``RiskAssessment``: the disposition as the prediction's outcome (coded with the triage
  level), the advice as the mitigation, and as its basis the QuestionnaireResponse and every
  rule that fired, each with its source (NICE NG234, UKONS, ASCO...).

The person is known only by the chat session id (no demographics are ever collected), so both
resources refer to the subject by identifier. The builder is a pure function of the
transcript; ``validated`` runs the result through the ``fhir.resources`` R4 models.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from clinician.care_team.assessments import Assessment, assessments
from clinician.care_team.content import level_label

MEDIA_TYPE = "application/fhir+json"
NDJSON_MEDIA_TYPE = "application/fhir+ndjson"
#: Naming systems of this product's own identifiers and codes (URNs: no web page behind them).
SESSION_SYSTEM = "urn:symptom-checker:session"
LEVEL_SYSTEM = "urn:symptom-checker:triage-level"
RULE_SYSTEM = "urn:symptom-checker:triage-rule"
QUESTION_SYSTEM = "urn:symptom-checker:question"
READING_EXTENSION = "urn:symptom-checker:fhir:answer-reading"
QUESTIONNAIRE = "urn:symptom-checker:questionnaire:triage"
#: HL7's risk-probability codes (http://terminology.hl7.org/CodeSystem/risk-probability).
RISK_PROBABILITY = "http://terminology.hl7.org/CodeSystem/risk-probability"
QUALITATIVE_RISK = {"emergency": "high", "urgent": "high", "soon": "moderate", "routine": "low"}
_NAMESPACE = uuid.UUID("0b8c3f8e-4f4e-4a53-9d8e-2f7a0c5b1e16")


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp or 0, tz=timezone.utc).isoformat(timespec="seconds")


def _urn(*parts: Any) -> str:
    """A stable id for a resource of this conversation (the same export gives the same ids)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(p) for p in parts)))


def _subject(session_id: str) -> dict[str, Any]:
    return {
        "identifier": {"system": SESSION_SYSTEM, "value": session_id},
        "display": "Symptom checker conversation " + session_id,
    }


def _reading(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [{"url": READING_EXTENSION, "valueDecimal": value}]
    code = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in str(value).strip())
    return [{"url": READING_EXTENSION, "valueCode": code}] if code else []


def questionnaire_response(session_id: str, a: Assessment, n: int) -> dict[str, Any]:
    """The FHIR QuestionnaireResponse of a conversation's ``n``-th assessment (its answers)."""
    items: list[dict[str, Any]] = []
    if a.reported:
        items.append(
            {
                "linkId": "reported",
                "text": "What the person reported",
                "answer": [{"valueString": text} for text in a.reported],
            }
        )
    for i, qa in enumerate(a.answers, start=1):
        item: dict[str, Any] = {"linkId": qa.question_id or f"q{i}", "text": qa.question}
        if qa.reply is not None:
            answer: dict[str, Any] = {"valueString": qa.reply}
            extension = _reading(qa.reading)
            if extension:
                answer["extension"] = extension
            item["answer"] = [answer]
        items.append(item)
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": _urn(session_id, n, "questionnaire-response"),
        "questionnaire": QUESTIONNAIRE,
        "status": "completed",
        "subject": _subject(session_id),
        "authored": _when(a.at),
    }
    if items:
        resource["item"] = items
    return resource


def risk_assessment(session_id: str, a: Assessment, n: int, response_url: str) -> dict[str, Any]:
    """The FHIR RiskAssessment of the ``n``-th assessment, based on its QuestionnaireResponse."""
    basis: list[dict[str, Any]] = [{"reference": response_url, "display": "Answers given"}]
    for reason in a.reasons:
        rule = reason.get("id") or reason.get("rule_id") or "rule"
        basis.append(
            {
                "identifier": {"system": RULE_SYSTEM, "value": rule},
                "display": f"{reason.get('description') or rule} "
                f"({reason.get('level') or a.level}; source: {reason.get('source') or 'n/a'})",
            }
        )
    prediction: dict[str, Any] = {
        "outcome": {
            "coding": [{"system": LEVEL_SYSTEM, "code": a.level, "display": level_label(a.level)}],
            "text": a.advice.split("\n")[0] if a.advice else level_label(a.level),
        },
    }
    if a.level in QUALITATIVE_RISK:
        prediction["qualitativeRisk"] = {
            "coding": [{"system": RISK_PROBABILITY, "code": QUALITATIVE_RISK[a.level]}]
        }
    if a.symptoms:
        prediction["rationale"] = "Symptoms: " + ", ".join(a.symptoms)
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment",
        "id": _urn(session_id, n, "risk-assessment"),
        "status": "final",
        "code": {"text": "Symptom checker triage disposition"},
        "method": {
            "text": "Symptom checker triage rules"
            + (f", version {a.ruleset_version}" if a.ruleset_version else "")
        },
        "subject": _subject(session_id),
        "occurrenceDateTime": _when(a.at),
        "basis": basis,
        "prediction": [prediction],
        "note": [{"text": "Not a diagnosis: advice on whom to contact and how soon."}],
    }
    if a.advice:
        resource["mitigation"] = a.advice
    return resource


def bundle(session_id: str, turns: list[dict[str, Any]]) -> dict[str, Any]:
    """The Bundle (type ``collection``) of one conversation's assessments, from its turns."""
    entries: list[dict[str, Any]] = []
    latest = 0.0
    for n, a in enumerate(assessments(turns), start=1):
        response = questionnaire_response(session_id, a, n)
        response_url = f"urn:uuid:{response['id']}"
        risk = risk_assessment(session_id, a, n, response_url)
        entries.append({"fullUrl": response_url, "resource": response})
        entries.append({"fullUrl": f"urn:uuid:{risk['id']}", "resource": risk})
        latest = max(latest, a.at)
    result: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": _urn(session_id, "bundle"),
        "type": "collection",
        "identifier": {"system": SESSION_SYSTEM, "value": session_id},
    }
    if latest:
        result["timestamp"] = _when(latest)
    if entries:
        result["entry"] = entries
    return result


def validated(data: dict[str, Any]) -> str:
    """The Bundle as FHIR R4 JSON, checked by the ``fhir.resources`` models (raises if not)."""
    from fhir.resources.bundle import Bundle

    return Bundle.parse_obj(data).json()


def ndjson_line(data: dict[str, Any]) -> str:
    """One Bundle as a line of an NDJSON bulk export."""
    return json.dumps(json.loads(validated(data)), separators=(",", ":")) + "\n"
