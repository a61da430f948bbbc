"""How much of a generated text is real Persian from the corpus, and how much is copied."""

from __future__ import annotations

import numpy as np


def verse_report(generated_lines: list[str], corpus_lines: list[str]) -> dict:
    """Word and line statistics of ``generated_lines`` against the corpus's hemistichs."""
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
    }
