"""Test case tables kept as data: one YAML file per test module, one key per test.

``tests/unit/cases/test_x.yml`` holds the tables of ``tests/unit/test_x.py``; each key is the
name of a test and its value the list of rows (one list of arguments per case) that
``pytest.mark.parametrize`` gets. A table lives here rather than in the module when it is long
enough that the tables would only repeat each other's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml

CASES_DIR = Path(__file__).resolve().parent

TestFunction = TypeVar("TestFunction", bound=Callable[..., Any])


@cache
def _tables(module_name: str) -> dict[str, list[list[Any]]]:
    with (CASES_DIR / f"{module_name}.yml").open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def case_id(row: Sequence[Any]) -> str:
    """The test id of a row: its first value (the text), so that ids read like the input."""
    text = str(row[0])
    return text if text else "<empty>"


def parametrize_from_cases(
    module_file: str, argnames: Sequence[str]
) -> Callable[[TestFunction], TestFunction]:
    """Parametrize a test with the rows stored under its own name in its module's YAML file.

    Args:
        module_file: ``__file__`` of the test module; its stem names the YAML file.
        argnames: the test's parameter names, in the order of the values in each row.

    Returns:
        A decorator that applies ``pytest.mark.parametrize`` with the rows and text ids.
    """

    def decorate(test: TestFunction) -> TestFunction:
        rows = _tables(Path(module_file).stem)[test.__name__]
        return pytest.mark.parametrize(argnames, rows, ids=[case_id(row) for row in rows])(test)

    return decorate
