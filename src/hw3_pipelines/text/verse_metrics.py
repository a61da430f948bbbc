"""How much of a generated text is real Persian from the corpus, how much is copied, and
how much of it reads as other poets wrote."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from hw3_pipelines.text.ghazal import fold


def verse_report(generated_lines: list[str], corpus_lines: list[str], other_pairs: set[tuple[str, str]] | None = None) -> dict:
    """Word and line statistics of ``generated_lines`` against the corpus's hemistichs, and
    their fluency, ``known_pair_share`` of ``other_pairs`` (another corpus's ``word_pairs``;
    ``None`` without them)."""
    corpus_words = {word for line in corpus_lines for word in line.split()}
    corpus_line_set = set(corpus_lines)
    words = [word for line in generated_lines for word in line.split()]
    return {
        "hemistichs": len(generated_lines),
        "words": len(words),
        "known_word_share": sum(word in corpus_words for word in words) / max(len(words), 1),
        "copied_hemistich_share": sum(line in corpus_line_set for line in generated_lines) / max(len(generated_lines), 1),
        "mean_hemistich_chars": float(np.mean([len(line) for line in generated_lines])) if generated_lines else 0.0,
        "corpus_mean_hemistich_chars": float(np.mean([len(line) for line in corpus_lines])),
        "other_poets_word_pair_share": known_pair_share(generated_lines, other_pairs),
    }


def word_pairs(lines: Iterable[str]) -> set[tuple[str, str]]:
    """Every pair of adjacent words inside a hemistich, letters folded (``text.ghazal.fold``)."""
    return {pair for line in lines for pair in _pairs(line)}


def known_pair_share(lines: list[str], pairs: set[tuple[str, str]] | None) -> float | None:
    """A fluency measure: the share of the adjacent word pairs of ``lines`` found in
    ``pairs`` (another corpus's ``word_pairs``). Nonsense scores low; verse made only of
    the commonest phrases scores high, above real verse: read it against a human text's
    share, both ways. ``None`` for lines without a pair, or without ``pairs`` to look in."""
    if pairs is None:
        return None
    found = [pair in pairs for line in lines for pair in _pairs(line)]
    return sum(found) / len(found) if found else None


def _pairs(line: str) -> list[tuple[str, str]]:
    words = fold(line).split()
    return list(zip(words, words[1:]))
