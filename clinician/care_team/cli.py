"""`bot alerts test`: one test alert through the outbox to every configured receiver."""

from __future__ import annotations

import time

import typer

from bot.settings import get_settings

alerts_app = typer.Typer(help="Alerts to the care team (webhook and e-mail).", no_args_is_help=True)


@alerts_app.command("test")
def send_test() -> None:
    """Send a test alert now (marked "test": true) and say what each receiver did."""
    from clinician import audit
    from clinician.care_team import outbox
    from clinician.care_team.delivery import Dispatcher
    from clinician.migrate import open_store

    settings = get_settings()
    if not settings.alerts_configured:
        typer.echo(
            "Alerts are off: set ALERT_WEBHOOK_URL (with ALERT_WEBHOOK_SECRET) and/or "
            "ALERT_SMTP_URL with ALERT_EMAIL_TO.",
            err=True,
        )
        raise typer.Exit(2)
    engine = open_store(settings)
    now = time.time()
    session_id = f"alert-test-{int(now)}"
    with engine.begin() as conn:
        alert_id = outbox.enqueue(
            conn,
            settings,
            f"test:{now}",
            outbox.DISPOSITION,
            session_id,
            settings.alert_levels[0] if settings.alert_levels else None,
            [],
            now,
            extra={"test": True},
            now=now,
        )
    audit.record(
        engine, "alert_test", actor="cli", target=session_id, detail={"alert_id": alert_id}
    )
    results = Dispatcher(settings, engine).deliver_due(only_alert=alert_id)
    failed = False
    for _, channel, status in results:
        typer.echo(f"{channel}: {status}")
        failed = failed or status != outbox.SENT
    if not results:
        typer.echo("nothing was tried (another sender holds the test alert)", err=True)
        failed = True
    engine.dispose()
    raise typer.Exit(1 if failed else 0)
