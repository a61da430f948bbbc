"""Sampling ghazals that are asked for: a metre, a rhyme (qafiya and radif) and a length, each
given or drawn from the Divan's, written after the form header that says them.

Three ways of writing are compared on the same requests, each its own line writer
(``modeling.verse_writer``): free (the headline: the model alone, reading the request as
the layout it was trained on puts it, ``text.layout``), form-aware (the asked rhyme kept:
written first where the model writes lines end first, else by rewriting a couplet's last
word) and metre-aware (several drafts of each hemistich, the one the judge hears most
surely in the asked metre kept, with form-aware rhyme). Each is scored by the same judge
and form finder as the Divan.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections import Counter

import numpy as np
import pandas as pd
import torch

from hw3_pipelines.errors import InputDataError, ParameterError
from hw3_pipelines.modeling.char_lm import CharLM
from hw3_pipelines.modeling.form_aware import FormAwareLineEnd, FormAwareLineStart
from hw3_pipelines.modeling.metre_judge import MetreJudge, metre_log_probs
from hw3_pipelines.modeling.neural_cache import NeuralCache
from hw3_pipelines.modeling.verse_writer import FreeLine, MetreAwareLine, write_poem
from hw3_pipelines.parameters import HafezParams, HafezSample
from hw3_pipelines.progress import Progress
from hw3_pipelines.text.form_header import HEADER_CHARS, FormHeader, feet, traditional_name
from hw3_pipelines.text.ghazal import form_report, keeps_form
from hw3_pipelines.text.layout import LAYOUTS, layout_named
from hw3_pipelines.text.metres import OTHER
from hw3_pipelines.text.normalize import normalize_line
from hw3_pipelines.text.poems import POEM_BREAK, text_to_poems
from hw3_pipelines.text.verse_metrics import known_pair_share, verse_report, word_pairs
from hw3_pipelines.text.vocab import decode, encode

logger = logging.getLogger(__name__)
STRATEGIES = ("free", "form_aware", "metre_aware")


def sample_verse(
    model: CharLM, vocab: dict, clean_text: str, split: dict, divan_metres: pd.DataFrame, judge: MetreJudge,
    cache_settings: dict, other_poets: list[dict] | None, hafez: HafezParams,
) -> tuple[str, dict]:
    """``sample.ghazals`` ghazals asked for (``draw_requests``) with each of ``sample.seed_count``
    seeds (``seed``, ``seed + 1``, …: whole ghazals drift together, so one seed's share is
    noisy), written freely and, when asked, form-aware and metre-aware from the same
    requests and seed. The free ones come back as text (each after its header); the report
    holds every figure for each seed (``by_seed``) and as their mean, beside the Divan's.
    Fluency is the share of a text's adjacent word pairs that the other poets
    (``other_poets``, Ganjoor's clean poems) also wrote, for the ghazals and for the
    Divan's held-out ones (``text.verse_metrics``); ``None`` where no run has read those
    poems (``other_poets`` is None)."""
    sample = hafez.sample
    poems, corpus_lines, words = _corpus(clean_text)
    pairs = None if other_poets is None else word_pairs(line for poem in other_poets for line in poem["verses"])
    strategies = [name for name in STRATEGIES if name == "free" or getattr(sample, name)]
    by_seed, free_text = {name: [] for name in strategies}, []
    for seed in range(sample.seed, sample.seed + sample.seed_count):
        seeded = sample.model_copy(update={"seed": seed})
        seed_text, requests, writer = _prepared(seeded, model, vocab, poems, words, divan_metres, split, judge, cache_settings, "hafez.sample")
        for strategy in strategies:
            started = time.perf_counter()
            written = writer.write_all(requests, seed_text, strategy)
            seconds = time.perf_counter() - started
            scores = score_ghazals(written, requests, judge, corpus_lines, given=1 if seed_text else 0, other_pairs=pairs)
            by_seed[strategy].append({"seed": seed, **scores, **writer.counts(strategy)})
            logger.info("%s, seed %d: %d ghazals in %.0f s; hemistichs judged in the asked metre: %s.",
                        strategy, seed, len(requests), seconds, _share(scores["asked_metre_share"]))
            if strategy == "free":
                free_text.append(LAYOUTS["plain"].text(written, requests))
    held_out = [line for i in split["val_poems"] + split.get("tune_poems", []) for line in poems[i]]
    report = {
        "settings": sample.model_dump(),
        "divan": {**_divan_scores(poems, divan_metres), "held_out_other_poets_word_pair_share": known_pair_share(held_out, pairs)},
        **{name: {**mean_figures(runs), "by_seed": runs} for name, runs in by_seed.items()},
    }
    return "".join(free_text), report


def mean_figures(runs: list[dict]) -> dict:
    """The mean over runs of every figure they all report (numbers, also inside dicts);
    lists (the poems) and figures some runs lack (``None``) are left out."""
    figures = {}
    for key, value in runs[0].items():
        values = [run.get(key) for run in runs]
        if isinstance(value, dict):
            figures[key] = mean_figures(values)
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            figures[key] = statistics.fmean(values)
    return figures


def compose_ghazals(
    requests: pd.DataFrame, model: CharLM, vocab: dict, clean_text: str, split: dict, divan_metres: pd.DataFrame,
    judge: MetreJudge, cache_settings: dict, hafez: HafezParams,
) -> dict:
    """The served poet: one ghazal per row of ``requests``, whose columns (all optional) are
    ``first_hemistich``, ``metre``, ``qafiya``, ``radif``, ``couplets``, ``seed`` and
    ``writing`` (``free``, ``form_aware`` or ``metre_aware``); what a row leaves out is
    ``hafez.sample``'s, and what that leaves open is drawn from the Divan, as for
    ``sample_verse``. Each ghazal comes back as hemistichs with the request it answered
    and its form figures: the share of its hemistichs the judge hears in the asked metre,
    the asked rhyme kept, its couplets and its share of known words."""
    poems, corpus_lines, words = _corpus(clean_text)
    ghazals = []
    for row in requests.to_dict(orient="records"):
        sample, writing = _asked(row, hafez.sample)
        seed_text, asked, writer = _prepared(sample, model, vocab, poems, words, divan_metres, split, judge, cache_settings, "the request")
        written = writer.write_all(asked, seed_text, writing)
        scored = score_ghazals(written, asked, judge, corpus_lines, given=1 if seed_text else 0)
        ghazals.append({
            "request": asked[0].__dict__, "writing": writing, "seed": sample.seed, "hemistichs": written[0],
            **{key: scored[key] for key in COMPOSED_FIGURES},
        })
    return {"ghazals": ghazals}


COMPOSED_FIGURES = (
    "asked_metre_share", "matla_keeps_asked_rhyme_share", "asked_qafiya_kept_share", "asked_radif_kept_share",
    "couplets_written_mean", "known_word_share", "copied_hemistich_share",
)
REQUEST_FIELDS = {"first_hemistich": "seed_text", "metre": "metre", "qafiya": "qafiya", "radif": "radif", "couplets": "couplets", "seed": "seed"}


def _asked(row: dict, defaults: HafezSample) -> tuple[HafezSample, str]:
    """A request's row as the sampling settings it asks for, and its way of writing."""
    unknown = sorted(set(row) - set(REQUEST_FIELDS) - {"writing"})
    if unknown:
        raise InputDataError(f"a request has fields this poet does not know: {unknown}; it knows {[*REQUEST_FIELDS, 'writing']}")
    writing = row.get("writing") or "form_aware"
    if writing not in STRATEGIES:
        raise InputDataError(f"writing {writing!r} is none of {list(STRATEGIES)}")
    given = {REQUEST_FIELDS[key]: value for key, value in row.items() if key in REQUEST_FIELDS and not _missing(value)}
    try:
        sample = HafezSample.model_validate({**defaults.model_dump(), **given, "ghazals": 1, "seed_count": 1})
    except ValueError as error:
        raise InputDataError(f"the request is not one this poet can write: {error.errors()[0]['loc'][0]}: {error.errors()[0]['msg']}") from None
    if writing == "metre_aware" and sample.metre_aware is None:
        raise InputDataError("metre-aware writing is off for this model (hafez.sample.metre_aware)")
    return sample, writing


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _corpus(clean_text: str) -> tuple[list[list[str]], list[str], Counter]:
    """The Divan as poems, as hemistichs, and its word counts (the form-aware writer's)."""
    poems = text_to_poems(clean_text)
    lines = [line for poem in poems for line in poem]
    return poems, lines, Counter(word for line in lines for word in line.split())


def _prepared(
    sample: HafezSample, model: CharLM, vocab: dict, poems: list[list[str]], words: Counter, divan_metres: pd.DataFrame,
    split: dict, judge: MetreJudge, cache_settings: dict, asker: str,
) -> tuple[str, list[FormHeader], _Writer]:
    """The seed text, the forms asked for and the writer (``words``: ``_corpus``'s word
    counts, counted once by the caller), after checking that every asked character is one
    the model knows (``asker`` names who asked, for the message)."""
    seed_text = normalize_line(sample.seed_text) if sample.seed_text else ""
    unknown = sorted(set(seed_text) - vocab.keys())
    if unknown:
        raise InputDataError(f"{asker}'s first hemistich has characters outside the model's alphabet: {unknown}")
    if sample.cache and not cache_settings:
        raise ParameterError("hafez.sample.cache samples with the tuned neural cache: set hafez.evaluation.cache and rerun hafez")
    requests = draw_requests(sample, poems, divan_metres, split, list(judge.config.metres))
    outside = sorted({char for request in requests for char in request.text()} - vocab.keys())
    if outside:
        raise InputDataError(f"{asker}'s qafiya or radif has characters outside the model's alphabet: {outside}")
    return seed_text, requests, _Writer(model, vocab, judge, words, cache_settings if sample.cache else {}, sample)


def draw_requests(sample: HafezSample, poems: list[list[str]], divan_metres: pd.DataFrame, split: dict, metres: list[str]) -> list[FormHeader]:
    """One form per ghazal to write. What ``sample`` leaves open (``metre: any``, ``qafiya``,
    ``radif``, ``couplets`` null) is taken from a Divan ghazal drawn at random: one in the
    asked metre when a metre is asked, preferably one of the ghazals held out of training,
    so that the model is not asked for the very form of a ghazal it learnt."""
    asked = resolve_metre(sample.metre, metres)
    judged = divan_metres["metre"].tolist()
    held_out = set(split["val_poems"]) | set(split.get("tune_poems", []))
    candidates = [i for i, metre in enumerate(judged) if metre != OTHER and (asked is None or metre == asked)]
    if not candidates:
        candidates = [i for i, metre in enumerate(judged) if metre != OTHER] or list(range(len(poems)))
    preferred = [i for i in candidates if i in held_out] or candidates
    rng = np.random.default_rng(sample.seed)
    requests = []
    for template in rng.choice(preferred, size=sample.ghazals):
        form = FormHeader.of(poems[template], judged[template])
        requests.append(FormHeader(
            metre=asked or (judged[template] if judged[template] != OTHER else None),
            qafiya=form.qafiya if sample.qafiya is None else normalize_line(sample.qafiya).replace(" ", ""),
            radif=form.radif if sample.radif is None else normalize_line(sample.radif),
            couplets=form.couplets if sample.couplets is None else sample.couplets,
        ))
    return requests


def resolve_metre(name: str, metres: list[str]) -> str | None:
    """The judge's metre that ``name`` names (Ganjoor's whole name, its feet, or the
    traditional name in brackets), ``None`` for ``any``; a clear error otherwise."""
    if name == "any":
        return None
    wanted = " ".join(name.split())
    for metre in metres:
        if metre != OTHER and wanted in (metre, feet(metre), traditional_name(metre)):
            return metre
    choices = "; ".join(feet(metre) for metre in metres if metre != OTHER)
    raise ParameterError(f"hafez.sample.metre {name!r} is not a metre the judge knows; use any, or one of: {choices}")


class _Writer:
    """Writes the requested ghazals one way (``STRATEGIES``) with the model, its cache and
    the judge, counting the form-aware rewrites."""

    def __init__(self, model: CharLM, vocab: dict, judge: MetreJudge, words: Counter, cache_settings: dict, sample: HafezSample) -> None:
        self.model, self.vocab, self.judge, self.words, self.sample = model, vocab, judge, words, sample
        self.cache = NeuralCache.tuned(cache_settings, len(vocab), vocab["\n"])
        self.banned = tuple(vocab[char] for char in HEADER_CHARS if char in vocab)
        self.layout = layout_named(model.config.layout)
        self._endings: dict[str, list[FormAwareLineEnd]] = {}

    def write_all(self, requests: list[FormHeader], seed_text: str, strategy: str) -> list[list[str]]:
        torch.manual_seed(self.sample.seed)
        newline = self.vocab["\n"]
        given = encode(self.layout.line(seed_text) + "\n", self.vocab).tolist() if seed_text else []
        poems = []
        with Progress(len(requests), f"hafez sample, {strategy.replace('_', '-')}", unit="ghazal") as progress:
            for request in requests:
                lines = self._lines(strategy, request)
                ids = write_poem(
                    self.model, encode(POEM_BREAK + self.layout.header(request) + "\n", self.vocab).tolist(), newline,
                    self._line_writer(strategy, request), *lines, given=given, cache=self.cache,
                    prefix=lambda line, asked=request: encode(self.layout.prefix_at(asked, line, asked.couplets), self.vocab).tolist(),
                )
                poems.append(self.layout.lay_back(decode(ids, self.vocab).split("\n")))
                progress.update()
        return poems

    def _lines(self, strategy: str, request: FormHeader) -> tuple[int, int]:
        """Where a ghazal may end, in lines: free, where the model ends it within the run's
        bounds; form-aware and metre-aware keep the asked length, as they keep the rhyme."""
        if strategy == "free" or not request.couplets:
            return 2 * self.sample.min_couplets, 2 * self.sample.max_couplets
        return 2 * request.couplets, 2 * request.couplets

    def _line_writer(self, strategy: str, request: FormHeader):
        sample = self.sample
        if strategy == "free":
            return FreeLine(sample.temperature, sample.top_k, self.banned, space=self.vocab[" "])
        rhyming = self._rhyming_line(request, strategy)
        if strategy == "form_aware" or request.metre is None:
            return rhyming
        metre = list(self.judge.config.metres).index(request.metre)
        return MetreAwareLine(
            rhyming, lambda lines: metre_log_probs(self.judge, lines)[:, metre],
            lambda ids: self.layout.line(decode(ids, self.vocab)), sample.metre_aware.drafts,
        )

    def _rhyming_line(self, request: FormHeader, strategy: str) -> FreeLine:
        """A line writer that keeps the asked rhyme: by writing it first where the model writes
        lines end first, else by rewriting the line's last words (``modeling.form_aware``)."""
        sample = self.sample
        if self.layout.end_first:
            opening = FormAwareLineStart(self.vocab, request)
            return FreeLine(sample.temperature, sample.top_k, self.banned, space=self.vocab[" "], opening=opening)
        ending = FormAwareLineEnd(self.vocab, self.words, sample.temperature, sample.rhyme_words, form=request)
        self._endings.setdefault(strategy, []).append(ending)
        return FreeLine(sample.temperature, sample.top_k, self.banned, ending, space=self.vocab[" "])

    def counts(self, strategy: str) -> dict:
        endings = self._endings.get(strategy)
        if not endings:
            return {}
        return {
            "endings_rewritten": sum(ending.rewritten for ending in endings),
            "qafiyas_without_corpus_words": sum(ending.without_candidates for ending in endings),
        }


def score_ghazals(
    poems: list[list[str]], requests: list[FormHeader], judge: MetreJudge, corpus_lines: list[str], given: int = 0,
    other_pairs: set[tuple[str, str]] | None = None,
) -> dict:
    """Generated ghazals against their requests: the share of hemistichs the judge hears in
    the asked metre, the asked rhyme kept (in the matla, and at the end of later couplets),
    couplets against the asked number; the words, copies and, with ``other_pairs``, fluency
    (``text.verse_metrics``) and the form the matla sets (``text.ghazal``), as for the
    Divan. ``given`` first lines of each ghazal (a seed text) are not the model's work and
    are not scored."""
    metres = list(judge.config.metres)
    lines = [line for poem in poems for line in poem[given:]]
    verdicts = metre_log_probs(judge, lines) if lines else np.zeros((0, len(metres)))
    asked = np.array([metres.index(r.metre) if r.metre else -1 for r, poem in zip(requests, poems) for _ in poem[given:]], dtype=int)
    rows, start = [], 0
    for request, poem in zip(requests, poems):
        own = verdicts[start : start + len(poem) - given]
        start += len(poem) - given
        rows.append({
            "request": request.__dict__,
            "couplets": len(poem) // 2,
            "hemistichs": [
                {"text": line, "judged": metres[int(v.argmax())],
                 "asked_metre_probability": round(float(np.exp(v[metres.index(request.metre)])), 3) if request.metre else None}
                for line, v in zip(poem[given:], own)
            ],
        })
    return {
        "asked_metre_share": float((verdicts.argmax(axis=1) == asked)[asked >= 0].mean()) if (asked >= 0).any() else None,
        **asked_form_report(poems, requests),
        **verse_report(lines, corpus_lines, other_pairs),
        "form": form_report(poems),
        "poems": rows,
    }


def asked_form_report(poems: list[list[str]], requests: list[FormHeader]) -> dict:
    """How well ghazals keep the form they were asked for: matlas whose two hemistichs both
    end in the asked qafiya and radif; later couplets whose second hemistich ends in the
    asked radif (where one is asked) and in the qafiya before it; couplets written against
    couplets asked."""
    matlas = [len(poem) >= 2 and all(keeps_form(line, r.qafiya, r.refrain) for line in poem[:2]) for poem, r in zip(poems, requests)]
    later = [(poem[k], r) for poem, r in zip(poems, requests) for k in range(3, len(poem), 2)]
    radif_kept = [keeps_form(line, "", r.refrain) for line, r in later if r.radif]
    rhyme_kept = [keeps_form(line, r.qafiya, r.refrain) for line, r in later if r.qafiya or r.radif]
    written = [len(poem) // 2 for poem in poems]
    asked = [r.couplets for r in requests]
    return {
        "matla_keeps_asked_rhyme_share": statistics.fmean(matlas) if matlas else None,
        "asked_radif_kept_share": statistics.fmean(radif_kept) if radif_kept else None,
        "asked_qafiya_kept_share": statistics.fmean(rhyme_kept) if rhyme_kept else None,
        "couplets_asked_mean": statistics.fmean(asked) if asked else None,
        "couplets_written_mean": statistics.fmean(written) if written else None,
        "couplets_off_by_mean": statistics.fmean(abs(w - a) for w, a in zip(written, asked)) if asked else None,
    }


def _divan_scores(poems: list[list[str]], divan_metres: pd.DataFrame) -> dict:
    """The Divan under the same judge and form finder: the share of its hemistichs judged in
    their ghazal's metre, and its form."""
    return {
        "hemistichs_judged_in_their_ghazal_metre_share": float(divan_metres["hemistichs_agreeing"].sum() / divan_metres["hemistichs"].sum()),
        "form": form_report(poems),
    }


def _share(value: float | None) -> str:
    return "none asked" if value is None else f"{value:.1%}"
