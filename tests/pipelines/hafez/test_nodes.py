"""The hafez nodes on tiny inputs: corpus errors, the split with form headers, evaluation."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from pydantic import ValidationError

from hw3_pipelines.errors import InputDataError
from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig
from hw3_pipelines.parameters import HafezParams
from hw3_pipelines.pipelines.hafez import nodes
from hw3_pipelines.text.form_header import FormHeader
from hw3_pipelines.text.layout import layout_named
from hw3_pipelines.text.poems import poems_to_text, text_to_poems
from hw3_pipelines.text.verse_metrics import verse_report
from tests.conftest import conf_parameters, deep_merge

POEMS = [[f"مصرع {i} از غزل {g}" for i in range(4)] for g in range(20)]


def params(**overrides) -> HafezParams:
    return HafezParams.model_validate(deep_merge(conf_parameters("hafez"), overrides))


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


def divan_metres(poems: list[list[str]], metres=("m",)) -> pd.DataFrame:
    """A stand-in for hafez_divan_metres: the ghazals in turn in ``metres``."""
    return pd.DataFrame({
        "ghazal": range(1, len(poems) + 1), "first_hemistich": [poem[0] for poem in poems],
        "metre": [metres[k % len(metres)] for k in range(len(poems))], "confidence": 0.9,
        "hemistichs_agreeing": [len(poem) for poem in poems], "hemistichs": [len(poem) for poem in poems],
    })


def split(poems, layout="plain", **split_params):
    setting = params(split={"val_fraction": 0.1, "tune_fraction": 0.05, "seed": 0, **split_params}, model={"layout": layout})
    return nodes.split_and_encode(poems_to_text(poems), divan_metres(poems), setting)


@pytest.mark.parametrize("name", ["plain", "end_first_prefixed"])
def test_split_keeps_every_ghazal_whole_each_after_its_form_header(name):
    layout = layout_named(name)
    vocab, parts, streams = split(POEMS, name)
    assert [len(parts[f"{part}_poems"]) for part in ("val", "tune", "train")] == [2, 1, 17]
    assert sorted(parts["val_poems"] + parts["tune_poems"] + parts["train_poems"]) == list(range(20))
    inverse = {i: c for c, i in vocab.items()}
    for part in ("val", "tune", "train"):
        part_text = "".join(inverse[int(i)] for i in streams[part])
        blocks = text_to_poems(part_text)
        assert [layout.lay_back(block) for block in blocks] == [POEMS[i] for i in parts[f"{part}_poems"]]
        assert [block[0] for block in blocks] == [layout.header(FormHeader.of(POEMS[i], "m")) for i in parts[f"{part}_poems"]]
        scored = "".join(c for c, keep in zip(part_text, streams[f"{part}_scored"]) if keep)
        laid_out = [[layout.line(line) for line in POEMS[i]] for i in parts[f"{part}_poems"]]
        assert scored == poems_to_text(laid_out) + "\n"  # verse, line breaks and ghazal ends; no header, no prefix
        assert np.array_equal(streams[f"{part}_rhyme"], layout.rhyme_mask(part_text))
    plain = "".join(inverse[int(i)] for i in streams["val_without_header"])
    assert plain == "\n" + poems_to_text([[layout.line(line) for line in POEMS[i]] for i in parts["val_poems"]]) + "\n"
    json.dumps(vocab, ensure_ascii=False)  # the vocabulary is plain JSON


def test_metres_of_another_corpus_are_refused():
    other = [["یک", "دو"]] * 20
    with pytest.raises(InputDataError, match="run `kedro run --pipeline hafez_metre` on this corpus first"):
        nodes.split_and_encode(poems_to_text(POEMS), divan_metres(other), params())
    with pytest.raises(InputDataError, match="not this corpus's"):
        nodes.split_and_encode(poems_to_text(POEMS), divan_metres(POEMS[:5]), params())


def test_the_judge_s_other_is_an_unknown_metre_in_the_header():
    vocab, parts, streams = nodes.split_and_encode(poems_to_text(POEMS), divan_metres(POEMS, ("m", "other")), params())
    headers = {block[0] for block in text_to_poems("".join({i: c for c, i in vocab.items()}[int(i)] for i in streams["train"]))}
    assert {header.split("|")[0] for header in headers} == {"[m", "[?"}


def test_holding_out_more_tuning_ghazals_keeps_the_same_validation_ghazals():
    few, more = split(POEMS)[1], split(POEMS, tune_fraction=0.2)[1]
    assert few["val_poems"] == more["val_poems"]
    assert len(few["tune_poems"]) == 1 and len(more["tune_poems"]) == 4


def test_split_is_seeded():
    first = split(POEMS, val_fraction=0.2, seed=1)[1]
    assert first == split(POEMS, val_fraction=0.2, seed=1)[1]
    assert first != split(POEMS, val_fraction=0.2, seed=2)[1]


def _tiny_model(vocab):
    torch.manual_seed(0)
    return CharLM(CharLMConfig(vocab_size=len(vocab), embedding_dim=4, hidden_size=8, num_layers=1)).eval()


def test_report_counts_known_words_and_copies():
    report = verse_report(["الف ب", "ج ه"], ["الف ب", "ج د"])
    assert report["known_word_share"] == pytest.approx(3 / 4)
    assert report["copied_hemistich_share"] == pytest.approx(1 / 2)
    assert report["mean_hemistich_chars"] == pytest.approx(4.0)


def test_the_cache_is_tuned_on_the_tuning_ghazals_only():
    grid = {"ngram_orders": [2], "cache": {"weights": [0.1, 0.2], "sharpness": [0.5, 1.0]}}
    setting = params(split={"val_fraction": 0.1, "tune_fraction": 0.1, "seed": 0}, evaluation=grid)
    vocab, _, streams = nodes.split_and_encode(poems_to_text(POEMS), divan_metres(POEMS), setting)
    tuned = nodes.tune_neural_cache(_tiny_model(vocab), streams, vocab, setting)
    assert tuned["tune_nats_per_char"] == min(tuned["grid"].values())
    assert f"{tuned['weight']},{tuned['sharpness']}" in tuned["grid"]
    changed_val = {**streams, "val": streams["val"][::-1].copy()}
    assert nodes.tune_neural_cache(_tiny_model(vocab), changed_val, vocab, setting) == tuned
    off = params(evaluation={"ngram_orders": [2], "cache": None})
    assert nodes.tune_neural_cache(_tiny_model(vocab), streams, vocab, off) == {}
    with pytest.raises(ValidationError, match="tune_fraction"):
        params(split={"val_fraction": 0.1, "tune_fraction": 0.0, "seed": 0})


def test_evaluation_scores_verse_with_and_without_headers_and_dynamic_only_when_asked():
    setting = params(split={"val_fraction": 0.1, "seed": 0}, evaluation={"ngram_orders": [2], "dynamic": None})
    vocab, parts, streams = nodes.split_and_encode(poems_to_text(POEMS), divan_metres(POEMS), setting)
    history = pd.DataFrame({"epoch": [1, 2], "val_loss": [2.5, 2.0], "val_loss_raw": [2.4, 2.1], "best": [False, True]})
    plain = nodes.evaluate_char_lm(_tiny_model(vocab), streams, vocab, history, {}, setting)
    assert "val_nats_per_char_dynamic" not in plain and "val_nats_per_char_raw_weights" not in plain
    assert plain["val_characters"] == len(poems_to_text([POEMS[i] for i in parts["val_poems"]]) + "\n")  # their verse
    assert plain["val_nats_per_char_without_header"] != plain["val_nats_per_char"] and plain["best_epoch"] == 2
    averaged = setting.model_copy(update={"training": setting.training.model_copy(update={"ema_decay": 0.9})})
    assert nodes.evaluate_char_lm(_tiny_model(vocab), streams, vocab, history, {}, averaged)["val_nats_per_char_raw_weights"] == 2.1
    dynamic = params(split={"val_fraction": 0.1, "seed": 0}, evaluation={"ngram_orders": [2], "dynamic": {"segment": 16, "learning_rate": 0.5}})
    scores = nodes.evaluate_char_lm(_tiny_model(vocab), streams, vocab, history, {}, dynamic)
    assert scores["val_nats_per_char_dynamic"] < scores["val_nats_per_char"] == plain["val_nats_per_char"]
