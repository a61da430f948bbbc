"""Wiring of ``hafez`` (corpus to model to verse), ``hafez_sample`` (verse from the saved
model) and the poet a hafez run registers (``compose_pipeline``)."""

from kedro.pipeline import Pipeline, node

from hw3_pipelines.bound_pipelines import bind
from hw3_pipelines.pipelines.hafez import nodes, report, sampling

REGISTERED_MODEL = "hafez_poet"
WRITER_INPUTS = [
    "hafez_model", "hafez_vocab", "hafez_clean_corpus", "hafez_split", "hafez_divan_metres_last_saved",
    "hafez_metre_judge_last_saved", "hafez_cache_settings", "params:hafez",
]


def create_pipeline(**kwargs) -> Pipeline:
    """Training and sampling, bound to the poet: after each run kedro-mlflow logs
    ``compose_pipeline`` with the model, vocabulary, corpus, judge and cache it reads as one
    MLflow model and registers it as ``hafez_poet`` (``bound_pipelines``)."""
    return bind(training_pipeline() + sampling_pipeline(), compose_pipeline(), "hafez_request", REGISTERED_MODEL)


def compose_pipeline() -> Pipeline:
    """A request (first hemistich, metre, rhyme, couplets, way of writing) → a ghazal with
    its form figures, by the sampling node's own writer."""
    return Pipeline([node(sampling.compose_ghazals, ["hafez_request", *WRITER_INPUTS], "hafez_composition", name="compose_hafez_ghazals")])


def divan_pipeline() -> Pipeline:
    """The Divan, cleaned: what hafez_metre labels."""
    return Pipeline(
        [
            node(nodes.load_corpus, "params:hafez", "hafez_raw_corpus", name="load_hafez_corpus", tags="ingest"),
            node(
                nodes.clean_corpus,
                "hafez_raw_corpus",
                ["hafez_clean_corpus", "hafez_clean_report"],
                name="clean_hafez_corpus",
                tags="ingest",
            ),
        ]
    )


def corpus_pipeline() -> Pipeline:
    """The Divan, cleaned, split by ghazals and encoded with its form headers: what
    hafez_pretrain needs of it too."""
    return divan_pipeline() + Pipeline(
        [
            node(
                nodes.split_and_encode,
                ["hafez_clean_corpus", "hafez_divan_metres_last_saved", "params:hafez"],
                ["hafez_vocab", "hafez_split", "hafez_token_ids"],
                name="split_and_encode_hafez_corpus",
                tags="features",
            ),
        ]
    )


def training_pipeline() -> Pipeline:
    return corpus_pipeline() + Pipeline(
        [
            node(nodes.measure_corpus_form, "hafez_clean_corpus", "hafez_form_report", name="measure_hafez_corpus_form", tags="reporting"),
            node(
                nodes.train_char_lm,
                ["hafez_token_ids", "hafez_vocab", "hafez_pretrained_model", "params:hafez"],
                ["hafez_model", "hafez_training_history"],
                name="train_hafez_model",
                tags="training",
            ),
            node(
                nodes.tune_neural_cache,
                ["hafez_model", "hafez_token_ids", "hafez_vocab", "params:hafez"],
                "hafez_cache_settings",
                name="tune_hafez_neural_cache",
                tags="inference",
            ),
            node(
                nodes.evaluate_char_lm,
                ["hafez_model", "hafez_token_ids", "hafez_vocab", "hafez_training_history", "hafez_cache_settings", "params:hafez"],
                "hafez_metrics",
                name="evaluate_hafez_model",
                tags="inference",
            ),
            node(nodes.plot_loss, ["hafez_training_history", "params:hafez"], "hafez_loss_plot", name="plot_hafez_loss", tags="reporting"),
        ]
    )


def sampling_pipeline() -> Pipeline:
    """Ghazals asked for and written from the saved model, scored by the metre judge, and the
    report of the model and its ghazals."""
    return Pipeline(
        [
            node(
                sampling.sample_verse,
                [*WRITER_INPUTS[:-1], "ganjoor_clean_poems_last_saved", "params:hafez"],
                ["hafez_samples", "hafez_sample_report"],
                name="sample_hafez_verse",
                tags="inference",
            ),
            node(
                report.write_hafez_report,
                ["hafez_metrics", "hafez_sample_report", "hafez_metre_report", "params:hafez"],
                "hafez_report",
                name="write_hafez_report",
                tags="reporting",
            ),
        ]
    )
