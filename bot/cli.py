"""The `bot` command line: run, train, validate, evaluate and the other developer tasks."""

from __future__ import annotations

import os
import sys

import typer

from bot.clinician.cli import clinician_app, export_reviewed, retention_app
from bot.settings import get_settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

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
    from bot.stack import run_stack
    from bot.training import train as train_model

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
    from bot.training import train as train_model

    model = train_model(get_settings(), force=force)
    typer.echo(f"model: {model}")


@app.command("build-pipeline")
def build_pipeline(
    force: bool = typer.Option(False, "--force", help="Rebuild even if the lexicon is unchanged."),
) -> None:
    """Build the project's spaCy pipeline from bot/nlp/lexicon.yml."""
    from bot.training import ensure_pipeline

    typer.echo(f"pipeline: {ensure_pipeline(get_settings(), force=force)}")


nlu_app = typer.Typer(help="NLU training data tasks.", no_args_is_help=True)
app.add_typer(nlu_app, name="nlu")
app.add_typer(clinician_app, name="clinician")
app.add_typer(retention_app, name="retention")
nlu_app.command("export-reviewed")(export_reviewed)


def main() -> None:
    """Entry point of the installed `bot` script."""
    sys.exit(app())


if __name__ == "__main__":
    main()
