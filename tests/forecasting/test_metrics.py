"""Metric values checked against hand computation."""

import numpy as np
import pytest

from hw3_pipelines.forecasting import metrics

ACTUAL = np.array([100.0, 110.0, 99.0, 120.0])
PREDICTED = np.array([102.0, 105.0, 99.0, 126.0])
PREVIOUS = np.array([95.0, 100.0, 110.0, 99.0])


def test_point_metrics_by_hand():
    result = metrics.point_metrics(ACTUAL, PREDICTED, PREVIOUS)
    assert result["mae"] == pytest.approx((2 + 5 + 0 + 6) / 4)
    assert result["rmse"] == pytest.approx(np.sqrt((4 + 25 + 0 + 36) / 4))
    assert result["mape"] == pytest.approx((2 / 100 + 5 / 110 + 0 + 6 / 120) / 4 * 100)
    assert result["smape"] == pytest.approx((4 / 202 + 10 / 215 + 0 + 12 / 246) / 4 * 100)
    # moves: up/up, up/up, down/down, up/up → all four directions right
    assert result["directional_accuracy"] == 1.0


def test_persistence_never_calls_a_direction():
    assert metrics.directional_accuracy(ACTUAL, PREVIOUS, PREVIOUS) == 0.0


def test_diebold_mariano_matches_hand_computation():
    actual = np.zeros(6)
    a = np.array([1.0, -1.0, 2.0, 0.5, -0.5, 1.0])
    b = np.array([2.0, -2.0, 1.0, 1.5, -1.5, 2.0])
    d = a**2 - b**2  # [-3, -3, 3, -2, -2, -3]
    n = 6
    variance = np.mean((d - d.mean()) ** 2) / n
    expected = d.mean() / np.sqrt(variance) * np.sqrt((n + 1 - 2) / n)
    result = metrics.diebold_mariano(actual, a, b)
    assert result["statistic"] == pytest.approx(expected)
    assert result["statistic"] < 0  # forecast a is better
    from scipy import stats

    assert result["p_value"] == pytest.approx(2 * stats.t.sf(abs(expected), df=5))


def test_diebold_mariano_of_identical_forecasts_is_not_significant():
    result = metrics.diebold_mariano(ACTUAL, PREDICTED, PREDICTED)
    assert result["statistic"] == 0.0 and result["p_value"] == 1.0


def test_diebold_mariano_needs_three_points():
    with pytest.raises(ValueError, match="at least 3"):
        metrics.diebold_mariano(ACTUAL[:2], PREDICTED[:2], PREVIOUS[:2])


def test_hac_difference_widens_for_autocorrelated_losses_and_covers_the_true_mean():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(2000)
    iid = metrics.hac_loss_difference(0.3 + noise, np.zeros(2000))
    assert iid["interval_95"][0] < 0.3 < iid["interval_95"][1] and iid["p_higher"] < 1e-6 and iid["p_lower"] > 0.99
    clustered = np.zeros(2000)  # AR(1), phi 0.8: its long-run variance is 25 times its variance
    for t in range(1, 2000):
        clustered[t] = 0.8 * clustered[t - 1] + noise[t]
    hac = metrics.hac_loss_difference(clustered, np.zeros(2000))
    naive_error = clustered.std() / np.sqrt(2000)
    assert hac["standard_error"] > 2.5 * naive_error and hac["bandwidth"] > 1


def test_hac_difference_of_a_forecaster_with_itself_is_no_evidence_either_way():
    losses = np.linspace(1, 2, 50)
    test = metrics.hac_loss_difference(losses, losses)
    assert test["mean_difference"] == 0 and test["p_lower"] == test["p_higher"] == 0.5
    with pytest.raises(ValueError, match="at least 3"):
        metrics.hac_loss_difference(losses[:2], losses[:2])
