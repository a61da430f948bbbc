"""Wiring of ``hafez_metre``: the other poets' ghazals through to the metre judge, its report,
and the Divan's metres by it."""

from kedro.pipeline import Pipeline, node

from hw3_pipelines.pipelines.hafez.pipeline import divan_pipeline
from hw3_pipelines.pipelines.hafez_metre import nodes, report
from hw3_pipelines.pipelines.hafez_pretrain.pipeline import ganjoor_pipeline


def create_pipeline(**kwargs) -> Pipeline:
    return divan_pipeline() + ganjoor_pipeline() + Pipeline(
        [
            node(
                nodes.split_labelled_poems,
                ["ganjoor_clean_poems", "params:hafez_metre"],
                "hafez_metre_split",
                name="split_labelled_poems",
                tags="features",
            ),
            node(
                nodes.train_metre_judge,
                ["ganjoor_clean_poems", "hafez_metre_split", "params:hafez_metre"],
                ["hafez_metre_judge", "hafez_metre_training_history"],
                name="train_metre_judge",
                tags="training",
            ),
            node(
                nodes.evaluate_metre_judge,
                ["hafez_metre_judge", "ganjoor_clean_poems", "hafez_metre_split", "hafez_metre_training_history", "params:hafez_metre"],
                "hafez_metre_report",
                name="evaluate_metre_judge",
                tags="inference",
            ),
            node(nodes.label_divan, ["hafez_metre_judge", "hafez_clean_corpus"], "hafez_divan_metres", name="label_divan_metres", tags="inference"),
            node(report.write_metre_report, ["hafez_metre_report", "hafez_divan_metres"], "hafez_metre_report_md", name="write_metre_report", tags="reporting"),
            node(report.plot_confusion, "hafez_metre_report", "hafez_metre_confusion_plot", name="plot_metre_confusion", tags="reporting"),
            node(report.plot_divan_metres, "hafez_divan_metres", "hafez_divan_metres_plot", name="plot_divan_metres", tags="reporting"),
            node(report.plot_judge_loss, "hafez_metre_training_history", "hafez_metre_loss_plot", name="plot_metre_judge_loss", tags="reporting"),
        ]
    )
