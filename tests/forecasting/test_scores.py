"""Coverage tests and scores on cases whose answer is known."""

import numpy as np
import pytest
from scipy import stats

from hw3_pipelines.forecasting import metrics, scores
from hw3_pipelines.forecasting.distributions import Predictive


def test_kupiec_on_a_constructed_hit_sequence():
    """20 misses in 100 days against a 20% rate: the likelihood ratio is 0, p = 1. 30 misses:
    LR = -2 [70 ln .8 + 30 ln .2 - 70 ln .7 - 30 ln .3] = 5.6334, p = 0.01762."""
    exact = np.zeros(100, bool)
    exact[::5] = True
    assert scores.kupiec_p_value(exact, 0.2) == pytest.approx(1.0)
    too_many = np.zeros(100, bool)
    too_many[:30] = True
    assert scores.kupiec_p_value(too_many, 0.2) == pytest.approx(0.017620, abs=1e-5)


def test_christoffersen_rejects_clustered_misses_that_kupiec_accepts():
    spread = np.zeros(200, bool)
    spread[::5] = True  # 40 misses, never two in a row
    clustered = np.zeros(200, bool)
    clustered[:40] = True  # 40 misses, all together
    assert scores.kupiec_p_value(clustered, 0.2) == pytest.approx(1.0)
    assert scores.christoffersen_p_value(clustered, 0.2) < 1e-6
    assert scores.christoffersen_p_value(spread, 0.2) > scores.christoffersen_p_value(clustered, 0.2)


def test_a_calibrated_forecaster_scores_as_it_should():
    rng = np.random.default_rng(1)
    sigma = np.exp(rng.normal(0, 0.5, 4000))
    actual = sigma * rng.standard_normal(4000)
    close = 100 * np.exp(actual / 100)
    result = scores.score(Predictive.normal(np.zeros(4000), sigma), actual, close, np.full(4000, 100.0), draws=500, seed=0)
    assert result["coverage_80"] == pytest.approx(0.8, abs=0.02)
    assert result["coverage_95"] == pytest.approx(0.95, abs=0.01)
    assert result["kupiec_p_80"] > 0.01 and result["christoffersen_p_95"] > 0.01
    assert result["width_80"] == pytest.approx(2 * 1.2816 * sigma.mean(), rel=0.01)
    assert set(result["pinball"]) == {"0.05", "0.1", "0.5", "0.9", "0.95"}
    overconfident = scores.score(Predictive.normal(np.zeros(4000), sigma / 2), actual, close, np.full(4000, 100.0), 500, 0)
    assert overconfident["crps"] > result["crps"] and overconfident["kupiec_p_80"] < 1e-6


def test_loss_difference_test_sees_the_smaller_loss():
    rng = np.random.default_rng(0)
    small, large = rng.uniform(0, 1, 500), rng.uniform(0.2, 1.2, 500)
    result = metrics.loss_difference_test(small, large)
    assert result["statistic"] < 0 and result["p_value"] < 1e-6


def test_adaptive_bands_recover_the_nominal_rate_of_a_too_narrow_forecaster():
    rng = np.random.default_rng(0)
    too_narrow = stats.norm.cdf(1.5 * rng.standard_normal(4000))  # PIT of a forecaster whose spread is 2/3 too small
    assert 1 - np.mean((too_narrow < 0.1) | (too_narrow > 0.9)) < 0.65  # its fixed 80% band
    assert scores.adaptive_coverage(too_narrow, 0.005)["adaptive_coverage_80"] == pytest.approx(0.80, abs=0.01)
    first = scores.adaptive_misses(np.full(3, 0.5), 80, 0.1)
    assert not first.any()  # a PIT at the median is inside any band


def test_adaptive_bands_use_only_past_days():
    pit = np.random.default_rng(1).uniform(size=200)
    changed = pit.copy()
    changed[100:] = 0.999
    np.testing.assert_array_equal(scores.adaptive_misses(pit, 80, 0.05)[:100], scores.adaptive_misses(changed, 80, 0.05)[:100])
    assert scores.adaptive_misses(changed, 80, 0.05)[100]


def test_a_delayed_miss_moves_the_band_only_once_it_is_known():
    pit = np.array([0.01, 0.5, 0.5, 0.5, 0.955])  # day 0 misses; day 4 sits just outside an unmoved 90% band
    assert list(scores.adaptive_misses(pit, 90, 0.5, delay=5)) == [True, False, False, False, True]
    assert list(scores.adaptive_misses(pit, 90, 0.5, delay=1)) == [True, False, False, False, False]  # widened at once


def test_chance_coverage_is_binomial_at_one_day_and_wider_for_overlapping_outcomes():
    assert scores.chance_coverage(80, 181) == (134 / 181, 155 / 181)  # scipy's binomial quantiles
    one_day_low, one_day_high = scores.chance_coverage(80, 51)
    low, high = scores.chance_coverage(80, 51, horizon=30, stride=3)
    assert low < one_day_low - 0.1 and high == 1.0  # 51 thirty-day outcomes are about six independent ones
    other_seed = np.quantile(scores.simulated_coverage(80, 51, horizon=30, stride=3, trials=2000, seed=1), [0.025, 0.975])
    assert other_seed == pytest.approx([low, high], abs=0.04)
    assert scores.simulated_coverage(80, 181, horizon=1, stride=1).std() == pytest.approx((0.8 * 0.2 / 181) ** 0.5, rel=0.05)
