"""Nodes of the hafez pipelines: corpus → clean → split and encode → train → evaluate → sample.

Text travels between nodes in one layout (``text.poems``): one hemistich per line, a
blank line between ghazals. Every text file is UTF-8. Every node takes the whole
``params:hafez`` section as a validated ``HafezParams``.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import math
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from hw3_pipelines.errors import InputDataError, MissingInputError, ParameterError
from hw3_pipelines.forecasting.metrics import loss_difference_test
from hw3_pipelines.modeling.char_lm import (
    CharLM,
    CharLMConfig,
    describe,
    generate,
    stream_nats,
)
from hw3_pipelines.modeling.dynamic_eval import dynamic_nats
from hw3_pipelines.modeling.form_aware import FormAwareLineEnd
from hw3_pipelines.modeling.models import parameter_count
from hw3_pipelines.modeling.neural_cache import (
    CacheSettings,
    NeuralCache,
    cache_nats,
    hidden_states,
    tune_cache,
)
from hw3_pipelines.modeling.plots import loss_curves
from hw3_pipelines.modeling.stream_training import train_on_streams
from hw3_pipelines.modeling.training import make_reproducible, resolve_device
from hw3_pipelines.parameters import HafezParams, HafezSample
from hw3_pipelines.progress import track
from hw3_pipelines.text.ghazal import form_report
from hw3_pipelines.text.ngram import KneserNey
from hw3_pipelines.text.normalize import normalize_line, normalize_poems
from hw3_pipelines.text.poems import poem_numbers, poems_to_text, text_to_poems
from hw3_pipelines.text.verse_metrics import verse_report
from hw3_pipelines.text.vocab import alphabet, build_vocab, decode, encode

logger = logging.getLogger(__name__)


def load_corpus(hafez: HafezParams) -> str:
    """The corpus as text: the Divan packaged in ``hafez`` by default, else a UTF-8 file."""
    if hafez.corpus_path is None:
        source = importlib.resources.files("hafez") / "data" / "hafez.json"
        poems = [entry["poem"] for entry in json.loads(source.read_text(encoding="utf-8"))]
    else:
        path = Path(hafez.corpus_path)
        if not path.is_file():
            raise InputDataError(f"corpus file not found: {path}")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise InputDataError(
                f"corpus file {path} is not UTF-8 (byte {error.start}: {error.reason}); "
                "convert it first, e.g. iconv -f WINDOWS-1256 -t UTF-8"
            ) from None
        poems = text_to_poems(text.lstrip("\ufeff"))
    if not poems:
        raise InputDataError(f"the corpus {hafez.corpus_path or 'hafez.json'} has no verse in it")
    return poems_to_text(poems)


def clean_corpus(raw_text: str) -> tuple[str, dict]:
    """Normalise every hemistich (see ``text.normalize``) and report what changed."""
    poems, report = normalize_poems(text_to_poems(raw_text))
    if not poems:
        raise InputDataError("nothing is left of the corpus after cleaning: it holds no letters")
    logger.info("Cleaned %d poems, %d hemistichs: %s", report["poems"], report["hemistichs"], report["changes"])
    return poems_to_text(poems), report


def split_and_encode(clean_text: str, hafez: HafezParams) -> tuple[dict, dict, dict]:
    """Character vocabulary, a seeded split by whole ghazals, and the id streams.

    ``val`` ghazals give the headline score; ``tune`` ghazals (``split.tune_fraction``) are
    held out of training too, to tune the neural cache's settings on text the model has
    not seen without looking at the validation ghazals. Each part is its poems joined in
    corpus order, each poem followed by a blank line, so the model learns where a ghazal
    ends. No poem is in two parts.
    """
    poems = text_to_poems(clean_text)
    n_val = max(1, round(len(poems) * hafez.split.val_fraction))
    n_tune = round(len(poems) * hafez.split.tune_fraction)
    if n_val + n_tune >= len(poems):
        raise InputDataError(f"the corpus has {len(poems)} poems: too few to hold out {n_val + n_tune} from training")
    order = np.random.default_rng(hafez.split.seed).permutation(len(poems))
    parts = {
        "val": sorted(int(i) for i in order[:n_val]),
        "tune": sorted(int(i) for i in order[n_val : n_val + n_tune]),
        "train": sorted(int(i) for i in order[n_val + n_tune :]),
    }
    vocab = build_vocab(clean_text)
    streams = {part: encode(poems_to_text([poems[i] for i in ids]) + "\n", vocab) for part, ids in parts.items() if ids}
    return vocab, {f"{part}_poems": ids for part, ids in parts.items()}, streams


def train_char_lm(
    streams: dict, vocab: dict, pretrained: CharLM | None, hafez: HafezParams
) -> tuple[CharLM, pd.DataFrame]:
    """Train the character model on the Divan (``modeling.stream_training``): from scratch,
    or with ``init_from: pretrained`` from the weights ``hafez_pretrain`` saved last
    (fine-tuning). The best epoch by validation loss is kept."""
    training = hafez.training
    make_reproducible(training.seed, training.num_threads)
    device = resolve_device(training.device)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), alphabet=alphabet(vocab), **hafez.model.model_dump()))
    if hafez.init_from == "pretrained":
        _start_from(model, pretrained)
    return train_on_streams(model.to(device), streams, training, desc="hafez")


def _start_from(model: CharLM, pretrained: CharLM | None) -> None:
    """Load the pretrained weights into ``model``, or say why they cannot serve it."""
    if pretrained is None:
        raise MissingInputError(
            "hafez.init_from=pretrained needs a pretrained model, and none has been saved: "
            "run `kedro run --pipeline hafez_pretrain` first, with the same --env"
        )
    if pretrained.config.alphabet != model.config.alphabet:
        raise InputDataError(
            "the pretrained model was trained on another alphabet than this corpus's: "
            "rerun `kedro run --pipeline hafez_pretrain` on this corpus"
        )
    try:
        model.load_state_dict(pretrained.state_dict())
    except RuntimeError:
        raise ParameterError(
            f"the pretrained model is {describe(pretrained.config)}, hafez.model asks for {describe(model.config)}: "
            "use the sizes it was pretrained with, or rerun hafez_pretrain"
        ) from None


def tune_neural_cache(model: CharLM, streams: dict, vocab: dict, hafez: HafezParams) -> dict:
    """The neural cache's weight and sharpness (``modeling.neural_cache``), chosen on the
    held-out tuning ghazals, never on the validation ones; ``{}`` when the cache is off."""
    grid = hafez.evaluation.cache
    if grid is None:
        return {}
    if "tune" not in streams:
        raise ParameterError("hafez.evaluation.cache is tuned on held-out training ghazals: set hafez.split.tune_fraction above 0")
    make_reproducible(hafez.training.seed, hafez.training.num_threads)
    settings, report = tune_cache(model, torch.from_numpy(streams["tune"]), vocab["\n"], grid.weights, grid.sharpness)
    logger.info("Neural cache: weight %s, sharpness %s (%.4f nats/char on the tuning ghazals, %.4f without).",
                settings.weight, settings.sharpness, report["tune_nats_per_char"], report["tune_nats_per_char_without_cache"])
    return {**asdict(settings), **report}


def evaluate_char_lm(
    model: CharLM, streams: dict, vocab: dict, history: pd.DataFrame, cache_settings: dict, hafez: HafezParams
) -> dict:
    """Validation loss of the model and of Kneser-Ney n-grams fitted on the same training text.

    ``val_nats_per_char`` is the static score of the saved weights, the headline. With
    weight averaging the raw weights' score at the kept epoch is reported beside it, with
    ``evaluation.dynamic`` the score under dynamic evaluation (``modeling.dynamic_eval``)
    as ``val_nats_per_char_dynamic``, and with the neural cache the scores with the cache
    (``val_nats_per_char_cache``) and with both (``val_nats_per_char_dynamic_cache``).
    """
    make_reproducible(hafez.training.seed, hafez.training.num_threads)
    val_ids = torch.from_numpy(streams["val"])
    with torch.no_grad():
        nats = stream_nats(model.eval(), val_ids)
    scores = {"val_nats_per_char": nats, "val_bits_per_char": nats / math.log(2)}
    if hafez.training.ema_decay:
        scores["val_nats_per_char_raw_weights"] = float(history.loc[history["best"], "val_loss_raw"].iloc[0])
    cache = _cache(cache_settings, vocab)
    if cache is not None:
        hidden, probs = hidden_states(model, val_ids)
        scores["val_nats_per_char_cache"] = cache_nats(hidden, probs, val_ids, cache.settings, cache.newline)
    dynamic = hafez.evaluation.dynamic
    if dynamic is not None:
        scores["val_nats_per_char_dynamic"] = dynamic_nats(model, val_ids, **dynamic.model_dump())
        if cache is not None:
            scores["val_nats_per_char_dynamic_cache"] = dynamic_nats(model, val_ids, **dynamic.model_dump(), cache=cache)
    train_text, val_text = decode(streams["train"], vocab), decode(streams["val"], vocab)
    orders = hafez.evaluation.ngram_orders
    ngram_chars = {
        str(order): KneserNey(order, vocab_size=len(vocab)).fit(train_text).char_nats(val_text, start=1)
        for order in track(orders, len(orders), "Kneser-Ney orders", unit="order")
    }
    ngram = {order: math.fsum(chars) / len(chars) for order, chars in ngram_chars.items()}
    best_order = min(ngram, key=ngram.get)
    return {
        **scores,
        "val_characters": len(val_text) - 1,
        "ngram": ngram,
        "best_ngram_order": int(best_order),
        "beats_best_ngram": nats < ngram[best_order],
        "dm_vs_best_ngram": _per_ghazal_test(model, val_ids, ngram_chars[best_order], vocab["\n"]),
        "parameters": parameter_count(model),
    }


def _per_ghazal_test(model: CharLM, val_ids: torch.Tensor, ngram_chars: list[float], newline: int) -> dict:
    """Diebold-Mariano test of the model's loss against the n-gram's, one pair per ghazal
    (each one's mean nats/char): characters within a ghazal are far from independent,
    ghazals nearly are. A negative statistic means the model's loss is lower. Fewer than
    three ghazals allow no test (``None``)."""
    _, probs = hidden_states(model, val_ids)
    targets = val_ids[1:]
    model_chars = -torch.log(probs[torch.arange(len(targets)), targets]).numpy()
    poems = np.array(poem_numbers(val_ids[:-1].tolist(), newline))
    means = [(model_chars[poems == k].mean(), np.mean(np.asarray(ngram_chars)[poems == k])) for k in np.unique(poems)]
    if len(means) < 3:
        return {"statistic": None, "p_value": None, "ghazals": len(means)}
    model_means, ngram_means = map(np.array, zip(*means))
    test = loss_difference_test(model_means, ngram_means)
    return {"statistic": test["statistic"], "p_value": test["p_value"], "ghazals": test["n"]}


def _cache(cache_settings: dict, vocab: dict) -> NeuralCache | None:
    if not cache_settings:
        return None
    return NeuralCache(CacheSettings(cache_settings["weight"], cache_settings["sharpness"]), len(vocab), vocab["\n"])


def sample_verse(
    model: CharLM, vocab: dict, clean_text: str, cache_settings: dict, hafez: HafezParams
) -> tuple[str, dict]:
    """Continue the seed text into whole ghazals with temperature and top-k sampling,
    seeded, and report on the verse and its form.

    The model decides where a ghazal ends, between ``min_couplets`` and ``max_couplets``.
    With ``sample.cache`` every draw mixes in the neural cache's memory of the ghazal being
    written (settings from ``tune_neural_cache``). This free sample is the headline. With
    ``sample.form_aware`` a second sample from the same seed keeps each ghazal's radif and
    qafiya by choosing the last word of its couplets (``modeling.form_aware``); it is
    reported separately, poems included, under ``form_aware``.
    """
    sample = hafez.sample
    seed_text = normalize_line(sample.seed_text)
    unknown = sorted(set(seed_text) - vocab.keys())
    if unknown:
        raise InputDataError(f"hafez.sample.seed_text has characters outside the model's vocabulary: {unknown}")
    if not seed_text:
        raise InputDataError("hafez.sample.seed_text is empty after normalisation")
    if sample.cache and not cache_settings:
        raise ParameterError("hafez.sample.cache samples with the tuned neural cache: set hafez.evaluation.cache and rerun hafez")
    cache = _cache(cache_settings, vocab) if sample.cache else None
    corpus_poems = text_to_poems(clean_text)
    corpus_lines = [line for poem in corpus_poems for line in poem]
    poems = _write_ghazals(model, vocab, seed_text, sample, cache)
    report = {
        "settings": sample.model_dump(exclude={"seed_text"}),
        "seed_text": seed_text,
        "ghazals": len(poems),
        **_verse_scores(poems, corpus_lines),
    }
    if sample.form_aware:
        words = Counter(word for line in corpus_lines for word in line.split())
        line_end = FormAwareLineEnd(vocab, words, sample.temperature)
        constrained = _write_ghazals(model, vocab, seed_text, sample, cache, line_end)
        report["form_aware"] = {
            **_verse_scores(constrained, corpus_lines),
            "endings_rewritten": line_end.rewritten,
            "qafiyas_without_corpus_words": line_end.without_candidates,
            "poems": constrained,
        }
    return poems_to_text(poems), report


def _write_ghazals(
    model: CharLM, vocab: dict, seed_text: str, sample: HafezSample, cache: NeuralCache | None, line_end=None
) -> list[list[str]]:
    torch.manual_seed(sample.seed)
    ids = generate(
        model, encode(seed_text + "\n", vocab).tolist(), vocab["\n"], sample.ghazals, sample.max_chars,
        sample.temperature, sample.top_k, min_lines=2 * sample.min_couplets,
        max_lines=2 * sample.max_couplets if sample.max_couplets else None,
        line_end=line_end, cache=cache,
    )
    return text_to_poems(seed_text + "\n" + decode(ids, vocab))


def _verse_scores(poems: list[list[str]], corpus_lines: list[str]) -> dict:
    generated_lines = [line for poem in poems for line in poem][1:]  # the seed is not the model's work
    return {**verse_report(generated_lines, corpus_lines), "form": form_report(poems)}


def measure_corpus_form(clean_text: str) -> dict:
    """Radif and qafiya across the corpus (``text.ghazal``): what generated verse is held to."""
    return form_report(text_to_poems(clean_text))


def plot_loss(history: pd.DataFrame, hafez: HafezParams) -> Figure:
    """Training and validation loss of the character model (a reporting node)."""
    start = ", fine-tuned" if hafez.init_from == "pretrained" else ""
    title = f"Character model loss ({describe(hafez.model)}, bptt {hafez.training.bptt}{start})"
    return loss_curves(history, title, "nats / character")
