"""The form header: one line before a ghazal that tells the model what the ghazal will be.

    [مفاعلن فعلاتن مفاعلن فعلن|ار|ما را|9]

The fields are the metre's feet (``?`` when unknown), the qafiya's letters, the radif's
words (empty when there is none) and the number of couplets. The model reads the header
and is never scored on it: a header line starts with ``[``, which verse never holds (the
normaliser turns punctuation into spaces), so the characters to score can always be told
from the text itself (``scored_mask``). Everything else of the layout is ``text.poems``'s:
one hemistich per line, a blank line after each ghazal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hw3_pipelines.text.ghazal import qafiya, radif

OPEN, CLOSE, FIELD = "[", "]", "|"
UNKNOWN_METRE = "?"
HEADER_CHARS = OPEN + CLOSE + FIELD + UNKNOWN_METRE + "0123456789"


def feet(metre: str | None) -> str:
    """A metre's feet, the part of Ganjoor's name before the traditional name in brackets:
    ``"فاعلاتن فاعلاتن فاعلن (رمل مسدس محذوف ...)"`` → ``"فاعلاتن فاعلاتن فاعلن"``."""
    return metre.split("(")[0].strip() if metre else UNKNOWN_METRE


def traditional_name(metre: str) -> str:
    """The part of Ganjoor's name in brackets: ``"فاعلاتن فاعلاتن فاعلن (رمل مسدس محذوف)"`` →
    ``"رمل مسدس محذوف"``."""
    return metre[len(feet(metre)) :].strip(" ()")


@dataclass(frozen=True)
class FormHeader:
    metre: str | None  # in Ganjoor's naming; None when unknown
    qafiya: str
    radif: str  # words separated by spaces, "" for none
    couplets: int

    @property
    def refrain(self) -> tuple[str, ...]:
        """The radif's words, as ``text.ghazal``'s form finder takes them."""
        return tuple(self.radif.split())

    def text(self, rhyme: tuple[str, str] | None = None) -> str:
        """The header line; ``rhyme`` writes the two rhyme fields otherwise than as qafiya
        then radif (``text.layout``'s end-first order)."""
        fields = (feet(self.metre), *(rhyme or (self.qafiya, self.radif)), str(self.couplets))
        return OPEN + FIELD.join(fields) + CLOSE

    @classmethod
    def of(cls, hemistichs: list[str], metre: str | None) -> FormHeader:
        """The header of a written ghazal: its matla's qafiya (``text.ghazal``'s finder,
        letters folded) and radif (its words as the matla's second hemistich writes them)
        and its length."""
        if len(hemistichs) < 2:
            return cls(metre, "", "", 0)
        refrain = radif(*hemistichs[:2])
        written = hemistichs[1].split()[len(hemistichs[1].split()) - len(refrain) :] if refrain else []
        return cls(metre, qafiya(*hemistichs[:2], refrain), " ".join(written), len(hemistichs) // 2)


def split_header(lines: list[str]) -> tuple[str | None, list[str]]:
    """A poem's lines as ``(header line or None, hemistichs)``."""
    if lines and lines[0].startswith(OPEN):
        return lines[0], lines[1:]
    return None, lines


def scored_mask(text: str) -> np.ndarray:
    """For each character, whether it is scored as a prediction: every character but those
    of a header line and the line break that ends it."""
    mask = np.ones(len(text), dtype=bool)
    start = 0
    for line in text.split("\n"):
        if line.startswith(OPEN):
            mask[start : start + len(line) + 1] = False
        start += len(line) + 1
    return mask


def strip_headers(text: str) -> str:
    """The text without its header lines: the verse alone, as a model without headers reads it."""
    return "".join(line for line in text.splitlines(keepends=True) if not line.startswith(OPEN))
