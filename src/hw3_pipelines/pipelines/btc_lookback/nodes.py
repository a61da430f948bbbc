"""Nodes of the lookback sweep: one training run per (target, lookback, seed), the table of
runs, its summary across seeds, a plot and a generated report."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from scipy import stats

from hw3_pipelines.parameters import BtcParams, LookbackSweepParams
from hw3_pipelines.pipelines.btc import nodes as btc_nodes
from hw3_pipelines.plotting import finish, new_figure

METRICS = ("relative_mae", "mae", "dm_p_value")


def run_settings(btc: BtcParams, sweep: LookbackSweepParams, lookback: int, target: str, seed: int) -> BtcParams:
    """The btc parameters with this run's lookback, target and seed and the sweep's epochs
    and threads."""
    training = btc.training.model_copy(update={"epochs": sweep.epochs, "seed": seed, "num_threads": sweep.num_threads})
    return btc.model_copy(update={"lookback": lookback, "target": target, "training": training})


def run_experiment(
    train: pd.DataFrame, test: pd.DataFrame, validation_report: dict, btc: BtcParams, sweep: LookbackSweepParams,
    lookback: int, target: str, seed: int,
) -> dict:
    """One run of the sweep, start to finish, as one node: scale, window, train, evaluate.

    One node per run makes a run one task for a runner to place on a worker, with nothing
    but its summary to pass back.
    """
    settings = run_settings(btc, sweep, lookback, target, seed)
    scaler = btc_nodes.fit_scaler(train, settings)
    model_input = btc_nodes.make_windows(train, test, scaler, settings)
    model, history = btc_nodes.train_model(model_input, settings)
    predictions, metrics = btc_nodes.evaluate_model(model, model_input, scaler, validation_report, settings)
    return {
        "target": target,
        "lookback": lookback,
        "seed": seed,
        "mae": metrics["model"]["mae"],
        "relative_mae": metrics["relative_mae"],
        "dm_p_value": metrics["dm_test"]["p_value"],
        "prediction_lag_days": prediction_lag(predictions),
        "train_windows": len(model_input.X_train),
        "parameters": metrics["parameters"],
        "train_seconds": float(history["seconds"].sum()),
        "seconds_per_epoch": float(history["seconds"].median()),
        "torch_threads": torch.get_num_threads(),
    }


def prediction_lag(predictions: pd.DataFrame, max_lag: int = 10) -> int:
    """Days by which predicted moves trail real ones: the shift k maximising the
    correlation of predicted changes with real changes k days earlier. Persistence has 1."""
    predicted = predictions["predicted"].diff().to_numpy()[1:]
    actual = predictions["actual"].diff().to_numpy()[1:]
    scores = [np.corrcoef(predicted[k:], actual[: len(actual) - k])[0, 1] for k in range(max_lag + 1)]
    return int(np.nanargmax(scores))


def tabulate_runs(*runs: dict) -> pd.DataFrame:
    return pd.DataFrame(list(runs)).sort_values(["target", "lookback", "seed"], ignore_index=True)


def summarize_across_seeds(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds per (target, lookback), and whether the
    lookback's relative MAE differs from its target's best lookback by more than seed noise
    (Welch's t-test over the seeds, p < 0.05)."""
    grouped = runs.groupby(["target", "lookback"])
    table = grouped[list(METRICS)].agg(["mean", "std"])
    table.columns = [f"{metric}_{stat}" for metric, stat in table.columns]
    table = table.join(grouped.agg(
        seeds=("seed", "count"),
        train_windows=("train_windows", "first"),
        parameters=("parameters", "first"),
        prediction_lag_days=("prediction_lag_days", "median"),
        seconds_per_epoch=("seconds_per_epoch", "median"),
    )).reset_index()
    table["differs_from_best_p"] = [
        _welch_p(runs, row.target, row.lookback, table.loc[table["target"] == row.target].nsmallest(1, "relative_mae_mean")["lookback"].iloc[0])
        for row in table.itertuples()
    ]
    return table


def _welch_p(runs: pd.DataFrame, target: str, lookback: int, best: int) -> float:
    if lookback == best:
        return 1.0
    values = runs[runs["target"] == target].groupby("lookback")["relative_mae"]
    a, b = values.get_group(lookback), values.get_group(best)
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def plot_sweep(table: pd.DataFrame, sweep: LookbackSweepParams) -> Figure:
    fig, (error, cost) = new_figure(columns=2)
    for target, rows in table.groupby("target"):
        error.errorbar(rows["lookback"], rows["relative_mae_mean"], yerr=rows["relative_mae_std"], marker="o", capsize=3,
                       label=f"{target} (mean ± std over {rows['seeds'].iloc[0]} seeds)")
        cost.plot(rows["lookback"], rows["seconds_per_epoch"], marker="o", label=target)
    error.axhline(1.0, color="grey", ls="--", lw=1, label="naive (= 1)")
    error.set(title="Test MAE / naive MAE", xlabel="lookback (days)", ylabel="relative MAE (log scale)", yscale="log")
    cost.set(title="Training cost", xlabel="lookback (days)", ylabel="seconds per epoch (median)")
    fig.suptitle(f"Lookback sweep, {sweep.epochs} epochs per run")
    finish(error)
    finish(cost)
    return fig


def write_report(table: pd.DataFrame, sweep: LookbackSweepParams) -> str:
    """Markdown whose every statement quotes the table it was generated from."""
    seeds = int(table["seeds"].max())
    lines = [
        "# What the lookback window gains and costs",
        "",
        f"Generated by `kedro run --pipeline btc_lookback`: each run trains the btc model for {sweep.epochs} epochs "
        f"on the same split, {seeds} times with different seeds; only the lookback, the target and the seed change.",
        "",
        "| target | lookback | relative MAE (mean ± std) | MAE (USD) | DM p-value | lag (days) | training windows | parameters | s / epoch | vs best: p |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table.itertuples():
        lines.append(
            f"| {row.target} | {row.lookback} | {row.relative_mae_mean:.3f} ± {row.relative_mae_std:.3f} | "
            f"{row.mae_mean:,.0f} | {row.dm_p_value_mean:.3g} | {row.prediction_lag_days:g} | {row.train_windows:,} | "
            f"{row.parameters:,} | {row.seconds_per_epoch:.2f} | {row.differs_from_best_p:.2g} |"
        )
    lines += ["", "## Findings", ""]
    for target, rows in table.groupby("target"):
        lines += [f"**target = {target}**", "", *_findings(rows.set_index("lookback")), ""]
    return "\n".join(lines)


def _findings(rows: pd.DataFrame) -> list[str]:
    short, long = rows.index.min(), rows.index.max()
    best = rows["relative_mae_mean"].idxmin()
    beyond_noise = [lookback for lookback in rows.index if rows.loc[lookback, "differs_from_best_p"] < 0.05]
    within = [lookback for lookback in rows.index if lookback != best and lookback not in beyond_noise]
    cost_ratio = rows.loc[long, "seconds_per_epoch"] / rows.loc[short, "seconds_per_epoch"]
    return [
        f"- Best: lookback {best}, relative MAE {rows.loc[best, 'relative_mae_mean']:.3f} ± "
        f"{rows.loc[best, 'relative_mae_std']:.3f}. The seed-to-seed standard deviation is "
        f"{rows['relative_mae_std'].median():.3f} at the median lookback.",
        f"- Beyond seed noise (Welch's t-test against the best, p < 0.05): "
        f"{', '.join(map(str, beyond_noise)) or 'no lookback'}; within it: {', '.join(map(str, within)) or 'none'}.",
        f"- Against naive: {int((rows['relative_mae_mean'] < 1).sum())} of {len(rows)} lookbacks beat the persistence "
        f"forecast on average; {int((rows['dm_p_value_mean'] < 0.05).sum())} differ from it at the 5% level (mean "
        "Diebold-Mariano p-value).",
        f"- Less training data with long windows: {rows.loc[long, 'train_windows']:,} training windows at lookback "
        f"{long} against {rows.loc[short, 'train_windows']:,} at lookback {short}.",
        f"- Cost per epoch {'grows with' if cost_ratio > 1.1 else 'barely changes with'} the window: "
        f"{rows.loc[long, 'seconds_per_epoch']:.2f} s at lookback {long} against {rows.loc[short, 'seconds_per_epoch']:.2f} s "
        f"at lookback {short} ({cost_ratio:.1f}×), with {rows.loc[long, 'parameters']:,} parameters either way: an "
        "LSTM's weights do not depend on sequence length, its sequential steps do.",
    ]
