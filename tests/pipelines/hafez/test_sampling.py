"""Ghazals asked for: requests drawn from the Divan, written free, form-aware and metre-aware,
scored against what was asked."""

import pytest
import torch

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig
from hw3_pipelines.modeling.metre_judge import (
    MetreJudge,
    MetreJudgeConfig,
    judge_alphabet,
)
from hw3_pipelines.pipelines.hafez import nodes, sampling
from hw3_pipelines.text.form_header import FormHeader, split_header
from hw3_pipelines.text.poems import poems_to_text, text_to_poems
from tests.pipelines.hafez.test_nodes import POEMS, divan_metres, params

METRES = ("فاعلاتن فاعلن (رمل)", "مفاعلن فعلن (مجتث)", "other")
SAMPLE = {
    "ghazals": 2, "min_couplets": 1, "max_couplets": 3, "temperature": 1.0, "top_k": 5, "seed": 3, "seed_count": 1,
    "cache": False, "form_aware": True, "metre_aware": {"drafts": 4},
}


def sample_params(**overrides):
    return params(split={"val_fraction": 0.1, "tune_fraction": 0.1, "seed": 0}, sample={**SAMPLE, **overrides})


def judge(poems, sharpness: float = 1.0) -> MetreJudge:
    """A random judge; ``sharpness`` scales its logits, so that it hears lines apart."""
    torch.manual_seed(0)
    alphabet = judge_alphabet([line for poem in poems for line in poem])
    judge = MetreJudge(MetreJudgeConfig(len(alphabet), METRES, embedding_dim=4, hidden_size=4, num_layers=1, alphabet=alphabet))
    with torch.no_grad():
        judge.head.weight.mul_(sharpness)
    return judge.eval()


def setting_up(poems, metres=METRES[:2], **sample):
    setting = sample_params(**sample)
    table = divan_metres(poems, metres)
    vocab, split, _ = nodes.split_and_encode(poems_to_text(poems), table, setting)
    return vocab, split, table, setting


def tiny_model(vocab) -> CharLM:
    torch.manual_seed(0)
    return CharLM(CharLMConfig(vocab_size=len(vocab), embedding_dim=4, hidden_size=8, num_layers=1)).eval()


OTHER_POETS = [{"verses": ["گل ما را", "که دل ما"]}]


def sample(model, vocab, poems, split, table, setting, cache=None, sharpness=1.0):
    return sampling.sample_verse(model, vocab, poems_to_text(poems), split, table, judge(poems, sharpness), cache or {}, OTHER_POETS, setting)


def first_seed(report: dict, strategy: str) -> dict:
    return report[strategy]["by_seed"][0]


def test_requests_take_what_is_left_open_from_held_out_divan_ghazals():
    _, split, table, setting = setting_up(POEMS, ghazals=6)
    requests = sampling.draw_requests(setting.sample, POEMS, table, split, list(METRES))
    held_out = [POEMS[i] for i in split["val_poems"] + split["tune_poems"]]
    held_out_forms = {FormHeader.of(poem, table["metre"][POEMS.index(poem)]) for poem in held_out}
    assert len(requests) == 6 and set(requests) <= held_out_forms
    asked = sample_params(ghazals=3, metre="مفاعلن فعلن", qafiya="ل", radif="", couplets=4).sample
    requests = sampling.draw_requests(asked, POEMS, table, split, list(METRES))
    assert {(r.metre, r.qafiya, r.radif, r.couplets) for r in requests} == {(METRES[1], "ل", "", 4)}


def test_a_metre_is_asked_for_by_its_name_its_feet_or_not_at_all():
    assert sampling.resolve_metre("رمل", list(METRES)) == METRES[0]
    assert sampling.resolve_metre(" مفاعلن  فعلن ", list(METRES)) == METRES[1]
    assert sampling.resolve_metre(METRES[0], list(METRES)) == METRES[0]
    assert sampling.resolve_metre("any", list(METRES)) is None
    with pytest.raises(ParameterError, match="not a metre the judge knows; use any, or one of: فاعلاتن فاعلن; مفاعلن فعلن"):
        sampling.resolve_metre("other", list(METRES))


def test_sampling_is_seeded_and_writes_each_ghazal_after_its_request():
    vocab, split, table, setting = setting_up(POEMS, seed_count=2)
    model = tiny_model(vocab)
    text, report = sample(model, vocab, POEMS, split, table, setting)
    assert text == sample(model, vocab, POEMS, split, table, setting)[0]
    assert text != sample(model, vocab, POEMS, split, table, sample_params(seed=4))[0]
    blocks = [split_header(block) for block in text_to_poems(text)]
    runs = report["free"]["by_seed"]
    assert [run["seed"] for run in runs] == [3, 4]  # seed, seed + 1: each asks for its own ghazals
    assert report["free"]["asked_metre_share"] == pytest.approx((runs[0]["asked_metre_share"] + runs[1]["asked_metre_share"]) / 2)
    assert [header for header, _ in blocks] == [FormHeader(**p["request"]).text() for run in runs for p in run["poems"]]
    requests = [p["request"] for p in runs[0]["poems"]]
    assert all(2 <= len(lines) <= 6 and len(lines) % 2 == 0 and "[" not in "".join(lines) for _, lines in blocks)
    for strategy in ("free", "form_aware", "metre_aware"):
        scores = first_seed(report, strategy)
        assert 0 <= scores["asked_metre_share"] <= 1 and scores["hemistichs"] == sum(len(p["hemistichs"]) for p in scores["poems"])
        assert scores["couplets_asked_mean"] == pytest.approx(sum(r["couplets"] for r in requests) / 2)
        assert [p["request"] for p in scores["poems"]] == requests  # every way of writing answers the same requests
        if strategy != "free":  # they keep the asked length, as they keep the rhyme
            assert all(p["couplets"] == p["request"]["couplets"] for p in scores["poems"])
    assert [p["hemistichs"][0]["text"] for run in runs for p in run["poems"]] == [lines[0] for _, lines in blocks]
    assert 0 <= runs[0]["other_poets_word_pair_share"] <= 1 and 0 <= report["divan"]["held_out_other_poets_word_pair_share"] <= 1
    assert 0 < report["divan"]["hemistichs_judged_in_their_ghazal_metre_share"] <= 1


def test_fluency_is_none_where_no_run_has_read_the_other_poets():
    vocab, split, table, setting = setting_up(POEMS, form_aware=False, metre_aware=None)
    _, report = sampling.sample_verse(tiny_model(vocab), vocab, poems_to_text(POEMS), split, table, judge(POEMS), {}, None, setting)
    assert report["free"]["by_seed"][0]["other_poets_word_pair_share"] is None
    assert report["divan"]["held_out_other_poets_word_pair_share"] is None and "other_poets_word_pair_share" not in report["free"]


def test_judged_drafts_are_heard_in_the_asked_metre_more_surely_than_free_lines():
    vocab, split, table, setting = setting_up(POEMS, ghazals=3)
    _, report = sample(tiny_model(vocab), vocab, POEMS, split, table, setting, sharpness=30.0)

    def mean_probability(strategy):
        values = [h["asked_metre_probability"] for p in first_seed(report, strategy)["poems"] for h in p["hemistichs"]]
        return sum(values) / len(values)

    assert mean_probability("metre_aware") > mean_probability("free") + 0.05


def trained_on(poems, layout="plain"):
    """A tiny model trained for 20 epochs on ``poems`` with their form headers, laid out in ``layout``."""
    setting = sample_params().model_copy(update={
        "model": params(model={"embedding_dim": 8, "hidden_size": 32, "num_layers": 1, "dropout": 0.0, "layout": layout}).model,
        "training": params(training={"epochs": 20, "bptt": 16, "batch_size": 4, "learning_rate": 0.01, "bf16_autocast": False}).training,
    })
    table = divan_metres(poems, METRES[:1])
    vocab, split, streams = nodes.split_and_encode(poems_to_text(poems), table, setting)
    model, _ = nodes.train_char_lm(streams, vocab, None, setting)
    return model, vocab, split, table


def test_form_aware_ghazals_keep_the_asked_rhyme_that_free_ones_miss():
    """A model that learnt ghazals whose second couplet drops the radif "ما را" writes them
    so when free; form-aware, the matla and every later couplet end in "ل ما را"."""
    poems = [["گل ما را", "دل ما را", "سر و پا", "جان ما"] for _ in range(40)]
    model, vocab, split, table = trained_on(poems)
    setting = sample_params(ghazals=2, min_couplets=2, max_couplets=2, temperature=0.5, metre_aware=None)
    _, report = sample(model, vocab, poems, split, table, setting)
    assert first_seed(report, "free")["poems"][0]["request"] == {"metre": METRES[0], "qafiya": "ل", "radif": "ما را", "couplets": 2}
    assert report["free"]["asked_radif_kept_share"] == 0.0
    kept = first_seed(report, "form_aware")
    assert kept["matla_keeps_asked_rhyme_share"] == kept["asked_radif_kept_share"] == kept["asked_qafiya_kept_share"] == 1.0
    assert kept["poems"][0]["hemistichs"][3]["text"] in ("گل ما را", "دل ما را") and kept["endings_rewritten"] >= 2


def test_a_model_that_reads_each_couplet_s_rhyme_first_writes_the_asked_radif_and_length_free():
    """Ghazals with one of two radifs: read end first after a prefix that names it, a tiny
    model writes whichever is asked, free, and ends where the count says; the user reads
    plain hemistichs."""
    poems = [[f"{word} {radif}" for word in ("گل", "دل", "سر", "جان")] for _ in range(20) for radif in ("ما را", "تو")]
    model, vocab, split, table = trained_on(poems, layout="end_first_prefixed")
    assert model.config.layout == "end_first_prefixed"
    setting = sample_params(ghazals=4, min_couplets=1, max_couplets=3, temperature=0.5, metre_aware=None)
    text, report = sample(model, vocab, poems, split, table, setting)
    free = first_seed(report, "free")
    assert {p["request"]["radif"] for p in free["poems"]} == {"ما را", "تو"}
    assert free["asked_radif_kept_share"] == 1.0 and free["couplets_off_by_mean"] == 0
    assert all(line.split()[0] in ("گل", "دل", "سر", "جان") for p in free["poems"] for line in (h["text"] for h in p["hemistichs"]))
    assert "[" not in "".join(line for block in text_to_poems(text) for line in split_header(block)[1])
    kept = first_seed(report, "form_aware")  # written rhyme first: nothing to rewrite
    assert kept["asked_qafiya_kept_share"] == 1.0 and "endings_rewritten" not in kept


def test_the_asked_form_is_checked_at_the_matla_and_each_later_couplet_s_end():
    request = FormHeader("m", "ل", "ما را", 3)
    poems = [["گل ما را", "دل ما را", "سر و پا", "جان ما", "یک", "دو دل ما را"], ["گل", "سر", "یک", "دو"]]
    report = sampling.asked_form_report(poems, [request, FormHeader("m", "", "", 1)])
    assert report["matla_keeps_asked_rhyme_share"] == 1.0  # an empty rhyme is always kept
    assert report["asked_radif_kept_share"] == report["asked_qafiya_kept_share"] == 0.5  # a form with no rhyme asks for none
    assert report["couplets_written_mean"] == 2.5 and report["couplets_asked_mean"] == 2 and report["couplets_off_by_mean"] == 0.5


def test_a_seed_text_is_the_first_hemistich_normalised_and_checked():
    vocab, split, table, setting = setting_up(POEMS, metre_aware=None, form_aware=False)
    text, report = sample(tiny_model(vocab), vocab, POEMS, split, table, sample_params(seed_text="مِصرع، ", metre_aware=None))
    assert all(split_header(block)[1][0] == "مصرع" for block in text_to_poems(text))
    assert all(len(p["hemistichs"]) % 2 == 1 for p in first_seed(report, "free")["poems"])  # the given hemistich is not scored
    with pytest.raises(InputDataError, match=r"\['x', 'ق'\]"):
        sample(tiny_model(vocab), vocab, POEMS, split, table, sample_params(seed_text="مصرع قx"))
    with pytest.raises(InputDataError, match=r"qafiya or radif has characters outside the model's alphabet: \['x'\]"):
        sample(tiny_model(vocab), vocab, POEMS, split, table, sample_params(radif="x"))


def test_sampling_with_the_cache_needs_its_tuned_settings():
    vocab, split, table, setting = setting_up(POEMS, metre_aware=None)
    model = tiny_model(vocab)
    with pytest.raises(ParameterError, match="set hafez.evaluation.cache"):
        sample(model, vocab, POEMS, split, table, sample_params(cache=True, metre_aware=None))
    cached, report = sample(model, vocab, POEMS, split, table, sample_params(cache=True, metre_aware=None), {"weight": 0.5, "sharpness": 1.0})
    assert cached != sample(model, vocab, POEMS, split, table, sample_params(metre_aware=None))[0]
    assert report["settings"]["cache"] is True
