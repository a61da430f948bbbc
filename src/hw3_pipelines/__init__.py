"""hw3_pipelines: an RNN course assignment as reproducible Kedro pipelines."""

import os
import sys

from hw3_pipelines.quiet import filter_known_warnings

__version__ = "0.1.0"

filter_known_warnings()

# Every tool's telemetry stays off for the project (README). Kedro's is off through
# .telemetry; MLflow's through this variable, which MLflow reads when it is imported. Kedro
# may import MLflow before this package (kedro-mlflow's CLI plugin), so its telemetry
# client is then made again, as MLflow's own re-initialisation does.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# A model logged at the end of a run copies a few small files: no progress bars for that.
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
if "mlflow" in sys.modules:
    from mlflow.telemetry import set_telemetry_client

    set_telemetry_client()
