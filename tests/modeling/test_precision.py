"""bfloat16 autocast: ``auto`` follows the device's probe, ``true`` where it cannot is an error."""

import subprocess
import sys

import pytest
import torch

from hw3_pipelines.errors import ParameterError
from hw3_pipelines.modeling import precision

CPU = torch.device("cpu")


@pytest.fixture
def probe_says(monkeypatch):
    def set_probe(supported: bool) -> list[str]:
        calls = []
        monkeypatch.setattr(precision, "bf16_recurrent_kernels", lambda device_type: calls.append(device_type) or supported)
        return calls

    return set_probe


@pytest.mark.parametrize("supported", [True, False])
def test_auto_follows_the_probe(probe_says, supported):
    calls = probe_says(supported)
    assert precision.use_bf16("auto", CPU) is supported
    assert calls == ["cpu"]


def test_false_never_probes(probe_says):
    calls = probe_says(True)
    assert precision.use_bf16(False, CPU) is False
    assert calls == []


def test_true_where_the_device_cannot_is_an_error(probe_says):
    probe_says(False)
    with pytest.raises(ParameterError, match="set it to auto .* or false"):
        precision.use_bf16(True, CPU)
    probe_says(True)
    assert precision.use_bf16(True, CPU) is True


def probe_in_subprocess(**env: str) -> str:
    code = "from hw3_pipelines.modeling.precision import bf16_recurrent_kernels; print(bf16_recurrent_kernels('cpu'))"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.strip()


def test_the_probe_finds_no_bf16_kernels_on_an_avx2_cpu():
    import os

    assert probe_in_subprocess(**{**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2"}) == "False"


def test_the_probe_leaves_the_random_stream_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    precision.bf16_recurrent_kernels.__wrapped__("cpu")
    assert torch.equal(torch.rand(3), expected)
