"""Pretraining the hafez model on other poets' ghazals: ``kedro run --pipeline hafez_pretrain``."""

from hw3_pipelines.pipelines.hafez_pretrain.pipeline import create_pipeline

__all__ = ["create_pipeline"]
