"""Can averaging get the btc distribution forecast past the classical floor (CRPS ≈ 1.30)?

    python benchmarks/btc_seed_ensemble.py --seeds 42 43 44 45 46 --out benchmarks/results/btc_seed_ensemble.json

Trains the ``--env distribution`` model once per seed on the bundled snapshot, then scores on
the test days, beside the six baselines of ``btc_distribution_metrics``:
- each seed alone (as trained, and with its CRPS-optimal spread from the validation windows);
- the seed ensemble: the equal-weight mixture of the seeds' Student-t distributions;
- a linear pool of the ensemble and the baselines, its weights minimising the mean CRPS on
  the validation days (the last 10% of the training days; the baselines were fitted on all
  training days, so on these days they are in-sample, which favours them in the weights).
A mixture has no closed-form CRPS: it is integrated on a grid of returns (0.02% steps,
±60%), so every figure is deterministic. One-sided Diebold-Mariano p-values test "lower CRPS
than the best baseline" on the test days.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from kedro.config import OmegaConfigLoader
from scipy import optimize, stats

from hw3_pipelines.forecasting import metrics, scores
from hw3_pipelines.forecasting.distributions import Predictive, from_model_step
from hw3_pipelines.modeling import regressor_paths
from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.pipelines.btc import nodes, scoring
from hw3_pipelines.settings import CONFIG_LOADER_ARGS
from hw3_pipelines.sources.prices import read_bundled_snapshot

GRID = np.arange(-60.0, 60.0 + 1e-9, 0.02)
PROJECT = Path(__file__).resolve().parents[1]


def cdf_on_grid(predictive: Predictive) -> np.ndarray:
    """(days, grid) CDF of a normal or Student-t family."""
    z = (GRID[None, :] - predictive.loc[:, None]) / predictive.scale[:, None]
    return stats.norm.cdf(z) if predictive.family == "normal" else stats.t.cdf(z, predictive.df[:, None])


def crps_from_cdf(cdf: np.ndarray, actual: np.ndarray) -> np.ndarray:
    step = (GRID[None, :] >= actual[:, None]).astype(float)
    return np.trapezoid((cdf - step) ** 2, GRID, axis=1)


def band_from_cdf(cdf: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
    tail = (100 - level) / 200
    lower = np.array([np.interp(tail, row, GRID) for row in cdf])
    upper = np.array([np.interp(1 - tail, row, GRID) for row in cdf])
    return lower, upper


def summary(cdf: np.ndarray, actual: np.ndarray) -> dict:
    result = {"crps": float(np.mean(crps_from_cdf(cdf, actual)))}
    for level in (80, 95):
        lower, upper = band_from_cdf(cdf, level)
        misses = (actual < lower) | (actual > upper)
        result[f"coverage_{level}"] = float(1 - misses.mean())
        result[f"kupiec_p_{level}"] = scores.kupiec_p_value(misses, 1 - level / 100)
    return result


def one_sided_dm(loss: np.ndarray, reference: np.ndarray) -> float:
    """p-value of "``loss`` is lower than ``reference`` on average" (HLN-corrected DM)."""
    test = metrics.loss_difference_test(loss, reference)
    return float(stats.t.cdf(test["statistic"], df=test["n"] - 1))


def pool_weights(cdfs: list[np.ndarray], actual: np.ndarray) -> np.ndarray:
    """Simplex weights minimising the mean CRPS of the pooled CDF (softmax parameters)."""
    step = (GRID[None, :] >= actual[:, None]).astype(float)

    def mean_crps(theta: np.ndarray) -> float:
        weights = np.exp(theta - theta.max())
        weights /= weights.sum()
        pooled = sum(w * c for w, c in zip(weights, cdfs))
        return float(np.mean(np.trapezoid((pooled - step) ** 2, GRID, axis=1)))

    result = optimize.minimize(mean_crps, np.zeros(len(cdfs)), method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-7, "maxiter": 4000})
    weights = np.exp(result.x - result.x.max())
    return weights / weights.sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44, 45, 46])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/btc_seed_ensemble.json"))
    args = parser.parse_args()
    config = OmegaConfigLoader(str(PROJECT / "conf"), **{**CONFIG_LOADER_ARGS, "default_run_env": "distribution"})
    btc = BtcParams.model_validate(config["parameters"]["btc"])
    prices, _ = nodes.validate_and_repair_prices(read_bundled_snapshot(), {"source": "bundled"}, btc)
    train, test = nodes.split_prices(prices, btc)
    scaler = nodes.fit_scaler(train, btc)
    model_input = nodes.make_windows(train, test, scaler, btc)
    fitted = scoring.fit_baselines(train, btc)

    n_val = model_input.validation_count(btc.training.val_fraction)
    close = train["Close"].to_numpy(float)
    val_actual = 100 * np.log(close[-n_val:] / close[-n_val - 1 : -1])
    val_windows = model_input.X_train[-n_val:]
    test_actual = 100 * np.log(model_input.test_close / model_input.test_previous_close)
    days = {"validation": (val_windows, close[-n_val - 1 : -1], train["Date"].to_numpy()[-n_val:], val_actual),
            "test": (model_input.X_test, model_input.test_previous_close, model_input.test_dates, test_actual)}

    cdfs = {part: {} for part in days}
    for part, (_, _, dates, _) in days.items():
        reference = scoring._Baselines(prices, fitted, dates)
        for name, predictive in reference.one_day(reference.test_positions).items():
            cdfs[part][name] = cdf_on_grid(predictive)

    seeds, started = {}, time.perf_counter()
    for seed in args.seeds:
        settings = btc.model_copy(update={"training": btc.training.model_copy(update={"seed": seed})})
        model, _ = nodes.train_model(model_input, settings)
        calibration = nodes.calibrate_model(model, model_input, settings)
        for part, (windows, previous, _, _) in days.items():
            step = regressor_paths.one_step(model, windows, calibration["point_scale"])
            predictive = from_model_step(step, scaler, model_input.close_index, btc.target, previous, 0, 0)
            cdfs[part][f"seed_{seed}"] = cdf_on_grid(predictive)
            cdfs[part][f"seed_{seed}_recalibrated"] = cdf_on_grid(predictive.widened(calibration["spread_factor"]))
        seeds[seed] = calibration["spread_factor"]
    train_seconds = time.perf_counter() - started

    members = [f"seed_{seed}" for seed in args.seeds]
    for part in days:
        cdfs[part]["ensemble"] = np.mean([cdfs[part][m] for m in members], axis=0)
    pooled_names = ["ensemble", *scoring.BASELINES]
    weights = pool_weights([cdfs["validation"][n] for n in pooled_names], val_actual)
    for part in days:
        cdfs[part]["pool"] = sum(w * cdfs[part][n] for w, n in zip(weights, pooled_names))

    results = {name: summary(cdf, test_actual) for name, cdf in cdfs["test"].items()}
    best = min(scoring.BASELINES, key=lambda name: results[name]["crps"])
    best_loss = crps_from_cdf(cdfs["test"][best], test_actual)
    for name in results:
        if name not in scoring.BASELINES:
            results[name][f"dm_p_lower_than_{best}"] = one_sided_dm(crps_from_cdf(cdfs["test"][name], test_actual), best_loss)
    single = np.array([results[m]["crps"] for m in members])
    report = {
        "seeds": args.seeds, "training_seconds_all_seeds": round(train_seconds, 1),
        "spread_factors": seeds, "best_baseline": best,
        "single_seed_crps_mean": float(single.mean()), "single_seed_crps_std": float(single.std(ddof=1)),
        "pool_weights": dict(zip(pooled_names, map(float, weights))),
        "validation_crps": {name: float(np.mean(crps_from_cdf(cdfs["validation"][name], val_actual))) for name in ("ensemble", "pool", best)},
        "test": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    for name, result in results.items():
        print(f"{name:28s} {result['crps']:.4f}  80%: {result['coverage_80']:.3f}  95%: {result['coverage_95']:.3f}  "
              + "  ".join(f"{k}={v:.3g}" for k, v in result.items() if k.startswith("dm_")))
    print(json.dumps({k: v for k, v in report.items() if k != "test"}, indent=2))


if __name__ == "__main__":
    main()
