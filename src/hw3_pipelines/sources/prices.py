"""Daily prices in Yahoo's CSV layout, from yfinance, a CSV file or the bundled snapshot.

The bundled snapshot, ``btc-usd-daily.csv`` beside this module, is Yahoo's BTC-USD daily
history from 2014-09-17 to 2026-07-22 (the README gives its provenance and sha256).
"""

from __future__ import annotations

import importlib.resources
import logging
import warnings
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from hw3_pipelines.errors import InputDataError

YAHOO_COLUMNS = ["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"]
BUNDLED_SNAPSHOT = "btc-usd-daily.csv"
BUNDLED_TICKER = "BTC-USD"


def read_price_csv(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise InputDataError(f"price file not found: {path}")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputDataError(f"{path} is not a readable CSV file: {error}") from None


def read_bundled_snapshot() -> pd.DataFrame:
    """The BTC-USD snapshot shipped inside the package."""
    with importlib.resources.as_file(importlib.resources.files(__package__) / BUNDLED_SNAPSHOT) as path:
        return pd.read_csv(path)


def download_yahoo(ticker: str, start: str, end: str | None) -> pd.DataFrame:
    """Daily OHLCV from Yahoo, unadjusted, in the layout of Yahoo's CSV download.

    yfinance returns an empty frame rather than raising when Yahoo cannot be reached or
    the ticker is unknown, so emptiness is a failure too. ``end`` is inclusive here
    (yfinance's is exclusive); ``None`` means up to today.
    """
    import yfinance as yf

    end_exclusive = (pd.Timestamp(end) + pd.Timedelta(days=1)).date().isoformat() if end else None
    try:
        with _quiet_yfinance():
            frame = yf.download(
                ticker,
                start=start,
                end=end_exclusive,
                interval="1d",
                auto_adjust=False,
                actions=False,
                progress=False,
                multi_level_index=False,
            )
    except Exception as error:  # yfinance raises whatever its HTTP stack raises
        raise InputDataError(f"downloading {ticker} from Yahoo failed: {type(error).__name__}: {error}") from None
    if frame is None or frame.empty:
        raise InputDataError(
            f"yfinance returned no data for {ticker} from {start} to {end or 'today'} "
            "(no network, Yahoo unavailable, or an unknown ticker)"
        )
    return to_yahoo_layout(frame)


@contextmanager
def _quiet_yfinance():
    """yfinance logs each failed request as errors and warnings of its own; the caller
    reports a failed download once, in its own words, so those are held back."""
    yf_logger = logging.getLogger("yfinance")
    level = yf_logger.level
    yf_logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        yf_logger.setLevel(level)


def to_yahoo_layout(frame: pd.DataFrame) -> pd.DataFrame:
    """Flatten a yfinance frame (Date index, maybe (field, ticker) columns) to Yahoo's CSV."""
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.copy()
        frame.columns = frame.columns.get_level_values(0)
    frame = frame.reset_index()
    frame["Date"] = pd.to_datetime(frame["Date"]).dt.strftime("%Y-%m-%d")
    if "Adj Close" not in frame:
        frame["Adj Close"] = frame["Close"]
    return frame[YAHOO_COLUMNS]
