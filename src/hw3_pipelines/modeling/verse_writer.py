"""Writing a ghazal with the hafez model, one hemistich at a time.

``write_poem`` writes one ghazal after its context (the form header the model is asked
for) and lets the model decide where it ends. Each hemistich comes from a line writer, one
small object with one method, ``write_line(reader) -> reader``:

- ``FreeLine`` draws character after character with temperature and top-k; with an
  ``ending`` (``form_aware.FormAwareLineEnd``) the hemistich's last word may be rewritten
  before the line ends.
- ``MetreAwareLine`` has another writer draft the hemistich several times and keeps the
  draft the metre judge hears most surely in the asked metre.

A ``Reader`` is the model reading what has been written: it can take back the end of the
current line, score candidate endings, and fork, so that drafts start from the same state.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from torch.nn import functional as F

from hw3_pipelines.modeling.char_lm import CharLM

Ending = Callable[[list[int], Callable[[int, list[list[int]]], list[float]]], tuple[int, list[int]]]


class Reader:
    """The model reading a poem as it is written.

    It keeps the model's output and state after each character of the current line, so a
    line's ending can be rewritten without reading the poem again. ``poem`` holds the ids
    read after the context. With a ``cache`` (``neural_cache.NeuralCache``) the memory of
    the poem is mixed into every next-character distribution; the context (a form header)
    is not remembered, only verse.
    """

    def __init__(self, model: CharLM, context: list[int], newline: int, cache=None) -> None:
        self.model, self.newline, self.cache = model, newline, cache
        hidden, state = model.features(torch.as_tensor(context)[None])
        if cache is not None:
            cache.reset()
        self.line = [(hidden[0, -1], state)]
        self.poem: list[int] = []

    def next_char_probs(self) -> torch.Tensor:
        hidden, _ = self.line[-1]
        probs = torch.softmax(self.model.logits(hidden).float(), dim=-1)
        return probs if self.cache is None else self.cache.mix(hidden[None], probs[None])[0]

    def read(self, char: int) -> None:
        hidden, state = self.line[-1]
        if self.cache is not None:
            self.cache.remember(hidden[None], [char])
        output, state = self.model.features(torch.tensor([[char]]), state)
        reading = (output[0, -1], state)
        self.line = [reading] if char == self.newline else [*self.line, reading]
        self.poem.append(char)

    def take_back(self, count: int) -> None:
        if count:
            del self.line[-count:], self.poem[-count:]
            if self.cache is not None:
                self.cache.forget(count)

    def last_line(self) -> list[int]:
        """The ids of the last finished line, without its line break."""
        end = len(self.poem) - 1
        start = self.poem[:end][::-1].index(self.newline) if self.newline in self.poem[:end] else end
        return self.poem[end - start : end]

    def fork(self) -> Reader:
        """An independent reader in the same state: what it reads, this one does not."""
        twin = copy.copy(self)
        twin.line, twin.poem = list(self.line), list(self.poem)
        twin.cache = None if self.cache is None else self.cache.copy()
        return twin

    def score(self, back: int, candidates: list[list[int]]) -> list[float]:
        """Log-probability of each candidate written after taking back ``back`` ids (the
        model alone, without the cache), all candidates in one batch."""
        hidden, state = self.line[len(self.line) - 1 - back]
        first = torch.log_softmax(self.model.logits(hidden).float(), dim=-1)
        longest = max(len(c) for c in candidates)
        scores = torch.stack([first[c[0]] for c in candidates])
        if longest > 1:
            rest = torch.zeros(len(candidates), longest - 1, dtype=torch.long)
            for row, c in enumerate(candidates):
                rest[row, : len(c) - 1] = torch.as_tensor(c[:-1])
            output, _ = self.model.features(rest, _repeat_state(state, len(candidates)))
            log_probs = torch.log_softmax(self.model.logits(output).float(), dim=-1)
            for row, c in enumerate(candidates):
                steps = torch.arange(len(c) - 1)
                scores[row] += log_probs[row, steps, torch.tensor(c[1:], dtype=torch.long)].sum()
        return scores.tolist()


def _repeat_state(state, n: int):
    """A batch-of-one recurrent state repeated ``n`` times along the batch."""
    if isinstance(state, (list, tuple)):
        return type(state)(_repeat_state(s, n) for s in state)
    return state.expand(-1, n, -1).contiguous()


class LineWriter(Protocol):
    def write_line(self, reader: Reader) -> Reader:
        """Write one hemistich and its line break; return the reader that read them."""


@torch.no_grad()
def write_poem(
    model: CharLM, context: list[int], newline: int, writer: LineWriter, min_lines: int, max_lines: int,
    given: list[int] = (), cache=None, prefix: Callable[[int], list[int]] = lambda line: [],
) -> list[int]:
    """The ids of one poem written after ``context`` (``given`` lines first, when any).

    Before each line, and before the poem may end, the model reads ``prefix`` of the
    line's number (from 0): the request's form where the layout puts it (``text.layout``),
    else nothing. The model decides where the poem ends, within bounds:
    not before ``min_lines`` lines nor after an odd number of lines (a couplet is two), and
    at ``max_lines`` it must. That choice is drawn from the model's own probability of a
    blank line, without temperature or top-k: they sharpen the draw of characters, and
    would make the rarer choice, ending the poem, rarer still.
    """
    reader = Reader(model.eval(), list(context), newline, cache)
    given_lines = _split_lines(list(given), newline)
    lines = 0
    while True:
        for char in prefix(lines):
            reader.read(char)
        may_end = lines % 2 == 0 and lines >= max(min_lines, 1)
        if may_end and (lines >= max_lines or float(torch.rand(())) < reader.next_char_probs()[newline]):
            return reader.poem
        if given_lines:
            for char in given_lines.pop(0):
                reader.read(char)
        else:
            reader = writer.write_line(reader)
        lines += 1


def _split_lines(ids: list[int], newline: int) -> list[list[int]]:
    """Ids of whole lines, each with its line break."""
    lines, start = [], 0
    for end, char in enumerate(ids):
        if char == newline:
            lines.append(ids[start : end + 1])
            start = end + 1
    return lines


@dataclass
class FreeLine:
    """A hemistich drawn character by character: temperature and top-k shape each draw;
    ``banned`` ids (a form header's characters) are never drawn, and a line neither starts
    nor ends with ``space`` (a hemistich's words are its own); ``opening``, when given, says
    what the line starts with (``form_aware.FormAwareLineStart``), ``ending`` may rewrite
    the end of the line before it breaks."""

    temperature: float
    top_k: int | None = None
    banned: tuple[int, ...] = ()
    ending: Ending | None = None
    space: int | None = None
    max_chars: int = 80  # a line that runs this long is ended
    opening: Callable[[list[int]], list[int]] | None = None

    def write_line(self, reader: Reader) -> Reader:
        newline = reader.newline
        opening = self.opening(reader.poem) if self.opening is not None else []
        for char in opening:
            reader.read(char)
        for written in range(len(opening), self.max_chars + 1):
            logits = torch.log(reader.next_char_probs()) / self.temperature
            logits[list(self.banned)] = float("-inf")
            if written == 0 and self.space is not None:
                logits[self.space] = float("-inf")
            if written == 0 or (self.space is not None and reader.poem[-1] == self.space):
                logits[newline] = float("-inf")
            if self.top_k:
                kth = torch.topk(logits, min(self.top_k, logits.numel())).values[-1]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            token = int(torch.multinomial(F.softmax(logits, dim=-1), 1)) if written < self.max_chars else newline
            if token == newline:
                break
            reader.read(token)
        trailing = len(reader.poem) - len(_rstrip(reader.poem, self.space))
        reader.take_back(trailing)  # a line cut at max_chars may end in spaces
        if self.ending is not None:
            back, ending = self.ending(reader.poem, reader.score)
            reader.take_back(back)
            for char in ending:
                reader.read(char)
        reader.read(newline)
        return reader


def _rstrip(ids: list[int], space: int | None) -> list[int]:
    end = len(ids)
    while space is not None and end and ids[end - 1] == space:
        end -= 1
    return ids[:end]


@dataclass
class MetreAwareLine:
    """The best of ``drafts`` hemistichs by ``draft``: the one whose text ``metre_score``
    (the judge's log-probability of the asked metre, for a list of lines) rates highest."""

    draft: LineWriter
    metre_score: Callable[[list[str]], np.ndarray]
    decode: Callable[[list[int]], str]
    drafts: int

    def write_line(self, reader: Reader) -> Reader:
        forks = [self.draft.write_line(reader.fork()) for _ in range(self.drafts)]
        scores = self.metre_score([self.decode(fork.last_line()) for fork in forks])
        return forks[int(np.argmax(scores))]
