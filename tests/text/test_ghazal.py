"""Radif and qafiya on ghazals whose form is known, and on the whole Divan."""

import importlib.resources
import json

import pytest

from hw3_pipelines.text.ghazal import (
    form_report,
    ghazal_form,
    qafiya,
    radif,
    rhyme_agreement,
)
from hw3_pipelines.text.normalize import normalize_poems

# Hafez's first ghazal: no radif; qafiya "لها" once the plural suffix is read with its word.
FIRST = [
    "الا یا ایها الساقی ادر کاسا و ناولها", "که عشق آسان نمود اول ولی افتاد مشکل ها",
    "به بوی نافه ای کاخر صبا زان طره بگشاید", "ز تاب جعد مشکینش چه خون افتاد در دل ها",
    "مرا در منزل جانان چه امن عیش چون هر دم", "جرس فریاد می دارد که بربندید محمل ها",
]
# A ghazal with the radif "را" and a couplet that drops it.
WITH_RADIF = ["صبا به لطف بگو آن غزال رعنا را", "که سر به کوه و بیابان تو داده ای ما را",
              "شکرفروش که عمرش دراز باد چرا", "تفقدی نکند طوطی شکرخا را",
              "غرور حسنت اجازت مگر نداد ای گل", "که پرسشی نکنی عندلیب شیدا"]


def test_a_ghazal_without_radif_rhymes_across_the_split_plural():
    form = ghazal_form(FIRST)
    assert form["radif"] == "" and form["qafiya"] == "لها"
    assert form["keeps_qafiya"] == [True, True] and form["keeps_radif"] == [False, False]


def test_radif_and_qafiya_and_who_keeps_them():
    form = ghazal_form(WITH_RADIF)
    assert (form["radif"], form["qafiya"], form["couplets"]) == ("را", "ا", 3)
    assert form["keeps_radif"] == [True, False]


def test_letter_variants_rhyme_and_whole_words_only_make_a_radif():
    assert radif("این دل شیدای ما", "آن سر سودای ما") == ("ما",)
    assert radif("گفتا", "رفتا") == ()  # shared letters are no radif, words are
    assert qafiya("دلكش", "سركش", ()) == "کش"  # Arabic kaf and Persian kaf are one letter


def test_too_short_poems_have_no_form():
    assert ghazal_form(["یک", "دو"]) is None


def test_form_of_the_divan():
    source = importlib.resources.files("hafez") / "data" / "hafez.json"
    poems, _ = normalize_poems([entry["poem"] for entry in json.loads(source.read_text(encoding="utf-8"))])
    report = form_report(poems)
    assert report["ghazals"] == 495 and report["couplets_per_ghazal_median"] == 8
    assert report["share_with_radif"] == pytest.approx(0.622, abs=0.001)
    assert report["radif_kept_share"] > 0.98 and report["qafiya_kept_share"] > 0.9


def test_shares_with_nothing_to_count_are_none_not_zero():
    report = form_report([FIRST])
    assert report["share_with_radif"] == 0.0 and report["radif_kept_share"] is None
    assert report["qafiya_kept_share"] == 1.0
    assert form_report([])["share_with_radif"] is None


def test_rhyme_agreement_counts_exact_and_longer_readings_of_the_same_rhyme():
    saadi = ["اول دفتر به نام ایزد دانا", "صانع پروردگار حی توانا", "اکبر و اعظم خدای عالم و آدم", "صورت خوب آفرید و سیرت زیبا"]
    report = rhyme_agreement([(FIRST, "لها", "hafez"), (WITH_RADIF, "ارا", "hafez"), (saadi, "ا", "saadi"), (saadi, "ب", "saadi")])
    assert report["poems"] == 4 and report["exact"] == 0.5  # FIRST's "لها", WITH_RADIF's qafiya "ا" + radif "را"
    assert report["ours_ends_in_theirs"] == 0.75  # Saadi's "انا" read longer than Ganjoor's "ا"
    assert report["by_group"]["saadi"] == {"poems": 2, "exact": 0.0, "ours_ends_in_theirs": 0.5, "theirs_ends_in_ours": 0.0}
    assert report["disagreement_examples"] == [{"group": "saadi", "ours": "انا", "theirs": "ب"}]
