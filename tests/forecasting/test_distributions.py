"""Predictive distributions: closed forms agree with large samples, recalibration finds the
right spread, model outputs turn into returns."""

import numpy as np
import pytest
from scipy import stats
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.forecasting.distributions import (
    Predictive,
    crps_gram,
    crps_optimal_spread,
    crps_pool_weights,
    crps_usd,
    from_model_step,
    from_step,
)

RNG = np.random.default_rng(0)
Y = np.array([-3.0, -0.4, 0.0, 1.2, 5.0])


@pytest.mark.parametrize(
    ("closed", "draw"),
    [
        (Predictive.normal(np.full(5, 0.5), np.full(5, 2.0)), lambda n: 0.5 + 2.0 * RNG.standard_normal((5, n))),
        (Predictive.student_t(3.5, np.full(5, -0.2), np.full(5, 1.5)), lambda n: -0.2 + 1.5 * RNG.standard_t(3.5, (5, n))),
    ],
    ids=["normal", "student_t"],
)
def test_closed_form_crps_matches_a_large_sample(closed, draw):
    sampled = Predictive.from_samples(draw(200_000))
    np.testing.assert_allclose(closed.crps(Y), sampled.crps(Y), rtol=0.01)
    np.testing.assert_allclose(closed.cdf(Y), sampled.cdf(Y), atol=0.005)
    for q in (0.05, 0.5, 0.9):
        np.testing.assert_allclose(closed.ppf(q), sampled.ppf(q), atol=0.03)


def test_crps_of_a_point_mass_is_the_absolute_error():
    point = Predictive.from_samples(np.full((5, 10), 1.0))
    np.testing.assert_allclose(point.crps(Y), np.abs(Y - 1.0))


def test_recalibration_recovers_the_true_spread():
    truth = RNG.standard_normal(5000) * 2.0
    too_narrow = Predictive.normal(np.zeros(5000), np.ones(5000))
    assert crps_optimal_spread(too_narrow, truth) == pytest.approx(2.0, rel=0.05)


def test_widening_keeps_the_centre():
    samples = Predictive.from_samples(RNG.normal(3, 1, (4, 1000)))
    wider = samples.widened(2.0)
    np.testing.assert_allclose(wider.ppf(0.5), samples.ppf(0.5))
    np.testing.assert_allclose(wider.ppf(0.9) - wider.ppf(0.5), 2 * (samples.ppf(0.9) - samples.ppf(0.5)))


def test_crps_in_usd_of_a_sure_return_is_the_price_error():
    sure = Predictive.normal(np.full(2, 10.0), np.full(2, 1e-9))
    close, previous = np.array([100.0, 120.0]), np.array([100.0, 100.0])
    expected = np.abs(close - previous * np.exp(0.1))
    np.testing.assert_allclose(crps_usd(sure, close, previous, 50, seed=0), expected, rtol=1e-6)


def test_scaled_log_return_distributions_become_percent():
    scaler = MinMaxScaler().fit(np.array([[-0.1], [0.1]]))  # scaled = (r + 0.1) * 5
    step = {"family": "t", "loc": np.array([0.5, 0.55]), "scale": np.array([0.05, 0.1]), "df": 4.0}
    predictive = from_model_step(step, scaler, 0, "log_return", np.ones(2), draws=10, seed=0)
    assert predictive.family == "t"
    np.testing.assert_allclose(predictive.loc, [0.0, 1.0])
    np.testing.assert_allclose(predictive.scale, [1.0, 2.0])


def test_scaled_price_distributions_become_return_draws():
    scaler = MinMaxScaler().fit(np.array([[0.0], [200.0]]))  # scaled = price / 200
    step = {"family": "normal", "loc": np.array([0.55]), "scale": np.array([1e-6]), "df": None}
    predictive = from_model_step(step, scaler, 0, "price", np.array([100.0]), draws=100, seed=0)
    assert predictive.family == "samples"
    np.testing.assert_allclose(predictive.ppf(0.5), 100 * np.log(1.1), rtol=1e-4)
    assert stats.describe(predictive.samples[0]).variance < 1e-4


def test_usd_crps_stays_finite_for_absurd_draws():
    from hw3_pipelines.forecasting.distributions import crps_usd

    wild = Predictive.from_samples(np.array([[0.0, 1.0, 5e4, -5e4]]))  # EGARCH-t paths have drawn such moves
    with np.errstate(over="raise"):
        assert np.isfinite(crps_usd(wild, np.array([100.0]), np.array([100.0]), 4, seed=0)).all()


# mixtures and pools ----------------------------------------------------------------------

FAR = np.array([-400.0, -30.0, -3.0, 0.0, 0.7, 8.0, 60.0, 900.0])  # outcomes up to hundreds of scales out


@pytest.mark.parametrize("df", [2.05, 3.0, 8.0, np.inf])
def test_a_one_component_mixture_scores_as_its_closed_form(df):
    loc, scale = np.linspace(-1, 1, len(FAR)), np.linspace(0.5, 3, len(FAR))
    closed = Predictive.normal(loc, scale) if np.isinf(df) else Predictive.student_t(df, loc, scale)
    mixture = closed.as_mixture()
    np.testing.assert_allclose(mixture.crps(FAR), closed.crps(FAR), rtol=1e-6, atol=1e-5)  # df near 2: the tails converge slowest
    np.testing.assert_allclose(mixture.cdf(FAR), closed.cdf(FAR), atol=1e-12)
    for q in (0.025, 0.5, 0.9):
        np.testing.assert_allclose(mixture.ppf(q), closed.ppf(q), atol=1e-9)


def test_a_mixture_matches_a_large_sample_of_its_draws():
    mixture = Predictive.mixture(
        loc=np.array([[-1.0, 0.5, 2.0]] * len(Y)), scale=np.array([[1.0, 2.0, 0.5]]), df=np.array([3.0, np.inf, 5.0]), weights=[0.5, 0.3, 0.2]
    )
    sampled = Predictive.from_samples(mixture.draw(400_000, np.random.default_rng(1)))
    np.testing.assert_allclose(mixture.crps(Y), sampled.crps(Y), rtol=0.01)
    np.testing.assert_allclose(mixture.cdf(Y), sampled.cdf(Y), atol=0.005)
    for q in (0.1, 0.5, 0.95):
        np.testing.assert_allclose(mixture.cdf(mixture.ppf(q)), q, atol=1e-9)
        np.testing.assert_allclose(mixture.ppf(q), sampled.ppf(q), atol=0.03)


def test_mixture_weights_must_be_a_distribution():
    with pytest.raises(ValueError, match="2 non-negative weights summing to 1"):
        Predictive.mixture(np.zeros((1, 2)), np.ones((1, 2)), np.inf, weights=[0.7, 0.7])


def test_a_pools_crps_is_the_quadratic_form_of_the_gram_matrix():
    a = Predictive.student_t(3.0, np.full(len(FAR), 0.5), np.linspace(0.5, 3, len(FAR)))
    b = Predictive.normal(np.full(len(FAR), -0.5), np.full(len(FAR), 2.0))
    gram = crps_gram([a, b], FAR)
    np.testing.assert_allclose(gram[:, 0, 0], a.crps(FAR), rtol=1e-6)
    np.testing.assert_allclose(gram[:, 1, 1], b.crps(FAR), rtol=1e-6)
    w = np.array([0.3, 0.7])
    np.testing.assert_allclose(Predictive.pool(w, [a, b]).crps(FAR), np.einsum("i,dij,j->d", w, gram, w), rtol=1e-6)


def test_the_gram_matrix_of_forecasters_known_by_draws_is_the_pools_crps_by_definition():
    rng = np.random.default_rng(3)
    days = 6
    y = rng.normal(0, 2, days)
    closed = Predictive.student_t(4.0, np.zeros(days), np.full(days, 1.5))
    first, second = (Predictive.from_samples(rng.normal(0.5, s, (days, m))) for s, m in ((1.0, 40), (3.0, 25)))
    forecasters = [closed, first, second]
    gram = crps_gram(forecasters, y)
    for i, p in enumerate(forecasters):
        np.testing.assert_allclose(gram[:, i, i], p.crps(y), rtol=1e-6)

    def mean_distance(a, b):  # by brute force over all pairs of draws
        return np.abs(a[:, :, None] - b[:, None, :]).mean(axis=(1, 2))

    closed_draws = closed.draw(400_000, rng)
    to_y = [np.abs(closed_draws - y[:, None]).mean(axis=1), *(np.abs(p.samples - y[:, None]).mean(axis=1) for p in (first, second))]
    np.testing.assert_allclose(gram[:, 1, 2], (to_y[1] + to_y[2] - mean_distance(first.samples, second.samples)) / 2, rtol=1e-10)
    np.testing.assert_allclose(gram[:, 0, 1], (to_y[0] + to_y[1] - mean_distance(closed_draws[:, :40_000], first.samples)) / 2, atol=0.01)


def test_pool_weights_find_the_forecaster_the_outcomes_came_from():
    rng = np.random.default_rng(2)
    days = 3000
    outcomes = np.where(rng.random(days) < 0.3, rng.normal(0, 4, days), rng.normal(0, 1, days))
    narrow, wide = Predictive.normal(np.zeros(days), np.ones(days)), Predictive.normal(np.zeros(days), np.full(days, 4.0))
    weights = crps_pool_weights(crps_gram([narrow, wide, Predictive.normal(np.full(days, 3.0), np.ones(days))], outcomes))
    np.testing.assert_allclose(weights, [0.7, 0.3, 0.0], atol=0.06)


def test_an_ensemble_step_becomes_a_mixture_in_return_units():
    step = {"family": "mixture", "loc": np.array([[0.5, 0.7]]), "scale": np.array([[0.1, 0.2]]), "df": np.array([4.0, np.inf])}
    mixture = from_step(step, slope=0.5, offset=0.5)
    np.testing.assert_allclose(mixture.loc, [[0.0, 0.4]])
    np.testing.assert_allclose(mixture.scale, [[0.2, 0.4]])
    np.testing.assert_allclose(mixture.weights, [0.5, 0.5])
    widened = mixture.widened(2.0)
    np.testing.assert_allclose(widened.scale, [[0.4, 0.8]])
    assert widened.family == "mixture" and np.array_equal(widened.df, mixture.df)


def test_pooled_draws_take_each_forecasters_share():
    rng = np.random.default_rng(0)
    low, high = Predictive.normal(np.zeros(3), np.full(3, 1e-9)), Predictive.from_samples(5 + rng.random((3, 800)))
    pooled = Predictive.pooled_draws([0.25, 0.75], [low, high], 1000, rng)
    assert pooled.family == "samples" and pooled.samples.shape == (3, 1000)
    np.testing.assert_allclose((pooled.samples > 2.5).mean(axis=1), 0.75)
    assert all(len(np.unique(day[day > 2.5])) == 750 for day in pooled.samples)  # no path drawn twice
    with pytest.raises(ValueError, match="needs 900 of a forecaster that has 800"):
        Predictive.pooled_draws([0.1, 0.9], [low, high], 1000, rng)
    three = Predictive.pooled_draws([0.4995, 0.4995, 0.001], [low, low, high], 1000, rng)  # rounding each gives 1001
    assert three.samples.shape == (3, 1000) and (three.samples > 2.5).sum(axis=1).tolist() == [1, 1, 1]


def test_pooled_draws_of_sorted_samples_take_other_ranks_each_day():
    """Every day has the same 1,000 sorted draws 0..999: the pooled 100 must be another random
    subset each day, so the days' medians centre on the forecaster's, 499.5."""
    same_every_day = Predictive.from_samples(np.tile(np.arange(1000.0), (2000, 1)))
    pooled = Predictive.pooled_draws([1.0], [same_every_day], 100, np.random.default_rng(0))
    assert len({tuple(day) for day in pooled.samples}) == 2000
    assert abs(np.median(pooled.samples, axis=1).mean() - 499.5) < 3


def test_a_pool_of_one_is_that_forecaster_to_the_last_digit():
    student = Predictive.student_t(np.full(5, 4.0), np.zeros(5), np.ones(5))
    normal = Predictive.normal(np.zeros(5), np.full(5, 2.0))
    outcome = np.linspace(-2, 2, 5)
    assert np.array_equal(Predictive.pool([0.0, 1.0], [normal, student]).crps(outcome), student.crps(outcome))
    assert not np.array_equal(Predictive.pool([0.5, 0.5], [normal, student]).crps(outcome), student.crps(outcome))
