"""Interpolated Kneser-Ney character n-gram model: the baseline a neural model must beat.

Chen & Goodman (1998), interpolated form with one absolute discount D:

    P_n(w | h) = max(c_n(h w) - D, 0) / S_n(h) + D * T_n(h) / S_n(h) * P_{n-1}(w | h')

where h' drops h's first character, S_n(h) sums c_n(h ·), and T_n(h) counts the distinct
characters seen after h. The highest order uses raw counts; lower orders use
continuation counts (how many distinct characters precede h w), so a character that
is frequent only after one context does not get a high unigram probability. The
recursion ends in the uniform distribution over the vocabulary, so every character of
the vocabulary has non-zero probability.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict


class KneserNey:
    def __init__(self, order: int, vocab_size: int, discount: float = 0.75):
        if order < 1:
            raise ValueError(f"order must be >= 1, got {order}")
        self.order, self.vocab_size, self.discount = order, vocab_size, discount
        # counts[n][context] -> Counter of next characters, for n = 1..order
        self.counts: dict[int, dict[str, Counter]] = {}
        self._totals: dict[int, dict[str, tuple[int, int]]] = {}

    def fit(self, text: str) -> KneserNey:
        top = Counter(text[i : i + self.order] for i in range(len(text) - self.order + 1))
        grams = {self.order: top}
        for n in range(self.order - 1, 0, -1):
            # continuation count of an n-gram: distinct characters seen right before it
            grams[n] = Counter(gram[1:] for gram in grams[n + 1])
        for n, counter in grams.items():
            table: dict[str, Counter] = defaultdict(Counter)
            for gram, count in counter.items():
                table[gram[:-1]][gram[-1]] = count
            self.counts[n] = table
            self._totals[n] = {h: (sum(c.values()), len(c)) for h, c in table.items()}
        return self

    def prob(self, char: str, context: str) -> float:
        """P(char | the last order-1 characters of context)."""
        context = context[len(context) - self.order + 1 :] if self.order > 1 else ""
        p = 1.0 / self.vocab_size
        for n in range(1, len(context) + 2):
            h = context[len(context) - n + 1 :]
            total, types = self._totals[n].get(h, (0, 0))
            if total:
                count = self.counts[n][h].get(char, 0)
                p = max(count - self.discount, 0) / total + self.discount * types / total * p
        return p

    def nats_per_char(self, text: str, start: int = 0) -> float:
        """Mean negative log-likelihood of ``text[start:]``, each character given the ones
        before it (``start=1`` scores the same targets as a model fed the first character)."""
        return math.fsum(self.char_nats(text, start)) / (len(text) - start)

    def char_nats(self, text: str, start: int = 0) -> list[float]:
        """The negative log-likelihood of each character of ``text[start:]``."""
        return [-math.log(self.prob(text[i], text[max(0, i - self.order + 1) : i])) for i in range(start, len(text))]
