"""A character-level RNN trained on the Divan of Hafez: ``kedro run --pipeline hafez``."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
