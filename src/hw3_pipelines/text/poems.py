"""The one text layout poems travel in: one hemistich per line, a blank line between poems."""

from __future__ import annotations

POEM_BREAK = "\n\n"


def poems_to_text(poems: list[list[str]]) -> str:
    return POEM_BREAK.join("\n".join(poem) for poem in poems) + "\n"


def text_to_poems(text: str) -> list[list[str]]:
    blocks = text.replace("\r\n", "\n").split(POEM_BREAK)
    poems = [[line for line in block.split("\n") if line.strip()] for block in blocks]
    return [poem for poem in poems if poem]
