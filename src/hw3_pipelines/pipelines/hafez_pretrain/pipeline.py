"""Wiring of ``hafez_pretrain``: the Divan's corpus steps (for its alphabet and its validation
ghazals), then the other poets' ghazals through to a pretrained model."""

from kedro.pipeline import Pipeline, node

from hw3_pipelines.pipelines.hafez.pipeline import corpus_pipeline
from hw3_pipelines.pipelines.hafez_pretrain import nodes


def ganjoor_pipeline() -> Pipeline:
    """The other poets' ghazals, read and cleaned: what hafez_metre learns metres from."""
    return Pipeline(
        [
            node(nodes.load_ganjoor_poems, "params:hafez_pretrain", "ganjoor_raw_poems", name="load_ganjoor_poems", tags="ingest"),
            node(
                nodes.clean_ganjoor_poems,
                "ganjoor_raw_poems",
                ["ganjoor_clean_poems", "ganjoor_clean_report"],
                name="clean_ganjoor_poems",
                tags="ingest",
            ),
        ]
    )


def create_pipeline(**kwargs) -> Pipeline:
    return corpus_pipeline() + ganjoor_pipeline() + Pipeline(
        [
            node(
                nodes.measure_rhyme_agreement,
                "ganjoor_clean_poems",
                "ganjoor_rhyme_agreement",
                name="measure_ganjoor_rhyme_agreement",
                tags="reporting",
            ),
            node(
                nodes.metres_of_poems,
                ["ganjoor_clean_poems", "hafez_metre_judge_last_saved"],
                "ganjoor_poem_metres",
                name="metres_of_ganjoor_poems",
                tags="features",
            ),
            node(
                nodes.select_pretraining_poems,
                ["ganjoor_clean_poems", "ganjoor_poem_metres", "hafez_clean_corpus", "hafez_split", "hafez_vocab", "params:hafez"],
                ["hafez_pretrain_corpus", "hafez_pretrain_selection_report"],
                name="select_pretraining_poems",
                tags="features",
            ),
            node(
                nodes.split_and_encode_pretraining,
                ["hafez_pretrain_corpus", "hafez_vocab", "params:hafez", "params:hafez_pretrain"],
                "hafez_pretrain_token_ids",
                name="split_and_encode_pretraining_corpus",
                tags="features",
            ),
            node(
                nodes.pretrain_char_lm,
                ["hafez_pretrain_token_ids", "hafez_vocab", "params:hafez", "params:hafez_pretrain"],
                ["hafez_pretrained_model", "hafez_pretrain_training_history"],
                name="pretrain_hafez_model",
                tags="training",
            ),
            node(
                nodes.evaluate_pretrained,
                ["hafez_pretrained_model", "hafez_pretrain_token_ids", "hafez_token_ids", "hafez_pretrain_training_history"],
                "hafez_pretrain_metrics",
                name="evaluate_pretrained_hafez_model",
                tags="inference",
            ),
            node(
                nodes.plot_pretrain_loss,
                ["hafez_pretrain_training_history", "params:hafez", "params:hafez_pretrain"],
                "hafez_pretrain_loss_plot",
                name="plot_hafez_pretrain_loss",
                tags="reporting",
            ),
        ]
    )
