"""The few lines every run ends with: its headline figures, where its outputs are, its
MLflow run. A newcomer should not have to open a JSON file to know what a run found."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# The figures a run's reports lead with: (dataset, path in its JSON, what it is).
HEADLINES = [
    ("btc_metrics", "relative_mae", "test MAE / naive MAE, below 1 beats 'tomorrow = today'"),
    ("btc_metrics", "dm_test.p_value", "Diebold-Mariano p against naive"),
    ("btc_distribution_metrics", "model.crps", "one-day CRPS of the model, % log return, lower is better"),
    ("btc_distribution_metrics", "pool.crps", "one-day CRPS of the linear pool, or of GARCH(1,1)-t where validation kept it"),
    ("btc_distribution_metrics", "garch_t.crps", "one-day CRPS of GARCH(1,1)-t, the strongest baseline"),
    ("btc_distribution_metrics", "model.coverage_80", "share of days inside the model's 80% band"),
    ("btc_distribution_metrics", "model.verdict", "what the figures above say"),
    ("btc_rolling_pooled", "horizon_1.final_vs_garch_t.mean_difference", "one-day CRPS, final forecaster minus GARCH(1,1)-t, all periods"),
    ("btc_rolling_pooled", "verdict", "what the periods say"),
    ("hafez_metre_report", "test.hemistich_accuracy", "metre judge, held-out hemistichs judged right"),
    ("hafez_metre_report", "test.ghazal_accuracy", "metre judge, held-out ghazals judged right"),
    ("hafez_metre_report", "held_out_poet.ghazal_accuracy", "metre judge, ghazals of a poet never trained on"),
    ("hafez_metre_report", "shuffled_words.hemistich_accuracy", "metre judge on word-shuffled hemistichs (low: it hears rhythm)"),
    ("hafez_pretrain_metrics", "val_nats_per_char", "held-out other poets, nats/char, lower is better"),
    ("hafez_pretrain_metrics", "hafez_val_nats_per_char_before_fine_tuning", "Hafez validation before fine-tuning, nats/char"),
    ("hafez_metrics", "val_nats_per_char", "Hafez validation, nats/char, lower is better"),
    ("hafez_metrics", "val_nats_per_char_cache", "the same with the neural cache"),
    ("hafez_metrics", "val_nats_per_char_dynamic", "the same under dynamic evaluation"),
    ("hafez_sample_report", "free.asked_metre_share", "free ghazals: hemistichs judged in the asked metre"),
    ("hafez_sample_report", "free.matla_keeps_asked_rhyme_share", "free ghazals: matlas in the asked rhyme"),
    ("hafez_sample_report", "free.asked_qafiya_kept_share", "free ghazals: later couplets keeping the asked rhyme"),
    ("hafez_sample_report", "metre_aware.asked_metre_share", "metre-aware ghazals: hemistichs judged in the asked metre"),
]

# The figures a newcomer opens first: (dataset, what it shows).
FIGURES = [
    ("btc_forecast_plot", "the forecast past the last date, by the forecaster the validation days trust; the model's path beside it"),
]


def run_summary(
    outputs: dict[str, Any], saved_files: dict[str, Path], mlflow_run: str | None, tracking_uri: str = "",
    registered: list[tuple[str, str]] = (),
) -> list[str]:
    """``outputs``: the run's JSON reports by dataset name; ``saved_files``: every file it
    saved by dataset name; ``mlflow_run``: its MLflow run id, if tracked, in ``tracking_uri``;
    ``registered``: the (model, version) pairs it registered."""
    lines = ["Results:"]
    for dataset, key, meaning in HEADLINES:
        value = lookup(outputs.get(dataset), key)
        if isinstance(value, float):
            lines.append(f"  {dataset}.{key} = {value:.4g}  ({meaning})")
        elif isinstance(value, str):
            lines.append(f"  {value}")
    if len(lines) == 1:
        lines = []
    reports = sorted(str(path) for path in saved_files.values() if path.suffix == ".md")
    if saved_files:
        folder = os.path.commonpath([path.parent for path in saved_files.values()])
        count = f"{len(saved_files)} file{'s' if len(saved_files) != 1 else ''}"
        lines.append(f"Outputs: {count} under {folder}/, among them:" if reports else f"Outputs: {count} under {folder}/")
        lines += [f"  {path}" for path in reports]
        lines += [f"  {saved_files[dataset]}  ({shows})" for dataset, shows in FIGURES if dataset in saved_files]
    if mlflow_run:
        lines.append(f"MLflow run {mlflow_run}; browse it with: mlflow ui --backend-store-uri {tracking_uri}")
    for model, version in registered:
        lines.append(f"Registered {model} version {version}; serve it with: kedro serve {model}")
    return lines


def lookup(report: Any, key: str) -> Any:
    """The value at a dotted ``key`` (``"model.crps"``) of a nested report, or None."""
    for part in key.split("."):
        if not isinstance(report, dict) or part not in report:
            return None
        report = report[part]
    return report
