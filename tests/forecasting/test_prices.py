"""Price-table repair: what is fixed and counted, what stops the run, and where."""

import numpy as np
import pandas as pd
import pytest

from hw3_pipelines.errors import InputDataError
from hw3_pipelines.forecasting.prices import validate_and_repair
from tests.conftest import synthetic_prices


def repair(raw: pd.DataFrame):
    return validate_and_repair(raw, max_gap_days=3, min_rows=50, max_spike_ratio=1.5)


def test_clean_data_passes_unchanged():
    raw = synthetic_prices(100)
    prices, report = repair(raw)
    pd.testing.assert_frame_equal(prices, raw.drop(columns="Adj Close"), check_dtype=False)
    assert report["missing_days_filled"] == 0 and report["duplicate_dates_dropped"] == 0
    assert report["numbers_with_thousands_separators"] == 0


def test_missing_columns_are_named():
    with pytest.raises(InputDataError, match=r"\['Volume'\]"):
        repair(synthetic_prices(100).drop(columns="Volume"))


def test_unparseable_dates_are_reported():
    raw = synthetic_prices(100)
    raw.loc[3, "Date"] = "not a date"
    with pytest.raises(InputDataError, match="not a date"):
        repair(raw)


def test_non_positive_prices_are_an_error():
    raw = synthetic_prices(100)
    raw.loc[10, "Low"] = 0
    with pytest.raises(InputDataError, match="2020-01-11"):
        repair(raw)


def test_thousands_separators_are_read_and_counted(tmp_path):
    raw = synthetic_prices(100).round(2).astype({"Close": str, "Volume": str})
    raw.loc[5, "Close"] = "12,345.6"
    raw.loc[6, "Volume"] = "1,234,567"
    path = tmp_path / "prices.csv"
    raw.to_csv(path, index=False)  # quoted, as a spreadsheet writes it
    prices, report = validate_and_repair(pd.read_csv(path), max_gap_days=3, min_rows=50, max_spike_ratio=1000)
    assert prices.loc[5, "Close"] == 12345.6 and prices.loc[6, "Volume"] == 1234567
    assert report["numbers_with_thousands_separators"] == 2
    assert report["rows_without_close_dropped"] == 0 and len(prices) == 100


def test_text_that_is_no_number_names_row_column_and_value():
    raw = synthetic_prices(100)
    raw["Close"] = raw["Close"].map(str)
    raw.loc[7, "Close"] = "12.345,6"
    with pytest.raises(InputDataError, match=r"column Close .* data row 8 \(2020-01-08\): '12.345,6'"):
        repair(raw)


def test_unsorted_duplicates_and_empty_rows_are_repaired_and_counted():
    raw = synthetic_prices(100)
    shuffled = pd.concat([raw.iloc[50:], raw.iloc[:50], raw.iloc[[7]]], ignore_index=True)
    shuffled.loc[len(shuffled)] = ["2020-04-20", np.nan, np.nan, np.nan, np.nan, np.nan, np.nan]
    prices, report = repair(shuffled)
    assert report["was_unsorted"] and report["duplicate_dates_dropped"] == 1
    assert report["rows_without_close_dropped"] == 1
    pd.testing.assert_frame_equal(prices, raw.drop(columns="Adj Close"), check_dtype=False)


def test_short_gaps_are_forward_filled():
    prices, report = repair(synthetic_prices(100).drop(index=[20, 21]))
    assert len(prices) == 100 and report["missing_days_filled"] == 2
    assert prices.loc[20, "Close"] == prices.loc[19, "Close"] == prices.loc[21, "Close"]


def test_long_gaps_are_an_error():
    with pytest.raises(InputDataError, match="10 consecutive calendar days"):
        repair(synthetic_prices(100).drop(index=range(20, 30)))


def test_too_few_rows_is_an_error():
    with pytest.raises(InputDataError, match="at least 50"):
        repair(synthetic_prices(20))


@pytest.mark.parametrize(("column", "factor"), [("Close", 10.0), ("High", 1.6), ("Low", 0.1)])
def test_an_isolated_one_day_spike_names_its_date_column_and_value(column, factor):
    raw = synthetic_prices(100)
    raw.loc[30, column] *= factor
    value = raw.loc[30, column]
    with pytest.raises(InputDataError, match=rf"{column} on 2020-01-31 is {value:,.2f}, .*max_spike_ratio=1.5"):
        repair(raw)


def test_a_move_that_stays_is_no_spike():
    raw = synthetic_prices(100)
    raw.loc[30:, ["Open", "High", "Low", "Close"]] *= 3  # a level shift: up once, never back
    prices, _ = repair(raw)
    assert prices.loc[31, "Close"] == raw.loc[31, "Close"]


def test_the_bundled_history_has_no_spike_at_the_default_ratio():
    from hw3_pipelines.sources.prices import read_bundled_snapshot

    prices, _ = repair(read_bundled_snapshot())
    assert len(prices) == 4327
    with pytest.raises(InputDataError, match="Low on 2020-03-13"):  # its largest one-day reversal, 1.183x
        validate_and_repair(read_bundled_snapshot(), max_gap_days=3, min_rows=50, max_spike_ratio=1.182)
