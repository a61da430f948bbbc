"""The distribution report: units, direction and a verdict per baseline with its p-value."""

import pandas as pd

from hw3_pipelines.forecaster.evaluation import _verdict
from hw3_pipelines.forecaster.members import BASELINES
from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.pipelines.btc.report import write_distribution_report
from tests.conftest import conf_parameters


def scores(crps: float, coverage_80: float = 0.8, kupiec_80: float = 0.5) -> dict:
    return {"crps": crps, "crps_usd": crps * 800, "coverage_80": coverage_80, "kupiec_p_80": kupiec_80,
            "coverage_95": 0.95, "kupiec_p_95": 0.6, "width_80": 5.0, "adaptive_coverage_80": 0.79,
            "adaptive_kupiec_p_80": 0.4, "adaptive_coverage_95": 0.94, "adaptive_kupiec_p_95": 0.01}


def dm(statistic: float, p_value: float, lower: float) -> dict:
    return {"statistic": statistic, "p_value": p_value, "p_value_lower": lower}


LOCATION = {"shrink": 0.0, "chosen_on": "104 validation origins, horizons 1-30", "lowest": 1.0, "significance": 0.05,
            "validation_crps": {"1": 4.878, "0": 5.081}, "p_value_against_lowest": {"1": 1.0, "0": 0.67}}
PATH_SPREAD = {"factor": 0.9, "horizon": 30, "chosen_on": "104 validation origins, horizons 1-30", "lowest": 0.9,
               "significance": 0.05, "validation_crps": {"0.9": 4.801, "1": 4.878}, "p_value_against_lowest": {"0.9": 1.0, "1": 0.012}}
BACKTEST = pd.DataFrame([
    {"horizon": h, "forecaster": "model", "origins": 279, "crps": crps, "best_baseline": "garch_t", "best_baseline_crps": best,
     "dm_p_vs_best_baseline": p, "median_return": median, "actual_return": actual}
    for h, crps, best, p, median, actual in [(1, 1.289, 1.303, 0.31, 0.15, 0.01), (7, 3.516, 3.393, 0.16, 1.13, -0.10),
                                             (14, 5.084, 4.754, 0.055, 2.35, -0.10), (30, 8.152, 7.224, 0.0033, 4.96, -0.34)]
] + [{"horizon": h, "forecaster": "pool", "origins": 279, "crps": crps, "dm_p_vs_best_baseline": p, "median_return": median}
      for h, crps, p, median in [(1, 1.288, 0.3, 0.1), (7, 3.5, 0.2, 0.0), (14, 4.754, 1.0, -0.05), (30, 8.0, 0.01, -0.08)]]
  + [{"horizon": 1, "forecaster": "garch_t", "origins": 279, "crps": 1.303}])


def test_beyond_one_day_names_the_lowest_crps_and_its_p_value():
    text = full_report()
    assert "## Beyond one day" in text and "279 origins" in text
    assert ("the learnt one × 0, chosen on 104 validation origins, horizons 1-30: the nearest to the random walk whose mean "
            "CRPS there is not worse than the lowest at p < 0.05 (tried: × 1 4.878, × 0 5.081 (p 0.67); p against the lowest); "
            "the spread of its paths is × 0.9 at 30 days (× 1 on the first, linear between), chosen on 104 validation origins, "
            "horizons 1-30: the nearest to the random walk whose mean CRPS there is not worse than the lowest at p < 0.05 "
            "(tried: × 0.9 4.801, × 1 4.878 (p 0.012); p against the lowest).") in text
    assert "| 1 | 1.289 | 0.31 | 1.288 | 0.3 | GARCH(1,1)-t | 1.303 | the pool | +0.15 | +0.10 | +0.01 |" in text
    assert "| 30 | 8.152 | 0.0033 | 8.000 | 0.01 | GARCH(1,1)-t | 7.224 | GARCH(1,1)-t | +4.96 | -0.08 | -0.34 |" in text
    assert "| 14 | 5.084 | 0.055 | 4.754 | 1 | GARCH(1,1)-t | 4.754 | the pool = GARCH(1,1)-t | +2.35 | -0.05 | -0.10 |" in text
    assert ("The linear pool beyond one day is GARCH(1,1)-t alone, the benchmark: the pool whose "
            "weights minimise its mean CRPS over horizons 2-30 at 104 walk-forward origins inside the validation days "
            "(GARCH(1,1)-t 0.94, constant volatility 0.06; mean CRPS there: linear pool 4.950, GARCH(1,1)-t 4.963, the model "
            "5.081) was not better there than it at p < 0.05 (Diebold-Mariano p = 0.71); its spread multiplied by a factor "
            "growing from 1 on the first day to 1.2 at 30 days, the lowest mean CRPS over horizons 2-30 at 355 walk-forward "
            "origins of the training days (2021-01-02 to 2023-12-01).") in text


def test_a_price_model_keeps_its_paths_and_says_why():
    kept = "none: a price model's paths are kept as learnt"
    calibration = {"spread_factor": 1.0, "location": {"shrink": 1.0, "chosen_on": kept},
                   "path_spread": {"factor": 1.0, "horizon": 30, "chosen_on": kept}}
    metrics = {name: {**scores(1.3), **{f"crps_dm_vs_{b}": dm(0.0, 1.0, 0.5) for b in [*BASELINES, "model"]}, "verdict": "-"}
               for name in [*BASELINES, "model", "pool"]}
    dates = {"test_start": "a", "test_end": "b", "n_test_days": 1}
    one_set = {"weights": {"model": 1.0}, "fitted_weights": {"model": 1.0}, "validation_crps": {"model": 1.3, "pool": 1.3},
               "fitted_on": {"first_date": "2024-01-01", "last_date": "2024-01-30", "days": 30}, "beyond_one_day": {"weights": {"model": 1.0}, "fitted_on": "the one-day weights: 1 validation day(s) hold no two-day outcome"}}
    text = write_distribution_report(metrics, dates, calibration, one_set, BACKTEST,
                                     BtcParams.model_validate(conf_parameters("btc")))
    assert ("is as learnt (none: a price model's paths are kept as learnt); the spread of its paths is as learnt (none: a "
            "price model's paths are kept as learnt).") in text


def full_report() -> str:
    model = {**scores(1.29), **{f"crps_dm_vs_{b}": dm(s, p, q) for b, s, p, q in
                                [("constant_vol", -4.0, 1e-4, 5e-5), ("ewma", -1.9, 0.054, 0.027), ("garch_t", 0.2, 0.53, 0.6),
                                 ("gjr_garch_t", 0.3, 0.5, 0.6), ("egarch_t", 0.3, 0.5, 0.6), ("har_t", 2.1, 0.036, 0.98)]},
             "verdict": "The model's one-day CRPS is 1.2900 against the best baseline's.",
             "members": {"crps": {"42": 1.30, "43": 1.31}, "crps_mean": 1.305, "crps_std": 0.00707,
                         "mixture_dm_vs_member": {"42": dm(0.5, 0.6, 0.7), "43": dm(-2.5, 0.012, 0.006)}}}
    pool = {**scores(1.285), **{f"crps_dm_vs_{b}": dm(-1.0, 0.3, 0.15) for b in [*BASELINES, "model"]}}
    metrics = {"model": model, "constant_vol": scores(1.42, 0.95, 1e-9), "ewma": scores(1.31), "garch_t": scores(1.30),
               "gjr_garch_t": scores(1.30), "egarch_t": scores(1.30), "har_t": scores(1.28), "pool": pool}
    dates = {"test_start": "2024-03-09", "test_end": "2026-07-22", "n_test_days": 866}
    weights = {"kept": "pool", "weights": {"model": 0.8, "garch_t": 0.2, "ewma": 0.001},
               "fitted_weights": {"model": 0.8, "garch_t": 0.2, "ewma": 0.001},
               "fitted_on": {"first_date": "2023-06-01", "last_date": "2024-03-08", "days": 282},
               "validation_crps": {"model": 1.87, "garch_t": 1.88, "pool": 1.86},
               "choice": {"lowest": "pool", "significance": 0.05, "validation_crps": {"garch_t": 1.88, "pool": 1.86},
                          "p_value_against_lowest": {"garch_t": 0.03, "pool": 1.0}},
               "beyond_one_day": {"kept": "garch_t", "weights": {"garch_t": 1.0},
                                  "fitted_weights": {"model": 0.0, "garch_t": 0.94, "constant_vol": 0.06},
                                  "fitted_on": {"origins": 104, "horizons": [2, 30], "stride": 3},
                                  "validation_crps": {"model": 5.081, "garch_t": 4.963, "pool": 4.950},
                                  "choice": {"lowest": "pool", "significance": 0.05, "validation_crps": {"garch_t": 4.963, "pool": 4.950},
                                             "p_value_against_lowest": {"garch_t": 0.71, "pool": 1.0}},
                                  "spread": {"factor": 1.2, "horizon": 30, "crps": {"1": 4.1, "1.2": 4.0},
                                             "chosen_on": {"origins": 355, "first_date": "2021-01-02", "last_date": "2023-12-01",
                                                           "horizons": [2, 30]}}}}
    calibration = {"spread_factor": 1.0, "forward_check": {"first_half_factor": 0.836, "second_half_crps_before": 0.01893,
                                                          "second_half_crps_after": 0.01899, "transfers": False},
                   "location": LOCATION, "path_spread": PATH_SPREAD}
    return write_distribution_report(metrics, dates, calibration, weights, BACKTEST, BtcParams.model_validate(conf_parameters("btc")))


def test_each_baseline_gets_a_verdict_with_its_p_value():
    text = full_report()
    assert text.splitlines()[2] == "**The model's one-day CRPS is 1.2900 against the best baseline's.**"
    assert "CRPS (% log return) ↓" in text and "↓: lower is better" in text and "866" in text
    assert "| constant volatility | 1.4200 | 1,136 | 0.950 | 1e-09 |" in text
    assert ("- Against constant volatility: **better**: CRPS 1.2900 against 1.4200 (-9.2%), Diebold-Mariano p = 0.0001, "
            "one-sided p (lower) = 5e-05.") in text
    assert "- Against EWMA random walk: **a tie**: CRPS 1.2900 against 1.3100 (-1.5%), Diebold-Mariano p = 0.054" in text
    assert "- Against GARCH(1,1)-t: **a tie**" in text
    assert "- Against HAR on the daily range, t: **worse**: CRPS 1.2900 against 1.2800 (+0.8%), Diebold-Mariano p = 0.036," in text
    assert ("members alone (as trained): CRPS 1.3050 ± 0.0071 (mean ± standard deviation over seeds 42, 43). The mixture "
            "against each member, one-sided Diebold-Mariano p (lower): seed 42 (1.3000): p = 0.7, seed 43 (1.3100): p = 0.006.") in text
    assert "Against the model alone: **a tie**: CRPS 1.2850 against 1.2900 (-0.4%)" in text
    assert ("- The linear pool one day ahead is the pool whose weights minimise its mean CRPS on the 282 validation days "
            "(2023-06-01 to 2024-03-08) (the model 0.80, GARCH(1,1)-t 0.20; mean CRPS there: linear pool 1.860, the model "
            "1.870, GARCH(1,1)-t 1.880), better there than GARCH(1,1)-t alone (Diebold-Mariano p = 0.03). On the test days, "
            "against the best baseline, HAR on the daily range, t, **a tie**: CRPS 1.2850 against 1.2800 (+0.4%)") in text
    assert "| linear pool | 1.2850 |" in text
    assert ("- Recalibration: a spread factor of 0.836, fitted on the first half of the validation windows, raised the CRPS "
            "of the second half (0.01893 → 0.01899, scaled units), so the spread is kept as trained") in text
    assert "- Calibration: **calibrated**: the 80% band holds 0.800 of outcomes (Kupiec p = 0.5)" in text
    assert ("γ = 0.005; each day's band level set from the misses of the days before it): **not calibrated**: "
            "the 80% band holds 0.790 of outcomes (Kupiec p = 0.4); the 95% band holds 0.940 of outcomes (Kupiec p = 0.01).") in text


def test_the_verdict_says_why_a_price_model_failed_and_what_to_run():
    report = {name: {"crps": 1.30} for name in BASELINES} | {"model": {"crps": 18.33, "coverage_80": 0.159}}
    verdict = _verdict(report, BtcParams.model_validate(conf_parameters("btc")))
    assert verdict.startswith("The model's one-day forecasts failed: CRPS 18.33 against constant volatility's 1.300, its 80% band holding 16%")
    assert "cannot forecast prices above the training range" in verdict and "`kedro run --pipeline btc --env distribution`" in verdict


def test_the_verdict_of_a_close_model_gives_its_test():
    report = {name: {"crps": 1.31} for name in BASELINES} | {"garch_t": {"crps": 1.3035}}
    report["model"] = {"crps": 1.3029, "crps_dm_vs_garch_t": dm(-0.8, 0.88, 0.44)}
    assert _verdict(report, BtcParams.model_validate(conf_parameters("btc"))) == (
        "The model's one-day CRPS is 1.3029 against the best baseline's (GARCH(1,1)-t) 1.3035: lower, not significantly "
        "(Diebold-Mariano p = 0.88).")
