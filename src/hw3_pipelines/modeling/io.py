"""Catalog dataset for torch models: a state_dict file plus a JSON config beside it.

Pickling a whole ``nn.Module`` ties the file to this code's import paths and makes
loading it run arbitrary code. Here the weights are loaded with ``weights_only=True``
and the architecture is rebuilt from the JSON config, so a model file is plain data.
Versioned like any Kedro dataset, so a new run never overwrites the last good model.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import fsspec
import torch
from kedro.io import AbstractVersionedDataset, DatasetError, Version
from torch import nn

from hw3_pipelines.modeling.models import build_model, model_spec

_LOCAL_FS = fsspec.filesystem("file")


class TorchModelDataset(AbstractVersionedDataset[nn.Module, nn.Module]):
    """Saves ``model.state_dict()`` to ``filepath`` and its config to ``filepath`` + ``.json``."""

    def __init__(
        self,
        *,
        filepath: str,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(
            filepath=PurePosixPath(filepath),
            version=version,
            exists_function=_LOCAL_FS.exists,
            glob_function=_LOCAL_FS.glob,
        )
        self.metadata = metadata

    def load(self) -> nn.Module:
        path = Path(self._get_load_path())
        spec = json.loads(_config_path(path).read_text(encoding="utf-8"))
        model = build_model(spec)
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return model.eval()

    def save(self, model: nn.Module) -> None:
        path = Path(self._get_save_path())
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
        _write_atomically(path, lambda tmp: torch.save(state, tmp))
        config = json.dumps(model_spec(model), indent=2)
        _write_atomically(
            _config_path(path), lambda tmp: tmp.write_text(config, encoding="utf-8")
        )

    def _exists(self) -> bool:
        try:
            return Path(self._get_load_path()).exists()
        except DatasetError:
            return False

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "version": self._version}


def _config_path(weights_path: Path) -> Path:
    return weights_path.with_name(weights_path.name + ".json")


def _write_atomically(path: Path, write) -> None:
    """Write to a temporary sibling and rename, so a crash never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    tmp.replace(path)
