"""A training pipeline bound to its inference pipeline, as kedro-mlflow binds them.

``bind`` is ``kedro_mlflow.pipeline.pipeline_ml_factory`` with the project's choices: the
inference pipeline is logged after every full training run as one MLflow model, under
the name it is registered as, with no MLflow signature (the inference pipeline's first
node checks a request and names what is wrong in it). One change to the plugin's class:
a partial run (``--to-nodes split_btc_prices``) that no longer makes everything the
inference pipeline reads is a plain pipeline that logs no model, where kedro-mlflow
would refuse to start it. ``ask`` is the node that asks a registered model.
"""

from __future__ import annotations

from kedro.pipeline import Pipeline

from hw3_pipelines.quiet import importing_quietly

with importing_quietly():
    from kedro_mlflow.pipeline.pipeline_ml import PipelineML


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
