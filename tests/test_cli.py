"""``kedro run`` ends an expected error with one message and exit status 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA, latest, run_pipeline

OFFLINE_YFINANCE = "import pandas\n\ndef download(*args, **kwargs):\n    return pandas.DataFrame()\n"


@pytest.fixture
def kedro_run(project_copy: Path, tmp_path_factory):
    """``kedro run ARGS`` in the project copy, with a yfinance that is always offline."""
    shim = tmp_path_factory.mktemp("shim")
    (shim / "yfinance").mkdir()
    (shim / "yfinance" / "__init__.py").write_text(OFFLINE_YFINANCE)
    env = {**os.environ, "PYTHONPATH": str(shim), "KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1", "COLUMNS": "200"}
    env.pop("HW3_TRACEBACK", None)

    def run(*args: str, traceback: bool = False, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "kedro", "run", *args], cwd=project_copy,
            env={**env, **extra_env, **({"HW3_TRACEBACK": "1"} if traceback else {})},
            capture_output=True, text=True, timeout=300,
        )

    return run


def one_message(result: subprocess.CompletedProcess) -> str:
    """The error lines at the end of stderr; the output holds no traceback."""
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "VersionNotFoundError" not in output, output[-3000:]
    return result.stderr.split("Error: ", 1)[1]


def test_bad_parameter(kedro_run):
    result = kedro_run("--pipelines", "btc", "--env", "test", "--params", "btc.lookback=-5")
    assert result.returncode == 1
    message = one_message(result)
    assert message.startswith("invalid parameters:\n  btc.lookback: Input should be greater than or equal to 1 (got -5)\n")


def test_misspelt_key_gets_a_suggestion(kedro_run):
    result = kedro_run("--pipelines", "btc", "--env", "test", "--params", "btc.trainig.epochs=3")
    assert result.returncode == 1
    assert "btc: unknown key 'trainig'; did you mean 'training'?" in one_message(result)


def test_missing_price_file(kedro_run):
    result = kedro_run("--pipelines", "btc", "--env", "test", "--params", "btc.ingest.source=csv,btc.ingest.csv_path=nope.csv")
    assert result.returncode == 1
    assert one_message(result).startswith("price file not found: nope.csv\n")


def test_failed_download_in_strict_mode(kedro_run):
    result = kedro_run("--pipelines", "btc", "--env", "test", "--params", "btc.ingest.source=yfinance")
    assert result.returncode == 1
    message = one_message(result)
    assert message.startswith("yfinance returned no data for BTC-USD") and "btc.ingest.source=auto" in message
    assert "The run manifest was not written" not in result.stdout + result.stderr


def test_offline_main_command_falls_back_on_the_bundled_snapshot(kedro_run, project_copy):
    result = kedro_run("--pipelines", "btc", "--env", "test", "--params", "btc.ingest.source=auto", "--to-nodes", "split_btc_prices")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "yfinance returned no data for BTC-USD" in result.stdout and "using the bundled snapshot instead" in result.stdout
    report = latest(project_copy, f"{TEST_DATA}/08_reporting/btc_validation_report.json").read_text()
    assert '"source": "bundled"' in report


def test_unknown_pipeline_lists_the_registered_ones(kedro_run):
    result = kedro_run("--pipelines", "nosuch")
    assert result.returncode == 2
    assert "no pipeline named 'nosuch'; the pipelines are: btc, btc_forecast, btc_lookback, btc_rolling, hafez, hafez_compose, hafez_metre, hafez_pretrain, hafez_sample, rnn_theory" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_slice_missing_a_prerequisite_names_the_pipeline_to_run(kedro_run):
    result = kedro_run("--pipelines", "hafez_sample", "--nodes", "sample_hafez_verse", "--env", "test")
    assert result.returncode == 1
    assert one_message(result).startswith(
        "hafez_sample needs hafez_cache_settings, which no earlier run has written: run `kedro run --pipeline hafez --env test` first"
    )


def test_traceback_on_request(kedro_run):
    result = kedro_run("--pipelines", "btc", "--env", "test", "--params", "btc.ingest.source=csv,btc.ingest.csv_path=nope.csv", traceback=True)
    assert result.returncode == 1
    assert "InputDataError: price file not found: nope.csv" in result.stdout + result.stderr


# oneDNN limited to AVX2 behaves as a CPU without bfloat16 instructions (most laptops): it
# has no bf16 LSTM kernel. The variable is read when oneDNN starts, hence a subprocess.
WITHOUT_BF16 = {"ONEDNN_MAX_CPU_ISA": "AVX2"}


@pytest.fixture
def judged(project_copy: Path) -> Path:
    """The project copy after a hafez_metre run, which the hafez model's headers need."""
    run_pipeline(project_copy, "hafez_metre")
    return project_copy


def test_hafez_runs_on_a_cpu_without_bf16(kedro_run, judged):
    result = kedro_run("--pipelines", "hafez", "--env", "test", **WITHOUT_BF16)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "bfloat16 autocast off: this cpu has no bf16 recurrent kernels" in result.stdout + result.stderr
    assert latest(judged, f"{TEST_DATA}/06_models/hafez_char_lm.pt").is_file()


def test_bf16_forced_on_a_cpu_without_it_is_one_message(kedro_run, judged):
    result = kedro_run("--pipelines", "hafez", "--env", "test", "--params", "hafez.training.bf16_autocast=true", **WITHOUT_BF16)
    assert result.returncode == 1
    assert one_message(result).startswith(
        "training.bf16_autocast is true, but this cpu has no bfloat16 kernels for recurrent layers"
    )


def test_fine_tuning_before_any_pretraining_names_the_pipeline_to_run(kedro_run, judged):
    result = kedro_run("--pipelines", "hafez", "--env", "test", "--params", "hafez.init_from=pretrained")
    assert result.returncode == 1
    assert one_message(result).startswith(
        "hafez.init_from=pretrained needs a pretrained model, and none has been saved: run `kedro run --pipeline hafez_pretrain` first"
    )


# What a user sees outside a terminal (CI, a log file), at 80 columns.
AT_80_COLUMNS = {"COLUMNS": "80"}
NOISE = ("Traceback", "deprecated", "register_new_resolver", "type hints", "\x1b[")


def test_a_successful_run_is_short_free_of_noise_and_ends_with_its_summary(kedro_run):
    result = kedro_run("--pipeline", "btc", "--env", "test", **AT_80_COLUMNS)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = (result.stdout + result.stderr).splitlines()
    assert len(lines) <= 75, "\n".join(lines)
    assert not [line for line in lines if any(noise in line for noise in NOISE)]
    assert not [line for line in lines if "WARNING" in line or "is added to the Pipeline catalog" in line or "Created version" in line]
    summary = result.stdout.splitlines()[-13:]
    assert any("Results:" in line for line in summary) and any("btc_metrics.relative_mae = " in line for line in summary)
    assert any("btc_distribution_report.md" in line for line in summary)
    assert any("btc_forecast.png" in line and "the model's path beside it" in line for line in summary)
    assert "MLflow run" in summary[-2] and "mlflow ui --backend-store-uri sqlite:///" in summary[-2]
    assert "Registered btc_forecaster version 1; serve it with: kedro serve btc_forecaster" in summary[-1]


def test_a_failed_run_says_so_once_in_a_few_lines(kedro_run):
    result = kedro_run("--pipeline", "btc", "--env", "test", "--params", "btc.trainig.epochs=3", **AT_80_COLUMNS)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert len(output.splitlines()) <= 25, output
    assert output.count("did you mean 'training'") == 1 and "pydantic.dev" not in output


def test_a_run_stopped_before_its_first_node_is_recorded_as_failed(kedro_run, project_copy):
    """Kedro calls no error hook when a run stops in a before-run hook (here: a missing input)."""
    import mlflow

    result = kedro_run("--pipeline", "hafez_sample", "--nodes", "sample_hafez_verse", "--env", "test")
    assert result.returncode == 1
    mlflow.set_tracking_uri(f"sqlite:///{project_copy / TEST_DATA / 'mlflow.db'}")
    assert list(mlflow.search_runs(experiment_names=["hw3_pipelines"])["status"]) == ["FAILED"]
