"""domain.yml declares exactly the names that actions/constants.py (and the vocabulary) give."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions import constants

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())


def test_domain_intents_are_the_vocabulary_intents() -> None:
    assert sorted(DOMAIN["intents"]) == sorted(constants.INTENTS)


def test_domain_entities_are_the_vocabulary_entity_types() -> None:
    names = [next(iter(e)) if isinstance(e, dict) else e for e in DOMAIN["entities"]]
    assert sorted(names) == sorted(constants.ENTITIES)


def test_domain_slots_are_the_constants_slots() -> None:
    assert sorted(DOMAIN["slots"]) == sorted(constants.SLOTS)


def test_domain_actions_are_the_constants_actions() -> None:
    assert sorted(DOMAIN["actions"]) == sorted(constants.ACTIONS)


def test_every_action_class_is_named_by_the_constants() -> None:
    from rasa_sdk import Action

    import actions.answers
    import actions.clinician
    import actions.fallback
    import actions.session
    import actions.triage

    modules = (
        actions.answers,
        actions.clinician,
        actions.fallback,
        actions.session,
        actions.triage,
    )
    names = {
        cls().name()
        for module in modules
        for cls in vars(module).values()
        if isinstance(cls, type) and issubclass(cls, Action) and cls.__module__ == module.__name__
    }
    assert names == set(constants.ACTIONS)
