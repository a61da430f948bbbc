"""The one text layout poems travel in: one hemistich per line, a blank line between poems."""

from __future__ import annotations

POEM_BREAK = "\n\n"


def poems_to_text(poems: list[list[str]]) -> str:
    return POEM_BREAK.join("\n".join(poem) for poem in poems) + "\n"


def text_to_poems(text: str) -> list[list[str]]:
    blocks = text.replace("\r\n", "\n").split(POEM_BREAK)
    poems = [[line for line in block.split("\n") if line.strip()] for block in blocks]
    return [poem for poem in poems if poem]


def poem_numbers(ids, newline: int) -> list[int]:
    """For each position of an encoded stream of poems, the number of the poem it belongs
    to: a poem starts at the second character of a blank line (``\\n\\n``)."""
    numbers, poem, previous = [], 0, None
    for token in ids:
        if token == newline and previous == newline:
            poem += 1
        numbers.append(poem)
        previous = token
    return numbers
