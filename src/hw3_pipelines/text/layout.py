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
- ``couplet_prefixes``: before every couplet a line ``[k|qafiya|radif]`` names the couplets
  left (``k``, this one included) and the rhyme it keeps (in the header's order); after the
  last couplet a ``[0|...]`` line stands before the ghazal's end, so the model learns to end
  where the count runs out (SongNet's and PoeLM's per-line form).

Header and prefix lines start with ``[``, which verse never holds, so ``scored_mask`` leaves
all of them unscored and ``lay_back`` drops them: a user only ever sees the plain ghazal.
"""

from __future__ import annotations

from dataclasses import dataclass

from hw3_pipelines.text.form_header import CLOSE, FIELD, OPEN, FormHeader
from hw3_pipelines.text.poems import POEM_BREAK


@dataclass(frozen=True)
class Layout:
    name: str
    end_first: bool
    couplet_prefixes: bool

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
        """The line before a couplet (with its line break), ``""`` where the layout has none."""
        if not self.couplet_prefixes:
            return ""
        return OPEN + FIELD.join((str(max(couplets_left, 0)), *self.rhyme_fields(header))) + CLOSE + "\n"

    def lay_out(self, poem: list[str], header: FormHeader | None) -> str:
        """One ghazal as the model reads it, with its poem break; without a header (``None``),
        the verse alone: no header, no prefixes."""
        if header is None:
            return "\n".join(map(self.line, poem)) + POEM_BREAK
        couplets = (len(poem) + 1) // 2
        parts = [self.header(header) + "\n"]
        for k in range(0, len(poem), 2):
            parts.append(self.prefix(header, couplets - k // 2))
            parts.extend(self.line(hemistich) + "\n" for hemistich in poem[k : k + 2])
        parts.append(self.prefix(header, 0))
        return "".join(parts) + "\n"

    def text(self, poems: list[list[str]], headers: list[FormHeader] | None) -> str:
        """Poems laid out one after another (``headers`` ``None``: the verse alone)."""
        if headers is None:
            return "".join(self.lay_out(poem, None) for poem in poems)
        return "".join(self.lay_out(poem, header) for poem, header in zip(poems, headers, strict=True))

    def lay_back(self, lines: list[str]) -> list[str]:
        """A poem's lines as the model wrote them, back to plain hemistichs."""
        return [self.line(line) for line in lines if line.strip() and not line.startswith(OPEN)]


LAYOUTS = {
    layout.name: layout
    for layout in (
        Layout("plain", end_first=False, couplet_prefixes=False),
        Layout("end_first", end_first=True, couplet_prefixes=False),
        Layout("prefixed", end_first=False, couplet_prefixes=True),
        Layout("end_first_prefixed", end_first=True, couplet_prefixes=True),
    )
}


def layout_named(name: str) -> Layout:
    if name not in LAYOUTS:
        raise ValueError(f"layout must be one of {sorted(LAYOUTS)}, got {name!r}")
    return LAYOUTS[name]
