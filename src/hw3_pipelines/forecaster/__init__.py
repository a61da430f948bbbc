"""The btc forecaster as a distribution: the model, the volatility baselines, their linear
pool and the choices that keep or drop each part, fitted and judged by one set of functions.

``pipelines/btc`` fits it once on a chronological split; ``pipelines/btc_rolling`` refits it
at every cutoff of a rolling evaluation through the same functions, so the evaluation judges
exactly the forecaster that ``btc`` ships. Nothing here imports Kedro.

- ``members``: every forecaster the pool draws on (the model's one-day distributions and
  recursive paths, the baselines' forecasts) and the pool's draws;
- ``calibration``: what the validation windows say about the model's spread and its paths;
- ``pool``: the pool's weights and the choices between it and the benchmark;
- ``evaluation``: the one-day scores on the test days and the walk-forward backtest;
- ``forecast``: the forecast past the last date.
"""
