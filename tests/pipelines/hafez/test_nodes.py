"""The hafez nodes on tiny inputs: corpus errors, the split, sampling."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig
from hw3_pipelines.parameters import HafezParams
from hw3_pipelines.pipelines.hafez import nodes
from hw3_pipelines.text.poems import poems_to_text, text_to_poems
from hw3_pipelines.text.verse_metrics import verse_report
from tests.conftest import conf_parameters, deep_merge

POEMS = [[f"مصرع {i} از غزل {g}" for i in range(4)] for g in range(20)]
SAMPLE = {
    "seed_text": "مصرع", "ghazals": 2, "min_couplets": 0, "max_couplets": None, "max_chars": 200, "temperature": 1.0,
    "top_k": 5, "seed": 3, "cache": False, "form_aware": False,
}


def params(**overrides) -> HafezParams:
    return HafezParams.model_validate(deep_merge(conf_parameters("hafez"), overrides))


def sample_params(**overrides) -> HafezParams:
    return params(sample={**SAMPLE, **overrides})


def test_packaged_divan_loads_offline():
    poems = text_to_poems(nodes.load_corpus(params()))
    assert len(poems) == 495
    assert poems[0][0] == "الا یا ایها الساقی ادر کاسا و ناولها"


def test_corpus_file_with_bom_and_crlf(tmp_path):
    path = tmp_path / "divan.txt"
    path.write_bytes("\ufeffیک\r\nدو\r\n\r\nسه\r\n".encode("utf-8"))
    assert text_to_poems(nodes.load_corpus(params(corpus_path=str(path)))) == [["یک", "دو"], ["سه"]]


def test_non_utf8_corpus_is_a_clear_error(tmp_path):
    path = tmp_path / "divan.txt"
    path.write_bytes("سلام".encode("cp1256"))
    with pytest.raises(InputDataError, match="not UTF-8"):
        nodes.load_corpus(params(corpus_path=str(path)))


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_corpus_is_a_clear_error(tmp_path, content):
    path = tmp_path / "divan.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputDataError, match="no verse"):
        nodes.load_corpus(params(corpus_path=str(path)))


def test_corpus_of_punctuation_only_is_empty_after_cleaning():
    with pytest.raises(InputDataError, match="nothing is left"):
        nodes.clean_corpus("«»\n؟\n")


def test_split_keeps_every_ghazal_whole():
    text = poems_to_text(POEMS)
    vocab, split, streams = nodes.split_and_encode(text, params(split={"val_fraction": 0.1, "tune_fraction": 0.05, "seed": 0}))
    assert [len(split[f"{part}_poems"]) for part in ("val", "tune", "train")] == [2, 1, 17]
    assert sorted(split["val_poems"] + split["tune_poems"] + split["train_poems"]) == list(range(20))
    inverse = {i: c for c, i in vocab.items()}
    for part in ("val", "tune", "train"):
        part_text = "".join(inverse[int(i)] for i in streams[part])
        assert text_to_poems(part_text) == [POEMS[i] for i in split[f"{part}_poems"]]
    json.dumps(vocab, ensure_ascii=False)  # the vocabulary is plain JSON


def test_holding_out_tuning_ghazals_keeps_the_same_validation_ghazals():
    text = poems_to_text(POEMS)
    without = nodes.split_and_encode(text, params(split={"val_fraction": 0.1, "tune_fraction": 0.0, "seed": 0}))
    with_tune = nodes.split_and_encode(text, params(split={"val_fraction": 0.1, "tune_fraction": 0.2, "seed": 0}))
    assert without[1]["val_poems"] == with_tune[1]["val_poems"]
    assert without[1]["tune_poems"] == [] and "tune" not in without[2] and len(with_tune[1]["tune_poems"]) == 4


def test_split_is_seeded():
    text = poems_to_text(POEMS)
    first = nodes.split_and_encode(text, params(split={"val_fraction": 0.2, "seed": 1}))[1]
    assert first == nodes.split_and_encode(text, params(split={"val_fraction": 0.2, "seed": 1}))[1]
    assert first != nodes.split_and_encode(text, params(split={"val_fraction": 0.2, "seed": 2}))[1]


def _tiny_model(vocab):
    torch.manual_seed(0)
    return CharLM(CharLMConfig(vocab_size=len(vocab), embedding_dim=4, hidden_size=8, num_layers=1)).eval()


def test_sampling_is_deterministic_for_a_seed():
    text = poems_to_text(POEMS)
    vocab = nodes.split_and_encode(text, params(split={"val_fraction": 0.1, "seed": 0}))[0]
    model = _tiny_model(vocab)
    first, report = nodes.sample_verse(model, vocab, text, {}, sample_params())
    assert first == nodes.sample_verse(model, vocab, text, {}, sample_params())[0]
    assert first != nodes.sample_verse(model, vocab, text, {}, sample_params(seed=4))[0]
    assert first.startswith("مصرع\n")
    assert 0 <= report["known_word_share"] <= 1 and 0 <= report["copied_hemistich_share"] <= 1
    assert report["corpus_mean_hemistich_chars"] == pytest.approx(np.mean([len(line) for p in POEMS for line in p]))


def test_seed_with_unknown_characters_names_them():
    text = poems_to_text(POEMS)
    vocab = nodes.split_and_encode(text, params(split={"val_fraction": 0.1, "seed": 0}))[0]
    with pytest.raises(InputDataError, match=r"\['x', 'ق'\]"):
        nodes.sample_verse(_tiny_model(vocab), vocab, text, {}, sample_params(seed_text="مصرع قx"))


def test_seed_is_normalised_before_the_vocabulary_check():
    text = poems_to_text(POEMS)
    vocab = nodes.split_and_encode(text, params(split={"val_fraction": 0.1, "seed": 0}))[0]
    sample, report = nodes.sample_verse(_tiny_model(vocab), vocab, text, {}, sample_params(seed_text="مِصرع، "))
    assert report["seed_text"] == "مصرع"


def test_report_counts_known_words_and_copies():
    report = verse_report(["الف ب", "ج ه"], ["الف ب", "ج د"])
    assert report["known_word_share"] == pytest.approx(3 / 4)
    assert report["copied_hemistich_share"] == pytest.approx(1 / 2)
    assert report["mean_hemistich_chars"] == pytest.approx(4.0)


def test_a_ghazal_cannot_end_before_its_minimum_couplets():
    text = poems_to_text(POEMS)
    vocab = nodes.split_and_encode(text, params(split={"val_fraction": 0.1, "seed": 0}))[0]
    model = _tiny_model(vocab)
    with torch.no_grad():  # a model that always wants to end the line and the poem
        model.head.bias.fill_(-10.0)
        model.head.bias[vocab["\n"]] = 10.0
    free, _ = nodes.sample_verse(model, vocab, text, {}, sample_params(ghazals=1, min_couplets=0, max_chars=50))
    held, report = nodes.sample_verse(model, vocab, text, {}, sample_params(ghazals=1, min_couplets=3, max_chars=50))
    assert free.count("\n") < held.count("\n")
    assert set(report["form"]) >= {"ghazals", "share_with_radif", "radif_kept_share", "qafiya_kept_share"}


def trained_on(poems: list[list[str]]):
    """A tiny model trained for 20 epochs on ``poems`` (their vocabulary and text with it)."""
    text = poems_to_text(poems)
    setting = params(
        split={"val_fraction": 0.1, "tune_fraction": 0.0, "seed": 0},
        model={"embedding_dim": 8, "hidden_size": 32, "num_layers": 1, "dropout": 0.0},
        training={"epochs": 20, "bptt": 16, "batch_size": 4, "learning_rate": 0.01, "bf16_autocast": False},
    )
    vocab, _, streams = nodes.split_and_encode(text, setting)
    model, _ = nodes.train_char_lm(streams, vocab, None, setting)
    return model, vocab, text


def test_form_aware_sampling_ends_every_later_couplet_in_radif_and_qafiya_and_reports_apart():
    """A model that learnt ghazals whose second couplet drops the matla's radif "ما را" and
    its qafiya "ل" writes them so when free, and keeps both when form-aware."""
    poems = [["گل ما را", "دل ما را", "سر و پا", "جان ما"] for _ in range(40)]
    model, vocab, text = trained_on(poems)
    settings = {"seed_text": "گل ما را", "ghazals": 2, "min_couplets": 0, "max_chars": 200, "temperature": 0.5}
    free, report = nodes.sample_verse(model, vocab, text, {}, sample_params(**settings))
    same_free, constrained = nodes.sample_verse(model, vocab, text, {}, sample_params(**settings, form_aware=True))
    assert same_free == free  # the free sample stays the one written out
    assert "form_aware" not in report and report["form"]["radif_kept_share"] == 0.0
    kept = constrained["form_aware"]
    assert kept["form"]["share_with_radif"] == 1.0
    assert kept["form"]["radif_kept_share"] == 1.0 and kept["form"]["qafiya_kept_share"] == 1.0
    assert kept["poems"][-1][:3] == ["گل ما را", "دل ما را", "سر و پا"]
    assert kept["poems"][-1][3] in ("جان گل ما را", "جان دل ما را") and kept["endings_rewritten"] >= 2
    assert constrained["form"] == report["form"] and constrained["settings"]["form_aware"] is True


def test_sampling_with_the_cache_needs_its_tuned_settings():
    text = poems_to_text(POEMS)
    vocab = nodes.split_and_encode(text, params(split={"val_fraction": 0.1, "seed": 0}))[0]
    model = _tiny_model(vocab)
    with pytest.raises(ParameterError, match="set hafez.evaluation.cache"):
        nodes.sample_verse(model, vocab, text, {}, sample_params(cache=True))
    cached, report = nodes.sample_verse(model, vocab, text, {"weight": 0.5, "sharpness": 1.0}, sample_params(cache=True))
    assert cached != nodes.sample_verse(model, vocab, text, {}, sample_params())[0]
    assert report["settings"]["cache"] is True


def test_the_cache_is_tuned_on_the_tuning_ghazals_only():
    text = poems_to_text(POEMS)
    grid = {"ngram_orders": [2], "cache": {"weights": [0.1, 0.2], "sharpness": [0.5, 1.0]}}
    setting = params(split={"val_fraction": 0.1, "tune_fraction": 0.1, "seed": 0}, evaluation=grid)
    vocab, _, streams = nodes.split_and_encode(text, setting)
    tuned = nodes.tune_neural_cache(_tiny_model(vocab), streams, vocab, setting)
    assert tuned["tune_nats_per_char"] == min(tuned["grid"].values())
    assert f"{tuned['weight']},{tuned['sharpness']}" in tuned["grid"]
    changed_val = {**streams, "val": streams["val"][::-1].copy()}
    assert nodes.tune_neural_cache(_tiny_model(vocab), changed_val, vocab, setting) == tuned
    no_tuning = params(split={"val_fraction": 0.1, "tune_fraction": 0.0, "seed": 0}, evaluation=grid)
    vocab, _, streams = nodes.split_and_encode(text, no_tuning)
    with pytest.raises(ParameterError, match="tune_fraction"):
        nodes.tune_neural_cache(_tiny_model(vocab), streams, vocab, no_tuning)
    off = params(evaluation={"ngram_orders": [2], "cache": None})
    assert nodes.tune_neural_cache(_tiny_model(vocab), streams, vocab, off) == {}


def test_evaluation_reports_raw_weights_with_averaging_and_dynamic_only_when_asked():
    text = poems_to_text(POEMS)
    setting = params(split={"val_fraction": 0.1, "seed": 0}, evaluation={"ngram_orders": [2], "dynamic": None})
    vocab, _, streams = nodes.split_and_encode(text, setting)
    history = pd.DataFrame({"epoch": [1, 2], "val_loss": [2.5, 2.0], "val_loss_raw": [2.4, 2.1], "best": [False, True]})
    plain = nodes.evaluate_char_lm(_tiny_model(vocab), streams, vocab, history, {}, setting)
    assert "val_nats_per_char_dynamic" not in plain and "val_nats_per_char_raw_weights" not in plain
    averaged = setting.model_copy(update={"training": setting.training.model_copy(update={"ema_decay": 0.9})})
    assert nodes.evaluate_char_lm(_tiny_model(vocab), streams, vocab, history, {}, averaged)["val_nats_per_char_raw_weights"] == 2.1
    dynamic = params(split={"val_fraction": 0.1, "seed": 0}, evaluation={"ngram_orders": [2], "dynamic": {"segment": 16, "learning_rate": 0.5}})
    scores = nodes.evaluate_char_lm(_tiny_model(vocab), streams, vocab, history, {}, dynamic)
    assert scores["val_nats_per_char_dynamic"] < scores["val_nats_per_char"] == plain["val_nats_per_char"]


def test_form_aware_sampling_makes_the_matla_rhyme():
    """A model that learnt matlas whose hemistichs do not rhyme ("را" / "تن") writes them so
    when free; form-aware, the second hemistich ends in a word that rhymes with the first."""
    from hw3_pipelines.text.ghazal import keeps_form, required_ending

    poems = [["گل ما را", "جان و تن", "سر و پا", "جان ما"] for _ in range(40)]
    model, vocab, text = trained_on(poems)
    settings = {"seed_text": "گل ما را", "ghazals": 2, "min_couplets": 0, "max_chars": 200, "temperature": 0.5, "form_aware": True}
    sampled, report = nodes.sample_verse(model, vocab, text, {}, sample_params(**settings))
    free = text_to_poems(sampled)
    assert not keeps_form(free[0][1], *required_ending(free[0][:2]))
    matlas = [poem[:2] for poem in report["form_aware"]["poems"]]
    assert matlas and all(keeps_form(second, *required_ending([first, second])) for first, second in matlas)
