"""The hafez report: units, direction and a verdict with its p-value; the judge's figures; each
ghazal asked for, its hemistichs marked by the judge."""

from hw3_pipelines.pipelines.hafez.report import write_hafez_report
from tests.pipelines.hafez.test_nodes import params

METRE = "مفاعلن فعلاتن مفاعلن فعلن (مجتث مثمن مخبون محذوف)"
OTHER_METRE = "فاعلاتن فاعلاتن فاعلاتن فاعلن (رمل مثمن محذوف)"
METRICS = {
    "val_nats_per_char": 1.60, "val_nats_per_char_without_header": 1.70, "val_nats_per_char_cache": 1.55,
    "val_characters": 28102, "best_epoch": 9, "ngram": {"4": 1.88, "5": 1.83}, "best_ngram_order": 5,
    "dm_vs_best_ngram": {"statistic": -9.1, "p_value": 2e-12, "ghazals": 50},
}
JUDGE = {
    "test": {"hemistich_accuracy": 0.893, "ghazal_accuracy": 0.96}, "held_out_poet_name": "salman",
    "held_out_poet": {"ghazal_accuracy": 0.982}, "shuffled_words": {"hemistich_accuracy": 0.212},
    "length_only_baseline": {"hemistich_accuracy": 0.26},
}
FORM = {"share_with_radif": 0.6, "qafiya_kept_share": 0.9, "couplets_per_ghazal_mean": 8.5}
POEM = {
    "request": {"metre": METRE, "qafiya": "ار", "radif": "", "couplets": 1}, "couplets": 1,
    "hemistichs": [{"text": "بیا که قصر امل سخت سست بنیادست", "judged": METRE},
                   {"text": "بیار باده که بنیاد عمر بر بادست", "judged": OTHER_METRE}],
}
SEED_7 = {"seed": 7, "asked_metre_share": 0.4, "known_word_share": 0.97, "other_poets_word_pair_share": 0.3, "form": FORM, "poems": [POEM]}
SEED_8 = {**SEED_7, "seed": 8, "asked_metre_share": 0.6, "other_poets_word_pair_share": 0.5}
WRITTEN = {"asked_metre_share": 0.5, "known_word_share": 0.97, "other_poets_word_pair_share": 0.4, "form": FORM, "by_seed": [SEED_7, SEED_8]}
SAMPLES = {
    "settings": {"metre": "any", "temperature": 0.8, "top_k": 10, "seed": 7, "ghazals": 1},
    "divan": {"hemistichs_judged_in_their_ghazal_metre_share": 0.943, "form": FORM, "held_out_other_poets_word_pair_share": 0.45},
    "free": WRITTEN, "metre_aware": {**WRITTEN, "asked_metre_share": 1.0, "by_seed": [{**run, "asked_metre_share": 1.0} for run in (SEED_7, SEED_8)]},
}


def test_the_report_gives_units_direction_and_a_verdict():
    text = write_hafez_report(METRICS, SAMPLES, JUDGE, params(init_from="pretrained"))
    assert "fine-tuned from the model hafez_pretrain saved" in text and "**lower is better**" in text
    assert "| static, each ghazal's form header given (the headline) | 1.6000 |" in text
    assert "| static, the same text without headers | 1.7000 |" in text
    assert "| with the neural cache over the ghazal being written | 1.5500 |" in text and "(9) was chosen" in text
    assert "| Kneser-Ney 5-gram (baseline, no headers) | 1.8300 |" in text and "dynamic" not in text.split("## Verdict")[0].lower()
    assert "Against the best n-gram (5-gram): **better**: 1.6000 against 1.8300 nats/char (-12.6%), " \
           "Diebold-Mariano p = 2e-12 over 50 ghazals." in text


def test_the_judge_and_each_ghazal_asked_for_are_in_the_report():
    text = write_hafez_report(METRICS, SAMPLES, JUDGE, params())
    assert "89.3% of hemistichs' and 96.0% of ghazals' metres" in text and "Salman, whom it never read, 98.2%" in text
    assert "## 1 ghazals asked for, with each of 2 seeds" in text and "seeds 7, 8:" in text
    assert "| hemistichs judged in the asked metre | 50.0% (40.0 / 60.0) | 100.0% (100.0 / 100.0) | 94.3% in their ghazal's |" in text
    assert "| adjacent word pairs other poets also wrote (fluency) | 40.0% (30.0 / 50.0) | 40.0% (30.0 / 50.0) | 45.0% held out |" in text
    assert "### form-aware" not in text and "### metre-aware" in text
    assert "asked: مفاعلن فعلاتن مفاعلن فعلن (مجتث مثمن مخبون محذوف), qafiya ار, radif none, 1 couplets" in text
    assert "بیا که قصر امل سخت سست بنیادست    ✓" in text
    assert "بیار باده که بنیاد عمر بر بادست    ✗ فاعلاتن فاعلاتن فاعلاتن فاعلن" in text


def test_an_insignificant_difference_is_called_a_tie_and_too_few_ghazals_no_test():
    tie = {**METRICS, "dm_vs_best_ngram": {"statistic": -1.0, "p_value": 0.3, "ghazals": 50}}
    assert "**a tie**" in write_hafez_report(tie, SAMPLES, JUDGE, params())
    few = {**METRICS, "dm_vs_best_ngram": {"statistic": None, "p_value": None, "ghazals": 2}}
    assert "2 validation ghazals are too few for a test" in write_hafez_report(few, SAMPLES, JUDGE, params())
