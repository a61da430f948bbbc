"""Nodes of the hafez pipeline: corpus → clean → split and encode with form headers → train →
evaluate (sampling is ``sampling``'s).

Text travels between nodes in one layout (``text.poems``): one hemistich per line, a
blank line between ghazals; the model reads each ghazal after its form header
(``text.form_header``). Every text file is UTF-8. Every node takes the whole
``params:hafez`` section as a validated ``HafezParams``.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import math
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
    stream_nats,
)
from hw3_pipelines.modeling.dynamic_eval import dynamic_nats
from hw3_pipelines.modeling.models import parameter_count
from hw3_pipelines.modeling.neural_cache import (
    NeuralCache,
    cache_nats,
    hidden_states,
    tune_cache,
)
from hw3_pipelines.modeling.plots import loss_curves
from hw3_pipelines.modeling.stream_training import stream, train_on_streams
from hw3_pipelines.modeling.training import make_reproducible, resolve_device
from hw3_pipelines.parameters import HafezParams
from hw3_pipelines.progress import track
from hw3_pipelines.text.form_header import HEADER_CHARS, FormHeader, scored_mask, strip_headers
from hw3_pipelines.text.ghazal import form_report
from hw3_pipelines.text.layout import layout_named
from hw3_pipelines.text.metres import OTHER
from hw3_pipelines.text.ngram import KneserNey
from hw3_pipelines.text.normalize import normalize_poems
from hw3_pipelines.text.poems import poem_numbers, poems_to_text, text_to_poems
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


def split_and_encode(clean_text: str, divan_metres: pd.DataFrame, hafez: HafezParams) -> tuple[dict, dict, dict]:
    """Character vocabulary, a seeded split by whole ghazals, and the id streams.

    ``val`` ghazals give the headline score; ``tune`` ghazals (``split.tune_fraction``) are
    held out of training too, to choose the kept epoch and the neural cache's settings on
    text the model has not seen without looking at the validation ghazals. Each part is
    its poems in corpus order, each after its form header (``text.form_header``: the
    metre ``hafez_metre``'s judge hears in it, its qafiya, radif and length), laid out as
    ``hafez.model.layout`` says (``text.layout``) and followed by a blank line, so the
    model learns where a ghazal ends; ``<part>_scored`` marks the characters that are
    scored (not the headers' nor the prefixes'), ``<part>_rhyme`` those that carry a
    rhyming line's rhyme (``Layout.rhyme_mask``). ``val_without_header`` is the validation
    verse alone, in the same layout. No poem is in two parts.
    """
    poems = text_to_poems(clean_text)
    headers = divan_headers(poems, divan_metres)
    n_val = max(1, round(len(poems) * hafez.split.val_fraction))
    n_tune = max(1, round(len(poems) * hafez.split.tune_fraction))
    if n_val + n_tune >= len(poems):
        raise InputDataError(f"the corpus has {len(poems)} poems: too few to hold out {n_val + n_tune} from training")
    order = np.random.default_rng(hafez.split.seed).permutation(len(poems))
    parts = {
        "val": sorted(int(i) for i in order[:n_val]),
        "tune": sorted(int(i) for i in order[n_val : n_val + n_tune]),
        "train": sorted(int(i) for i in order[n_val + n_tune :]),
    }
    vocab = build_vocab(clean_text + HEADER_CHARS + "".join(header.text() for header in headers))
    layout = layout_named(hafez.model.layout)
    streams = {}
    for part, ids in parts.items():
        if ids:
            text = layout.text([poems[i] for i in ids], [headers[i] for i in ids])
            streams[part], streams[f"{part}_scored"] = encode(text, vocab), scored_mask(text)
            streams[f"{part}_rhyme"] = layout.rhyme_mask(text)
    streams["val_without_header"] = encode("\n" + layout.text([poems[i] for i in parts["val"]], None), vocab)
    return vocab, {f"{part}_poems": ids for part, ids in parts.items()}, streams


def divan_headers(poems: list[list[str]], divan_metres: pd.DataFrame) -> list[FormHeader]:
    """Each ghazal's form header, its metre the judge's (``hafez_divan_metres``)."""
    if len(divan_metres) != len(poems) or list(divan_metres["first_hemistich"]) != [poem[0] for poem in poems]:
        raise InputDataError(
            f"hafez_divan_metres labels {len(divan_metres)} ghazals that are not this corpus's {len(poems)}: "
            "run `kedro run --pipeline hafez_metre` on this corpus first"
        )
    return [FormHeader.of(poem, None if metre == OTHER else metre) for poem, metre in zip(poems, divan_metres["metre"])]


def train_char_lm(
    streams: dict, vocab: dict, pretrained: CharLM | None, hafez: HafezParams
) -> tuple[CharLM, pd.DataFrame]:
    """Train the character model on the Divan (``modeling.stream_training``): from scratch,
    or with ``init_from: pretrained`` from the weights ``hafez_pretrain`` saved last
    (fine-tuning). The epoch with the lowest loss on the tuning ghazals is kept, so the
    validation ghazals score a model chosen without them."""
    training = hafez.training
    make_reproducible(training.seed, training.num_threads)
    device = resolve_device(training.device)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), alphabet=alphabet(vocab), **hafez.model.model_dump()))
    if hafez.init_from == "pretrained":
        _start_from(model, pretrained)
    return train_on_streams(model.to(device), streams, training, desc="hafez", select_on="tune")


def _start_from(model: CharLM, pretrained: CharLM | None) -> None:
    """Load the pretrained weights into ``model``, or say why they cannot serve it."""
    if pretrained is None:
        raise MissingInputError(
            "hafez.init_from=pretrained needs a pretrained model, and none has been saved: "
            "run `kedro run --pipeline hafez_pretrain` first, with the same --env"
        )
    if pretrained.config.layout != model.config.layout:
        raise ParameterError(
            f"the pretrained model read the {pretrained.config.layout!r} layout, hafez.model.layout asks for "
            f"{model.config.layout!r}: use its layout, or rerun hafez_pretrain with this one"
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
    make_reproducible(hafez.training.seed, hafez.training.num_threads)
    ids, scored = stream(streams, "tune")
    settings, report = tune_cache(model, ids, vocab["\n"], grid.weights, grid.sharpness, scored)
    logger.info("Neural cache: weight %s, sharpness %s (%.4f nats/char on the tuning ghazals, %.4f without).",
                settings.weight, settings.sharpness, report["tune_nats_per_char"], report["tune_nats_per_char_without_cache"])
    return {**asdict(settings), **report}


def evaluate_char_lm(
    model: CharLM, streams: dict, vocab: dict, history: pd.DataFrame, cache_settings: dict, hafez: HafezParams
) -> dict:
    """Validation loss of the model and of Kneser-Ney n-grams fitted on the same training text.

    Every score is the mean over the same characters: the validation ghazals' verse, line
    breaks and ghazal ends, never their headers. ``val_nats_per_char``, the headline, is
    the saved weights' with each ghazal's form header given; ``..._without_header`` the
    same text read without headers, ``val_rhyme_nats_per_char`` the rhyming lines' rhyme
    letters alone (``Layout.rhyme_mask``): how well the model copies the asked rhyme. With
    weight averaging the raw weights' score at the kept epoch is reported beside it, with ``evaluation.dynamic`` the score under dynamic
    evaluation (``modeling.dynamic_eval``) as ``val_nats_per_char_dynamic``, and with the
    neural cache the scores with the cache (``val_nats_per_char_cache``) and with both
    (``val_nats_per_char_dynamic_cache``). The n-grams read no headers.
    """
    make_reproducible(hafez.training.seed, hafez.training.num_threads)
    val_ids, val_scored = stream(streams, "val")
    plain_ids = torch.from_numpy(streams["val_without_header"])
    with torch.no_grad():
        model = model.eval()
        hidden, probs = hidden_states(model, val_ids)
        every_char = -torch.log(probs[torch.arange(len(val_ids) - 1), val_ids[1:]]).numpy()
        model_chars = every_char[val_scored[1:].numpy()]
        nats = float(model_chars.mean())
        scores = {
            "val_nats_per_char": nats,
            "val_bits_per_char": nats / math.log(2),
            "val_nats_per_char_without_header": stream_nats(model, plain_ids),
            "val_rhyme_nats_per_char": float(every_char[streams["val_rhyme"][1:]].mean()),
        }
    if hafez.training.ema_decay:
        scores["val_nats_per_char_raw_weights"] = float(history.loc[history["best"], "val_loss_raw"].iloc[0])
    cache = NeuralCache.tuned(cache_settings, len(vocab), vocab["\n"])
    if cache is not None:
        scores["val_nats_per_char_cache"] = cache_nats(hidden, probs, val_ids, cache.settings, cache.newline, val_scored)
    dynamic = hafez.evaluation.dynamic
    if dynamic is not None:
        scores["val_nats_per_char_dynamic"] = dynamic_nats(model, val_ids, **dynamic.model_dump(), scored=val_scored)
        if cache is not None:
            scores["val_nats_per_char_dynamic_cache"] = dynamic_nats(model, val_ids, **dynamic.model_dump(), cache=cache, scored=val_scored)
    train_text, val_text = strip_headers(decode(streams["train"], vocab)), decode(plain_ids, vocab)
    orders = hafez.evaluation.ngram_orders
    ngram_chars = {
        str(order): KneserNey(order, vocab_size=len(vocab)).fit(train_text).char_nats(val_text, start=1)
        for order in track(orders, len(orders), "Kneser-Ney orders", unit="order")
    }
    ngram = {order: math.fsum(chars) / len(chars) for order, chars in ngram_chars.items()}
    best_order = min(ngram, key=ngram.get)
    poems = poem_numbers(plain_ids[:-1].tolist(), vocab["\n"])
    return {
        **scores,
        "val_characters": len(model_chars),
        "best_epoch": int(history.loc[history["best"], "epoch"].iloc[0]),
        "epoch_chosen_on": "tune",
        "ngram": ngram,
        "best_ngram_order": int(best_order),
        "beats_best_ngram": nats < ngram[best_order],
        "dm_vs_best_ngram": _per_ghazal_test(model_chars, np.asarray(ngram_chars[best_order]), np.array(poems)),
        "parameters": parameter_count(model),
    }


def _per_ghazal_test(model_chars: np.ndarray, ngram_chars: np.ndarray, poems: np.ndarray) -> dict:
    """Diebold-Mariano test of the model's loss against the n-gram's, one pair per ghazal
    (each one's mean nats/char over the same characters): characters within a ghazal are
    far from independent, ghazals nearly are. A negative statistic means the model's loss
    is lower. Fewer than three ghazals allow no test (``None``)."""
    means = [(model_chars[poems == k].mean(), ngram_chars[poems == k].mean()) for k in np.unique(poems)]
    if len(means) < 3:
        return {"statistic": None, "p_value": None, "ghazals": len(means)}
    model_means, ngram_means = map(np.array, zip(*means))
    test = loss_difference_test(model_means, ngram_means)
    return {"statistic": test["statistic"], "p_value": test["p_value"], "ghazals": test["n"]}


def measure_corpus_form(clean_text: str) -> dict:
    """Radif and qafiya across the corpus (``text.ghazal``): what generated verse is held to."""
    return form_report(text_to_poems(clean_text))


def plot_loss(history: pd.DataFrame, hafez: HafezParams) -> Figure:
    """Training and validation loss of the character model (a reporting node)."""
    start = ", fine-tuned" if hafez.init_from == "pretrained" else ""
    title = f"Character model loss ({describe(hafez.model)}, bptt {hafez.training.bptt}{start})"
    return loss_curves(history, title, "nats / character", selection="tuning ghazals (pick the epoch)")
