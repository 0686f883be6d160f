"""Canonical entity values shared by the spaCy lexicon, the triage rules and the API.

The spaCy entity ruler maps every lay phrase ("can't pee", "migrane", "my back is killing me")
to one of these canonical values (the entity ``value``); triage rules and the chat API's
``triage.symptoms`` use the same strings. Add a value here first, then to the lexicon and,
where it matters clinically, to the triage rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

#: The spaCy entity ruler's lay phrases and negation cues (data; built by components/).
LEXICON_FILE: Final[Path] = Path(__file__).resolve().parent / "nlp" / "lexicon.yml"

SYMPTOMS: Final[frozenset[str]] = frozenset(
    {
        # pain
        "pain",
        "back pain",
        "neck pain",
        "bone pain",
        "joint pain",
        "chest pain",
        "abdominal pain",
        "headache",
        # neurological
        "seizure",
        "confusion",
        "speech difficulty",
        "memory problems",
        "weakness",
        "numbness",
        "tingling",
        "balance problems",
        "facial droop",
        "difficulty walking",
        "dizziness",
        # vision
        "blurred vision",
        "double vision",
        "vision loss",
        "visual disturbance",
        # general
        "fatigue",
        "malaise",
        "fever",
        "night sweats",
        "insomnia",
        "hot flashes",
        # breathing
        "shortness of breath",
        "cough",
        "coughing blood",
        "chest tightness",
        "wheezing",
        "palpitations",
        # bladder and bowel
        "urinary retention",
        "incontinence",
        "bladder problems",
        "bowel problems",
        "constipation",
        "diarrhoea",
        "frequent urination",
        "thirst",
        # mood
        "low mood",
        "anxiety",
        "mood change",
        "irritability",
        "self-harm thoughts",
        # abdominal and liver
        "jaundice",
        "abdominal swelling",
        "appetite loss",
        "weight loss",
        "nausea",
        "vomiting",
        "indigestion",
        "itching",
        # other
        "swelling",
        "redness",
        "lump",
        "rash",
        "mouth sores",
        "fracture",
        "bruising",
    }
)

BODY_PARTS: Final[frozenset[str]] = frozenset(
    {
        "back",
        "lower back",
        "upper back",
        "neck",
        "spine",
        "hip",
        "pelvis",
        "leg",
        "knee",
        "foot",
        "calf",
        "thigh",
        "arm",
        "hand",
        "shoulder",
        "rib",
        "chest",
        "breast",
        "armpit",
        "head",
        "face",
        "eye",
        "abdomen",
        "right side",
        "liver",
        "stomach",
        "skin",
        "lungs",
        "bone",
        "jaw",
        "throat",
    }
)

ONSETS: Final[frozenset[str]] = frozenset({"sudden", "gradual"})
TRENDS: Final[frozenset[str]] = frozenset({"worse", "better", "same", "comes and goes"})

ENTITY_TYPES: Final[tuple[str, ...]] = (
    "symptom",
    "body_part",
    "duration",
    "severity",
    "onset",
    "trend",
)

SYMPTOM_INTENTS: Final[tuple[str, ...]] = (
    "report_bone_pain",
    "report_back_neck_pain",
    "report_headache",
    "report_seizure",
    "report_vision_change",
    "report_fatigue",
    "report_breathing",
    "report_neuro_change",
    "report_mood_change",
    "report_abdominal_symptom",
    "report_other_symptom",
)

QUESTION_INTENTS: Final[tuple[str, ...]] = (
    "ask_routine_tests",
    "ask_metastatic_info",
    "ask_symptoms_to_watch",
    "ask_diagnosis_tests",
    "ask_treatment",
    "ask_prevention",
    "ask_prognosis",
)

DIALOGUE_INTENTS: Final[tuple[str, ...]] = (
    "greet",
    "goodbye",
    "affirm",
    "deny",
    "thank",
    "inform",
    "bot_challenge",
    "out_of_scope",
    "request_clinician",
)

ALL_INTENTS: Final[tuple[str, ...]] = SYMPTOM_INTENTS + QUESTION_INTENTS + DIALOGUE_INTENTS
