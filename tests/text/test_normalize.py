"""Each normalisation rule on hand-written Persian cases."""

from collections import Counter

import pytest

from hw3_pipelines.text.normalize import normalize_line, normalize_poems


@pytest.mark.parametrize(
    ("raw", "clean", "rule"),
    [
        ("علي", "علی", "letters_mapped"),  # Arabic yeh
        ("موسى", "موسی", "letters_mapped"),  # alef maksura
        ("كار", "کار", "letters_mapped"),  # Arabic kaf
        ("٣", "۳", "letters_mapped"),  # Arabic-Indic digit
        ("مؤمن", "مومن", "letters_mapped"),  # waw with hamza, as the Divan spells it
        ("أمر إلی", "امر الی", "letters_mapped"),  # alef with hamza above and below
        ("ٱلله", "الله", "letters_mapped"),  # alef wasla
        ("رحمة خانۀ", "رحمه خانه", "letters_mapped"),  # teh marbuta, heh with yeh above
        ("خانهٔ", "خانه", "diacritics_removed"),  # hamza above, Ganjoor's ezafe
        ("عليهمۢ", "علیهم", "diacritics_removed"),  # Quranic small high meem
        ("دل\nجان", "دل جان", "line_breaks_to_space"),  # a break inside one hemistich
        ("بِنامِ خدا", "بنام خدا", "diacritics_removed"),  # kasra
        ("دلًا", "دلا", "diacritics_removed"),  # tanwin
        ("محبّت", "محبت", "diacritics_removed"),  # shadda
        ("رحمٰن", "رحمن", "diacritics_removed"),  # superscript alef
        ("مِهْر", "مهر", "diacritics_removed"),  # sukun
        ("ســـلام", "سلام", "tatweel_removed"),
        ("می\u200cدارد", "می دارد", "zwnj_to_space"),
        ("\u200fسلام\u200e", "سلام", "invisible_removed"),  # RLM, LRM
        ("\ufeffدل", "دل", "invisible_removed"),  # BOM
        ("دل، جان؛ «عشق»؟", "دل جان عشق", "punctuation_to_space"),
        ("\ufee3\ufeea\ufeae", "مهر", "nfkc_changed_lines"),  # presentation forms of م ه ر
    ],
)
def test_each_rule(raw, clean, rule):
    changes = Counter()
    assert normalize_line(raw, changes) == clean
    assert changes[rule] > 0


def test_alef_with_separate_madda_composes():
    assert normalize_line("ا\u0653ب") == "آب"


def test_whitespace_collapses():
    assert normalize_line("  دل \t  و\u00a0 جان  ") == "دل و جان"


def test_clean_text_is_left_alone():
    line = "الا یا ایها الساقی ادر کاسا و ناولها"
    changes = Counter()
    assert normalize_line(line, changes) == line
    assert not changes


def test_poems_keep_structure_and_report_inventory():
    poems, report = normalize_poems([["دلِ ما", "«»"], ["؟"], ["جان"]])
    assert poems == [["دل ما"], ["جان"]]
    assert report["changes"]["empty_hemistichs_dropped"] == 2
    assert report["changes"]["empty_poems_dropped"] == 1
    assert report["char_inventory"] == {"د": 1, "ل": 1, " ": 1, "م": 1, "ا": 2, "ج": 1, "ن": 1}
