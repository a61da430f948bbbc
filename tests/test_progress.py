"""Progress outside a terminal: a log line at least every 60 s, with the time left."""

import logging

import pytest

from hw3_pipelines import progress


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1000.0}
    monkeypatch.setattr(progress.time, "monotonic", lambda: now["t"])
    return now


def test_a_long_unit_logs_every_60_seconds_with_the_time_left(clock, caplog):
    caplog.set_level(logging.INFO, logger="hw3_pipelines.progress")
    with progress.Progress(4, "hafez", unit="epoch") as bar:
        for step in range(10):  # 10 steps of 12 s in the first epoch
            clock["t"] += 12
            bar.advance((step + 1) / 10)
        bar.update({"val_loss": "2.1000"})  # at the moment of the last line: not yet due
        clock["t"] += 60
        bar.update({"val_loss": "1.9000"})
        clock["t"] += 5
        bar.advance(0.1)
    assert [record.getMessage() for record in caplog.records] == [
        "hafez: 0.5/4 epochs, 1m00s elapsed, about 7m00s left",
        "hafez: 1/4 epochs, 2m00s elapsed, about 6m00s left",
        "hafez: 2/4 epochs, 3m00s elapsed, about 3m00s left, val_loss 1.9000",
    ]


def test_a_loop_that_took_a_while_logs_its_end_and_a_quick_one_nothing(clock, caplog):
    caplog.set_level(logging.INFO, logger="hw3_pipelines.progress")

    def orders(seconds_each: float):
        for order in range(3):
            clock["t"] += seconds_each
            yield order

    list(progress.track(orders(2.0), 3, "Kneser-Ney orders", unit="order"))
    list(progress.track(orders(1.0), 3, "quick orders", unit="order"))
    assert [record.getMessage() for record in caplog.records] == ["Kneser-Ney orders: 3/3 orders, 6s elapsed"]


def test_a_unit_nearly_done_is_not_reported_as_done(clock, caplog):
    caplog.set_level(logging.INFO, logger="hw3_pipelines.progress")
    with progress.Progress(6, "pretrain", unit="epoch") as bar:
        clock["t"] += 70
        bar.advance(0.999)
    assert caplog.records[0].getMessage().startswith("pretrain: 0.9/6 epochs")
