"""Both hafez pipelines on the real packaged Divan, with conf/test's tiny model."""

import json

from tests.conftest import TEST_DATA, latest, run_pipeline


def test_train_then_sample_again_without_retraining(project_copy):
    run_pipeline(project_copy, "hafez")
    metrics = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/hafez_metrics.json").read_text(encoding="utf-8"))
    assert set(metrics["ngram"]) == {"2", "3"}
    assert metrics["ngram"]["3"] < metrics["ngram"]["2"] < 3.0
    assert metrics["val_bits_per_char"] == metrics["val_nats_per_char"] / 0.6931471805599453
    clean = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/hafez_clean_report.json").read_text(encoding="utf-8"))
    assert clean["poems"] == 495 and clean["char_inventory"]["ا"] == 24563
    vocab_text = latest(project_copy, f"{TEST_DATA}/04_feature/hafez_vocab.json").read_text(encoding="utf-8")
    assert '"ا"' in vocab_text  # readable Persian, not \u escapes
    form = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/hafez_form_report.json").read_text(encoding="utf-8"))
    assert form["ghazals"] == 495 and form["radif_kept_share"] > 0.98
    split = json.loads(latest(project_copy, f"{TEST_DATA}/04_feature/hafez_split.json").read_text())
    assert len(split["val_poems"]) == 50 and not set(split["val_poems"]) & set(split["train_poems"])

    first = latest(project_copy, f"{TEST_DATA}/07_model_output/hafez_samples.txt").read_text(encoding="utf-8")
    assert first.startswith("الا یا ایها الساقی ادر کاسا و ناولها\n")
    models_before = sorted((project_copy / TEST_DATA / "06_models/hafez_char_lm.pt").iterdir())

    run_pipeline(project_copy, "hafez_sample", {"hafez": {"sample": {"seed": 99, "temperature": 0.5}}})
    assert sorted((project_copy / TEST_DATA / "06_models/hafez_char_lm.pt").iterdir()) == models_before
    second = latest(project_copy, f"{TEST_DATA}/07_model_output/hafez_samples.txt").read_text(encoding="utf-8")
    assert second != first
    report = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/hafez_sample_report.json").read_text(encoding="utf-8"))
    assert report["settings"]["seed"] == 99 and report["settings"]["temperature"] == 0.5
    assert report["corpus_mean_hemistich_chars"] > 25
    assert report["settings"]["min_couplets"] == 2 and "radif_kept_share" in report["form"]
