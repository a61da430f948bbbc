"""Price sources: the bundled snapshot, CSV files and yfinance's quirks."""

import hashlib
import importlib.resources

import pandas as pd
import pytest

from hw3_pipelines.errors import InputDataError
from hw3_pipelines.sources import prices as sources
from tests.conftest import synthetic_prices

BUNDLED_SHA256 = "d9792313d499e66a28d9e6df1a0c204f7875c8b40ec8f393a847a4924a7ef086"  # as in the README


def test_bundled_snapshot_is_the_documented_file():
    data = (importlib.resources.files("hw3_pipelines.sources") / sources.BUNDLED_SNAPSHOT).read_bytes()
    assert hashlib.sha256(data).hexdigest() == BUNDLED_SHA256
    frame = sources.read_bundled_snapshot()
    assert list(frame.columns) == sources.YAHOO_COLUMNS and len(frame) == 4327


def test_missing_csv_file_is_a_clear_error(tmp_path):
    with pytest.raises(InputDataError, match="not found"):
        sources.read_price_csv(tmp_path / "nope.csv")


def test_unreadable_csv_is_a_clear_error(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_bytes(b"")
    with pytest.raises(InputDataError, match="not a readable CSV"):
        sources.read_price_csv(path)


def test_empty_download_is_an_input_error():
    with pytest.raises(InputDataError, match="yfinance returned no data for BTC-USD"):
        sources.download_yahoo("BTC-USD", "2014-09-17", None)


def test_a_raising_download_is_an_input_error(monkeypatch):
    import yfinance

    def refuse(*args, **kwargs):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(yfinance, "download", refuse)
    with pytest.raises(InputDataError, match="ConnectionError: no route to host"):
        sources.download_yahoo("BTC-USD", "2014-09-17", None)


def test_yfinance_multiindex_columns_are_flattened(monkeypatch):
    import yfinance

    frame = synthetic_prices(5).set_index("Date")
    frame.index = pd.to_datetime(frame.index).rename("Date")
    frame.columns = pd.MultiIndex.from_product([frame.columns, ["BTC-USD"]], names=["Price", "Ticker"])
    calls = {}

    def fake_download(ticker, **kwargs):
        calls.update(kwargs)
        return frame

    monkeypatch.setattr(yfinance, "download", fake_download)
    raw = sources.download_yahoo("BTC-USD", "2020-01-01", "2020-01-05")
    assert list(raw.columns) == sources.YAHOO_COLUMNS
    assert raw["Date"].iloc[0] == "2020-01-01"
    assert calls["end"] == "2020-01-06"  # the user's end date is inclusive
    assert calls["auto_adjust"] is False
