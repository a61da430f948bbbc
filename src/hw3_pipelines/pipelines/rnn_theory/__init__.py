"""The assignment's theory questions, answered and checked by code: ``kedro run --pipeline rnn_theory``."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
