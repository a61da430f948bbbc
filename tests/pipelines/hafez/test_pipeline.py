"""The hafez pipelines on the real packaged Divan and Ganjoor's ghazals, with conf/test's tiny models."""

import importlib.resources
import json

import pandas as pd
import pytest
from kedro.io import DataCatalog

from hw3_pipelines import hooks
from hw3_pipelines.errors import MissingInputError
from hw3_pipelines.text.normalize import normalize_poems
from hw3_pipelines.text.poems import text_to_poems
from tests.conftest import TEST_DATA, latest, run_pipeline


def test_from_a_fresh_clone_hafez_trains_the_judge_first_then_samples_again_without_retraining(project_copy, recwarn, monkeypatch):
    said, catalog_said = Said(), Said()
    monkeypatch.setattr(hooks, "logger", said)  # the run's logging set-up clears handlers added before it
    monkeypatch.setattr(DataCatalog, "_logger", property(lambda catalog: catalog_said))
    run_pipeline(project_copy, "hafez")
    assert catalog_said.warnings == []  # a good run warns of nothing, the judge's run inside it included
    assert said.messages[0] == ("hafez needs hafez_divan_metres_last_saved, which no earlier run has written: running "
                                "`kedro run --pipeline hafez_metre` first, once; later runs reuse what it writes.")
    assert said.messages[1].startswith("hafez_metre done in ") and said.messages[1].endswith("; now hafez.")
    assert not [message for message in said.messages[2:] if " needs " in message]  # the judge serves every input it writes
    assert not [w for w in recwarn if "did not match load version" in str(w.message)]  # each run loads back what it saved
    metres = pd.read_csv(latest(project_copy, f"{TEST_DATA}/07_model_output/hafez_divan_metres.csv"))
    assert len(metres) == 495 and metres["first_hemistich"][0] == "الا یا ایها الساقی ادر کاسا و ناولها"
    assert (metres["hemistichs_agreeing"] <= metres["hemistichs"]).all() and metres["confidence"].between(0, 1).all()
    judge = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/hafez_metre_report.json").read_text(encoding="utf-8"))
    assert judge["held_out_poet_name"] == "obeyd" and judge["poems"]["held_out_poet"] == 106
    assert judge["classes"][-1] == "other" and len(judge["confusion"]) == len(judge["classes"])
    assert judge["test"]["hemistichs"] == sum(map(sum, judge["confusion"]))
    assert "salman" not in latest(project_copy, f"{TEST_DATA}/05_model_input/hafez_metre_split.json").read_text(encoding="utf-8")

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
    assert first.startswith("[") and len(text_to_poems(first)) == 4  # 2 ghazals with each of 2 seeds, each after its header
    report_md = latest(project_copy, f"{TEST_DATA}/08_reporting/hafez_report.md").read_text(encoding="utf-8")
    assert "## The metre judge" in report_md and "### metre-aware" in report_md
    models_before = sorted((project_copy / TEST_DATA / "06_models/hafez_char_lm.pt").iterdir())

    judges_before = sorted((project_copy / TEST_DATA / "06_models/hafez_metre_judge.pt").iterdir())
    run_pipeline(project_copy, "hafez_sample", {"hafez": {"sample": {"seed": 99, "temperature": 0.5}}})
    assert sorted((project_copy / TEST_DATA / "06_models/hafez_char_lm.pt").iterdir()) == models_before
    assert sorted((project_copy / TEST_DATA / "06_models/hafez_metre_judge.pt").iterdir()) == judges_before
    second = latest(project_copy, f"{TEST_DATA}/07_model_output/hafez_samples.txt").read_text(encoding="utf-8")
    assert second != first
    report = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/hafez_sample_report.json").read_text(encoding="utf-8"))
    assert report["settings"]["seed"] == 99 and report["settings"]["temperature"] == 0.5
    assert report["free"]["corpus_mean_hemistich_chars"] > 25 and set(report) >= {"free", "form_aware", "metre_aware", "divan"}
    assert report["settings"]["min_couplets"] == 2 and "radif_kept_share" in report["free"]["by_seed"][0]["form"]
    assert [run["seed"] for run in report["free"]["by_seed"]] == [99, 100]


class Said:
    """A logger that keeps its info and warning messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.warnings: list[str] = []

    def info(self, message: str, *args, **kwargs) -> None:
        self.messages.append(message % args)

    def warning(self, message: str, *args, **kwargs) -> None:
        self.warnings.append(message % args)

    def debug(self, message: str, *args, **kwargs) -> None:
        pass


def another_edition(poems: list[list[str]]) -> str:
    """The same ghazals as another edition prints them: Arabic yeh and kaf, a fatha on
    every third letter, tatweel, ZWNJ for the space after "می", guillemets and a comma or
    a full stop at the end of each hemistich, CRLF line ends and a BOM."""
    def reprint(line: str, k: int) -> str:
        line = line.replace("می ", "می\u200c").replace("ی", "ي").replace("ک", "ك")
        line = "".join(c + "\u064e" if c.isalpha() and i % 3 == 0 else c for i, c in enumerate(line))
        words = line.split(" ")
        words[0] = f"«{words[0]}ـ»"
        return " ".join(words) + ("،" if k % 2 == 0 else ".")

    text = "\r\n\r\n".join("\r\n".join(reprint(line, k) for k, line in enumerate(poem)) for poem in poems)
    return "\ufeff" + text + "\r\n"


def test_a_slice_of_hafez_names_the_pipeline_to_run_first_rather_than_running_it(project_copy):
    with pytest.raises(MissingInputError, match=r"run `kedro run --pipeline hafez_metre --env test` first"):
        run_pipeline(project_copy, "hafez", node_names=["load_hafez_corpus", "clean_hafez_corpus", "split_and_encode_hafez_corpus"])
    assert not (project_copy / TEST_DATA / "06_models/hafez_metre_judge.pt").exists()


def test_another_edition_with_diacritics_zwnj_and_punctuation_cleans_to_the_same_divan(project_copy):
    divan = json.loads((importlib.resources.files("hafez") / "data" / "hafez.json").read_text(encoding="utf-8"))
    poems = [entry["poem"] for entry in divan[:30]]
    edition = project_copy / "edition.txt"
    edition.write_text(another_edition(poems), encoding="utf-8", newline="")
    assert "\u064e" in edition.read_text(encoding="utf-8") and "\u200c" in edition.read_text(encoding="utf-8")

    another = {"hafez": {"corpus_path": str(edition), "training": {"batch_size": 32}}}
    run_pipeline(project_copy, "hafez_metre", another)
    run_pipeline(project_copy, "hafez", another)

    clean = latest(project_copy, f"{TEST_DATA}/02_intermediate/hafez_clean.txt").read_text(encoding="utf-8")
    expected, _ = normalize_poems(poems)
    assert text_to_poems(clean) == expected
    report = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/hafez_clean_report.json").read_text(encoding="utf-8"))
    changes = report["changes"]
    assert changes["diacritics_removed"] > 1000 and changes["zwnj_to_space"] > 10
    assert changes["letters_mapped"] > 1000 and changes["punctuation_to_space"] > 1000 and changes["tatweel_removed"] > 0
    inventory = set(report["char_inventory"])
    assert len(inventory) <= 36 and inventory <= set(" ") | {chr(c) for c in range(0x0621, 0x06D0)}
    metrics = json.loads(latest(project_copy, f"{TEST_DATA}/08_reporting/hafez_metrics.json").read_text(encoding="utf-8"))
    assert metrics["val_nats_per_char"] < 4 and "val_nats_per_char_dynamic" in metrics
