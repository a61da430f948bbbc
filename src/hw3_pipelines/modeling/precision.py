"""Whether training runs its forward pass in bfloat16: where the device can, and never by surprise.

bfloat16 autocast trained the hafez model about 1.4x faster on a CPU with AVX-512 bf16
instructions (README). On a CPU without them (AVX2 only: most laptops and many cloud
machines) oneDNN has no bfloat16 LSTM kernel, and the first forward pass stops with
"could not create a primitive descriptor for the LSTM forward propagation primitive".

torch has no public check for this: ``torch.backends.cpu.get_cpu_capability()`` names
ATen's vector instructions, not oneDNN's, and oneDNN runs bf16 on plain AVX-512 by
emulation while refusing it on AVX2. So the check is a probe: one forward and backward
pass of a tiny LSTM, GRU and RNN under autocast, once per process and device type.
"""

from __future__ import annotations

import functools
import logging
from typing import Literal

import torch
from torch import nn

from hw3_pipelines.errors import ParameterError

logger = logging.getLogger(__name__)

Bf16Setting = bool | Literal["auto"]


@functools.cache
def bf16_recurrent_kernels(device_type: str) -> bool:
    """True when LSTM, GRU and RNN layers train under bfloat16 autocast on ``device_type``.

    The probe draws no random numbers from the caller's stream (``fork_rng``), so a run
    seeded before it gives the same result whether or not it probed.
    """
    with torch.random.fork_rng(devices=[]):
        try:
            for cell in (nn.LSTM, nn.GRU, nn.RNN):
                layer = cell(4, 4, batch_first=True).to(device_type)
                with torch.autocast(device_type, dtype=torch.bfloat16):
                    output, _ = layer(torch.ones(1, 2, 4, device=device_type))
                output.float().sum().backward()
        except RuntimeError as error:
            logger.debug("bfloat16 probe on %s failed: %s", device_type, error)
            return False
    return True


def use_bf16(setting: Bf16Setting, device: torch.device) -> bool:
    """Resolve ``training.bf16_autocast``: ``auto`` is on where the probe passes; ``true``
    on a device that cannot is an error that says what to set instead."""
    if setting is False:
        return False
    supported = bf16_recurrent_kernels(device.type)
    if setting is True and not supported:
        raise ParameterError(
            f"training.bf16_autocast is true, but this {device.type} has no bfloat16 kernels for "
            "recurrent layers (a CPU without AVX-512); set it to auto (on only where it works) or false"
        )
    if setting == "auto":
        _log_auto_choice(device.type, supported)
    return supported


@functools.cache
def _log_auto_choice(device_type: str, supported: bool) -> None:
    if supported:
        logger.info("bfloat16 autocast on: this %s runs bf16 recurrent kernels.", device_type)
    else:
        logger.info("bfloat16 autocast off: this %s has no bf16 recurrent kernels; training in float32.", device_type)
