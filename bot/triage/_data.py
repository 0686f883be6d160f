"""Loading of the YAML data files that sit next to this package (lazily, never at import)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent


def load_yaml(path: str | Path) -> Any:
    """Load one YAML file; a relative name is looked up in the package directory."""
    path = Path(path)
    if not path.is_absolute():
        path = DATA_DIR / path
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def require_keys(node: Any, required: set[str], optional: set[str], where: str) -> dict:
    """Check a YAML mapping has exactly the expected keys, with a message that names it."""
    if not isinstance(node, dict):
        raise ValueError(f"{where}: expected a mapping, got {type(node).__name__}")
    missing = sorted(required - set(node))
    extra = sorted(set(node) - required - optional)
    if missing or extra:
        raise ValueError(f"{where}: missing keys {missing}, unexpected keys {extra}")
    return node
