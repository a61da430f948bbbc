"""The form header: what it says, how it is told apart from verse, and that it is never scored."""

import numpy as np

from hw3_pipelines.text.form_header import (
    FormHeader,
    feet,
    scored_mask,
    split_header,
    strip_headers,
)
from hw3_pipelines.text.layout import LAYOUTS
from hw3_pipelines.text.poems import poems_to_text, text_to_poems

GHAZAL = ["الا یا ایها الساقی ادر کاسا و ناولها", "که عشق آسان نمود اول ولی افتاد مشکل ها", "به بوی نافه", "ز تاب جعد مشکینش چه خون افتاد در دل ها"]
METRE = "مفاعیلن مفاعیلن مفاعیلن مفاعیلن (هزج مثمن سالم)"


def test_a_header_says_the_metre_s_feet_the_rhyme_and_the_length():
    header = FormHeader.of(GHAZAL, METRE)
    assert header == FormHeader(METRE, "لها", "", 2)
    assert header.text() == "[مفاعیلن مفاعیلن مفاعیلن مفاعیلن|لها||2]"
    assert FormHeader.of(["گل ما را", "دل ما را"], None).text() == "[?|ل|ما را|1]"
    assert feet(None) == "?" and feet("فاعلاتن فاعلن") == "فاعلاتن فاعلن"


def test_the_radif_is_written_as_the_matla_writes_it_not_folded():
    header = FormHeader.of(["او رفت آمد", "او گفت آمد"], None)
    assert (header.qafiya, header.radif) == ("فت", "آمد")  # folded, the radif would read "امد"


def test_only_verse_characters_are_scored_and_the_verse_is_the_plain_texts():
    poems = [GHAZAL, ["گل ما را", "دل ما را"]]
    text = LAYOUTS["plain"].text(poems, [FormHeader.of(poem, METRE) for poem in poems])
    mask = scored_mask(text)
    scored = "".join(char for char, keep in zip(text, mask) if keep)
    assert scored == poems_to_text(poems) + "\n"  # each ghazal, then a blank line
    assert not mask[: text.index("\n") + 1].any() and mask[text.index("\n") + 1]
    assert strip_headers(text) == scored
    blocks = text_to_poems(text)
    assert [split_header(block) for block in blocks] == [(FormHeader.of(p, METRE).text(), p) for p in poems]
    assert split_header(GHAZAL) == (None, GHAZAL)
    assert np.array_equal(scored_mask("abc"), [True, True, True])
