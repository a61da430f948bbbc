"""Project settings: Kedro defaults except where noted."""

from hw3_pipelines.hooks import MissingInputHooks, RunManifestHooks

HOOKS = (MissingInputHooks(), RunManifestHooks())

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # Deep-merge parameters across environments, so conf/test/parameters_btc.yml can
    # override btc.training.epochs alone instead of replacing the whole btc block.
    "merge_strategy": {"parameters": "soft"},
}
