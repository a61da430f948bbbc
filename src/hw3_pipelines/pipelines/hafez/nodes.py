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
from torch.nn import functional as F

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.modeling.char_lm import (
    CharLM,
    CharLMConfig,
    detach_state,
    generate,
    stream_nats,
)
from hw3_pipelines.modeling.dynamic_eval import dynamic_nats
from hw3_pipelines.modeling.models import parameter_count
from hw3_pipelines.modeling.plots import loss_curves
from hw3_pipelines.modeling.training import make_reproducible, resolve_device, train
from hw3_pipelines.parameters import HafezParams, HafezSample
from hw3_pipelines.progress import track
from hw3_pipelines.text.ghazal import form_report, missing_radif
from hw3_pipelines.text.ngram import KneserNey
from hw3_pipelines.text.normalize import normalize_line, normalize_poems
from hw3_pipelines.text.poems import poems_to_text, text_to_poems
from hw3_pipelines.text.verse_metrics import verse_report
from hw3_pipelines.text.vocab import build_vocab, decode, encode

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

    Each part is its poems joined in corpus order, each poem followed by a blank line,
    so the model learns where a ghazal ends. No poem is in both parts.
    """
    poems = text_to_poems(clean_text)
    n_val = max(1, round(len(poems) * hafez.split.val_fraction))
    if n_val >= len(poems):
        raise InputDataError(f"the corpus has {len(poems)} poems: too few to hold out {n_val} for validation")
    order = np.random.default_rng(hafez.split.seed).permutation(len(poems))
    val_poems = sorted(int(i) for i in order[:n_val])
    train_poems = sorted(int(i) for i in order[n_val:])
    vocab = build_vocab(clean_text)
    streams = {
        "train": encode(poems_to_text([poems[i] for i in train_poems]) + "\n", vocab),
        "val": encode(poems_to_text([poems[i] for i in val_poems]) + "\n", vocab),
    }
    return vocab, {"train_poems": train_poems, "val_poems": val_poems}, streams


def train_char_lm(streams: dict, vocab: dict, hafez: HafezParams) -> tuple[CharLM, pd.DataFrame]:
    """Train the character model with truncated backpropagation through time (TBPTT).

    Each epoch cuts the training stream, from a fresh random offset, into
    ``batch_size`` contiguous lanes and walks them ``bptt`` characters at a time. The
    RNN state is carried from one chunk to the next (detached, so gradients flow back
    at most ``bptt`` steps), so the model learns to use context from earlier couplets:
    a ghazal repeats its refrain (radif) and rhyme at the end of every couplet. The
    best epoch by validation loss is kept.
    """
    training = hafez.training
    make_reproducible(training.seed, training.num_threads)
    device = resolve_device(training.device)
    model = CharLM(CharLMConfig(vocab_size=len(vocab), **hafez.model.model_dump())).to(device)
    train_ids = torch.from_numpy(streams["train"]).to(device)
    val_ids = torch.from_numpy(streams["val"]).to(device)
    bptt, lanes = training.bptt, training.batch_size
    if len(train_ids) <= 2 * bptt * lanes:
        raise ParameterError(
            f"hafez.training.bptt={bptt} x batch_size={lanes} is too long for a training text "
            f"of {len(train_ids)} characters"
        )
    carried = {"state": None}

    def batches(generator: torch.Generator):
        offset = int(torch.randint(bptt, (1,), generator=generator))
        span = (len(train_ids) - offset - 1) // (lanes * bptt) * bptt
        x = train_ids[offset : offset + lanes * span].view(lanes, span)
        y = train_ids[offset + 1 : offset + 1 + lanes * span].view(lanes, span)
        carried["state"] = None
        return [(x[:, k : k + bptt], y[:, k : k + bptt]) for k in range(0, span, bptt)]

    def loss_fn(m: CharLM, batch):
        logits, state = m(batch[0], carried["state"])
        carried["state"] = detach_state(state)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[1].reshape(-1))

    result = train(model, batches, loss_fn, config=training, val_loss_fn=lambda m: stream_nats(m, val_ids), desc="hafez")
    history = pd.DataFrame(result.history)
    history["best"] = history["epoch"] == result.best_epoch
    logger.info("Trained %d parameters; best epoch %d.", parameter_count(model), result.best_epoch)
    return result.model.cpu(), history


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
    model = hafez.model
    title = f"Character model loss ({model.cell} {model.num_layers}×{model.hidden_size}, bptt {hafez.training.bptt})"
    return loss_curves(history, title, "nats / character")
