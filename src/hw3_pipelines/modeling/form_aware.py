"""Form-aware decoding: the matla's hemistichs rhyme, and every later couplet ends in the
matla's radif, after a word that ends in its qafiya.

Ghazvininejad et al.'s "Hafez" system (2016) guarantees rhyme by constraining decoding
rather than hoping the model rhymes. Here the model writes freely; when it ends the second
hemistich of the matla without a rhyme on the first (its last word's last letters), or of a
later couplet without the matla's ending, that hemistich's last word (and any radif it
wrote) is taken back and replaced by a word of the corpus with the required ending,
followed by the radif. In the matla the first hemistich's own last word is a candidate too:
choosing it makes it the ghazal's radif. The model chooses the word: every candidate is
scored by its log-probability in that place, and one is drawn from those scores at the
sampling temperature. The form finder is ``text.ghazal``'s, so a sample is held to the same
definition of radif and qafiya as its report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import torch

from hw3_pipelines.text.ghazal import fold, keeps_form, required_ending, rhyme_words
from hw3_pipelines.text.vocab import decode, encode

_WORD = re.compile(r"\S+")


class FormAwareLineEnd:
    """The ``line_end`` hook of ``char_lm.generate`` that keeps a ghazal's form."""

    def __init__(self, vocab: dict[str, int], corpus_words: Counter, temperature: float, candidates: int = 300) -> None:
        self.vocab, self.corpus_words = vocab, corpus_words
        self.temperature, self.candidates = temperature, candidates
        self.rewritten = 0  # hemistich endings replaced
        self.without_candidates = 0  # qafiyas no corpus word ends in: the radif alone is added

    def __call__(self, poem: list[int], score: Callable[[int, list[list[int]]], list[float]]) -> tuple[int, list[int]]:
        lines = decode(poem, self.vocab).split("\n")
        need = required_ending(lines)
        line = lines[-1]
        if need is None or keeps_form(line, *need):
            return 0, []
        rhyme, refrain = need
        radif_text = "".join(" " + word for word in refrain)
        words = rhyme_words(self.corpus_words, rhyme, self.candidates) if rhyme else []
        if not words:
            self.without_candidates += bool(rhyme)
            if _ends_in_radif(line, refrain):
                return 0, []
            return 0, encode(radif_text if not line.endswith(" ") else radif_text.lstrip(), self.vocab).tolist()
        back = len(line) - _rhyme_word_start(line, refrain)
        prefix = line[: len(line) - back]
        texts = [(" " if prefix and not prefix.endswith(" ") else "") + word + radif_text for word in words]
        candidates = [encode(text, self.vocab).tolist() for text in texts]
        scores = torch.tensor(score(back, candidates)) / self.temperature
        choice = int(torch.multinomial(torch.softmax(scores, dim=0), 1))
        self.rewritten += 1
        return back, candidates[choice]


def _rhyme_word_start(line: str, refrain: tuple[str, ...]) -> int:
    """Where the line's rhyme word starts: its last word, or the word before the radif when
    the line already ends in it."""
    starts = [match.start() for match in _WORD.finditer(line)]
    take = min(len(starts), 1 + (len(refrain) if _ends_in_radif(line, refrain) else 0))
    return starts[len(starts) - take] if take else len(line)


def _ends_in_radif(line: str, refrain: tuple[str, ...]) -> bool:
    return bool(refrain) and tuple(fold(line).split()[-len(refrain) :]) == tuple(map(fold, refrain))
