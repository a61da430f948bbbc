"""The project's catalog datasets store plain data, and the catalog holds no pickles."""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from kedro.io import AbstractDataset, DatasetError, Version
from sklearn.preprocessing import MinMaxScaler

from hw3_pipelines.datasets import (
    AtomicCSVDataset,
    LastSavedDataset,
    MinMaxScalerDataset,
    NpzDataset,
    TorchModelDataset,
)
from hw3_pipelines.modeling.char_lm import CharLM, CharLMConfig
from hw3_pipelines.modeling.regressor import RecurrentRegressor, RegressorConfig
from tests.conftest import PROJECT_ROOT, versions


def new_version(dataset_class, path: Path, **kwargs):
    return dataset_class(filepath=str(path), version=Version(None, None), **kwargs)


@pytest.mark.parametrize(
    "model",
    [RecurrentRegressor(RegressorConfig(n_features=2, hidden_size=4, num_layers=2, cell="gru")),
     CharLM(CharLMConfig(vocab_size=7, embedding_dim=3, hidden_size=5, cell="gru"))],
)
def test_model_round_trip_through_state_dict_and_json(tmp_path, model):
    new_version(TorchModelDataset, tmp_path / "model.pt").save(model)
    (saved,) = versions(tmp_path, "model.pt")
    spec = json.loads(saved.with_name("model.pt.json").read_text())
    assert spec["class"] == type(model).__name__
    torch.load(saved, weights_only=True)  # plain tensors: loads without trusting code
    loaded = new_version(TorchModelDataset, tmp_path / "model.pt").load()
    assert not loaded.training
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert torch.equal(a, b), name


def test_models_saved_before_the_cell_setting_still_load(tmp_path):
    """Old btc models: class LSTMRegressor, no "cell" in the config, same state_dict keys."""
    model = RecurrentRegressor(RegressorConfig(n_features=1, hidden_size=4, num_layers=2))
    folder = tmp_path / "btc_lstm.pt" / "2026-01-01T00.00.00.000Z"
    folder.mkdir(parents=True)
    torch.save(model.state_dict(), folder / "btc_lstm.pt")
    legacy = {"class": "LSTMRegressor", "config": {"n_features": 1, "hidden_size": 4, "num_layers": 2, "dropout": 0.2}}
    (folder / "btc_lstm.pt.json").write_text(json.dumps(legacy))
    loaded = new_version(TorchModelDataset, tmp_path / "btc_lstm.pt").load()
    assert loaded.config.cell == "lstm"
    x = torch.randn(3, 5, 1)
    assert torch.equal(model.eval()(x), loaded(x))


@dataclass(frozen=True, eq=False)
class Record:
    values: np.ndarray
    names: np.ndarray
    index: int


def test_npz_round_trip_of_a_dataclass_without_pickle(tmp_path):
    record = Record(values=np.arange(6, dtype="float32").reshape(2, 3), names=np.array(["2020-01-01", "2020-01-02"]), index=2)
    new_version(NpzDataset, tmp_path / "r.npz", record_class="tests.test_datasets.Record").save(record)
    (saved,) = versions(tmp_path, "r.npz")
    with np.load(saved, allow_pickle=False) as npz:
        assert sorted(npz.files) == ["index", "names", "values"]
    loaded = new_version(NpzDataset, tmp_path / "r.npz", record_class="tests.test_datasets.Record").load()
    assert isinstance(loaded, Record) and loaded.index == 2 and isinstance(loaded.index, int)
    np.testing.assert_array_equal(loaded.values, record.values)
    assert loaded.values.dtype == np.float32 and list(loaded.names) == ["2020-01-01", "2020-01-02"]


def test_npz_refuses_python_objects(tmp_path):
    with pytest.raises(DatasetError, match="not Python objects"):
        new_version(NpzDataset, tmp_path / "r.npz").save({"mixed": np.array([1, "a", None], dtype=object)})


def test_scaler_json_reproduces_every_fitted_value(tmp_path):
    data = np.random.default_rng(0).normal(size=(50, 3)) * [1, 1e4, 1e-3]
    scaler = MinMaxScaler().fit(data)
    new_version(MinMaxScalerDataset, tmp_path / "scaler.json").save(scaler)
    loaded = new_version(MinMaxScalerDataset, tmp_path / "scaler.json").load()
    for attribute in ("min_", "scale_", "data_min_", "data_max_", "data_range_"):
        np.testing.assert_array_equal(getattr(loaded, attribute), getattr(scaler, attribute))
    assert loaded.n_samples_seen_ == 50
    np.testing.assert_array_equal(loaded.transform(data), scaler.transform(data))


def test_last_saved_is_none_before_the_first_save_then_the_newest(tmp_path):
    config = {"type": "json.JSONDataset", "filepath": str(tmp_path / "x.json")}
    assert LastSavedDataset(dataset=config).load() is None
    for value, version in ((1, "2026-01-01T00.00.00.000Z"), (2, "2026-01-02T00.00.00.000Z")):
        AbstractDataset.from_config("x", {**config, "versioned": True}, save_version=version).save({"value": value})
    assert LastSavedDataset(dataset=config).load() == {"value": 2}


def test_a_csv_write_that_fails_halfway_leaves_the_last_whole_version(tmp_path, monkeypatch):
    import pandas as pd

    path = tmp_path / "prices.csv"
    frame = pd.DataFrame({"Date": ["2020-01-01", "2020-01-02"], "Close": [1.0, 2.0]})
    new_version(AtomicCSVDataset, path, save_args={"index": False}).save(frame)

    def killed_halfway(self, target, **kwargs):
        Path(target).write_text("Date,Clo")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", killed_halfway)
    with pytest.raises(KeyboardInterrupt):
        new_version(AtomicCSVDataset, path, save_args={"index": False}).save(frame)
    monkeypatch.undo()
    assert [version.exists() for version in versions(tmp_path, "prices.csv")] == [True, False]  # the second: a .tmp only
    pd.testing.assert_frame_equal(LastSavedDataset(dataset={"type": "pandas.CSVDataset", "filepath": str(path)}).load(), frame)


def test_the_catalog_holds_no_pickles():
    for path in sorted((PROJECT_ROOT / "conf").rglob("catalog*.yml")):
        for name, entry in yaml.safe_load(path.read_text(encoding="utf-8")).items():
            assert "pickle" not in json.dumps(entry).lower(), f"{path.name}: {name}"
