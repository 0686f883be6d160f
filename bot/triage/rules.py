"""Loading and validating ``rules.yml`` (see the comment at the top of that file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.triage._data import load_yaml, require_keys
from bot.triage.conditions import Condition, compile_condition, compile_named
from bot.triage.models import Findings, Level

RULES_FILE = "rules.yml"


@dataclass(frozen=True)
class RuleCase:
    """One worked example stored beside its rule: these findings give this overall level."""

    findings: Findings
    level: Level
    fires: bool = True


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    description: str
    why: str
    level: Level
    when: Condition
    source: str
    cases: tuple[RuleCase, ...] = ()

    def fires(self, findings: Findings) -> bool:
        """Whether the rule's condition holds for these findings."""
        return self.when.holds(findings)


@dataclass(frozen=True)
class RuleSet:
    version: str
    rules: tuple[Rule, ...]
    named: Mapping[str, Condition]

    def by_id(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError when there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def referenced_questions(self) -> frozenset[str]:
        """Every question id that some rule's condition reads."""
        refs: set[str] = set()
        for rule in self.rules:
            refs |= rule.when.references.questions
        return frozenset(refs)


def _source_text(value: Any, where: str) -> str:
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "; ".join(" ".join(v.split()) for v in value)
    raise ValueError(f"{where}.source: expected a reference string or a list of them")


def _parse_rule(node: Any, named: Mapping[str, Condition], index: int) -> Rule:
    where = f"{RULES_FILE} rules[{index}]"
    require_keys(
        node, {"id", "version", "description", "why", "level", "when", "source"}, {"cases"}, where
    )
    where = f"{RULES_FILE} rule {node['id']!r}"
    cases = []
    for i, case in enumerate(node.get("cases") or []):
        require_keys(case, {"findings", "level"}, {"fires"}, f"{where} cases[{i}]")
        cases.append(
            RuleCase(
                findings=Findings.from_dict(case["findings"]),
                level=Level.from_name(case["level"]),
                fires=bool(case.get("fires", True)),
            )
        )
    return Rule(
        id=str(node["id"]),
        version=int(node["version"]),
        description=" ".join(str(node["description"]).split()),
        why=" ".join(str(node["why"]).split()),
        level=Level.from_name(node["level"]),
        when=compile_condition(node["when"], named=named, where=f"{where}.when"),
        source=_source_text(node["source"], where),
        cases=tuple(cases),
    )


def parse_rules(data: Any) -> RuleSet:
    """Build a ``RuleSet`` from the parsed YAML document, validating as it goes."""
    require_keys(data, {"version", "rules"}, {"sources", "conditions"}, RULES_FILE)
    named = compile_named(data.get("conditions"), f"{RULES_FILE} conditions")
    rules = tuple(_parse_rule(node, named, i) for i, node in enumerate(data["rules"]))
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"{RULES_FILE}: duplicate rule ids {duplicates}")
    return RuleSet(version=str(data["version"]), rules=rules, named=named)


@lru_cache(maxsize=4)
def load_rules(path: str | Path = RULES_FILE) -> RuleSet:
    """The rule set from ``rules.yml`` (cached; pass a path to load another file)."""
    return parse_rules(load_yaml(path))
