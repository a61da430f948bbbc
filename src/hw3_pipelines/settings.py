"""Project settings: Kedro defaults except where noted."""

from hw3_pipelines.startup import importing_without_sweeps

with importing_without_sweeps():  # torch, MLflow and scikit-learn: see startup.py
    from hw3_pipelines.hooks import MissingInputHooks, RunSummaryHooks
    from hw3_pipelines.tracking import MlflowTracking

# kedro-mlflow's hook comes in as the project's MlflowTracking (see tracking.py), not as the
# plugin registers it, so that worker processes of parallel runs never log on their own.
# Hooks run last-registered first: the summary comes after everything else.
_tracking = MlflowTracking()
HOOKS = (RunSummaryHooks(_tracking), MissingInputHooks(), _tracking)
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow",)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # Deep-merge parameters across environments, so conf/test/parameters_btc.yml can
    # override btc.training.epochs alone instead of replacing the whole btc block.
    "merge_strategy": {"parameters": "soft"},
}

# The lookback sweep's grid (pipelines/btc_lookback): one run per target, lookback and seed.
# Kedro builds pipelines before it reads parameters, so what shapes a pipeline is a setting.
LOOKBACK_SWEEP_GRID = {
    "targets": ("price", "log_return"),
    "lookbacks": (5, 10, 20, 30, 60, 90, 120),
    "seeds": (42, 43, 44),
}

# The rolling evaluation's periods (pipelines/btc_rolling): the btc forecaster refitted at
# each cutoff, every `months` months from `first` to `last`, and scored on the `months`
# months after it. A setting for the same reason as the sweep's grid.
ROLLING_EVALUATION = {"first": "2019-01-01", "last": "2026-01-01", "months": 6}
