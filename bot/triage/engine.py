"""Evaluating the rules on findings: the disposition the bot gives at the end of triage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.triage.advice import DEFAULT_EMERGENCY_NUMBER, render_advice
from bot.triage.lexicon import load_lexicon
from bot.triage.models import CATEGORIES, Findings, Level
from bot.triage.questions import load_questions
from bot.triage.rules import Rule, RuleSet, load_rules


@dataclass(frozen=True)
class Reason:
    """A rule that fired, as recorded with the disposition (for clinicians and audit)."""

    rule_id: str
    version: int
    description: str
    level: Level
    source: str
    why: str

    @classmethod
    def from_rule(cls, rule: Rule) -> Reason:
        """The reason a fired rule gives."""
        return cls(rule.id, rule.version, rule.description, rule.level, rule.source, rule.why)

    def to_dict(self) -> dict[str, Any]:
        """The reason as the clinician record stores it (``rule_id``, ``version`` ...)."""
        return {
            "rule_id": self.rule_id,
            "version": self.version,
            "description": self.description,
            "level": self.level.value_name,
            "source": self.source,
        }


@dataclass(frozen=True)
class Disposition:
    level: Level
    reasons: tuple[Reason, ...]
    """Every rule that fired: those at ``level`` first, then the lower ones (highest first)."""
    symptoms: tuple[str, ...]
    advice: str
    ruleset_version: str = ""

    @property
    def top_reasons(self) -> tuple[Reason, ...]:
        """The rules that set the level."""
        return tuple(r for r in self.reasons if r.level == self.level)

    def to_api(self) -> dict[str, Any]:
        """The chat API's ``triage`` object: ``{"level", "symptoms", "advice"}``."""
        return {
            "level": self.level.value_name,
            "symptoms": list(self.symptoms),
            "advice": self.advice,
        }

    def to_record(self) -> dict[str, Any]:
        """``to_api`` plus the reasons and rule-set version, for the clinician's record."""
        return {
            **self.to_api(),
            "reasons": [r.to_dict() for r in self.reasons],
            "ruleset_version": self.ruleset_version,
        }


def fired_rules(findings: Findings, rules: RuleSet | None = None) -> tuple[Rule, ...]:
    """Rules whose condition holds, highest level first (file order within a level)."""
    rules = rules or load_rules()
    fired = [rule for rule in rules.rules if rule.fires(findings)]
    return tuple(sorted(fired, key=lambda r: -r.level))


def triage_level(findings: Findings, rules: RuleSet | None = None) -> Level:
    """The level alone (max over fired rules; ROUTINE when nothing fired)."""
    fired = fired_rules(findings, rules)
    return fired[0].level if fired else Level.ROUTINE


def symptom_labels(findings: Findings) -> tuple[str, ...]:
    """Human-readable symptom list for the API, canonical vocabulary values where possible.

    Reported symptoms in lexicon order (a plain "pain" named by where it is: "lower back
    pain"); then what "yes" answers add (e.g. "bladder or bowel problems"); then, for a
    category no symptom accounts for, the category's label.
    """
    lexicon = load_lexicon()
    bank = load_questions()
    reported = [s for s in lexicon.symptom_order if s in findings.symptoms]
    covered = set()
    labels: list[str] = []
    for symptom in reported:
        covered |= lexicon.categories_of(symptom)
        rule = lexicon.site_dependent.get(symptom)
        sites = sorted(p for p in findings.body_parts if rule and p in rule.sites)
        if symptom == "pain" and sites:
            labels.extend(f"{site} pain" for site in sites)
        else:
            labels.append(symptom)
    for category in CATEGORIES:
        if category in findings.categories and category not in covered:
            labels.append(bank.labels[category])
    for qid, question in bank.questions.items():
        if (
            question.finding
            and question.red_flag is not None
            and findings.answers.get(qid) == "yes"
        ):
            labels.append(question.finding)
    return tuple(dict.fromkeys(labels))


def assess(
    findings: Findings,
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER,
    *,
    rules: RuleSet | None = None,
) -> Disposition:
    """The disposition for these findings.

    The level is the highest level among the rules that fire, so adding a finding can only
    raise it. ``emergency_number`` comes from settings (it is not part of the clinical rules).
    """
    rules = rules or load_rules()
    fired = fired_rules(findings, rules)
    level = fired[0].level if fired else Level.ROUTINE
    reasons = tuple(Reason.from_rule(rule) for rule in fired)
    whys = [r.why for r in reasons if r.level == level and r.rule_id != "reported_symptom"]
    return Disposition(
        level=level,
        reasons=reasons,
        symptoms=symptom_labels(findings),
        advice=render_advice(level, whys, emergency_number),
        ruleset_version=rules.version,
    )


def check_consistency() -> list[str]:
    """Cross-file checks of the data (rule ids -> question ids etc.); empty when all is well."""
    problems = []
    bank = load_questions()
    rules = load_rules()
    known = set(bank.questions)
    for rule in rules.rules:
        for qid in sorted(rule.when.references.questions - known):
            problems.append(f"rule {rule.id}: unknown question id {qid!r}")
    for question in bank.questions.values():
        if question.said_when:
            for qid in sorted(question.said_when.references.questions - known):
                problems.append(f"question {question.id}: present.when uses unknown id {qid!r}")
        if question.ask_if:
            for qid in sorted(question.ask_if.references.questions - known):
                problems.append(f"question {question.id}: ask_if uses unknown id {qid!r}")
    asked = {q.id for qs in bank.by_category.values() for q in qs}
    for qid in sorted(known - asked):
        problems.append(f"question {qid!r} is not asked in any category")
    return problems
