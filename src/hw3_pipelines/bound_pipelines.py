"""A training pipeline bound to its inference pipeline, as kedro-mlflow binds them.

``bind`` is ``kedro_mlflow.pipeline.pipeline_ml_factory`` with the project's choices: the
inference pipeline is logged after every full training run as one MLflow model, under
the name it is registered as, with no MLflow signature (the inference pipeline's first
node checks a request and names what is wrong in it). One change to the plugin's class:
a partial run (``--to-nodes split_btc_prices``) that no longer makes everything the
inference pipeline reads is a plain pipeline that logs no model, where kedro-mlflow
would refuse to start it. ``ask`` is the node that asks a registered model, which
``RegisteredModelDataset`` loads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kedro.io import DatasetError
from kedro.pipeline import Pipeline

from hw3_pipelines.errors import ProjectError
from hw3_pipelines.quiet import importing_quietly

with importing_quietly():
    from kedro_mlflow.io.models import MlflowModelRegistryDataset
    from kedro_mlflow.pipeline.pipeline_ml import PipelineML


class StaleModelError(ProjectError, DatasetError):
    """A registered model whose pickled pipeline names functions this code no longer has."""


@contextmanager
def explaining_stale_models(model_uri: str) -> Iterator[None]:
    """Loading ``model_uri``: a version whose pickled pipeline names functions this code no
    longer has fails deep in pickle (``ModuleNotFoundError``, ``AttributeError``) and is
    refused in one sentence instead."""
    try:
        yield
    except (ImportError, AttributeError) as error:
        raise StaleModelError(
            f"{model_uri} was registered by an older version of this project's code and cannot be loaded by this one "
            f"({type(error).__name__}: {error}): retrain to register a new version"
        ) from None


class RegisteredModelDataset(MlflowModelRegistryDataset):
    """kedro-mlflow's registry dataset, saying in one sentence when a version cannot load.

    A registered model holds its inference pipeline as kedro-mlflow pickles it, with the
    project's functions by module path: after a node function moves, an older version no
    longer loads (``explaining_stale_models``)."""

    def _load(self):  # kedro-mlflow's datasets implement _load, which Kedro makes their load
        with explaining_stale_models(self.model_uri):
            return super()._load()


class _BoundPipeline(PipelineML):
    def _turn_pipeline_to_ml(self, pipeline: Pipeline) -> Pipeline:
        trained = {name for name in self.inference.inputs() - {self.input_name} if not name.startswith("params:")}
        if trained <= pipeline.all_outputs() | pipeline.inputs():
            return super()._turn_pipeline_to_ml(pipeline)
        return Pipeline(pipeline.nodes)


def ask(model, request):
    """A registered model's answer to ``request`` (``model``: its MLflow pyfunc, as the
    catalog's ``MlflowModelRegistryDataset`` loads it)."""
    return model.predict(request)


def bind(training: Pipeline, inference: Pipeline, input_name: str, registered_model: str) -> Pipeline:
    """``training``, after which kedro-mlflow logs ``inference`` with everything it reads as the
    MLflow model ``registered_model`` and registers a new version of it."""
    return _BoundPipeline(
        nodes=training.nodes,
        inference=inference,
        input_name=input_name,
        log_model_kwargs={"name": registered_model, "registered_model_name": registered_model, "signature": None},
    )
