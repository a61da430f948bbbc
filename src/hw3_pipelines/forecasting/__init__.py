"""Forecast metrics and baselines: numpy only, no Kedro, so they can be reused alone."""
