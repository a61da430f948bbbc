import numpy as np
import pytest

from hw3_pipelines.forecasting.selection import ParsimoniousChoice


def crps_table(mean: float, noise: np.ndarray) -> np.ndarray:
    """Origins x horizons: one origin's CRPS is the same at every horizon here."""
    return np.repeat((mean + noise)[:, None], 3, axis=1)


@pytest.fixture
def noise():
    return np.random.default_rng(0).normal(0, 1, 200)


def choice(significance: float) -> ParsimoniousChoice:
    return ParsimoniousChoice("200 origins", overlap=3, significance=significance)


def test_a_far_candidate_that_is_clearly_better_is_kept(noise):
    crps = {0.0: crps_table(5.0, noise), 1.0: crps_table(4.0, noise + np.random.default_rng(1).normal(0, 0.1, 200))}
    kept, report = choice(0.05).kept("drift x %s", crps, nearest_first=[0.0, 1.0])
    assert kept == 1.0 and report["lowest"] == 1.0 and report["p_value_against_lowest"]["0"] < 1e-6


def test_a_far_candidate_that_scores_lower_by_noise_is_not(noise):
    other = np.random.default_rng(2).normal(0, 1, 200)
    crps = {0.0: crps_table(5.0, noise), 1.0: crps_table(4.95, other)}
    kept, report = choice(0.05).kept("drift x %s", crps, nearest_first=[0.0, 1.0])
    assert report["lowest"] == 1.0 and report["validation_crps"]["1"] < report["validation_crps"]["0"]
    assert kept == 0.0 and report["p_value_against_lowest"]["0"] >= 0.05
    assert choice(1.0).kept("drift x %s", crps, nearest_first=[0.0, 1.0])[0] == 1.0  # significance 1 keeps the lowest


def test_the_figures_name_every_candidate_by_horizon(noise):
    crps = {0.5: crps_table(5.0, noise), 1.0: crps_table(5.0, noise)}
    kept, report = choice(0.05).kept("spread x %s", crps, nearest_first=[1.0, 0.5])
    assert kept == 1.0 and report["validation_crps_by_horizon"]["0.5"] == pytest.approx([5.0 + noise.mean()] * 3)
    assert report["chosen_on"] == "200 origins" and report["significance"] == 0.05


def test_with_too_few_origins_to_test_the_nearest_is_kept():
    crps = {0.0: np.full((2, 3), 5.0), 1.0: np.full((2, 3), 1.0)}
    kept, report = choice(0.05).kept("drift x %s", crps, nearest_first=[0.0, 1.0])
    assert kept == 0.0 and report["lowest"] == 1.0 and report["p_value_against_lowest"] == {"0": 1.0, "1": 1.0}
