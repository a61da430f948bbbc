"""The metre judge, trained on other poets' labelled ghazals, and the Divan's metres by it: ``kedro run --pipeline hafez_metre``."""

from hw3_pipelines.pipelines.hafez_metre.pipeline import create_pipeline

__all__ = ["create_pipeline"]
