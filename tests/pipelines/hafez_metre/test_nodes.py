"""hafez_metre's nodes on small synthetic poems: the split, the controls, the Divan's labels."""

import numpy as np
import pytest
import torch

from hw3_pipelines.errors import InputDataError
from hw3_pipelines.modeling.metre_judge import (
    MetreJudge,
    MetreJudgeConfig,
    judge_alphabet,
)
from hw3_pipelines.parameters import HafezMetreParams
from hw3_pipelines.pipelines.hafez_metre import nodes
from hw3_pipelines.text.poems import poems_to_text
from tests.conftest import conf_parameters, deep_merge


def params(**overrides) -> HafezMetreParams:
    return HafezMetreParams.model_validate(deep_merge(conf_parameters("hafez_metre"), overrides))


def poems() -> list[dict]:
    """Three poets' poems, three unlabelled; 'rare' labels 3 poems outside p2; one poem of
    metre 'm' is more than twice as long as the others."""
    out = []
    for k in range(60):
        metre = ("m" if k % 3 == 0 else "rare" if k % 7 == 0 else "n") if k % 20 else None
        length = 12 if metre == "m" else 20
        out.append({"url": f"/p{k % 3}/{k}", "poet": f"p{k % 3}", "metre": metre, "verses": ["ا" * length, "ب" * length]})
    out[3]["verses"] = ["ا" * 30, "ب" * 30]
    return out


def test_the_split_keeps_the_held_out_poet_and_unlabelled_poems_out_of_training():
    split = nodes.split_labelled_poems(poems(), params(held_out_poet="p2", min_poems=5, length_tolerance=4.0))
    assert all(url.startswith("/p2/") for url in split["held_out_poet"]) and len(split["held_out_poet"]) == 19
    trained = split["train"] + split["val"] + split["test"]
    assert not any(url.startswith("/p2/") for url in trained) and "/p0/0" not in trained  # unlabelled
    assert split["length_outliers"] == ["/p0/3"] and "/p0/3" not in split["train"] + split["val"]
    assert split["classes"][-1] == "other" and "rare" not in split["classes"]
    with pytest.raises(InputDataError, match="has no labelled ghazals; poets with some: \\['p0', 'p1', 'p2'\\]"):
        nodes.split_labelled_poems(poems(), params(held_out_poet="saadi"))


def test_the_divan_is_labelled_by_its_hemistichs_majority():
    divan = [["اا بب", "اا بب", "بب اا"], ["بب", "اا"]]
    alphabet = judge_alphabet(["اب "])
    torch.manual_seed(0)
    judge = MetreJudge(MetreJudgeConfig(len(alphabet), ("m", "other"), hidden_size=4, alphabet=alphabet))
    with torch.no_grad():
        judge.head.bias.copy_(torch.tensor([3.0, 0.0]))
    table = nodes.label_divan(judge, poems_to_text(divan))
    assert table.columns.tolist() == ["ghazal", "first_hemistich", "metre", "confidence", "hemistichs_agreeing", "hemistichs"]
    assert table["ghazal"].tolist() == [1, 2] and table["first_hemistich"].tolist() == ["اا بب", "بب"]
    assert table["metre"].tolist() == ["m", "m"] and table["hemistichs"].tolist() == [3, 2]
    assert np.all(table["hemistichs_agreeing"] == table["hemistichs"])


def test_wrong_hemistichs_are_split_by_whether_their_ghazal_is_judged_in_its_label():
    # two ghazals labelled 1: three hemistichs judged 0, 0, 1 (so in 0), then five judged 0, 0, 1, 1, 1 (so in 1)
    first = [[0.95, 0.05], [0.6, 0.4], [0.2, 0.8]]
    second = [[0.99, 0.01], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.3, 0.7]]
    log_probs = np.log(np.array(first + second))
    labels = np.ones(8, dtype=np.int64)
    agrees = np.array([False] * 3 + [True] * 5)
    errors = nodes.hemistich_errors(log_probs, labels, agrees)
    assert errors == {
        "in_ghazals_judged_in_another_metre": pytest.approx(2 / 8),
        "in_ghazals_judged_in_their_label": pytest.approx(2 / 8),
        "confident_in_ghazals_judged_in_their_label": pytest.approx(1 / 8),
    }
