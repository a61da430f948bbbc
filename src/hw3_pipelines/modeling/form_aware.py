"""Form-aware decoding: the matla's hemistichs rhyme, and every later couplet ends in the
matla's radif, after a word that ends in its qafiya; or, when a ghazal is asked for with a
form header, both matla hemistichs and every later couplet end in the asked qafiya and radif.

Ghazvininejad et al.'s "Hafez" system (2016) guarantees rhyme by constraining decoding
rather than hoping the model rhymes. Here the model writes freely; when it ends the second
hemistich of the matla without a rhyme on the first (its last word's last letters), or of a
later couplet without the matla's ending, that hemistich's last words are taken back,
as many as the rhyme word and the radif take, and replaced by a word of the corpus with
the required ending followed by the radif, so that the line keeps about the length, and
so the metre, the model gave it. In the matla the first hemistich's own last word is a candidate too:
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

from hw3_pipelines.text.form_header import OPEN, FormHeader
from hw3_pipelines.text.ghazal import fold, keeps_form, required_ending, rhyme_words
from hw3_pipelines.text.vocab import decode, encode

_WORD = re.compile(r"\S+")


class FormAwareLineEnd:
    """The ``ending`` of ``verse_writer.FreeLine`` that keeps a ghazal's form: the asked
    one (``form``, a ``text.form_header.FormHeader``), or the one its matla sets."""

    def __init__(
        self, vocab: dict[str, int], corpus_words: Counter, temperature: float, candidates: int = 100,
        form: FormHeader | None = None,
    ) -> None:
        self.vocab, self.corpus_words = vocab, corpus_words
        self.temperature, self.candidates, self.form = temperature, candidates, form
        self.rewritten = 0  # hemistich endings replaced
        self.without_candidates = 0  # qafiyas no corpus word ends in: the radif alone is added

    def __call__(self, poem: list[int], score: Callable[[int, list[list[int]]], list[float]]) -> tuple[int, list[int]]:
        lines = _verse_lines(poem, self.vocab)
        need = required_ending(lines) if self.form is None else _asked_ending(len(lines) - 1, self.form)
        line = lines[-1]
        if need is None or keeps_form(line, *need):
            return 0, []
        rhyme, refrain = need
        words = rhyme_words(self.corpus_words, rhyme, self.candidates) if rhyme else []
        if not words:
            self.without_candidates += bool(rhyme)
            if _ends_in_radif(line, refrain):
                return 0, []
            back = len(line) - _last_words_start(line, len(refrain))
            return back, encode(_after(line[: len(line) - back], " ".join(refrain)), self.vocab).tolist()
        back = len(line) - _last_words_start(line, 1 + len(refrain))
        prefix = line[: len(line) - back]
        texts = [_after(prefix, " ".join((word, *refrain))) for word in words]
        candidates = [encode(text, self.vocab).tolist() for text in texts]
        scores = torch.tensor(score(back, candidates)) / self.temperature
        choice = int(torch.multinomial(torch.softmax(scores, dim=0), 1))
        self.rewritten += 1
        return back, candidates[choice]


class FormAwareLineStart:
    """The ``opening`` of ``verse_writer.FreeLine`` for a model that writes each hemistich
    from its end (``text.layout``'s ``end_first``): in a ghazal asked for in ``form``, both
    matla hemistichs and the second of every later couplet start with the asked radif and
    qafiya, reversed, and the model writes the rest of the rhyme word and the line after
    them. Nothing is rewritten: the rhyme is written first and the line is drawn to fit it."""

    def __init__(self, vocab: dict[str, int], form: FormHeader) -> None:
        self.vocab, self.form = vocab, form

    def __call__(self, poem: list[int]) -> list[int]:
        need = _asked_ending(len(_verse_lines(poem, self.vocab)) - 1, self.form)
        if need is None:
            return []
        rhyme, refrain = need
        ending = " ".join(refrain) if not rhyme else " ".join((rhyme, *refrain))
        return encode(ending[::-1] + (" " if not rhyme else ""), self.vocab).tolist()


def _verse_lines(poem: list[int], vocab: dict[str, int]) -> list[str]:
    """The lines of a poem being written, the current one last, without a layout's prefix lines."""
    return [line for line in decode(poem, vocab).split("\n") if not line.startswith(OPEN)]


def _asked_ending(line: int, form: FormHeader) -> tuple[str, tuple[str, ...]] | None:
    """What line number ``line`` (from 0) of a ghazal asked for in ``form`` must end in: both
    hemistichs of the matla and the second of every later couplet end in its qafiya and
    radif."""
    if (line == 0 or line % 2) and (form.qafiya or form.radif):
        return form.qafiya, form.refrain
    return None


def _last_words_start(line: str, count: int) -> int:
    """Where the line's last ``count`` words start. The ending is written in their place
    (the rhyme word's and the radif's), so that a line the model filled to its metre keeps
    about its length."""
    starts = [match.start() for match in _WORD.finditer(line)]
    take = min(len(starts), count)
    return starts[len(starts) - take] if take else len(line)


def _after(prefix: str, ending: str) -> str:
    """The text that follows ``prefix``: ``ending``, after a space when the prefix needs one."""
    return (" " if prefix and not prefix.endswith(" ") else "") + ending


def _ends_in_radif(line: str, refrain: tuple[str, ...]) -> bool:
    return bool(refrain) and tuple(fold(line).split()[-len(refrain) :]) == tuple(map(fold, refrain))
