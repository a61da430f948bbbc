"""Character vocabulary: the id of each character, in a stable (sorted) order."""

from __future__ import annotations

import numpy as np


def build_vocab(text: str) -> dict[str, int]:
    return {char: i for i, char in enumerate(sorted(set(text)))}


def encode(text: str, vocab: dict[str, int]) -> np.ndarray:
    unknown = sorted(set(text) - vocab.keys())
    if unknown:
        raise KeyError(unknown)
    return np.fromiter((vocab[char] for char in text), dtype=np.int64, count=len(text))


def decode(ids, vocab: dict[str, int]) -> str:
    chars = {i: char for char, i in vocab.items()}
    return "".join(chars[int(i)] for i in ids)


def alphabet(vocab: dict[str, int]) -> str:
    """The characters in id order: with ``build_vocab`` the vocabulary as one string."""
    return "".join(sorted(vocab, key=vocab.get))
