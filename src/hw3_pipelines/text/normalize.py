"""Persian text normalisation for verse, with a count of every change it makes.

Policy, chosen to match the packaged Divan (plain letters, words split by spaces):
- Unicode NFKC first, which turns Arabic presentation forms (isolated/final glyph code
  points) into plain letters and composes alef + madda into آ.
- Arabic yeh (ي) and alef maksura (ى) become Persian yeh (ی); Arabic kaf (ك) becomes
  Persian kaf (ک); Arabic-Indic digits become Persian digits.
- Letters that carry a hamza or a mark the Divan does not write lose it, as the harakat
  do: أ إ ٱ become ا, ؤ becomes و, ۀ (heh with the ezafe's yeh) and ة (teh marbuta)
  become ه. Other editions and poets (Ganjoor writes "خانهٔ", "مؤمن", "رحمة") then
  spell as the Divan does ("خانه", "مومن", "رحمه"), and one model's alphabet serves both.
- Harakat, tanwin, shadda, sukun, superscript alef, Quranic annotation marks and tatweel
  are removed.
- Bidi marks (LRM, RLM, ALM, embeddings, isolates), BOM, ZWJ and other control or
  format characters are removed.
- ZWNJ becomes a space: the packaged Divan writes "می دارد", not "می‌دارد", and one
  convention keeps one spelling per word for the model.
- Punctuation (Persian and Latin) becomes a space: the Divan's verse carries none.
- Runs of spaces collapse and lines are trimmed. Line breaks are structure and are
  handled by the caller: one hemistich per line, a blank line between poems; a line
  break inside a hemistich (Ganjoor has a few) becomes a space.
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
    "\u0623": "\u0627",  # ALEF WITH HAMZA ABOVE -> ALEF
    "\u0625": "\u0627",  # ALEF WITH HAMZA BELOW -> ALEF
    "\u0671": "\u0627",  # ALEF WASLA -> ALEF
    "\u0624": "\u0648",  # WAW WITH HAMZA ABOVE -> WAW
    "\u06c0": "\u0647",  # HEH WITH YEH ABOVE -> HEH
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH
}
DIACRITICS = (
    {chr(c) for c in range(0x064B, 0x0660)}  # harakat, tanwin, shadda, sukun, hamza above/below
    | {"\u0670"}  # superscript alef
    | {chr(c) for c in range(0x06D6, 0x06EE)}  # Quranic annotation marks
)
TATWEEL = "\u0640"
ZWNJ = "\u200c"
_SPACES = re.compile(r"\s+")


def _is_invisible(char: str) -> bool:
    """Control and format characters (bidi marks, BOM, ZWJ), except ZWNJ."""
    return char != ZWNJ and unicodedata.category(char) in ("Cc", "Cf")


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
        elif char in "\n\r":
            changes["line_breaks_to_space"] += 1
            out.append(" ")
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
        lines = normalize_poem(poem, changes)
        if lines:
            cleaned.append(lines)
        else:
            changes["empty_poems_dropped"] += 1
    return cleaned, clean_report(cleaned, changes)


def normalize_poem(poem: list[str], changes: Counter) -> list[str]:
    """One poem's hemistichs normalised, those left empty dropped (and counted)."""
    lines = [normalize_line(line, changes) for line in poem]
    changes["empty_hemistichs_dropped"] += sum(1 for line in lines if not line)
    return [line for line in lines if line]


def clean_report(poems: list[list[str]], changes: Counter) -> dict:
    """How much text is left, every change counted, and every character with its count."""
    inventory = Counter(char for poem in poems for line in poem for char in line)
    return {
        "poems": len(poems),
        "hemistichs": sum(len(poem) for poem in poems),
        "characters": sum(inventory.values()),
        "changes": dict(sorted(changes.items())),
        "char_inventory": dict(inventory.most_common()),
    }
