"""Checking and repairing a daily price table in Yahoo's layout, with a count of every repair.

Errors (the data cannot be trusted): missing columns, unparseable dates or numbers,
non-positive prices, an isolated one-day spike (a price more than ``max_spike_ratio``
times, or less than 1 / ``max_spike_ratio`` times, both the day before and the day after:
a mistyped number, not a market move), a gap longer than ``max_gap_days``, too few rows. Repairs: numbers
written with thousands separators, sorting, dropping rows without a Close, dropping
repeated dates (the last row of a date wins, as Yahoo revises recent days), and
forward-filling short gaps of missing calendar days.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd

from hw3_pipelines.errors import InputDataError

logger = logging.getLogger(__name__)

PRICE_COLUMNS = ["Open", "High", "Low", "Close"]
NUMBER_COLUMNS = [*PRICE_COLUMNS, "Volume"]
REQUIRED_COLUMNS = ["Date", *NUMBER_COLUMNS]
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def validate_and_repair(
    raw: pd.DataFrame, max_gap_days: int, min_rows: int, max_spike_ratio: float
) -> tuple[pd.DataFrame, dict]:
    """The repaired daily table (``Date`` as ``YYYY-MM-DD``, one row per calendar day) and a report."""
    raw = _as_table(raw)
    missing = [column for column in REQUIRED_COLUMNS if column not in raw.columns]
    if missing:
        raise InputDataError(f"price data lacks the columns {missing}; expected Yahoo's layout {REQUIRED_COLUMNS}")
    prices = raw[REQUIRED_COLUMNS].copy()
    prices["Date"] = _parse_dates(prices["Date"])
    report = {"rows_in": len(raw), "numbers_with_thousands_separators": 0}
    for column in NUMBER_COLUMNS:
        prices[column], separated = _parse_numbers(prices[column], prices["Date"])
        report["numbers_with_thousands_separators"] += separated
    prices = _sort_and_deduplicate(prices, report)
    _check_values(prices, min_rows)
    _check_spikes(prices, max_spike_ratio)
    prices = _fill_calendar_gaps(prices, max_gap_days, report)
    report.update(
        rows_out=len(prices),
        first_date=prices["Date"].iloc[0].strftime("%Y-%m-%d"),
        last_date=prices["Date"].iloc[-1].strftime("%Y-%m-%d"),
    )
    prices["Date"] = prices["Date"].dt.strftime("%Y-%m-%d")
    return prices, report


def _as_table(raw) -> pd.DataFrame:
    """``raw`` as a table: a served request may carry any of MLflow's input forms (a table,
    columns by name, a tensor, a list), and only a table, or columns of one length, is prices."""
    if isinstance(raw, pd.DataFrame):
        return raw
    if isinstance(raw, dict):
        try:
            return pd.DataFrame(raw)
        except ValueError as error:
            raise InputDataError(f"price data given as columns must be columns of one length: {error}") from None
    raise InputDataError(f"price data must be a table with the columns {REQUIRED_COLUMNS}, not {type(raw).__name__}")


def _parse_dates(column: pd.Series) -> pd.Series:
    dates = pd.to_datetime(column, errors="coerce", format="mixed")
    if dates.isna().any():
        bad = column[dates.isna()].astype(str).head(5).tolist()
        raise InputDataError(f"{int(dates.isna().sum())} dates cannot be parsed, e.g. {bad}")
    if dates.dt.tz is not None:
        dates = dates.dt.tz_localize(None)
    return dates.dt.normalize()


def _parse_numbers(column: pd.Series, dates: pd.Series) -> tuple[pd.Series, int]:
    """Numbers from a column that may hold text such as ``"12,345.6"``; an empty cell is
    missing, any other text that is not a number stops the run naming its row and value.
    Returns the numbers and how many were written with thousands separators."""
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64"), 0
    text = column.astype("string").str.strip()
    separated = text.str.fullmatch(THOUSANDS).fillna(False).astype(bool)
    numbers = pd.to_numeric(text.where(~separated, text.str.replace(",", "", regex=False)), errors="coerce")
    unreadable = numbers.isna() & text.fillna("").ne("")
    if unreadable.any():
        row = unreadable.idxmax()
        raise InputDataError(
            f"{int(unreadable.sum())} values in column {column.name} are not numbers, the first in "
            f"data row {row + 1} ({dates[row]:%Y-%m-%d}): {text[row]!r}"
        )
    if separated.any():
        logger.info("Read %d %s values written with thousands separators.", separated.sum(), column.name)
    return numbers.astype("float64"), int(separated.sum())


def _sort_and_deduplicate(prices: pd.DataFrame, report: dict) -> pd.DataFrame:
    report["was_unsorted"] = not prices["Date"].is_monotonic_increasing
    if report["was_unsorted"]:
        logger.warning("Price rows were not in date order: sorted them.")
    prices = prices.sort_values("Date", kind="stable")
    no_close = prices["Close"].isna()
    report["rows_without_close_dropped"] = int(no_close.sum())
    if no_close.any():
        logger.warning("Dropped %d rows with an empty Close.", no_close.sum())
    prices = prices[~no_close]
    repeated = prices["Date"].duplicated(keep="last")
    report["duplicate_dates_dropped"] = int(repeated.sum())
    if repeated.any():
        logger.warning("Dropped %d repeated dates, keeping each date's last row.", repeated.sum())
    return prices[~repeated]


def _check_values(prices: pd.DataFrame, min_rows: int) -> None:
    non_positive = (prices[PRICE_COLUMNS] <= 0).any(axis=1)
    if non_positive.any():
        bad = prices.loc[non_positive, "Date"].dt.strftime("%Y-%m-%d").head(5).tolist()
        raise InputDataError(f"{int(non_positive.sum())} rows have prices <= 0, e.g. on {bad}")
    if len(prices) < min_rows:
        raise InputDataError(f"only {len(prices)} usable rows of prices; at least {min_rows} are needed")


def _check_spikes(prices: pd.DataFrame, max_spike_ratio: float) -> None:
    """Stop at the first price that jumps away from both neighbours by more than the ratio,
    in the same direction: a day that moves and moves back. BTC-USD's largest such move on
    record is 1.18x (its Low on 2020-03-13); a mistyped digit is far beyond it."""
    limit = np.log(max_spike_ratio)
    for column in PRICE_COLUMNS:
        logs = np.log(prices[column].to_numpy())
        up, down = logs[1:-1] - logs[:-2], logs[1:-1] - logs[2:]
        size = np.where(np.sign(up) == np.sign(down), np.minimum(np.abs(up), np.abs(down)), 0.0)
        if size.size and size.max() > limit:
            k = int(size.argmax()) + 1
            value, before, after = prices[column].iloc[k], prices[column].iloc[k - 1], prices[column].iloc[k + 1]
            raise InputDataError(
                f"{column} on {prices['Date'].iloc[k]:%Y-%m-%d} is {value:,.2f}, {np.exp(size.max()):.1f} times away from "
                f"both the day before ({before:,.2f}) and the day after ({after:,.2f}): a one-day spike beyond "
                f"btc.validation.max_spike_ratio={max_spike_ratio}, probably a mistyped number; correct the data "
                "or raise the ratio"
            )


def _fill_calendar_gaps(prices: pd.DataFrame, max_gap_days: int, report: dict) -> pd.DataFrame:
    calendar = pd.date_range(prices["Date"].iloc[0], prices["Date"].iloc[-1], freq="D")
    missing_days = calendar.difference(prices["Date"])
    longest_gap = _longest_run(calendar.isin(missing_days))
    if longest_gap > max_gap_days:
        raise InputDataError(
            f"{longest_gap} consecutive calendar days are missing (btc.validation.max_gap_days "
            f"allows {max_gap_days}); the series is too broken to fill in"
        )
    report["missing_days_filled"] = len(missing_days)
    if len(missing_days):
        logger.warning("Forward-filled %d missing calendar days.", len(missing_days))
    prices = prices.set_index("Date").reindex(calendar).ffill()
    prices.index.name = "Date"
    prices = prices.reset_index()
    prices[NUMBER_COLUMNS] = prices[NUMBER_COLUMNS].astype("float64")
    return prices


def _longest_run(flags: np.ndarray) -> int:
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest
