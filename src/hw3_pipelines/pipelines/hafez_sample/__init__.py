"""More verse from the saved Hafez model, without retraining: ``kedro run --pipeline hafez_sample``."""

from hw3_pipelines.pipelines.hafez.pipeline import sampling_pipeline as create_pipeline

__all__ = ["create_pipeline"]
