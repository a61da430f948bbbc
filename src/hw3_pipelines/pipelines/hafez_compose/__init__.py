"""A ghazal asked of the registered ``hafez_poet``, with no training."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
