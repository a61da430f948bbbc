"""Nodes of ``hafez_metre``: other poets' labelled ghazals → split by whole poems → the metre
judge (``modeling.metre_judge``) → its scores and controls → the Divan's metres, by the judge.

The judge never sees a metre label of Hafez's: it learns from Ganjoor's labels of the other
poets alone, and the Divan's metres are its verdicts.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import pandas as pd

from hw3_pipelines.errors import InputDataError
from hw3_pipelines.modeling.metre_judge import (
    MetreJudge,
    MetreJudgeConfig,
    judge_alphabet,
    judge_poems,
    metre_log_probs,
    train_judge,
)
from hw3_pipelines.modeling.models import parameter_count
from hw3_pipelines.modeling.training import make_reproducible, resolve_device
from hw3_pipelines.parameters import HafezMetreParams
from hw3_pipelines.text.metres import (
    OTHER,
    class_index,
    ghazal_verdict,
    length_outliers,
    metre_classes,
    shuffle_words,
)
from hw3_pipelines.text.poems import text_to_poems

logger = logging.getLogger(__name__)
CONFIDENT = 0.9  # a verdict this probable is a confident one


def split_labelled_poems(clean_poems: list[dict], metre: HafezMetreParams) -> dict:
    """Which poems the judge trains, picks its epoch and is scored on, by ``url``.

    Only poems Ganjoor labels with a metre take part. The held-out poet's are kept out of
    training entirely and scored alone; the others are split at random by whole poems into
    train, validation (the kept epoch) and test. The classes are the metres of at least
    ``min_poems`` training poems, and ``other``. Training and validation poems whose length
    contradicts their label (``text.metres.length_outliers``) are left out as mislabelled;
    test poems are all scored, and scored again without those.
    """
    labelled = [poem for poem in clean_poems if poem["metre"]]
    poets = {poem["poet"] for poem in labelled}
    if metre.held_out_poet not in poets:
        raise InputDataError(f"hafez_metre.held_out_poet {metre.held_out_poet!r} has no labelled ghazals; poets with some: {sorted(poets)}")
    others = [poem for poem in labelled if poem["poet"] != metre.held_out_poet]
    order = np.random.default_rng(metre.split.seed).permutation(len(others))
    n_test, n_val = round(len(others) * metre.split.test_fraction), round(len(others) * metre.split.val_fraction)
    test = [others[i] for i in order[:n_test]]
    val = [others[i] for i in order[n_test : n_test + n_val]]
    train = [others[i] for i in order[n_test + n_val :]]
    outliers = length_outliers(train + val + test, metre.length_tolerance)
    train_kept = [poem for poem in train if poem["url"] not in outliers]
    classes = metre_classes([poem["metre"] for poem in train_kept], metre.min_poems)
    logger.info("Metre judge: %d classes; %d training, %d validation, %d test poems, %d of %s held out.",
                len(classes), len(train_kept), len(val), len(test), len(labelled) - len(others), metre.held_out_poet)
    return {
        "classes": classes,
        "train": [poem["url"] for poem in train_kept],
        "val": [poem["url"] for poem in val if poem["url"] not in outliers],
        "test": [poem["url"] for poem in test],
        "held_out_poet": [poem["url"] for poem in labelled if poem["poet"] == metre.held_out_poet],
        "length_outliers": sorted(outliers),
    }


def train_metre_judge(clean_poems: list[dict], split: dict, metre: HafezMetreParams) -> tuple[MetreJudge, pd.DataFrame]:
    """The judge trained on the training poems' hemistichs, its epoch kept on validation's."""
    make_reproducible(metre.training.seed, metre.training.num_threads)
    by_url = {poem["url"]: poem for poem in clean_poems}
    classes = split["classes"]
    lines, labels = _hemistichs([by_url[url] for url in split["train"]], classes)
    val_lines, val_labels = _hemistichs([by_url[url] for url in split["val"]], classes)
    alphabet = judge_alphabet([line for poem in clean_poems for line in poem["verses"]])
    config = MetreJudgeConfig(vocab_size=len(alphabet), metres=tuple(classes), alphabet=alphabet, **metre.model.model_dump())
    judge = MetreJudge(config).to(resolve_device(metre.training.device))
    judge, history = train_judge(judge, lines, labels, val_lines, val_labels, metre.training, desc="hafez_metre")
    logger.info("Metre judge: %d parameters, best epoch %d.", parameter_count(judge), int(history.loc[history["best"], "epoch"].iloc[0]))
    return judge.cpu(), history


def _hemistichs(poems: list[dict], classes: list[str]) -> tuple[list[str], np.ndarray]:
    lines = [line for poem in poems for line in poem["verses"]]
    labels = np.array([class_index(poem["metre"], classes) for poem in poems for _ in poem["verses"]], dtype=np.int64)
    return lines, labels


def length_consistent_test_poems(by_url: dict[str, dict], split: dict) -> list[dict]:
    """The test poems whose length does not contradict their label (the split's
    ``length_outliers``): the population of ``test_without_length_outliers``."""
    outliers = set(split["length_outliers"])
    return [by_url[url] for url in split["test"] if url not in outliers]


def evaluate_metre_judge(
    judge: MetreJudge, clean_poems: list[dict], split: dict, history: pd.DataFrame, metre: HafezMetreParams
) -> dict:
    """The judge's scores per hemistich and per ghazal (the metre most of its hemistichs are
    judged in) on the test poems, the held-out poet's, the test poems without length
    outliers, and the test hemistichs with their words shuffled; per metre recall; the
    hemistich confusion matrix; and the length-only baseline the shuffled words keep."""
    make_reproducible(metre.training.seed, metre.training.num_threads)
    by_url = {poem["url"]: poem for poem in clean_poems}
    classes = list(judge.config.metres)
    test = [by_url[url] for url in split["test"]]
    outliers = set(split["length_outliers"])
    rng = np.random.default_rng(metre.shuffle_seed)
    shuffled = [{**poem, "verses": [shuffle_words(line, rng) for line in poem["verses"]]} for poem in test]
    scores, confusion = _scores(judge, test, classes)
    report = {
        "classes": classes,
        "min_poems": metre.min_poems,
        "held_out_poet_name": metre.held_out_poet,
        "test": scores,
        "test_without_length_outliers": _scores(judge, length_consistent_test_poems(by_url, split), classes)[0],
        "held_out_poet": _scores(judge, [by_url[url] for url in split["held_out_poet"]], classes)[0],
        "shuffled_words": _scores(judge, shuffled, classes)[0],
        "length_only_baseline": _length_baseline([by_url[url] for url in split["train"]], test, classes),
        "recall": {
            name: {"recall": float(confusion[k, k] / confusion[k].sum()) if confusion[k].sum() else None,
                   "hemistichs": int(confusion[k].sum())}
            for k, name in enumerate(classes)
        },
        "confusion": confusion.tolist(),
        "poems": {part: len(split[part]) for part in ("train", "val", "test", "held_out_poet")},
        "length_outliers_left_out_of_training": sum(url in outliers for url in by_url if url not in split["test"]),
        "training": {
            "parameters": parameter_count(judge),
            "epochs": len(history),
            "best_epoch": int(history.loc[history["best"], "epoch"].iloc[0]),
            "seconds": round(float(history["seconds"].sum()), 1),
        },
    }
    logger.info("Metre judge on held-out poems: %.1f%% of hemistichs, %.1f%% of ghazals; %s alone: %.1f%% of ghazals; "
                "shuffled words: %.1f%% of hemistichs.", 100 * scores["hemistich_accuracy"], 100 * scores["ghazal_accuracy"],
                metre.held_out_poet, 100 * report["held_out_poet"]["ghazal_accuracy"], 100 * report["shuffled_words"]["hemistich_accuracy"])
    return report


def _scores(judge: MetreJudge, poems: list[dict], classes: list[str]) -> tuple[dict, np.ndarray]:
    """Accuracy per hemistich and per ghazal, and the hemistich confusion matrix (rows: the
    label, columns: the verdict)."""
    lines, labels = _hemistichs(poems, classes)
    log_probs = metre_log_probs(judge, lines)
    verdicts = log_probs.argmax(axis=1)
    starts = np.cumsum([0] + [len(poem["verses"]) for poem in poems])
    ghazals = [ghazal_verdict(log_probs[a:b])[0] == labels[a] for a, b in zip(starts, starts[1:])]
    confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(confusion, (labels, verdicts), 1)
    return {
        "poems": len(poems),
        "hemistichs": len(lines),
        "hemistich_accuracy": float((verdicts == labels).mean()),
        "ghazal_accuracy": float(np.mean(ghazals)),
        "hemistich_errors": hemistich_errors(log_probs, labels, np.repeat(np.array(ghazals, dtype=bool), np.diff(starts))),
    }, confusion


def hemistich_errors(log_probs: np.ndarray, labels: np.ndarray, ghazal_agrees: np.ndarray) -> dict:
    """The hemistichs judged wrong, as shares of all, in two parts. In a ghazal the judge puts
    in another metre than its label as a whole, the label may be wrong (a ghazal keeps one
    metre, and Ganjoor's labels are typed by hand) or the whole poem misheard: only a reader
    can tell. In a ghazal judged in its label, a hemistich judged otherwise is the judge's
    own error (or a corrupt line), since every hemistich of a ghazal shares its metre; of
    those, the ones judged with a probability of at least ``CONFIDENT``.
    ``ghazal_agrees``: per hemistich, whether its ghazal's verdict is its label."""
    wrong = log_probs.argmax(axis=1) != labels
    confident = np.exp(log_probs.max(axis=1)) >= CONFIDENT
    return {
        "in_ghazals_judged_in_another_metre": float((wrong & ~ghazal_agrees).mean()),
        "in_ghazals_judged_in_their_label": float((wrong & ghazal_agrees).mean()),
        "confident_in_ghazals_judged_in_their_label": float((wrong & ghazal_agrees & confident).mean()),
    }


def _length_baseline(train: list[dict], test: list[dict], classes: list[str]) -> dict:
    """Each hemistich judged by its length alone: the most common training metre among the
    training hemistichs of that many characters."""
    lines, labels = _hemistichs(train, classes)
    by_length: dict[int, Counter] = {}
    for line, label in zip(lines, labels):
        by_length.setdefault(len(line), Counter())[label] += 1
    overall = Counter(labels.tolist()).most_common(1)[0][0]
    test_lines, test_labels = _hemistichs(test, classes)
    guesses = [by_length[len(line)].most_common(1)[0][0] if len(line) in by_length else overall for line in test_lines]
    return {"hemistich_accuracy": float(np.mean(np.array(guesses) == test_labels))}


def label_divan(judge: MetreJudge, hafez_clean_corpus: str) -> pd.DataFrame:
    """The judge's metre for each of the Divan's ghazals: the metre most of its hemistichs are
    judged in, the mean probability the judge gives that metre over them (``confidence``),
    and how many hemistichs are judged in it."""
    poems = text_to_poems(hafez_clean_corpus)
    rows = []
    for number, (poem, verdict) in enumerate(zip(poems, judge_poems(judge, poems)), start=1):
        rows.append({"ghazal": number, "first_hemistich": poem[0], **verdict})
    table = pd.DataFrame(rows)
    logger.info("The Divan's %d ghazals judged: %d in a named metre, %.1f%% of hemistichs agreeing with their ghazal's metre.",
                len(table), int((table["metre"] != OTHER).sum()), 100 * table["hemistichs_agreeing"].sum() / table["hemistichs"].sum())
    return table

