"""Operating a running Rasa server: which model is loaded, hot reload and rollback.

Rasa's HTTP API (``PUT /model``) swaps the model in the running server; requests that arrive
meanwhile wait for the swap and are then answered by the new model (measured in
BENCHMARKS.md), so reloading needs no restart and loses no conversation.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.secrets_store import ensure_secret
from bot.settings import Settings
from ops.rasa_api import auth_headers
from ops.training import list_models

LOAD_TIMEOUT_SECONDS = 300.0


class OperationError(RuntimeError):
    """A reload or rollback could not be done; the message says why and what to do."""


def _secret(settings: Settings) -> str:
    return ensure_secret(settings.state_dir, "rasa_jwt_secret", settings.rasa_jwt_secret)


def loaded_model(settings: Settings) -> str | None:
    """File name of the model the running Rasa server has loaded."""
    try:
        response = httpx.get(
            f"{settings.rasa_url}/status", headers=auth_headers(_secret(settings)), timeout=10
        )
    except httpx.HTTPError as err:
        raise OperationError(
            f"Rasa is not reachable at {settings.rasa_url}: is `bot run` up?"
        ) from err
    if response.status_code != 200:
        raise OperationError(f"Rasa answered {response.status_code} to /status")
    model_file = response.json().get("model_file")
    return Path(model_file).name if model_file else None


def load(settings: Settings, model: Path) -> None:
    """Load a model into the running Rasa server (OperationError when it refuses)."""
    try:
        response = httpx.put(
            f"{settings.rasa_url}/model",
            json={"model_file": str(model.resolve())},
            headers=auth_headers(_secret(settings)),
            timeout=LOAD_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as err:
        raise OperationError(f"loading {model.name} failed: {type(err).__name__}") from err
    if response.status_code != 204:
        raise OperationError(f"Rasa refused {model.name}: {response.status_code} {response.text}")


def reload(settings: Settings) -> Path:
    """Loads the newest trained model into the running server."""
    models = list_models(settings)
    if not models:
        raise OperationError("no trained model: run `bot train` first")
    newest = models[-1]
    load(settings, newest)
    return newest


def rollback(settings: Settings) -> Path:
    """Loads the model trained before the one now loaded."""
    models = list_models(settings)
    names = [m.name for m in models]
    current = loaded_model(settings)
    if current not in names:
        raise OperationError(f"the loaded model {current!r} is not in {settings.models_dir}")
    position = names.index(current)
    if position == 0:
        raise OperationError(f"{current} is the oldest model kept; nothing to roll back to")
    previous = models[position - 1]
    load(settings, previous)
    return previous
