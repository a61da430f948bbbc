"""A seed ensemble of btc regressors: one architecture trained several times with different
seeds, forecasting the equal-weight mixture of the members' predictive distributions.

One trained network is one draw from the training lottery (seed, data order, dropout):
single seeds of the same setting differ in CRPS by more than the forecasters they are
compared with. The mixture averages the lottery away, and widens the spread where the
members disagree. A point head predicts no distribution, so only distribution heads make
an ensemble.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from torch import nn

from hw3_pipelines.modeling.regressor import RecurrentRegressor, RegressorConfig


@dataclass(frozen=True)
class EnsembleConfig(RegressorConfig):
    size: int = 5

    def __post_init__(self):
        super().__post_init__()
        if self.size < 2:
            raise ValueError(f"an ensemble needs at least 2 members, got size={self.size}")
        if self.head == "point":
            raise ValueError("an ensemble mixes predicted distributions; a point head predicts none (use gaussian or student_t)")

    def member_config(self) -> RegressorConfig:
        return RegressorConfig(**{f.name: getattr(self, f.name) for f in fields(RegressorConfig)})


class RegressorEnsemble(nn.Module):
    """``size`` regressors of one configuration, saved and loaded as one model."""

    def __init__(self, config: EnsembleConfig):
        super().__init__()
        self.config = config
        self.members = nn.ModuleList(RecurrentRegressor(config.member_config()) for _ in range(config.size))

    @classmethod
    def of(cls, members: list[RecurrentRegressor]) -> RegressorEnsemble:
        """The ensemble holding these trained members' weights."""
        ensemble = cls(EnsembleConfig(**asdict(members[0].config), size=len(members)))
        for slot, member in zip(ensemble.members, members):
            slot.load_state_dict(member.state_dict())
        return ensemble


Regressor = RecurrentRegressor | RegressorEnsemble  # what the btc pipeline trains and forecasts with


def members(model: Regressor) -> list[RecurrentRegressor]:
    """The networks whose forecasts make the model's: the members, or the model itself."""
    return list(model.members) if isinstance(model, RegressorEnsemble) else [model]
