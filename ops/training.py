"""Build steps: the spaCy pipeline and the Rasa model, each redone only when its inputs change.

A model is named ``<UTC time>-<inputs hash>.tar.gz``: the hash covers the training data,
domain, config, our NLU components and the spaCy pipeline, so the name tells the data version
and an existing model with the same hash means nothing needs training.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from bot.settings import Settings

PIPELINE_INPUTS = ("bot/vocabulary.yml", "bot/vocabulary.py", "components/spacy_pipeline.py")
MODEL_INPUTS = (
    "data",
    "domain.yml",
    "config.yml",
    # Only what shapes the model; the channel and tracker store are runtime code.
    "components/minilm_featurizer.py",
    "components/negation_masker.py",
    "components/linear_intent_classifier.py",
    "components/symptom_entities.py",
    "components/symptom_first.py",
    "components/stateless.py",
    "components/encoder.py",
    "components/negation_mask.py",
    *PIPELINE_INPUTS,
)


def _files(root: Path, entries: Iterable[str]) -> list[Path]:
    files: list[Path] = []
    for entry in entries:
        path = root / entry
        if path.is_dir():
            files.extend(
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and p.suffix in {".py", ".yml", ".yaml", ".json"}
            )
        elif path.exists():
            files.append(path)
    return files


def inputs_hash(root: Path, entries: Iterable[str]) -> str:
    """A short hash of the listed files' paths and contents."""
    digest = hashlib.sha256()
    for path in _files(root, entries):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def ensure_pipeline(settings: Settings, force: bool = False) -> Path:
    """Builds the spaCy pipeline when missing or when the lexicon/builder changed."""
    target = settings.spacy_pipeline_dir
    stamp = target.with_name(target.name + ".stamp")
    want = inputs_hash(settings.project_root, PIPELINE_INPUTS)
    if not force and target.exists() and stamp.exists() and stamp.read_text() == want:
        return target
    print("==> building the spaCy pipeline from the symptom lexicon", flush=True)
    from components.spacy_pipeline import save_pipeline

    save_pipeline(target)
    stamp.write_text(want)
    return target


def fallback_threshold(root: Path, config: str = "config.yml") -> float:
    """The FallbackClassifier's threshold in the pipeline (0.3, Rasa's default, if absent)."""
    import yaml

    data = yaml.safe_load((root / config).read_text(encoding="utf-8")) or {}
    for component in data.get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return 0.3


def model_hash(settings: Settings) -> str:
    """The hash of everything that shapes the model (names the model file)."""
    return inputs_hash(settings.project_root, MODEL_INPUTS)


def list_models(settings: Settings) -> list[Path]:
    """Trained models, oldest first."""
    if not settings.models_dir.exists():
        return []
    return sorted(settings.models_dir.glob("*.tar.gz"), key=lambda p: p.name)


def current_model(settings: Settings) -> Path | None:
    """The newest model trained from the current inputs, if any."""
    suffix = f"-{model_hash(settings)}.tar.gz"
    matching = [m for m in list_models(settings) if m.name.endswith(suffix)]
    return matching[-1] if matching else None


def prune_models(settings: Settings) -> list[Path]:
    """Delete all but the newest MODELS_TO_KEEP models; the paths removed."""
    models = list_models(settings)
    removed = models[: max(0, len(models) - settings.models_to_keep)]
    for path in removed:
        path.unlink()
    return removed


#: Reproducible training: with the seeds in config.yml, one TensorFlow thread and
#: deterministic kernels give the same predictions on every run (measured: two trainings,
#: identical predictions on all 213 held-out messages). Several threads do not.
DETERMINISTIC_TRAINING_ENV = {
    "TF_DETERMINISTIC_OPS": "1",
    "TF_INTER_OP_PARALLELISM_THREADS": "1",
    "TF_INTRA_OP_PARALLELISM_THREADS": "1",
    "PYTHONHASHSEED": "0",
}


def training_env() -> dict[str, str]:
    """The environment for reproducible training (seeded, one TensorFlow thread)."""
    # Rasa's own default level is INFO (every component, every progress bar); ours is the
    # product's LOG_LEVEL default, so training prints our progress line and real problems.
    return {
        **os.environ,
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        **DETERMINISTIC_TRAINING_ENV,
    }


def train(settings: Settings, force: bool = False) -> Path:
    """Trains a model unless one exists for the current inputs; returns its path."""
    ensure_pipeline(settings)
    existing = current_model(settings)
    if existing and not force:
        return existing
    name = f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{model_hash(settings)}"
    print(f"==> training model {name} (a few minutes; only when the data changed)", flush=True)
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    from ops.stack import rasa_cli

    cmd = [
        *rasa_cli(),
        "train",
        "--config",
        "config.yml",
        "--domain",
        "domain.yml",
        "--data",
        "data",
        "--out",
        str(settings.models_dir),
        "--fixed-model-name",
        name,
        "--force",
    ]
    from components.training_progress import TIMINGS_FILE, TRAINING_PROGRESS_ENV, ProgressPrinter

    started = time.monotonic()
    progress = settings.models_dir / f".{name}.progress"
    env = {**training_env(), TRAINING_PROGRESS_ENV: str(progress)}
    try:
        with ProgressPrinter(progress, settings.models_dir / TIMINGS_FILE):
            subprocess.run(cmd, cwd=settings.project_root, check=True, env=env)
    finally:
        progress.unlink(missing_ok=True)
    model = settings.models_dir / f"{name}.tar.gz"
    if not model.exists():
        raise RuntimeError(f"rasa train finished but {model} is missing")
    print(f"==> trained {model.name} in {time.monotonic() - started:.0f} s", flush=True)
    prune_models(settings)
    return model
