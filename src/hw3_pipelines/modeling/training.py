"""One training loop for every model in the project.

The loop is deliberately short: seeded batch order, AdamW, optional clipping by norm,
an optional cosine schedule, bfloat16 autocast and weight averaging, one host sync per
epoch (losses are summed on the device), and the best weights by validation loss kept in
memory and restored at the end.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import torch
from pydantic import field_validator
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from hw3_pipelines.modeling.precision import Bf16Setting, use_bf16
from hw3_pipelines.progress import Progress
from hw3_pipelines.schema import (
    NonNegativeFloat,
    PositiveFloat,
    PositiveInt,
    Probability,
    Strict,
)
from hw3_pipelines.threads import thread_budget

Batch = tuple[torch.Tensor, ...]
LR_SCHEDULES = ("constant", "cosine")


class TrainConfig(Strict):
    """What the loop needs; the pipelines' ``training`` parameter groups extend it."""

    epochs: PositiveInt
    batch_size: PositiveInt
    learning_rate: PositiveFloat = 1e-3
    weight_decay: NonNegativeFloat = 1e-2
    grad_clip_norm: PositiveFloat | None = None
    lr_schedule: Literal[LR_SCHEDULES] = "constant"
    bf16_autocast: Bf16Setting = False  # auto: on where the device runs bf16 recurrent kernels
    ema_decay: Probability | None = None  # weight averaging: an exponential moving average per step
    seed: int = 42
    device: str = "auto"
    num_threads: PositiveInt | None = None

    @field_validator("device")
    @classmethod
    def _known_device(cls, name: str) -> str:
        if name != "auto":
            try:
                torch.device(name)
            except RuntimeError:
                raise ValueError(f"'{name}' is not a torch device; use auto, cpu, cuda or cuda:N") from None
        return name

    def learning_rate_at(self, epoch: int) -> float:
        """``cosine`` anneals from the base rate towards 0 over the epochs, per epoch."""
        if self.lr_schedule == "constant":
            return self.learning_rate
        return self.learning_rate * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / self.epochs))


@dataclass
class TrainResult:
    model: nn.Module
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0

    def history_frame(self) -> pd.DataFrame:
        """One row per epoch, the kept one marked ``best``."""
        history = pd.DataFrame(self.history)
        history["best"] = history["epoch"] == self.best_epoch
        return history


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` picks CUDA when present; anything else is passed to ``torch.device``."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def seed_and_pin_threads(seed: int, num_threads: int | None) -> None:
    """Seed torch and pin its thread count, the two things that make CPU reruns match.

    Float reductions split over a different number of threads add up in a different
    order, so an unpinned thread count is enough to change the last bits of a loss. In a
    worker of a parallel run the count is capped by the worker's share of the cores
    (``threads.thread_budget``). Enough for a forward pass; answering nodes (a forecast
    from a registered model) call it alone.
    """
    threads = thread_budget(num_threads)
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)


def make_reproducible(seed: int, num_threads: int | None) -> None:
    """``seed_and_pin_threads``, and torch's deterministic algorithms for training, whose
    backward passes (an embedding's gradient) may otherwise accumulate in another order.

    The switch imports torch's compiler, about a second on 2 cores, which an answering node
    that runs no backward pass is spared. It also makes every new tensor be filled with
    NaN before use, a guard against reading uninitialised memory that changes no result
    and took about 6% of the btc model's training time in a profile on an AVX2 CPU
    (``aten::fill_``, 170 calls a step): that guard is turned off.
    """
    seed_and_pin_threads(seed, num_threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.utils.deterministic.fill_uninitialized_memory = False


def train(
    model: nn.Module,
    batches: Callable[[torch.Generator], Sequence[Batch]],
    loss_fn: Callable[[nn.Module, Batch], torch.Tensor],
    config: TrainConfig,
    val_loss_fn: Callable[[nn.Module], float] | None = None,
    desc: str = "train",
) -> TrainResult:
    """Train ``model`` in place and return it with its best weights loaded.

    ``batches(generator)`` returns one epoch's batches, already on the model's device,
    in an order drawn from ``generator``; ``loss_fn(model, batch)`` returns a scalar
    loss; ``val_loss_fn(model)`` scores the model after each epoch (in eval mode, no
    grad). Without it the best epoch is the one with the lowest training loss.

    With ``config.ema_decay`` an exponential moving average of the weights is updated
    after every step (``torch.optim.swa_utils.AveragedModel``). The averaged weights are
    then the ones validated, kept and returned; the raw weights' validation loss is
    recorded beside theirs in the history (``val_loss_raw``).
    """
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    generator = torch.Generator().manual_seed(config.seed)
    device = next(model.parameters()).device
    bf16 = use_bf16(config.bf16_autocast, device)
    averaged = (
        AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(config.ema_decay), use_buffers=True)
        if config.ema_decay
        else None
    )
    kept = model if averaged is None else averaged.module
    result = TrainResult(model=model)
    best_loss, best_state = float("inf"), None
    with Progress(config.epochs, desc, unit="epoch") as progress:
        for epoch in range(1, config.epochs + 1):
            for group in optimizer.param_groups:
                group["lr"] = config.learning_rate_at(epoch)
            started = time.perf_counter()
            train_loss = _run_epoch(model, batches(generator), loss_fn, optimizer, config, device, bf16, averaged, progress)
            record = {"epoch": epoch, "train_loss": train_loss}
            validation_started = time.perf_counter()
            if val_loss_fn is not None:
                with torch.no_grad():
                    if averaged is not None:
                        record["val_loss_raw"] = float(val_loss_fn(model.eval()))
                    record["val_loss"] = float(val_loss_fn(kept.eval()))
            record["seconds"] = time.perf_counter() - started
            record["val_seconds"] = time.perf_counter() - validation_started
            result.history.append(record)
            score = record.get("val_loss", record["train_loss"])
            if score < best_loss:
                best_loss, result.best_epoch = score, epoch
                best_state = {k: v.detach().clone() for k, v in kept.state_dict().items()}
            progress.update({k: f"{v:.4f}" for k, v in record.items() if k.endswith("loss")})
    model.load_state_dict(best_state)
    model.eval()
    return result


def _run_epoch(model, epoch_batches, loss_fn, optimizer, config: TrainConfig, device, bf16: bool, averaged, progress) -> float:
    """One pass over the batches; the mean loss is read from the device once, at the end."""
    model.train()
    loss_sum = torch.zeros((), device=device)
    for step, batch in enumerate(epoch_batches):
        progress.advance(step / len(epoch_batches))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(model, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip_norm:
            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip_norm)
        optimizer.step()
        if averaged is not None:
            averaged.update_parameters(model)
        loss_sum += loss.detach()
    return (loss_sum / len(epoch_batches)).item()
