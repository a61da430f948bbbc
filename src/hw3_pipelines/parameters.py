"""The one parameter schema: every key of ``conf/*/parameters_*.yml``, its type and its choices.

Nodes annotate their ``params:<pipeline>`` input with these models, and Kedro (>= 1.3)
validates and converts the whole section before the first node runs. A wrong type, an
out-of-range value or a misspelt key stops the run naming the key. Choices come from the
code that implements them (cells, schedules, targets, sources), so they cannot drift.
Each node takes its pipeline's whole section: Kedro validates one model per key, and a
section validated as a whole is what catches a misspelt group name such as ``btc.trainig``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from hw3_pipelines.forecasting.windows import FEATURES, TARGET_COLUMN, TARGETS
from hw3_pipelines.modeling.char_lm import CHAR_CELLS
from hw3_pipelines.modeling.metre_judge import JUDGE_CELLS
from hw3_pipelines.modeling.regressor import HEADS, RECURRENT_CELLS
from hw3_pipelines.modeling.stream_training import StreamTrainConfig
from hw3_pipelines.modeling.training import TrainConfig
from hw3_pipelines.schema import (
    NonNegativeInt,
    OpenFraction,
    PositiveFloat,
    PositiveInt,
    Probability,
    Strict,
)
from hw3_pipelines.sources.ganjoor import GANJOOR_BASE_URL
from hw3_pipelines.text.layout import LAYOUTS

PRICE_SOURCES = ("auto", "yfinance", "csv", "bundled")


# btc -------------------------------------------------------------------------------------

class BtcIngest(Strict):
    """``auto``: Yahoo, else the last stored raw snapshot, else the bundled one."""

    source: Literal[PRICE_SOURCES]
    ticker: str
    start: str
    end: str | None = None
    csv_path: str | None = None

    @model_validator(mode="after")
    def _csv_needs_a_path(self) -> BtcIngest:
        if self.source == "csv" and not self.csv_path:
            raise ValueError("source 'csv' needs csv_path, the path of a Yahoo-format CSV file")
        return self


class BtcValidation(Strict):
    max_gap_days: NonNegativeInt
    min_rows: PositiveInt
    max_spike_ratio: Annotated[float, Field(gt=1)]


class RegressorParams(Strict):
    cell: Literal[tuple(RECURRENT_CELLS)]
    head: Literal[HEADS]
    hidden_size: PositiveInt
    num_layers: PositiveInt
    dropout: Probability
    ensemble_size: PositiveInt = 1  # members trained with seeds seed, seed+1, ...; the forecast is their mixture

    @model_validator(mode="after")
    def _ensembles_mix_distributions(self) -> RegressorParams:
        if self.ensemble_size > 1 and self.head == "point":
            raise ValueError("ensemble_size > 1 mixes predicted distributions; a point head predicts none (use gaussian or student_t)")
        return self

    def network(self) -> dict:
        """The settings of one member network (``RegressorConfig``'s fields)."""
        return self.model_dump(exclude={"ensemble_size"})


class BtcTraining(TrainConfig):
    val_fraction: OpenFraction  # the last share of training windows: best epoch, residual spread


class BenchmarkSpread(Strict):
    factors: Annotated[list[PositiveFloat], Field(min_length=1)]  # candidates at backtest.horizon (1 on the first day)
    days: PositiveInt  # chosen at walk-forward origins over this many last training days


class BtcCalibration(Strict):
    recalibrate: bool  # widen or narrow the spread by the CRPS-optimal factor on validation windows
    adaptive_gamma: Annotated[float, Field(gt=0, lt=1)]  # step of the adaptive conformal band level
    # factors on the model's location as a log return (1: as learnt, 0: no change), scored by the
    # CRPS over horizons 1..backtest.horizon at origins inside the validation windows
    location_shrink: Annotated[list[Annotated[float, Field(ge=0, le=1)]], Field(min_length=1)]
    # factors on the paths' spread at the last horizon (1 on the first day, linear between); scored
    # like the location, after it, on the same origins
    path_spread: Annotated[list[PositiveFloat], Field(min_length=1)]
    # of each, the candidate nearest the random walk (no drift, spread as learnt) whose CRPS is not
    # worse than the lowest at this Diebold-Mariano level; 1 keeps the lowest
    significance: Annotated[float, Field(gt=0, le=1)]
    # beyond one day, the forecaster that the pool fitted on the validation origins must beat
    # there at ``significance`` to replace; null: the fitted pool, untested
    benchmark: Literal["constant_vol", "ewma", "garch_t", "gjr_garch_t", "egarch_t", "har_t"] | None
    # where the benchmark answers beyond one day, the factor on its spread there (``fit_pool``)
    benchmark_spread: BenchmarkSpread
    # the one-day pool's weights: fitted on the validation days, or the model and the benchmark
    # half each, nothing fitted
    one_day_weights: Literal["fitted", "equal"]

    @model_validator(mode="after")
    def _equal_weights_need_a_benchmark(self):
        if self.one_day_weights == "equal" and self.benchmark is None:
            raise ValueError("one_day_weights: equal pools the model with the benchmark; name one in calibration.benchmark")
        return self


class BtcBaselines(Strict):
    ewma_lambda: OpenFraction


class BtcScoring(Strict):
    draws: PositiveInt  # per day, for scores without a closed form (CRPS in USD, price-level models)
    seed: int


class BtcForecast(Strict):
    forecaster: Literal["model", "pool"]  # whose forecast btc_forecast holds: the model's paths or the linear pool's
    horizon: PositiveInt
    paths: PositiveInt
    seed: int


class BtcBacktest(Strict):
    horizon: PositiveInt
    stride: PositiveInt
    paths: PositiveInt  # per origin, for the model and for GARCH


class BtcParams(Strict):
    ingest: BtcIngest
    validation: BtcValidation
    target: Literal[TARGETS]
    features: Annotated[list[Literal[FEATURES]], Field(min_length=1)]
    train_fraction: OpenFraction
    lookback: PositiveInt
    model: RegressorParams
    training: BtcTraining
    calibration: BtcCalibration
    baselines: BtcBaselines
    scoring: BtcScoring
    forecast: BtcForecast
    backtest: BtcBacktest

    @model_validator(mode="after")
    def _features_include_the_target(self) -> BtcParams:
        if TARGET_COLUMN not in self.features:
            raise ValueError(f"features must include '{TARGET_COLUMN}', the column the model predicts")
        return self

    def describe(self) -> str:
        """The setting in a few words, for figure titles."""
        model = self.model
        ensemble = f", {model.ensemble_size} seeds" if model.ensemble_size > 1 else ""
        return f"target={self.target}, {model.cell} {model.num_layers}×{model.hidden_size} {model.head}{ensemble}, lookback {self.lookback}"


class LookbackSweepParams(Strict):
    epochs: PositiveInt
    num_threads: PositiveInt


class RollingParams(Strict):
    num_threads: PositiveInt
    horizons: Annotated[list[Annotated[int, Field(ge=2)]], Field(min_length=1)]  # beyond one day, each <= btc.backtest.horizon
    significance: OpenFraction


# hafez -----------------------------------------------------------------------------------

class HafezSplit(Strict):
    val_fraction: OpenFraction
    tune_fraction: OpenFraction  # held out of training: picks the kept epoch and tunes the neural cache
    seed: int


class CharLMParams(Strict):
    cell: Literal[tuple(CHAR_CELLS)]
    embedding_dim: PositiveInt
    hidden_size: PositiveInt
    num_layers: PositiveInt
    dropout: Probability
    locked_dropout: bool = False
    embedding_dropout: Probability = 0.0
    weight_drop: Probability = 0.0
    tie_weights: bool = False
    layout: Literal[tuple(LAYOUTS)] = "plain"  # where the form stands in the text it reads (text.layout)


class DynamicEvaluation(Strict):
    segment: Annotated[int, Field(ge=2)]  # characters scored before each adaptation
    learning_rate: PositiveFloat
    steps: PositiveInt = 1


class CacheGrid(Strict):
    """The neural cache's settings to try on the tuning ghazals; the best is kept."""

    weights: Annotated[list[OpenFraction], Field(min_length=1)]
    sharpness: Annotated[list[PositiveFloat], Field(min_length=1)]


class HafezEvaluation(Strict):
    ngram_orders: Annotated[list[PositiveInt], Field(min_length=1)]
    dynamic: DynamicEvaluation | None = None
    cache: CacheGrid | None = None


class MetreAwareSampling(Strict):
    drafts: Annotated[int, Field(ge=2)]  # of each hemistich; the judge keeps one


class HafezSample(Strict):
    """What to write: ``ghazals`` ghazals, each in ``metre`` (a metre the judge knows, or
    ``any``) with the rhyme ``qafiya`` and ``radif`` and ``couplets`` couplets; what is left
    null is drawn from a Divan ghazal (``sampling.draw_requests``)."""

    ghazals: PositiveInt
    metre: Annotated[str, Field(min_length=1)] = "any"
    qafiya: str | None = None
    radif: str | None = None  # "" asks for none
    couplets: PositiveInt | None = None
    seed_text: str | None = None  # the first hemistich of every ghazal; null: the model writes it
    min_couplets: NonNegativeInt  # the model ends a ghazal within these bounds
    max_couplets: PositiveInt
    temperature: PositiveFloat
    top_k: PositiveInt | None = None
    seed: int
    seed_count: PositiveInt = 1  # every ghazal is asked for and written with seeds seed, seed + 1, ...; figures per seed and their mean
    cache: bool = False  # mix the tuned neural cache into every draw
    form_aware: bool = False  # also ghazals whose couplets' last words keep the asked rhyme, reported apart
    metre_aware: MetreAwareSampling | None = None  # also ghazals of judged drafts, reported apart
    rhyme_words: PositiveInt = 100  # the corpus's most frequent words with the asked qafiya, among which form-aware decoding chooses

    @model_validator(mode="after")
    def _bounds_in_order(self) -> HafezSample:
        if self.max_couplets < self.min_couplets:
            raise ValueError(f"max_couplets {self.max_couplets} is below min_couplets {self.min_couplets}")
        return self


INIT_FROM = ("scratch", "pretrained")


class HafezParams(Strict):
    corpus_path: str | None = None
    split: HafezSplit
    init_from: Literal[INIT_FROM] = "scratch"  # pretrained: fine-tune the model hafez_pretrain saved last
    model: CharLMParams
    training: StreamTrainConfig
    evaluation: HafezEvaluation
    sample: HafezSample


# hafez_pretrain --------------------------------------------------------------------------

GANJOOR_SOURCES = ("bundled", "folder", "https")


class GanjoorCorpus(Strict):
    """``bundled``: the snapshot in the package; ``folder``: poem files in Ganjoor's layout;
    ``https``: the snapshot's poems fetched again from ``base_url``."""

    source: Literal[GANJOOR_SOURCES]
    poets: Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]  # bundled: some of BUNDLED_POETS
    folder: str | None = None
    base_url: str = GANJOOR_BASE_URL

    @model_validator(mode="after")
    def _folder_needs_a_path(self) -> GanjoorCorpus:
        if self.source == "folder" and not self.folder:
            raise ValueError("source 'folder' needs folder, a directory of poem files in Ganjoor's JSON layout")
        return self


class PretrainSplit(Strict):
    val_fraction: OpenFraction  # other poets' ghazals held out to pick the best epoch
    seed: int


class HafezPretrainParams(Strict):
    corpus: GanjoorCorpus
    split: PretrainSplit
    dropout: Probability | None = None  # while pretraining; null: hafez.model.dropout
    training: StreamTrainConfig


# hafez_metre -----------------------------------------------------------------------------

class MetreSplit(Strict):
    test_fraction: OpenFraction  # of the other poets' labelled poems, scored
    val_fraction: OpenFraction  # picks the judge's epoch
    seed: int


class MetreJudgeParams(Strict):
    cell: Literal[tuple(JUDGE_CELLS)]
    embedding_dim: PositiveInt
    hidden_size: PositiveInt
    num_layers: PositiveInt
    dropout: Probability


class HafezMetreParams(Strict):
    held_out_poet: Annotated[str, Field(min_length=1)]  # never trained on, scored alone
    split: MetreSplit
    min_poems: PositiveInt  # a metre of fewer training poems is "other"
    length_tolerance: PositiveFloat  # letters between a poem's mean hemistich length and its metre's median
    model: MetreJudgeParams
    training: TrainConfig
    shuffle_seed: int


# rnn_theory ------------------------------------------------------------------------------

class LayerSize(Strict):
    input_size: PositiveInt
    hidden_size: PositiveInt


class GradientStudy(Strict):
    weights: Annotated[list[float], Field(min_length=1)]
    u: float
    max_steps: PositiveInt
    seed: int


class ClippingStudy(Strict):
    dimension: Annotated[int, Field(ge=2)]
    clip_value: PositiveFloat
    max_norm: PositiveFloat
    seed: int


class SequenceTask(Strict):
    task: str
    type: str
    why: str


class RnnTheoryParams(Strict):
    sizes: Annotated[list[LayerSize], Field(min_length=1)]
    gradient: GradientStudy
    clipping: ClippingStudy
    sequence_tasks: list[SequenceTask]
