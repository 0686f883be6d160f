"""`bot clinician …`, `bot retention apply` and `bot nlu export-reviewed`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import typer

from bot.settings import get_settings
from clinician.migrate import open_store

clinician_app = typer.Typer(
    help="Clinician accounts (there is no default account).", no_args_is_help=True
)
retention_app = typer.Typer(help="Delete conversations older than RETENTION_DAYS.")


def read_password(confirm: bool = True) -> str:
    """From the terminal (asked twice), or the first line of stdin when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if confirm and getpass.getpass("Password again: ") != first:
        typer.echo("error: the passwords differ", err=True)
        raise typer.Exit(2)
    return first


@clinician_app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name: 3-64 of A-Z a-z 0-9 . _ - @"),
    role: str = typer.Option("clinician", "--role", help="clinician or admin"),
) -> None:
    """Create an account; the password is asked on the terminal (or read from stdin)."""
    from clinician import audit
    from clinician.accounts import ROLES, AccountError, create_account, validate_username

    if role not in ROLES:
        typer.echo(f"error: --role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    try:
        validate_username(username)
    except AccountError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    password = read_password()
    engine = open_store(get_settings())
    try:
        account = create_account(engine, username, password, role)
    except AccountError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    audit.record(
        engine,
        "account_created",
        actor="cli",
        target=account.username,
        detail={"role": account.role},
    )
    typer.echo(f"created {account.role} account {account.username!r}")


@clinician_app.command("passwd")
def passwd(username: str = typer.Argument(...)) -> None:
    """Set a new password for an account (asked on the terminal, or read from stdin)."""
    from clinician import audit
    from clinician.accounts import AccountError, set_password

    password = read_password()
    engine = open_store(get_settings())
    try:
        set_password(engine, username, password)
    except AccountError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    audit.record(engine, "password_set", actor="cli", target=username)
    typer.echo(f"password set for {username!r}")


@clinician_app.command("list")
def list_accounts() -> None:
    """List accounts and their roles."""
    from clinician.accounts import list_accounts as accounts

    for row in accounts(open_store(get_settings())):
        state = "" if row["active"] else " (disabled)"
        typer.echo(f"{row['username']}\t{row['role']}{state}")


@retention_app.command("apply")
def retention_apply(
    days: int = typer.Option(None, "--days", min=1, help="Override RETENTION_DAYS."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Count, delete nothing."),
) -> None:
    """Delete conversations (events, flags, notes) whose last message is older than the limit."""
    from clinician import audit, retention

    settings = get_settings()
    keep = days or settings.retention_days
    engine = open_store(settings)
    report = retention.apply(engine, keep, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    typer.echo(
        f"{verb} {report.conversations} conversations older than {keep} days: "
        f"{report.events} events, {report.flags} flags, {report.notes} notes"
    )
    if not dry_run:
        audit.record(
            engine, "retention_apply", actor="cli", detail={"days": keep, **report.as_dict()}
        )


def export_reviewed(
    output: Path = typer.Option(
        None, "--output", "-o", help="Write here instead of standard output."
    ),
    training_data: Path = typer.Option(
        Path("data/nlu.yml"), "--training-data", help="Examples already here are left out."
    ),
) -> None:
    """Write messages clinicians flagged as misunderstood as Rasa NLU YAML (corrected intent)."""
    from clinician import audit
    from clinician.nlu_export import reviewed_examples, to_yaml

    settings = get_settings()
    engine = open_store(settings)
    nlu = training_data if training_data.is_absolute() else settings.project_root / training_data
    examples = reviewed_examples(engine, nlu)
    text = to_yaml(examples)
    count = sum(len(v) for v in examples.values())
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {count} examples to {output}", err=True)
    else:
        typer.echo(text, nl=False)
    audit.record(engine, "nlu_export", actor="cli", detail={"examples": count})
