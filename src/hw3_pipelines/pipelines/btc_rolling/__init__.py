"""The btc forecaster judged in every period: ``kedro run --pipeline btc_rolling --env distribution``."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
