"""Runners beyond Kedro's own: Kedro's Dask recipe brought up to date for Kedro 1.x, and a
ParallelRunner that gives each worker process its share of the cores."""

from .dask_runner import DaskRunner
from .parallel_runner import ParallelRunner

__all__ = ["DaskRunner", "ParallelRunner"]
