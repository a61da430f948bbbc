"""Persian text normalisation for verse, with a count of every change it makes.

Policy, chosen to match the packaged Divan (plain letters, words split by spaces):
- Unicode NFKC first, which turns Arabic presentation forms (isolated/final glyph code
  points) into plain letters and composes alef + madda into آ.
- Arabic yeh (ي) and alef maksura (ى) become Persian yeh (ی); Arabic kaf (ك) becomes
  Persian kaf (ک); Arabic-Indic digits become Persian digits.
- Harakat, tanwin, shadda, sukun, superscript alef and tatweel are removed.
- Bidi marks (LRM, RLM, ALM, embeddings, isolates), BOM, ZWJ and other control or
  format characters are removed.
- ZWNJ becomes a space: the packaged Divan writes "می دارد", not "می‌دارد", and one
  convention keeps one spelling per word for the model.
- Punctuation (Persian and Latin) becomes a space: the Divan's verse carries none.
- Runs of spaces collapse and lines are trimmed. Line breaks are structure and are
  handled by the caller: one hemistich per line, a blank line between poems.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

LETTER_MAP = {
    "\u064a": "\u06cc",  # ARABIC LETTER YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ARABIC LETTER ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC LETTER KAF -> KEHEH
    **{chr(0x0660 + d): chr(0x06F0 + d) for d in range(10)},  # Arabic-Indic -> Persian digits
}
DIACRITICS = {chr(c) for c in range(0x064B, 0x0660)} | {"\u0670"}  # harakat .. superscript alef
TATWEEL = "\u0640"
ZWNJ = "\u200c"
_SPACES = re.compile(r"[^\S\n]+")


def _is_invisible(char: str) -> bool:
    """Control and format characters (bidi marks, BOM, ZWJ), except ZWNJ and newline."""
    return char not in (ZWNJ, "\n") and unicodedata.category(char) in ("Cc", "Cf")


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P")


def normalize_line(line: str, changes: Counter | None = None) -> str:
    """Normalise one line of verse; ``changes`` (if given) counts each rule's edits."""
    changes = Counter() if changes is None else changes
    composed = unicodedata.normalize("NFKC", line)
    if composed != line:
        changes["nfkc_changed_lines"] += 1
    out = []
    for char in composed:
        if char in LETTER_MAP:
            changes["letters_mapped"] += 1
            out.append(LETTER_MAP[char])
        elif char in DIACRITICS:
            changes["diacritics_removed"] += 1
        elif char == TATWEEL:
            changes["tatweel_removed"] += 1
        elif char == ZWNJ:
            changes["zwnj_to_space"] += 1
            out.append(" ")
        elif _is_invisible(char):
            changes["invisible_removed"] += 1
        elif _is_punctuation(char):
            changes["punctuation_to_space"] += 1
            out.append(" ")
        else:
            out.append(char)
    return _SPACES.sub(" ", "".join(out)).strip()


def normalize_poems(poems: list[list[str]]) -> tuple[list[list[str]], dict]:
    """Normalise every hemistich; drop hemistichs and poems left empty. Returns a report."""
    changes: Counter = Counter()
    cleaned = []
    for poem in poems:
        lines = [normalize_line(line, changes) for line in poem]
        changes["empty_hemistichs_dropped"] += sum(1 for line in lines if not line)
        lines = [line for line in lines if line]
        if lines:
            cleaned.append(lines)
        else:
            changes["empty_poems_dropped"] += 1
    inventory = Counter(char for poem in cleaned for line in poem for char in line)
    report = {
        "poems": len(cleaned),
        "hemistichs": sum(len(poem) for poem in cleaned),
        "characters": sum(inventory.values()),
        "changes": dict(sorted(changes.items())),
        "char_inventory": dict(inventory.most_common()),
    }
    return cleaned, report
