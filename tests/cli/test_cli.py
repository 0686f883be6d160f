"""The `bot` command line on a small fixture project and on the real data."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ops.nlu_data import read_examples
from tests.conftest import ROOT

BOT = str(Path(sys.executable).with_name("bot"))


def run_bot(*args: str, env_root: Path | None = None, **kw) -> subprocess.CompletedProcess:
    env = {**__import__("os").environ}
    if env_root is not None:
        env["PROJECT_ROOT"] = str(env_root)
    return subprocess.run([BOT, *args], capture_output=True, text=True, env=env, timeout=600, **kw)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A copy of the project's data files: domain, training data and held-out set."""
    (tmp_path / "data").mkdir()
    (tmp_path / "tests" / "data").mkdir(parents=True)
    shutil.copy(ROOT / "domain.yml", tmp_path / "domain.yml")
    shutil.copy(ROOT / "data" / "nlu.yml", tmp_path / "data" / "nlu.yml")
    shutil.copy(
        ROOT / "tests" / "data" / "nlu_heldout.yml", tmp_path / "tests/data/nlu_heldout.yml"
    )
    return tmp_path


def test_every_command_has_help():
    out = run_bot("--help").stdout
    for command in (
        "run",
        "train",
        "validate",
        "evaluate",
        "test",
        "reload",
        "rollback",
        "chat",
        "clinician",
        "nlu",
        "retention",
    ):
        assert command in out
    assert "add" in run_bot("nlu", "--help").stdout


def test_validate_passes_on_the_real_data_including_rasa_validation():
    result = run_bot("validate")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "valid" in result.stdout


def test_validate_reports_a_message_under_two_intents_with_its_line(project):
    nlu = project / "data" / "nlu.yml"
    nlu.write_text(nlu.read_text() + "- intent: goodbye\n  examples: |\n    - hello there\n")
    text = nlu.read_text()
    if "- hello there\n" not in text.split("- intent: goodbye")[0]:
        nlu.write_text(
            text.replace(
                "- intent: greet\n  examples: |\n",
                "- intent: greet\n  examples: |\n    - hello there\n",
                1,
            )
        )
    result = run_bot("validate", "--skip-rasa", env_root=project)
    assert result.returncode == 1
    assert "is under 'goodbye' and also under 'greet'" in result.stderr
    assert "nlu.yml:" in result.stderr


def test_validate_reports_broken_yaml_with_file_and_line(project):
    nlu = project / "data" / "nlu.yml"
    lines = nlu.read_text().splitlines()
    lines[20] = "- intent: [oops"
    nlu.write_text("\n".join(lines) + "\n")
    result = run_bot("validate", "--skip-rasa", env_root=project)
    assert result.returncode == 1
    assert "nlu.yml:2" in result.stderr and "invalid YAML" in result.stderr


def test_validate_reports_heldout_messages_found_in_training_data(project):
    held = (project / "tests/data/nlu_heldout.yml").read_text()
    first = "    " + next(line.strip() for line in held.splitlines() if line.startswith("    - "))
    nlu = project / "data" / "nlu.yml"
    nlu.write_text(
        nlu.read_text().replace(
            "- intent: greet\n  examples: |\n", "- intent: greet\n  examples: |\n" + first + "\n", 1
        )
    )
    result = run_bot("validate", "--skip-rasa", env_root=project)
    assert result.returncode == 1
    assert "held-out message is also in the training data" in result.stderr


def test_validate_checks_every_frozen_heldout_set_against_the_training_data(project):
    heldout = project / "tests/data/heldout"
    heldout.mkdir()
    (heldout / "nlu_negated_b.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n'
        "    - good evening, nothing aches at all today\n"
    )
    assert run_bot("validate", "--skip-rasa", env_root=project).returncode == 0
    nlu = project / "data" / "nlu.yml"
    nlu.write_text(
        nlu.read_text().replace(
            "- intent: greet\n  examples: |\n",
            "- intent: greet\n  examples: |\n    - Good evening, nothing aches at all today!\n",
            1,
        )
    )
    result = run_bot("validate", "--skip-rasa", env_root=project)
    assert result.returncode == 1
    assert "nlu_negated_b.yml:5: held-out message is also in the training data" in result.stderr


def test_nlu_add_merges_reviewed_examples(project, tmp_path):
    additions = tmp_path / "reviewed.yml"
    additions.write_text(
        'version: "3.1"\nnlu:\n- intent: report_vision_change\n  examples: |\n'
        "    - the letters swim about when i read the paper\n"
    )
    result = run_bot("nlu", "add", str(additions), env_root=project)
    assert result.returncode == 0, result.stderr
    assert "added 1 example" in result.stdout
    assert "the letters swim about when i read the paper" in (project / "data/nlu.yml").read_text()
    assert run_bot("validate", "--skip-rasa", env_root=project).returncode == 0


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("- intent: order_pizza\n  examples: |\n    - a large margherita\n", "unknown intent"),
        ("- intent: greet\n  examples: |\n    - HELLO THERE!\n", "already in the training data"),
    ],
)
def test_nlu_add_refuses_unknown_intents_and_duplicates(project, tmp_path, block, message):
    nlu = project / "data" / "nlu.yml"
    if "hello there" not in {e.key for e in read_examples(nlu)}:
        nlu.write_text(
            nlu.read_text().replace(
                "- intent: greet\n  examples: |\n",
                "- intent: greet\n  examples: |\n    - hello there\n",
                1,
            )
        )
    before = nlu.read_text()
    additions = tmp_path / "reviewed.yml"
    additions.write_text('version: "3.1"\nnlu:\n' + block)
    result = run_bot("nlu", "add", str(additions), env_root=project)
    assert result.returncode == 1
    assert message in result.stderr and "nothing merged" in result.stderr
    assert nlu.read_text() == before


def test_nlu_add_reports_broken_yaml_with_line(project, tmp_path):
    additions = tmp_path / "reviewed.yml"
    additions.write_text("nlu:\n- intent: greet\n  examples: [\n")
    result = run_bot("nlu", "add", str(additions), env_root=project)
    assert result.returncode == 1
    assert "reviewed.yml:" in result.stderr and "invalid YAML" in result.stderr
