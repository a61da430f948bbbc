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
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from hw3_pipelines.errors import InputDataError, MissingInputError, ParameterError
from hw3_pipelines.modeling.char_lm import (
    CharLM,
    CharLMConfig,
    describe,
    generate,
    stream_nats,
)
from hw3_pipelines.modeling.dynamic_eval import dynamic_nats
from hw3_pipelines.modeling.models import parameter_count
from hw3_pipelines.modeling.plots import loss_curves
from hw3_pipelines.modeling.stream_training import train_on_stream
from hw3_pipelines.modeling.training import make_reproducible, resolve_device
from hw3_pipelines.parameters import HafezParams, HafezSample
from hw3_pipelines.progress import track
from hw3_pipelines.text.ghazal import form_report, missing_radif
from hw3_pipelines.text.ngram import KneserNey
from hw3_pipelines.text.normalize import normalize_line, normalize_poems
from hw3_pipelines.text.poems import poems_to_text, text_to_poems
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
    model = model.to(device)
    train_ids = torch.from_numpy(streams["train"]).to(device)
    val_ids = torch.from_numpy(streams["val"]).to(device)
    result = train_on_stream(model, train_ids, val_ids, training, desc="hafez")
    history = pd.DataFrame(result.history)
    history["best"] = history["epoch"] == result.best_epoch
    logger.info("Trained %d parameters; best epoch %d.", parameter_count(model), result.best_epoch)
    return result.model.cpu(), history


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


def evaluate_char_lm(model: CharLM, streams: dict, vocab: dict, history: pd.DataFrame, hafez: HafezParams) -> dict:
    """Validation loss of the model and of Kneser-Ney n-grams fitted on the same training text.

    ``val_nats_per_char`` is the static score of the saved weights, the headline. With
    weight averaging the raw weights' score at the kept epoch is reported beside it, and
    with ``evaluation.dynamic`` the score under dynamic evaluation
    (``modeling.dynamic_eval``) as ``val_nats_per_char_dynamic``.
    """
    make_reproducible(hafez.training.seed, hafez.training.num_threads)
    val_ids = torch.from_numpy(streams["val"])
    with torch.no_grad():
        nats = stream_nats(model.eval(), val_ids)
    scores = {"val_nats_per_char": nats, "val_bits_per_char": nats / math.log(2)}
    if hafez.training.ema_decay:
        scores["val_nats_per_char_raw_weights"] = float(history.loc[history["best"], "val_loss_raw"].iloc[0])
    dynamic = hafez.evaluation.dynamic
    if dynamic is not None:
        scores["val_nats_per_char_dynamic"] = dynamic_nats(model, val_ids, **dynamic.model_dump())
    train_text, val_text = decode(streams["train"], vocab), decode(streams["val"], vocab)
    orders = hafez.evaluation.ngram_orders
    ngram = {
        str(order): KneserNey(order, vocab_size=len(vocab)).fit(train_text).nats_per_char(val_text, start=1)
        for order in track(orders, len(orders), "Kneser-Ney orders", unit="order")
    }
    best_order = min(ngram, key=ngram.get)
    return {
        **scores,
        "val_characters": len(val_text) - 1,
        "ngram": ngram,
        "best_ngram_order": int(best_order),
        "beats_best_ngram": nats < ngram[best_order],
        "parameters": parameter_count(model),
    }


def sample_verse(model: CharLM, vocab: dict, clean_text: str, hafez: HafezParams) -> tuple[str, dict]:
    """Continue the seed text into whole ghazals with temperature and top-k sampling,
    seeded, and report on the verse and its form.

    This free sample is the honest one. With ``sample.keep_radif`` a second sample from
    the same seed is constrained to end every later couplet in its matla's radif
    (``text.ghazal.missing_radif``); it is reported separately, poems included, under
    ``keep_radif``.
    """
    sample = hafez.sample
    seed_text = normalize_line(sample.seed_text)
    unknown = sorted(set(seed_text) - vocab.keys())
    if unknown:
        raise InputDataError(f"hafez.sample.seed_text has characters outside the model's vocabulary: {unknown}")
    if not seed_text:
        raise InputDataError("hafez.sample.seed_text is empty after normalisation")
    corpus_lines = [line for poem in text_to_poems(clean_text) for line in poem]
    poems = _write_ghazals(model, vocab, seed_text, sample)
    report = {
        "settings": {
            key: getattr(sample, key) for key in ("temperature", "top_k", "seed", "ghazals", "min_couplets", "keep_radif")
        },
        "seed_text": seed_text,
        "ghazals": len(poems),
        **_verse_scores(poems, corpus_lines),
    }
    if sample.keep_radif:

        def add_radif(poem: list[int]) -> list[int]:
            return encode(missing_radif(decode(poem, vocab).split("\n")), vocab).tolist()

        constrained = _write_ghazals(model, vocab, seed_text, sample, before_line_end=add_radif)
        report["keep_radif"] = {**_verse_scores(constrained, corpus_lines), "poems": constrained}
    return poems_to_text(poems), report


def _write_ghazals(
    model: CharLM, vocab: dict, seed_text: str, sample: HafezSample, before_line_end=None
) -> list[list[str]]:
    torch.manual_seed(sample.seed)
    ids = generate(
        model, encode(seed_text + "\n", vocab).tolist(), vocab["\n"], sample.ghazals, sample.max_chars,
        sample.temperature, sample.top_k, min_lines=2 * sample.min_couplets, before_line_end=before_line_end,
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
