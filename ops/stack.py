"""`bot run`: the Rasa server, the action server and the gateway under one supervisor.

honcho's Manager starts the three processes, prefixes their output, and stops all of them
when one exits or on Ctrl-C. Ports, URLs and stores come from the settings.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from bot.secrets_store import ensure_secret
from bot.settings import Settings


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def process_env(settings: Settings) -> dict[str, str]:
    """Environment shared by the three processes (endpoints.yml reads these)."""
    lock = settings.lock_store_url
    env = {
        **os.environ,
        "ACTION_ENDPOINT_URL": f"{settings.action_url}/webhook",
        "TRACKER_STORE_URL": settings.effective_tracker_store_url,
        "LOCK_STORE_TYPE": "redis" if lock else "in_memory",
        "LOCK_STORE_HOST": "",
        "LOCK_STORE_PORT": "6379",
        "LOCK_STORE_DB": "1",
        # Keep TensorFlow quiet and message text out of logs (see bot.logs).
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
        "LOG_LEVEL": settings.log_level.upper(),
        "LOG_FORMAT": settings.log_format.lower(),
        "PYTHONUNBUFFERED": "1",
        "SANIC_HOST": settings.action_host,
    }
    # Rasa serves each turn on one thread; TensorFlow's own thread pools only contend with
    # it and the other processes for the cores: one thread each measured 25 -> 23 ms of
    # Rasa CPU per turn and 39 -> 42 turns/s (BENCHMARKS.md). The environment may override.
    env.setdefault("TF_INTRA_OP_PARALLELISM_THREADS", "1")
    env.setdefault("TF_INTER_OP_PARALLELISM_THREADS", "1")
    if lock:
        url = make_url(lock)
        env.update(
            LOCK_STORE_HOST=url.host or "127.0.0.1",
            LOCK_STORE_PORT=str(url.port or 6379),
            LOCK_STORE_DB=str(url.database or "1"),
        )
    return env


def rasa_cli() -> list[str]:
    """Rasa's command line, without telemetry or crash reports (see components.rasa_entry)."""
    return [_bin("python"), "-m", "components.rasa_entry"]


def supervised(
    cmd: list[str],
    settings: Settings | None = None,
    name: str | None = None,
    watch: str | None = None,
    warm_up_url: str | None = None,
) -> list[str]:
    """The command under ops.supervise, which restarts it if it dies, or hangs when ``watch``
    is given (see that module), recording restarts under ``settings.supervise_dir``.
    """
    options: list[str] = []
    if name:
        options += ["--name", name]
        if settings is not None:
            options += ["--status-file", str(settings.supervise_dir / f"{name}.json")]
    if watch:
        options += ["--watch", watch]
        if settings is not None:
            options += ["--hang-seconds", str(settings.watchdog_hang_seconds)]
    if warm_up_url:
        options += ["--warm-up", warm_up_url]
    return [_bin("python"), "-m", "ops.supervise", *options, "--", *cmd]


def rasa_command(settings: Settings, model: Path, jwt_secret: str, replica: int = 0) -> list[str]:
    """The command that runs one Rasa server replica on its port."""
    return [
        *rasa_cli(),
        "run",
        "--enable-api",
        "--interface",
        settings.rasa_host,
        "--port",
        str(settings.rasa_port + replica),
        "--model",
        str(model),
        "--credentials",
        "credentials.yml",
        "--endpoints",
        "endpoints.yml",
        # One argument with "=": a secret may start with "-" (token_urlsafe does, 1 in 64),
        # which argparse would take for an option of its own.
        f"--jwt-secret={jwt_secret}",
        "--jwt-method",
        "HS256",
    ]


def action_command(settings: Settings) -> list[str]:
    """The command that runs the action server."""
    return [
        _bin("python"),
        "-m",
        "actions.entry",  # rasa_sdk's command line with bot.logs' logging
        "--actions",
        "actions",
        "--port",
        str(settings.action_port),
    ]


def gateway_command(settings: Settings) -> list[str]:
    """The command that runs the gateway (uvicorn, as `make run` does)."""
    return [
        _bin("python"),
        "-m",
        "api.entry",  # uvicorn's command line with bot.logs' logging
        "--factory",
        "api.main:create_app",
        "--host",
        settings.gateway_host,
        "--port",
        str(settings.gateway_port),
        # The Socket.IO door's websocket transport through wsproto: Rasa pins websockets
        # 10.x, with which uvicorn's websockets implementations do not even import.
        "--ws",
        "wsproto",
        "--ws-max-size",
        str(settings.max_request_bytes),
        # Long-polling requests wait up to Engine.IO's ping interval; Ctrl-C should not.
        "--timeout-graceful-shutdown",
        "5",
        "--no-access-log",
        # No "server: uvicorn" in answers: nothing about the software behind the gateway.
        "--no-server-header",
    ]


def warm_up(settings: Settings, jwt_secret: str) -> None:
    """Parses one message on every Rasa replica, so TensorFlow traces its graphs now rather
    than during the first person's first message (about 8 s on a fresh process).
    """
    from ops.rasa_api import auth_headers

    for url in settings.rasa_urls:
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(
                f"{url}/model/parse",
                json={"text": "my back hurts"},
                headers=auth_headers(jwt_secret),
                timeout=60,
            )


def has_clinician_account(settings: Settings) -> bool:
    """Whether the store holds any clinician account (True when it cannot tell: the hint
    is for a fresh installation, not for a store that is briefly unreachable).
    """
    import sqlalchemy as sa

    from clinician.accounts import list_accounts

    engine = sa.create_engine(settings.effective_tracker_store_url)
    try:
        return bool(list_accounts(engine))
    except sa.exc.SQLAlchemyError:
        return True
    finally:
        engine.dispose()


def _announce_when_ready(
    settings: Settings, started: float, jwt_secret: str, timeout: float = 600
) -> None:
    from bot.content.console import not_ready, ready_block
    from ops.run_printer import ready_record

    url = f"http://{settings.gateway_host}:{settings.gateway_port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                warm_up(settings, jwt_secret)
                seconds = time.monotonic() - started
                if settings.log_format.lower() == "json":
                    print(ready_record(seconds, url), flush=True)
                else:
                    block = ready_block(seconds, url, has_clinician_account(settings))
                    print(f"\n{block}\n", flush=True)
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    print(not_ready(timeout), flush=True)


def run_stack(settings: Settings, model: Path) -> int:
    """Run Rasa, the action server and the gateway under honcho until interrupted."""
    from honcho.manager import Manager

    from bot.content.console import starting
    from ops.run_printer import JsonPrinter

    started = time.monotonic()
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    jwt_secret = ensure_secret(settings.state_dir, "rasa_jwt_secret", settings.rasa_jwt_secret)
    env = process_env(settings)
    env["RASA_JWT_SECRET"] = jwt_secret
    cwd = str(settings.project_root)
    if settings.rasa_replicas > 1:
        check_shared_stores(settings)
    ensure_database(settings.effective_tracker_store_url)
    clear_supervise_records(settings)
    json_logs = settings.log_format.lower() == "json"
    manager = Manager(JsonPrinter() if json_logs else None)
    names: list[str] = []
    actions = supervised(
        action_command(settings), settings, "actions", watch=f"{settings.action_url}/health"
    )
    manager.add_process("actions", _join(actions), env=env, cwd=cwd)
    for replica, url in enumerate(settings.rasa_urls):
        name = "rasa" if settings.rasa_replicas == 1 else f"rasa{replica + 1}"
        names.append(name)
        cmd = supervised(
            rasa_command(settings, model, jwt_secret, replica),
            settings,
            name,
            watch=f"{url}/",
            warm_up_url=f"{url}/model/parse",
        )
        manager.add_process(name, _join(cmd), env=env, cwd=cwd)
    manager.add_process("gateway", _join(gateway_command(settings)), env=env, cwd=cwd)
    if not json_logs:
        print(starting(["actions", *names, "gateway"]), flush=True)
    threading.Thread(
        target=_announce_when_ready, args=(settings, started, jwt_secret), daemon=True
    ).start()
    manager.loop()
    return manager.returncode or 0


def clear_supervise_records(settings: Settings) -> None:
    """Restart counts are per run of the stack: a new run starts them at zero."""
    folder = settings.supervise_dir
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.json"):
        path.unlink(missing_ok=True)


def check_shared_stores(settings: Settings) -> None:
    """Several replicas need a shared tracker store and Redis locks (Rasa's own scale-out)."""
    url = make_url(settings.effective_tracker_store_url)
    if url.get_backend_name() == "sqlite" or not settings.lock_store_url:
        raise SystemExit(
            "RASA_REPLICAS > 1 needs TRACKER_STORE_URL=postgresql://... and "
            "LOCK_STORE_URL=redis://... (see `make run-scaled` and the README)."
        )


@contextlib.contextmanager
def _postgres_admin(url_text: str, bad_name: type[Exception]) -> Iterator[tuple[Any, str] | None]:
    """A connection to the server's ``postgres`` database and the database name of the URL,
    or None when the URL names no PostgreSQL database; ``bad_name`` is raised for a name
    that is not plain letters, digits and ``_`` (it is written into the SQL as an identifier).
    """
    url = make_url(url_text)
    if url.get_backend_name() != "postgresql" or not url.database:
        yield None
        return
    if not re.fullmatch(r"[A-Za-z0-9_]+", url.database):
        raise bad_name(f"database name {url.database!r}: use letters, digits and _ only")
    import sqlalchemy as sa

    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            yield conn, url.database
    finally:
        admin.dispose()


def ensure_database(url_text: str) -> None:
    """Creates the PostgreSQL database named in the URL when it does not exist yet."""
    import sqlalchemy as sa

    with _postgres_admin(url_text, SystemExit) as admin:
        if admin is None:
            return
        conn, name = admin
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        ).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            print(f"==> created PostgreSQL database {name}", flush=True)


def drop_database(url_text: str) -> None:
    """Drops the PostgreSQL database named in the URL, closing its connections first (the
    counterpart of ``ensure_database``, for the tests' and benchmarks' own databases).
    """
    import sqlalchemy as sa

    with _postgres_admin(url_text, ValueError) as admin:
        if admin is None:
            return
        conn, name = admin
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))


def _join(cmd: list[str]) -> str:
    import shlex

    return shlex.join(cmd)
