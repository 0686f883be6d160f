"""The embedding cache that cross-validation folds share: computes each text once."""

from __future__ import annotations

import numpy as np

from components.encoder import EmbeddingCache


class CountingEncoder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen += list(texts)
        return np.array([[len(t), t.count("a")] for t in texts], dtype=np.float32)


def test_a_text_is_encoded_once_and_read_back_in_the_order_asked(tmp_path):
    encoder = CountingEncoder()
    first = EmbeddingCache(tmp_path, "model").encode(encoder, ["aa", "b"])
    again = EmbeddingCache(tmp_path, "model").encode(encoder, ["b", "aa", "ccc"])
    assert sorted(encoder.seen) == ["aa", "b", "ccc"]
    assert first.tolist() == [[2, 2], [1, 0]]
    assert again.tolist() == [[1, 0], [2, 2], [3, 0]]


def test_another_encoder_does_not_share_the_cache(tmp_path):
    encoder = CountingEncoder()
    EmbeddingCache(tmp_path, "model-a").encode(encoder, ["x"])
    EmbeddingCache(tmp_path, "model-b").encode(encoder, ["x"])
    assert encoder.seen == ["x", "x"]


def test_a_torn_cache_file_is_rebuilt(tmp_path):
    encoder = CountingEncoder()
    cache = EmbeddingCache(tmp_path, "model")
    cache.encode(encoder, ["x"])
    next(tmp_path.glob("*.npz")).write_bytes(b"not a zip")
    assert cache.encode(encoder, ["x"]).tolist() == [[1, 0]]
    assert encoder.seen == ["x", "x"]
