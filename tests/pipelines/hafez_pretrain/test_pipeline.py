"""hafez_pretrain on real Ganjoor ghazals (two poets, conf/test's tiny model), then hafez
fine-tuned from it."""

import json

import pandas as pd
import pytest
import torch

from hw3_pipelines.datasets import TorchModelDataset
from hw3_pipelines.errors import MissingInputError, ParameterError
from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig
from hw3_pipelines.pipelines.hafez import nodes as hafez_nodes
from hw3_pipelines.pipelines.hafez_pretrain import nodes
from hw3_pipelines.text.form_header import HEADER_CHARS
from hw3_pipelines.text.layout import layout_named
from hw3_pipelines.text.poems import text_to_poems
from tests.conftest import TEST_DATA, latest, run_pipeline
from tests.pipelines.hafez.test_nodes import params


def read_json(project, relative):
    return json.loads(latest(project, f"{TEST_DATA}/{relative}").read_text(encoding="utf-8"))


def test_pretrain_then_fine_tune_from_the_pretrained_weights(project_copy):
    run_pipeline(project_copy, "hafez_metre")
    run_pipeline(project_copy, "hafez_pretrain")
    selection = read_json(project_copy, "08_reporting/hafez_pretrain_selection_report.json")
    assert selection["poems_in"] == 266 and selection["poems_per_poet"] == {"kamal": 160, "obeyd": 106}
    assert selection["poems_kept"] + selection["dropped_sharing_a_held_out_hafez_hemistich"] == 266
    corpus = latest(project_copy, f"{TEST_DATA}/04_feature/hafez_pretrain_corpus.txt").read_text(encoding="utf-8")
    blocks = text_to_poems(corpus)
    layout = layout_named(params().model.layout)  # the fine-tuning's layout, prefixes and all
    assert len(blocks) == selection["poems_kept"] and all(block[0].startswith("[") and len(layout.lay_back(block)) % 2 == 0 for block in blocks)
    metres = pd.read_csv(latest(project_copy, f"{TEST_DATA}/04_feature/ganjoor_poem_metres.csv"))
    assert len(metres) == 266 and set(metres["source"]) == {"ganjoor"}  # both poets are labelled
    vocab = read_json(project_copy, "04_feature/hafez_vocab.json")
    assert set(corpus) <= set(vocab)  # the Divan's alphabet serves the other poets and the headers
    metrics = read_json(project_copy, "08_reporting/hafez_pretrain_metrics.json")
    assert metrics["val_nats_per_char"] < 4 and metrics["hafez_val_nats_per_char_before_fine_tuning"] < 4
    assert metrics["hafez_val_nats_per_char_before_fine_tuning_without_header"] < 4
    agreement = read_json(project_copy, "08_reporting/ganjoor_rhyme_agreement.json")
    assert set(agreement["by_group"]) == {"kamal", "obeyd"} and agreement["ours_ends_in_theirs"] > 0.9
    pretrained = TorchModelDataset(filepath=str(latest(project_copy, f"{TEST_DATA}/06_models/hafez_pretrained_char_lm.pt"))).load()
    assert pretrained.config.alphabet == "".join(sorted(vocab, key=vocab.get))

    nearly_frozen = {"hafez": {"init_from": "pretrained", "training": {"learning_rate": 1e-12}}}
    run_pipeline(project_copy, "hafez", nearly_frozen)
    fine_tuned = TorchModelDataset(filepath=str(latest(project_copy, f"{TEST_DATA}/06_models/hafez_char_lm.pt"))).load()
    for name, value in pretrained.state_dict().items():
        assert torch.allclose(fine_tuned.state_dict()[name], value, atol=1e-6), name


def test_fine_tuning_needs_a_pretrained_model_of_the_same_sizes():
    vocab = {"ا": 0, "ب": 1, "\n": 2}
    setting = params(init_from="pretrained", model={"hidden_size": 8, "embedding_dim": 4, "num_layers": 1})
    streams = {"train": torch.zeros(5000, dtype=torch.long).numpy(), "val": torch.zeros(50, dtype=torch.long).numpy()}
    with pytest.raises(MissingInputError, match="run `kedro run --pipeline hafez_pretrain` first"):
        hafez_nodes.train_char_lm(streams, vocab, None, setting)
    larger = CharLM(CharLMConfig(vocab_size=3, alphabet="\nاب", embedding_dim=4, hidden_size=16, num_layers=1, layout=setting.model.layout))
    with pytest.raises(ParameterError, match="the pretrained model is lstm 1×16, hafez.model asks for lstm 1×8"):
        hafez_nodes.train_char_lm(streams, {"\n": 0, "ا": 1, "ب": 2}, larger, setting)
    end_first = CharLM(CharLMConfig(vocab_size=3, alphabet="\nاب", embedding_dim=4, hidden_size=8, num_layers=1, layout="end_first"))
    with pytest.raises(ParameterError, match="the pretrained model read the 'end_first' layout, hafez.model.layout asks for 'end_first_rhyme_prefixed'"):
        hafez_nodes.train_char_lm(streams, {"\n": 0, "ا": 1, "ب": 2}, end_first, setting)


def test_poems_sharing_a_hemistich_with_held_out_hafez_ghazals_are_dropped():
    divan = "الف ب\nج د\n\nه و\nز ح\n\nط ی\nک ل\n"
    split = {"val_poems": [0], "tune_poems": [1], "train_poems": [2]}
    vocab = {c: i for i, c in enumerate(sorted(set(divan + "م" + HEADER_CHARS)))}
    others = [
        {"url": "/a/1", "poet": "a", "verses": ["الف  ب", "م م"]},  # a validation hemistich, spaced otherwise
        {"url": "/a/2", "poet": "a", "verses": ["ز ح", "م م"]},  # a tuning hemistich
        {"url": "/a/3", "poet": "a", "verses": ["ط ی", "م م"]},  # a training hemistich: kept, counted
        {"url": "/a/4", "poet": "a", "verses": ["م ن", "م م"]},  # ن is not in the alphabet
        {"url": "/a/5", "poet": "a", "verses": ["م م", "م"]},
    ]
    metres = pd.DataFrame({"url": [f"/a/{k}" for k in range(1, 6)], "metre": ["مفاعلن (م)", None, None, None, None]})
    text, report = nodes.select_pretraining_poems(others, metres, divan, split, vocab, params(model={"layout": "plain"}))
    assert text_to_poems(text) == [["[?|||1]", "ط ی", "م م"], ["[?|||1]", "م م", "م"]]
    prefixed = params(model={"layout": "end_first_prefixed"})
    laid_out, _ = nodes.select_pretraining_poems(others, metres, divan, split, vocab, prefixed)
    assert text_to_poems(laid_out)[0] == ["[?|||1]", "[1||]", "ی ط", "م م", "[0||]"]  # in the fine-tuning's layout
    assert report["dropped_sharing_a_held_out_hafez_hemistich"] == 2
    assert [o["url"] for o in report["held_out_hafez_hemistichs_shared"]] == ["/a/1", "/a/2"]
    assert report["dropped_for_characters_outside_the_alphabet"] == {"ن": 1}
    assert report["hafez_training_hemistichs_shared_and_kept"] == 1


def test_near_copies_are_measured_by_shared_word_trigrams():
    pretraining = {gram for line in ["دل ما را ببرد", "جان و تن"] for gram in nodes._word_trigrams(line)}
    report = nodes._trigram_overlap(["دل ما را ببرد", "دل ما را نبرد", "یک دو"], pretraining)
    assert report == {"hemistichs": 2, "mean_share": 0.75, "all_found_share": 0.5}  # "یک دو" has no trigram


def test_poems_without_a_label_get_the_judge_s_metre_and_labelled_ones_keep_ganjoor_s():
    from hw3_pipelines.modeling.metre_judge import (
        MetreJudge,
        MetreJudgeConfig,
        judge_alphabet,
    )

    poems = [
        {"url": "/a/1", "poet": "a", "metre": "فاعلن (ف)", "verses": ["گل ما", "دل ما"]},
        {"url": "/a/2", "poet": "a", "metre": None, "verses": ["سر و پا", "جان ما"]},
    ]
    alphabet = judge_alphabet([line for poem in poems for line in poem["verses"]])
    torch.manual_seed(0)
    judge = MetreJudge(MetreJudgeConfig(len(alphabet), ("مفاعلن (م)", "other"), hidden_size=4, alphabet=alphabet))
    with torch.no_grad():
        judge.head.bias.copy_(torch.tensor([5.0, 0.0]))  # hears every line as مفاعلن
    table = nodes.metres_of_poems(poems, judge)
    assert table[["url", "metre", "source"]].values.tolist() == [["/a/1", "فاعلن (ف)", "ganjoor"], ["/a/2", "مفاعلن (م)", "judge"]]
    assert table["confidence"].iloc[1] > 0.9
    with torch.no_grad():
        judge.head.bias.copy_(torch.tensor([0.0, 5.0]))  # hears "other": the header says "?"
    assert nodes.metres_of_poems(poems, judge)["metre"].isna().tolist() == [False, True]
