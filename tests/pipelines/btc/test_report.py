"""The distribution report: units, direction and a verdict per baseline with its p-value."""

from hw3_pipelines.parameters import BtcParams
from hw3_pipelines.pipelines.btc.report import write_distribution_report
from tests.conftest import conf_parameters


def scores(crps: float, coverage_80: float = 0.8, kupiec_80: float = 0.5) -> dict:
    return {"crps": crps, "crps_usd": crps * 800, "coverage_80": coverage_80, "kupiec_p_80": kupiec_80,
            "coverage_95": 0.95, "kupiec_p_95": 0.6, "width_80": 5.0, "adaptive_coverage_80": 0.79,
            "adaptive_kupiec_p_80": 0.4, "adaptive_coverage_95": 0.94, "adaptive_kupiec_p_95": 0.01}


def test_each_baseline_gets_a_verdict_with_its_p_value():
    model = {**scores(1.29), **{f"crps_dm_vs_{b}": {"statistic": s, "p_value": p} for b, s, p in
                                [("constant_vol", -4.0, 1e-4), ("ewma", -1.9, 0.054), ("garch_t", 0.2, 0.53),
                                 ("gjr_garch_t", 0.3, 0.5), ("egarch_t", 0.3, 0.5), ("har_t", 2.1, 0.036)]}}
    metrics = {"model": model, "constant_vol": scores(1.42, 0.95, 1e-9), "ewma": scores(1.31), "garch_t": scores(1.30),
               "gjr_garch_t": scores(1.30), "egarch_t": scores(1.30), "har_t": scores(1.28)}
    dates = {"test_start": "2024-03-09", "test_end": "2026-07-22", "n_test_days": 866}
    text = write_distribution_report(metrics, dates, BtcParams.model_validate(conf_parameters("btc")))
    assert "CRPS (% log return) ↓" in text and "↓: lower is better" in text and "866" in text
    assert "| constant volatility | 1.4200 | 1,136 | 0.950 | 1e-09 |" in text
    assert "- Against constant volatility: **better**: CRPS 1.2900 against 1.4200 (-9.2%), Diebold-Mariano p = 0.0001." in text
    assert "- Against EWMA random walk: **a tie**: CRPS 1.2900 against 1.3100 (-1.5%), Diebold-Mariano p = 0.054" in text
    assert "- Against GARCH(1,1)-t: **a tie**" in text
    assert "- Against HAR on the daily range, t: **worse**: CRPS 1.2900 against 1.2800 (+0.8%), Diebold-Mariano p = 0.036." in text
    assert "- Calibration: **calibrated**: the 80% band holds 0.800 of outcomes (Kupiec p = 0.5)" in text
    assert ("γ = 0.005; each day's band level set from the misses of the days before it): **not calibrated**: "
            "the 80% band holds 0.790 of outcomes (Kupiec p = 0.4); the 95% band holds 0.940 of outcomes (Kupiec p = 0.01).") in text
