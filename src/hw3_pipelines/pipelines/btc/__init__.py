"""BTC-USD daily price forecasting with an LSTM."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
