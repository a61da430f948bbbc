"""Where the form stands in the text the language model reads, and how that text is read back.

Every layout puts a ghazal's form header (``text.form_header``) before it. Read plainly, the
header stands a couplet or more before the line ends that need its rhyme, and truncated
backpropagation (128 characters) never carries a gradient from a line end back to it. Two
changes put the form inside that window:

- ``end_first``: every hemistich is written from its last character to its first, so each
  line starts with its rhyme and radif, a few characters after what names them (the way
  DeepRapper and Ou et al. 2023 write lyrics, rhyme first). The header then names the
  rhyme as those lines start: the radif's letters, then the qafiya's, both reversed, so
  that a line starts with a copy of the header's field rather than its mirror image;
- prefixes (``prefix_before``): a line ``[k|qafiya|radif]`` names the couplets left (``k``,
  this one included) and the rhyme to keep (in the header's order), before every couplet
  (``"couplet"``) or right before every line that rhymes (``"rhyme"``: both hemistichs of
  the matla, the second of every later couplet, so that the rhyme is copied from the line
  just above, not across a hemistich), and with ``"line"`` the count alone (``[k]``) before
  each line that does not rhyme; after the last couplet a ``[0|...]`` line stands
  before the ghazal's end, so the model learns to end where the count runs out (SongNet's
  and PoeLM's per-line form).

Header and prefix lines start with ``[``, which verse never holds, so ``scored_mask`` leaves
all of them unscored and ``lay_back`` drops them: a user only ever sees the plain ghazal.
``rhyme_mask`` marks the verse characters that carry the rhyme, which training may weigh more
(Jiuge-GPT-2's loss at form-critical positions) and evaluation scores apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from hw3_pipelines.text.form_header import CLOSE, FIELD, OPEN, FormHeader
from hw3_pipelines.text.poems import POEM_BREAK

HEADER_FIELDS = 4  # feet, the two rhyme fields, couplets; a prefix line has 3


@dataclass(frozen=True)
class Layout:
    name: str
    end_first: bool
    prefix_before: Literal["couplet", "rhyme", "line"] | None = None  # before each couplet, each line that rhymes, or every line

    def line(self, hemistich: str) -> str:
        """A hemistich as the model reads it (and ``line`` again undoes it)."""
        return hemistich[::-1] if self.end_first else hemistich

    def rhyme_fields(self, header: FormHeader) -> tuple[str, str]:
        """The qafiya and radif as the model reads them: as written, or where lines are
        written end first, as such a line starts (the radif, then the qafiya, reversed)."""
        if self.end_first:
            return header.radif[::-1], header.qafiya[::-1]
        return header.qafiya, header.radif

    def header(self, header: FormHeader) -> str:
        """The form header line, without its line break (``FormHeader.text`` in the plain order)."""
        return header.text(self.rhyme_fields(header))

    def prefix(self, header: FormHeader, couplets_left: int) -> str:
        """A prefix line (with its line break): the couplets left and the rhyme."""
        return OPEN + FIELD.join((str(max(couplets_left, 0)), *self.rhyme_fields(header))) + CLOSE + "\n"

    def prefix_at(self, header: FormHeader, line: int, couplets: int) -> str:
        """What the model reads before hemistich ``line`` (from 0) of a ghazal of ``couplets``
        couplets, or before it ends (``line`` past the last one): a prefix line where the
        layout puts one, else ``""``."""
        couplets_left = couplets - line // 2
        if self.prefix_before == "couplet" and line % 2 == 0:
            return self.prefix(header, couplets_left)
        if self.prefix_before in ("rhyme", "line") and (line < 2 or line % 2 or couplets_left <= 0):
            return self.prefix(header, couplets_left)
        if self.prefix_before == "line":
            return OPEN + str(couplets_left) + CLOSE + "\n"
        return ""

    def lay_out(self, poem: list[str], header: FormHeader | None) -> str:
        """One ghazal as the model reads it, with its poem break; without a header (``None``),
        the verse alone: no header, no prefixes."""
        if header is None:
            return "\n".join(map(self.line, poem)) + POEM_BREAK
        couplets = (len(poem) + 1) // 2
        parts = [self.header(header) + "\n"]
        for line, hemistich in enumerate(poem):
            parts.append(self.prefix_at(header, line, couplets) + self.line(hemistich) + "\n")
        parts.append(self.prefix_at(header, 2 * couplets, couplets))
        return "".join(parts) + "\n"

    def text(self, poems: list[list[str]], headers: list[FormHeader] | None) -> str:
        """Poems laid out one after another (``headers`` ``None``: the verse alone)."""
        if headers is None:
            return "".join(self.lay_out(poem, None) for poem in poems)
        return "".join(self.lay_out(poem, header) for poem, header in zip(poems, headers, strict=True))

    def lay_back(self, lines: list[str]) -> list[str]:
        """A poem's lines as the model wrote them, back to plain hemistichs."""
        return [self.line(line) for line in lines if line.strip() and not line.startswith(OPEN)]

    def rhyme_spans(self, text: str) -> list[tuple[int, int, int]]:
        """Where a laid-out text's rhymes stand: ``(hemistich, start, end)`` for each rhyming
        line, its hemistich's number in the ghazal (both of the matla, 0 and 1, and the second
        of every later couplet) and the span of its rhyme letters, ``text[start:end]``: as many
        letters (spaces between them included) as the ghazal's header names in its qafiya and
        radif, at the line's end, or its start where lines are written end first. A line with
        no such letters, and every line of a text without headers, has none."""
        spans = []
        start, letters, verse = 0, 0, 0
        for line in text.split("\n"):
            fields = line[1:-1].split(FIELD) if line.startswith(OPEN) else None
            if fields is not None and len(fields) == HEADER_FIELDS:
                letters, verse = sum(len(field.replace(" ", "")) for field in fields[1:3]), 0
            elif fields is None and line:
                span = _span(line if self.end_first else line[::-1], letters)
                if span and (verse < 2 or verse % 2):
                    lo = start if self.end_first else start + len(line) - span
                    spans.append((verse, lo, lo + span))
                verse += 1
            start += len(line) + 1
        return spans

    def rhyme_mask(self, text: str) -> np.ndarray:
        """For each character of a laid-out text, whether it is one of a rhyming line's rhyme
        letters (``rhyme_spans``)."""
        mask = np.zeros(len(text), dtype=bool)
        for _, start, end in self.rhyme_spans(text):
            mask[start:end] = True
        return mask


def _span(line: str, letters: int) -> int:
    """How many of ``line``'s first characters hold its first ``letters`` letters."""
    seen = 0
    for position, char in enumerate(line):
        if seen == letters:
            return position
        seen += char != " "
    return len(line)


LAYOUTS = {
    layout.name: layout
    for layout in (
        Layout("plain", end_first=False),
        Layout("end_first", end_first=True),
        Layout("prefixed", end_first=False, prefix_before="couplet"),
        Layout("end_first_prefixed", end_first=True, prefix_before="couplet"),
        Layout("end_first_rhyme_prefixed", end_first=True, prefix_before="rhyme"),
        Layout("end_first_line_prefixed", end_first=True, prefix_before="line"),
    )
}


def layout_named(name: str) -> Layout:
    if name not in LAYOUTS:
        raise ValueError(f"layout must be one of {sorted(LAYOUTS)}, got {name!r}")
    return LAYOUTS[name]
