"""Layouts: where the form stands in the text the model reads, and that a user gets plain verse back."""

import pytest

from hw3_pipelines.text.form_header import FormHeader, scored_mask
from hw3_pipelines.text.layout import LAYOUTS, layout_named
from hw3_pipelines.text.poems import poems_to_text

GHAZAL = ["گل ما را", "دل ما را", "به بوی نافه", "که جان ما را"]
HEADER = FormHeader.of(GHAZAL, None)


def scored(text: str) -> str:
    return "".join(char for char, keep in zip(text, scored_mask(text)) if keep)


def test_end_first_writes_each_hemistich_from_its_rhyme_and_lays_it_back():
    text = LAYOUTS["end_first"].lay_out(GHAZAL, HEADER)
    assert text == "[?|ار ام|ل|2]\nار ام لگ\nار ام لد\nهفان یوب هب\nار ام ناج هک\n\n"  # the header names the rhyme as lines start
    assert LAYOUTS["end_first"].lay_back(text.split("\n")) == GHAZAL


def test_couplet_prefixes_count_down_the_couplets_left_and_name_the_rhyme():
    text = LAYOUTS["prefixed"].lay_out(GHAZAL, HEADER)
    assert text.split("\n") == ["[?|ل|ما را|2]", "[2|ل|ما را]", *GHAZAL[:2], "[1|ل|ما را]", *GHAZAL[2:], "[0|ل|ما را]", "", ""]
    assert LAYOUTS["prefixed"].lay_back(text.split("\n")) == GHAZAL
    assert LAYOUTS["end_first_prefixed"].prefix(HEADER, 1) == "[1|ار ام|ل]\n"


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_layout_scores_the_same_verse_characters_and_nothing_of_the_form(name):
    layout = layout_named(name)
    poems = [GHAZAL, GHAZAL[:2]]
    text = layout.text(poems, [FormHeader.of(poem, None) for poem in poems])
    plain = poems_to_text([[layout.line(line) for line in poem] for poem in poems]) + "\n"
    assert scored(text) == plain  # verse, line breaks and each ghazal's end; no header, no prefix
    assert layout.text(poems, None) == plain


def test_the_plain_layout_is_the_header_then_the_verse():
    assert LAYOUTS["plain"].lay_out(GHAZAL, HEADER) == HEADER.text() + "\n" + "\n".join(GHAZAL) + "\n\n"


def test_an_unknown_layout_is_a_clear_error():
    with pytest.raises(ValueError, match="layout must be one of"):
        layout_named("upside_down")
