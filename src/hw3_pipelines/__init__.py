"""hw3_pipelines: an RNN course assignment as reproducible Kedro pipelines."""

__version__ = "0.1.0"
