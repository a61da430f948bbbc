"""The hafez report: units, direction and a verdict with its p-value."""

from hw3_pipelines.pipelines.hafez.report import write_hafez_report
from tests.pipelines.hafez.test_nodes import params

METRICS = {
    "val_nats_per_char": 1.60, "val_nats_per_char_cache": 1.55, "val_characters": 28102,
    "ngram": {"4": 1.88, "5": 1.83}, "best_ngram_order": 5,
    "dm_vs_best_ngram": {"statistic": -9.1, "p_value": 2e-12, "ghazals": 50},
}


def test_the_report_gives_units_direction_and_a_verdict():
    text = write_hafez_report(METRICS, params(init_from="pretrained"))
    assert "fine-tuned from the model hafez_pretrain saved" in text and "**lower is better**" in text
    assert "| static: the saved weights (the headline) | 1.6000 |" in text
    assert "| with the neural cache over the ghazal being written | 1.5500 |" in text
    assert "| Kneser-Ney 5-gram (baseline) | 1.8300 |" in text and "dynamic" not in text.split("## Verdict")[0].lower()
    assert "Against the best n-gram (5-gram): **better**: 1.6000 against 1.8300 nats/char (-12.6%), " \
           "Diebold-Mariano p = 2e-12 over 50 ghazals." in text


def test_an_insignificant_difference_is_called_a_tie_and_too_few_ghazals_no_test():
    tie = {**METRICS, "dm_vs_best_ngram": {"statistic": -1.0, "p_value": 0.3, "ghazals": 50}}
    assert "**a tie**" in write_hafez_report(tie, params())
    few = {**METRICS, "dm_vs_best_ngram": {"statistic": None, "p_value": None, "ghazals": 2}}
    assert "2 validation ghazals are too few for a test" in write_hafez_report(few, params())
