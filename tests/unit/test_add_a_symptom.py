"""docs/developer-guide.md's "Adding a symptom end to end", followed on a copy of the project.

The walkthrough edits four places (the vocabulary entry, NLU examples, one rule and one
question, a vignette) and nothing else; then the project's own validation (without Rasa's part,
which needs minutes) and the triage unit tests pass in the copy, and a message naming the new
symptom is triaged by the rule that was added.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".git", ".venv", "models", "build", "var", "reports", "node_modules", "__pycache__"}

VOCABULARY_ENTRY = """symptoms:
  restless legs:
    category: other_symptom
    phrases:
      - restless legs
      - restless leg
      - restless leg syndrome
      - legs wont keep still
"""
NLU_EXAMPLES = """
# report_other_symptom: developer-guide walkthrough (tests/unit/test_add_a_symptom.py)
- intent: report_other_symptom
  examples: |
    - my [restless legs](symptom) keep me up half the night
    - I get [restless leg syndrome](symptom) every evening now
    - at bedtime my [legs wont keep still](symptom)
"""
RULE = """rules:
  - id: restless_legs_sleep
    version: 1
    description: Restless legs that stop the person sleeping most nights.
    why: restless legs that stop you sleeping should be looked at by your care team
    level: soon
    when: {answer_yes_any: [restless_legs_sleep]}
    source: "ASCO follow-up guideline (Khatcheressian, JCO 2013): symptom-directed review"
    cases:
      - findings: {categories: [other_symptom], symptoms: [restless legs],
                   answers: {restless_legs_sleep: "yes", obvious_cause: "yes"}, severity: 1,
                   duration_days: 2, trend: better}
        level: soon

"""
QUESTION = """questions:
  restless_legs_sleep:
    type: yes_no
    text: Do your legs stop you sleeping on most nights?
    buttons: yes_no
    finding: restless legs stopping sleep
    present:
      anywhere: [keeps me awake, stops me sleeping]
    replies:
      "yes": ["yes"]
      "no": ["no, I sleep fine"]
      unsure: ["not sure"]
"""
VIGNETTE = """vignettes:
  - id: walkthrough-restless-legs
    message: my restless legs keep me awake most nights
    intent: report_other_symptom
    entities: [[symptom, restless legs, restless legs]]
    answers: {restless_legs_sleep: "yes"}
    expected: soon
    reference: developer guide walkthrough
"""
TRIAGED = """
from bot.triage import assess, prefill
from components.spacy_pipeline import build_pipeline, extract_entities
import bot

assert bot.__file__.startswith(sys.argv[1]), bot.__file__
nlp = build_pipeline()
entities = [
    {"entity": e.entity, "value": e.value, "text": e.text}
    for e in extract_entities(nlp("my restless legs keep me awake most nights"))
    if not e.negated
]
findings = prefill(entities, "report_other_symptom").with_answer("restless_legs_sleep", "yes")
disposition = assess(findings)
print(disposition.level.value_name, [r.rule_id for r in disposition.top_reasons])
"""
VALIDATE = """
from bot.settings import Settings
from ops.validation import validate

problems = validate(Settings(), with_rasa=False)
print("\\n".join(problems))
sys.exit(1 if problems else 0)
"""


def _insert(path: Path, marker: str, text: str) -> None:
    body = path.read_text(encoding="utf-8")
    assert marker in body, (path, marker)
    path.write_text(body.replace(marker, text, 1), encoding="utf-8")


def _run(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy)}
    return subprocess.run(
        [sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=900
    )


def _program(code: str) -> str:
    return "import sys\n" + code


def test_adding_a_symptom_as_the_guide_says_gets_it_triaged(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=lambda _dir, names: [n for n in names if n in SKIP])
    before = {p.relative_to(copy): p.read_bytes() for p in copy.rglob("*") if p.is_file()}

    # 1. the vocabulary entry, 2. NLU examples, 3. one rule and one question, 4. a test
    _insert(copy / "bot" / "vocabulary.yml", "symptoms:\n", VOCABULARY_ENTRY)
    with (copy / "data" / "nlu.yml").open("a", encoding="utf-8") as nlu:
        nlu.write(NLU_EXAMPLES)
    _insert(copy / "bot" / "triage" / "rules.yml", "rules:\n", RULE)
    questions = copy / "bot" / "triage" / "questions.yml"
    _insert(questions, "questions:\n", QUESTION)
    _insert(
        questions,
        "      - new_lump\n",
        "      - new_lump\n"
        "      - {id: restless_legs_sleep, ask_if: {symptom_any: [restless legs]}}\n",
    )
    _insert(copy / "tests" / "triage" / "vignettes.yml", "vignettes:\n", VIGNETTE)

    changed = {
        p.relative_to(copy)
        for p in copy.rglob("*")
        if p.is_file() and before.get(p.relative_to(copy)) != p.read_bytes()
    }
    assert {str(p) for p in changed} == {
        "bot/vocabulary.yml",
        "data/nlu.yml",
        "bot/triage/rules.yml",
        "bot/triage/questions.yml",
        "tests/triage/vignettes.yml",
    }

    validated = _run(copy, "-c", _program(VALIDATE))
    assert validated.returncode == 0, validated.stdout + validated.stderr

    tests = _run(
        copy,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/unit/test_triage_rules.py",
        "tests/unit/test_triage_vignettes.py",
        "tests/unit/test_reading.py",
        "tests/unit/test_vocabulary.py",
        "tests/unit/test_domain_names.py",
    )
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
    assert "walkthrough-restless-legs" in (copy / "tests/triage/vignettes.yml").read_text()

    triaged = _run(copy, "-c", _program(TRIAGED), str(copy))
    assert triaged.returncode == 0, triaged.stderr[-3000:]
    assert triaged.stdout.split()[0] == "soon"
    assert "restless_legs_sleep" in triaged.stdout
