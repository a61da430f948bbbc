"""Tomorrow's BTC forecast from the registered ``btc_forecaster``, with no training."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
