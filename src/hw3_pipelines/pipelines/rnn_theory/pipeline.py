"""Wiring of the rnn_theory pipeline: three verified answers, their plots, one report."""

from kedro.pipeline import Pipeline, node

from hw3_pipelines.pipelines.rnn_theory import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            node(nodes.verify_parameter_counts, "params:rnn_theory", "rnn_theory_parameter_counts", name="count_rnn_parameters"),
            node(nodes.trace_gradient_flow, "params:rnn_theory", "rnn_theory_gradients", name="trace_gradient_flow"),
            node(nodes.compare_clipping, "params:rnn_theory", "rnn_theory_clipping", name="compare_gradient_clipping"),
            node(nodes.plot_gradient_flow, "rnn_theory_gradients", "rnn_theory_gradients_plot", name="plot_gradient_flow"),
            node(nodes.plot_clipping, "rnn_theory_clipping", "rnn_theory_clipping_plot", name="plot_gradient_clipping"),
            node(
                nodes.render_report,
                ["rnn_theory_parameter_counts", "rnn_theory_gradients", "rnn_theory_clipping", "params:rnn_theory"],
                "rnn_theory_report",
                name="render_rnn_theory_report",
            ),
        ],
        tags="theory",
    )
