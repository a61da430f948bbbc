"""Nodes of ``hafez_pretrain``: other poets' ghazals → clean → keep apart from Hafez's
validation ghazals → encode in the Divan's alphabet → train the hafez model's ``CharLM``.

The pretrained model is the starting point of ``hafez`` with ``init_from: pretrained``. It
has the sizes of ``hafez.model`` and the alphabet of the Divan, so the fine-tuning run can
load it as it is.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure

from hw3_pipelines.errors import InputDataError
from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig, describe, stream_nats
from hw3_pipelines.modeling.metre_judge import MetreJudge, judge_poems
from hw3_pipelines.modeling.models import parameter_count
from hw3_pipelines.modeling.plots import loss_curves
from hw3_pipelines.modeling.stream_training import stream, train_on_streams
from hw3_pipelines.modeling.training import make_reproducible, resolve_device
from hw3_pipelines.parameters import HafezParams, HafezPretrainParams
from hw3_pipelines.sources import ganjoor
from hw3_pipelines.text.form_header import FormHeader, scored_mask
from hw3_pipelines.text.ghazal import fold, rhyme_agreement
from hw3_pipelines.text.layout import layout_named
from hw3_pipelines.text.metres import OTHER
from hw3_pipelines.text.normalize import clean_report, normalize_line, normalize_poem
from hw3_pipelines.text.poems import poems_to_text, text_to_poems
from hw3_pipelines.text.vocab import alphabet, encode

logger = logging.getLogger(__name__)


def load_ganjoor_poems(pretrain: HafezPretrainParams) -> list[dict]:
    """The chosen poets' ghazals from the chosen source (``sources.ganjoor``)."""
    corpus = pretrain.corpus
    if corpus.source == "bundled":
        poems = ganjoor.read_bundled(corpus.poets)
    elif corpus.source == "folder":
        poems = ganjoor.read_folder(corpus.folder, corpus.poets)
    else:
        poems = ganjoor.read_https(corpus.poets, corpus.base_url)
    logger.info("Read %d ghazals of %s from the %s source.", len(poems), ", ".join(corpus.poets), corpus.source)
    return poems


def clean_ganjoor_poems(raw_poems: list[dict]) -> tuple[list[dict], dict]:
    """Normalise every hemistich as the Divan's (``text.normalize``) and report what changed.

    A poem left with an odd number of hemistichs (one dropped as empty) would pair the
    wrong hemistichs into couplets, so it is dropped and counted.
    """
    changes: Counter = Counter()
    cleaned = []
    for poem in raw_poems:
        verses = normalize_poem(poem["verses"], changes)
        if not verses or len(verses) % 2:
            changes["empty_poems_dropped" if not verses else "odd_hemistich_poems_dropped"] += 1
            continue
        cleaned.append({**poem, "verses": verses})
    report = clean_report([poem["verses"] for poem in cleaned], changes)
    report["poems_per_poet"] = dict(Counter(poem["poet"] for poem in cleaned))
    return cleaned, report


def metres_of_poems(clean_poems: list[dict], judge: MetreJudge) -> pd.DataFrame:
    """Each poem's metre for its form header: Ganjoor's label where it has one, else the
    metre judge's verdict (``hafez_metre``), which a judged ``other`` leaves unknown."""
    unlabelled = [poem for poem in clean_poems if not poem["metre"]]
    verdicts = dict(zip((poem["url"] for poem in unlabelled), judge_poems(judge, [poem["verses"] for poem in unlabelled])))
    rows = []
    for poem in clean_poems:
        verdict = verdicts.get(poem["url"])
        if verdict is None:
            rows.append({"url": poem["url"], "metre": poem["metre"], "source": "ganjoor", "confidence": None})
        else:
            metre = None if verdict["metre"] == OTHER else verdict["metre"]
            rows.append({"url": poem["url"], "metre": metre, "source": "judge", "confidence": verdict["confidence"]})
    logger.info("Metres for the form headers: %d from Ganjoor, %d from the judge.", len(clean_poems) - len(unlabelled), len(unlabelled))
    return pd.DataFrame(rows, columns=["url", "metre", "source", "confidence"])


def select_pretraining_poems(
    clean_poems: list[dict], poem_metres: pd.DataFrame, hafez_clean_corpus: str, hafez_split: dict, hafez_vocab: dict,
    hafez: HafezParams,
) -> tuple[str, dict]:
    """The pretraining text, each poem after its form header (``text.form_header``, the
    metre from ``poem_metres``) in the fine-tuning's layout (``hafez.model.layout``,
    ``text.layout``): every clean poem except those that share a hemistich
    with one of Hafez's held-out ghazals (validation and tuning), or hold a character
    outside the Divan's alphabet.

    Hemistichs are compared with spaces removed and letter variants folded
    (``text.ghazal.fold``), so a line Hafez took from Saadi is caught even where the two
    editions space or spell it differently. Hemistichs shared with Hafez's training ghazals
    are counted but kept: the fine-tuning run sees those ghazals anyway. Near copies (a
    word changed) are measured by word trigrams, for held-out and training hemistichs alike.
    """
    divan = text_to_poems(hafez_clean_corpus)
    held_out = hafez_split["val_poems"] + hafez_split.get("tune_poems", [])
    validation = {_line_key(line): i for i in held_out for line in divan[i]}
    training = {_line_key(line) for i in hafez_split["train_poems"] for line in divan[i]}
    kept, overlaps, unseen, training_overlap = [], [], Counter(), 0
    metres = {url: metre if isinstance(metre, str) else None for url, metre in zip(poem_metres["url"], poem_metres["metre"])}
    headers = {poem["url"]: FormHeader.of(poem["verses"], metres[poem["url"]]) for poem in clean_poems}
    for poem in clean_poems:
        shared = [(line, validation[_line_key(line)]) for line in poem["verses"] if _line_key(line) in validation]
        characters = set("".join(poem["verses"]) + headers[poem["url"]].text()) - hafez_vocab.keys()
        if shared:
            overlaps += [{"url": poem["url"], "hemistich": line, "hafez_ghazal": i} for line, i in shared]
        elif characters:
            unseen.update(characters)
        else:
            kept.append(poem)
            training_overlap += sum(_line_key(line) in training for line in poem["verses"])
    if not kept:
        raise InputDataError("no pretraining poem is left after removing Hafez's validation ghazals")
    text = layout_named(hafez.model.layout).text([poem["verses"] for poem in kept], [headers[poem["url"]] for poem in kept])
    trigrams = {gram for poem in kept for line in poem["verses"] for gram in _word_trigrams(line)}
    report = {
        "poems_in": len(clean_poems),
        "poems_kept": len(kept),
        "characters_kept": int(scored_mask(text).sum()),
        "poems_per_poet": dict(Counter(poem["poet"] for poem in kept)),
        "dropped_sharing_a_held_out_hafez_hemistich": len({o["url"] for o in overlaps}),
        "held_out_hafez_hemistichs_shared": overlaps,
        "dropped_for_characters_outside_the_alphabet": dict(unseen),
        "hafez_training_hemistichs_shared_and_kept": training_overlap,
        "word_trigrams_found_in_pretraining_text": {
            "held_out_hafez": _trigram_overlap([line for i in held_out for line in divan[i]], trigrams),
            "training_hafez": _trigram_overlap([line for i in hafez_split["train_poems"] for line in divan[i]], trigrams),
        },
    }
    logger.info(
        "Kept %d of %d poems (%d characters); %d dropped for sharing a hemistich with Hafez's held-out ghazals.",
        len(kept), len(clean_poems), len(text), report["dropped_sharing_a_held_out_hafez_hemistich"],
    )
    return text, report


def _line_key(line: str) -> str:
    return fold(line).replace(" ", "")


def _word_trigrams(line: str) -> set[tuple[str, ...]]:
    words = fold(line).split()
    return {tuple(words[k : k + 3]) for k in range(len(words) - 2)}


def _trigram_overlap(lines: list[str], trigrams: set) -> dict:
    """Near copies that the exact check misses: the mean share of a hemistich's word
    trigrams (three words in a row) found in the pretraining text, and the share of
    hemistichs all of whose trigrams are. Held-out and training hemistichs should match."""
    shares = [sum(gram in trigrams for gram in grams) / len(grams) for grams in map(_word_trigrams, lines) if grams]
    return {
        "hemistichs": len(shares),
        "mean_share": sum(shares) / len(shares) if shares else None,
        "all_found_share": sum(share == 1.0 for share in shares) / len(shares) if shares else None,
    }


def split_and_encode_pretraining(pretrain_text: str, hafez_vocab: dict, hafez: HafezParams, pretrain: HafezPretrainParams) -> dict:
    """A seeded split by whole poems (the held-out share picks the best epoch), encoded in
    the Divan's alphabet with the headers marked as not scored (``<part>_scored``) and the
    rhyme letters marked (``<part>_rhyme``, ``Layout.rhyme_mask`` of the text's layout,
    ``hafez.model.layout``)."""
    layout = layout_named(hafez.model.layout)
    poems = text_to_poems(pretrain_text)
    n_val = max(1, round(len(poems) * pretrain.split.val_fraction))
    if n_val >= len(poems):
        raise InputDataError(f"the pretraining text has {len(poems)} poems: too few to hold out {n_val}")
    val = set(np.random.default_rng(pretrain.split.seed).permutation(len(poems))[:n_val].tolist())
    streams = {}
    for part, chosen in (("train", [p for i, p in enumerate(poems) if i not in val]), ("val", [p for i, p in enumerate(poems) if i in val])):
        text = poems_to_text(chosen) + "\n"
        streams[part], streams[f"{part}_scored"] = encode(text, hafez_vocab), scored_mask(text)
        streams[f"{part}_rhyme"] = layout.rhyme_mask(text)
    return streams


def pretrain_char_lm(
    streams: dict, hafez_vocab: dict, hafez: HafezParams, pretrain: HafezPretrainParams
) -> tuple[CharLM, pd.DataFrame]:
    """Train ``hafez.model``'s architecture on the other poets (``modeling.stream_training``).

    Dropout may differ from the fine-tuning run's (``hafez_pretrain.dropout``): 28 times the
    Divan's text needs less of it. It is no weight, so fine-tuning applies its own."""
    training = pretrain.training
    make_reproducible(training.seed, training.num_threads)
    device = resolve_device(training.device)
    sizes = hafez.model.model_dump()
    if pretrain.dropout is not None:
        sizes["dropout"] = pretrain.dropout
    config = CharLMConfig(vocab_size=len(hafez_vocab), alphabet=alphabet(hafez_vocab), **sizes)
    return train_on_streams(CharLM(config).to(device), streams, training, desc="hafez_pretrain")


def evaluate_pretrained(model: CharLM, streams: dict, hafez_token_ids: dict, history: pd.DataFrame) -> dict:
    """The pretrained model's loss on held-out poems of the other poets and, before any
    fine-tuning, on Hafez's validation ghazals: how far the other poets carry on their own."""
    with torch.no_grad():
        model = model.eval()
        scores = {
            "val_nats_per_char": stream_nats(model, *stream(streams, "val")),
            "hafez_val_nats_per_char_before_fine_tuning": stream_nats(model, *stream(hafez_token_ids, "val")),
            "hafez_val_nats_per_char_before_fine_tuning_without_header": stream_nats(model, *stream(hafez_token_ids, "val_without_header")),
        }
    return {
        **scores,
        "model": describe(model.config),
        "parameters": parameter_count(model),
        "train_characters": int(streams["train_scored"].sum()),
        "val_characters": int(streams["val_scored"].sum()),
        "epochs": len(history),
        "best_epoch": int(history.loc[history["best"], "epoch"].iloc[0]),
        "training_seconds": round(float(history["seconds"].sum()), 1),
    }


def measure_rhyme_agreement(clean_poems: list[dict]) -> dict:
    """The form finder (``text.ghazal``) against Ganjoor's own ``RhymeLetters``."""
    return rhyme_agreement([(poem["verses"], normalize_line(poem["rhyme_letters"] or ""), poem["poet"]) for poem in clean_poems])


def plot_pretrain_loss(history: pd.DataFrame, hafez: HafezParams, pretrain: HafezPretrainParams) -> Figure:
    title = f"Pretraining loss on {len(pretrain.corpus.poets)} poets ({describe(hafez.model)}, bptt {pretrain.training.bptt})"
    return loss_curves(history, title, "nats / character")
