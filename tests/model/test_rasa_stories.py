"""Rasa's own story tests (tests/stories) against the trained model: every symptom intent,
every triage level, the emergency-at-first-message path and turns outside the form."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.model

STORIES = ROOT / "tests" / "stories"


@pytest.mark.timeout(900)
def test_rasa_test_stories_pass_without_prediction_errors(model_path: Path, tmp_path: Path):
    out = tmp_path / "results"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "components.rasa_entry",
            "test",
            "core",
            "--model",
            str(model_path),
            "--stories",
            str(STORIES),
            "--fail-on-prediction-errors",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, (
        f"rasa test core exited {result.returncode}\n{details}\n{result.stdout[-3000:]}"
        f"\n{result.stderr[-3000:]}"
    )
