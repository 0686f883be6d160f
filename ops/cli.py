"""The `bot` command line: run, train, validate, evaluate and the other developer tasks."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import typer

from bot import logs
from bot.settings import Settings, get_settings
from clinician.care_team.cli import alerts_app
from clinician.cli import clinician_app, export_reviewed, retention_app

app = typer.Typer(
    help="Symptom checker for breast cancer survivors: run, train, test and operate it.",
    no_args_is_help=True,
    add_completion=False,
    # Tracebacks must not print local variables: they can hold passwords and message text.
    pretty_exceptions_show_locals=False,
)


@app.command()
def run() -> None:
    """Build what is missing (spaCy pipeline, model), then start Rasa, actions and the gateway."""
    from ops.stack import run_stack
    from ops.training import train as train_model

    settings = get_settings()
    model = train_model(settings)
    raise typer.Exit(run_stack(settings, model))


@app.command()
def train(
    force: bool = typer.Option(
        False, "--force", help="Train even if a model for these inputs exists."
    ),
) -> None:
    """Train a model when the data, domain, config or NLU components changed."""
    from ops.training import train as train_model

    settings = get_settings()
    model = train_model(settings, force=force)
    typer.echo(f"==> model: {_shown(model, settings.project_root)}")


@app.command("build-pipeline")
def build_pipeline(
    force: bool = typer.Option(False, "--force", help="Rebuild even if the lexicon is unchanged."),
) -> None:
    """Build the project's spaCy pipeline from bot/vocabulary.yml."""
    from ops.training import ensure_pipeline

    settings = get_settings()
    pipeline = ensure_pipeline(settings, force=force)
    typer.echo(f"==> spaCy pipeline: {_shown(pipeline, settings.project_root)}")


def _shown(path: Path, root: Path) -> str:
    """A path as a person in the project folder would type it."""
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


@app.command()
def validate(
    skip_rasa: bool = typer.Option(False, "--skip-rasa", help="Only the project's own checks."),
) -> None:
    """Check the training data, held-out set, lexicon and triage data (and `rasa data validate`)."""
    from ops.validation import validate as run_checks

    problems = run_checks(get_settings(), with_rasa=not skip_rasa)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(1)
    typer.echo("data, lexicon and triage rules are valid")


@app.command()
def evaluate(
    folds: int = typer.Option(None, help="Cross-validation folds (default EVAL_FOLDS; 0 skips)."),
) -> None:
    """Measure the current model on the frozen held-out sets (per intent, with k-fold
    cross-validation beside), out-of-scope and negated-only messages, calibration and parse
    time; write a report to the reports folder; fail under the EVAL_* thresholds.
    """
    from ops.evaluation import (
        cross_validate,
        evaluate_model,
        html_report,
        markdown_report,
        model_predictor,
        per_intent_table,
        plot_confusion,
        summary_lines,
    )
    from ops.training import current_model, fallback_threshold

    settings = get_settings()
    model = current_model(settings)
    if model is None:
        typer.echo("no model for the current data: run `bot train`", err=True)
        raise typer.Exit(1)
    root = settings.project_root
    typer.echo(f"==> held-out evaluation of {model.name}")
    ev = evaluate_model(model_predictor(model), root, fallback_threshold(root))
    folds = settings.eval_folds if folds is None else folds
    cv = None
    out = settings.reports_dir / "nlu"
    if folds:
        typer.echo(f"==> {folds}-fold cross-validation (trains {folds} NLU models)")
        cv = cross_validate(root, folds, out / "cross_validation")
    typer.echo(per_intent_table(ev.combined.report, cv))
    for line in summary_lines(ev):
        typer.echo(line)
    plot_confusion(
        ev.combined.report.pairs, out / "confusion_matrix.png", f"held-out: {model.name}"
    )
    markdown = markdown_report(ev, model.name, cv)
    (out / "report.md").write_text(markdown, encoding="utf-8")
    (out / "report.html").write_text(html_report(markdown), encoding="utf-8")
    typer.echo(f"report: {out / 'report.md'}")
    report = ev.combined.report
    total, _, above = ev.combined.out_of_scope_as_symptom
    failures = []
    if report.accuracy < settings.eval_min_accuracy:
        failures.append(f"accuracy {report.accuracy:.3f} (min {settings.eval_min_accuracy})")
    if report.macro_f1 < settings.eval_min_macro_f1:
        failures.append(f"macro-F1 {report.macro_f1:.3f} (min {settings.eval_min_macro_f1})")
    if total and above / total > settings.eval_max_out_of_scope_as_symptom:
        failures.append(
            f"out_of_scope read as a symptom {above}/{total} "
            f"(max {settings.eval_max_out_of_scope_as_symptom:.0%})"
        )
    if ev.negated.as_report > settings.eval_max_negated_as_report:
        failures.append(
            f"negated-only read as a symptom report {ev.negated.as_report} "
            f"(max {settings.eval_max_negated_as_report})"
        )
    if failures:
        typer.echo("below threshold: " + "; ".join(failures), err=True)
        raise typer.Exit(1)


@app.command("test")
def test_dialogue() -> None:
    """Rasa story tests and the scripted end-to-end conversations."""
    import subprocess
    import tempfile

    from ops.stack import rasa_cli
    from ops.training import current_model

    settings = get_settings()
    model = current_model(settings)
    if model is None:
        typer.echo("no model for the current data: run `bot train`", err=True)
        raise typer.Exit(1)
    root = settings.project_root
    with tempfile.TemporaryDirectory() as out:
        stories = subprocess.run(
            [
                *rasa_cli(),
                "test",
                "core",
                "--model",
                str(model),
                "--stories",
                "tests/stories",
                "--fail-on-prediction-errors",
                "--out",
                out,
            ],
            cwd=root,
        )
    conversations = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/integration/test_triage_conversations.py"],
        cwd=root,
    )
    raise typer.Exit(1 if stories.returncode or conversations.returncode else 0)


def _load_model(operation: Callable[[Settings], Path], done: str) -> None:
    """Run a model operation of ``ops.operations``; print ``done`` and the model's name, or
    the error (exit 1).
    """
    from ops.operations import OperationError

    try:
        model = operation(get_settings())
    except OperationError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from err
    typer.echo(f"{done} {model.name}")


@app.command()
def reload() -> None:
    """Load the newest trained model into the running Rasa server (no restart)."""
    from ops.operations import reload as do_reload

    _load_model(do_reload, "loaded")


@app.command()
def rollback() -> None:
    """Load the model trained before the one the running server has loaded."""
    from ops.operations import rollback as do_rollback

    _load_model(do_rollback, "rolled back to")


@app.command()
def chat(
    session_id: str = typer.Option(None, help="Continue this conversation."),
) -> None:
    """Talk to the bot in the terminal through the running gateway (numbers pick buttons)."""
    from ops.chat_client import chat as run_chat
    from ops.chat_client import prompt_lines

    run_chat(get_settings(), prompt_lines(), session_id=session_id)


nlu_app = typer.Typer(help="NLU training data tasks.", no_args_is_help=True)
app.add_typer(nlu_app, name="nlu")
app.add_typer(clinician_app, name="clinician")
app.add_typer(retention_app, name="retention")
app.add_typer(alerts_app, name="alerts")
nlu_app.command("export-reviewed")(export_reviewed)


@nlu_app.command("add")
def nlu_add(
    path: str = typer.Argument(
        ..., help="Rasa NLU YAML to merge, e.g. from `bot nlu export-reviewed`."
    ),
) -> None:
    """Merge reviewed examples into data/nlu.yml, refusing duplicates and unknown intents."""
    from pathlib import Path

    from ops.nlu_data import NluDataError, merge_examples, read_examples
    from ops.validation import domain_intents

    settings = get_settings()
    root = settings.project_root
    try:
        additions = read_examples(Path(path))
        added, problems = merge_examples(
            root / "data" / "nlu.yml", additions, domain_intents(root / "domain.yml")
        )
    except NluDataError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from err
    if problems:
        for problem in problems:
            typer.echo(f"{path}: {problem}", err=True)
        typer.echo("nothing merged", err=True)
        raise typer.Exit(1)
    typer.echo(f"added {added} example(s) to data/nlu.yml; now run `bot validate` and `bot train`")


def main() -> None:
    """Entry point of the installed `bot` script."""
    # evaluate, validate and test load Rasa in this process: the same quiet as the servers.
    logs.quiet_third_party()
    sys.exit(app())


if __name__ == "__main__":
    main()
