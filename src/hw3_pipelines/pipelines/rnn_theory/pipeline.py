"""Wiring of the rnn_theory pipeline: four answers, one report."""

from kedro.pipeline import Pipeline, node

from hw3_pipelines.pipelines.rnn_theory import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(nodes.count_parameters, "params:rnn_theory.sizes", "rnn_theory_parameter_counts", name="count_rnn_parameters"),
            node(
                nodes.gradient_flow,
                "params:rnn_theory.gradient",
                ["rnn_theory_gradients", "rnn_theory_gradients_plot"],
                name="trace_gradient_flow",
            ),
            node(
                nodes.clipping,
                "params:rnn_theory.clipping",
                ["rnn_theory_clipping", "rnn_theory_clipping_plot"],
                name="compare_gradient_clipping",
            ),
            node(
                nodes.render_report,
                [
                    "rnn_theory_parameter_counts",
                    "rnn_theory_gradients",
                    "rnn_theory_clipping",
                    "params:rnn_theory.sequence_tasks",
                ],
                "rnn_theory_report",
                name="render_rnn_theory_report",
            ),
        ],
        tags="theory",
    )
