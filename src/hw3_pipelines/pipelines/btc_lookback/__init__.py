"""The lookback question, answered with measurements: ``kedro run --pipeline btc_lookback``."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
