"""Forecasting mechanics, no Kedro: price repair, windows, metrics, recursive paths and bands.

Built on numpy, pandas, scikit-learn (the scaler) and torch (rolling a model forward), so
each piece can be tested and reused without a pipeline.
"""
