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


def test_rhyme_prefixes_stand_right_before_each_line_that_rhymes():
    layout = LAYOUTS["end_first_rhyme_prefixed"]
    text = layout.lay_out(GHAZAL, HEADER)
    prefix = "[{}|ار ام|ل]"
    assert text.split("\n") == [
        "[?|ار ام|ل|2]", prefix.format(2), "ار ام لگ", prefix.format(2), "ار ام لد",  # the matla: both hemistichs rhyme
        "هفان یوب هب", prefix.format(1), "ار ام ناج هک", prefix.format(0), "", "",  # later: the second one
    ]
    written = "".join(layout.prefix_at(HEADER, line, HEADER.couplets) + layout.line(h) + "\n" for line, h in enumerate(GHAZAL))
    assert text == layout.header(HEADER) + "\n" + written + layout.prefix_at(HEADER, 4, HEADER.couplets) + "\n"  # as a writer asks
    assert layout.lay_back(text.split("\n")) == GHAZAL


def test_line_prefixes_give_a_line_that_does_not_rhyme_the_count_alone():
    text = LAYOUTS["end_first_line_prefixed"].lay_out(GHAZAL, HEADER)
    assert text.split("\n")[5:8] == ["[1]", "هفان یوب هب", "[1|ار ام|ل]"]
    assert text.replace("[1]\n", "") == LAYOUTS["end_first_rhyme_prefixed"].lay_out(GHAZAL, HEADER)


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


@pytest.mark.parametrize(
    ("name", "rhymes"),
    [
        ("plain", ["ل ما را", "ل ما را", "ن ما را"]),  # at the line's end: the matla's two, the later couplet's second
        ("end_first_prefixed", ["ار ام ل", "ار ام ل", "ار ام ن"]),  # at its start, where lines are written end first
        ("end_first_rhyme_prefixed", ["ار ام ل", "ار ام ل", "ار ام ن"]),
        ("end_first_line_prefixed", ["ار ام ل", "ار ام ل", "ار ام ن"]),
    ],
)
def test_the_rhyme_mask_marks_as_many_letters_as_the_header_names_in_each_rhyming_line(name, rhymes):
    layout = layout_named(name)
    text = layout.lay_out(GHAZAL, HEADER)
    mask = layout.rhyme_mask(text)
    marked = "".join(char if keep else "\0" for char, keep in zip(text, mask))
    assert [run for run in marked.split("\0") if run] == rhymes  # ل and ما را: 5 letters and the space between
    assert [hemistich for hemistich, _, _ in layout.rhyme_spans(text)] == [0, 1, 3]
    assert not layout.rhyme_mask(layout.text([GHAZAL], None)).any()
    unrhymed = ["یک دو", "سه چهار", "پنج", "شش"]
    assert not layout.rhyme_mask(layout.lay_out(unrhymed, FormHeader.of(unrhymed, None))).any()
