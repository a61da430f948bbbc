"""A registered model served over HTTP by MLflow's own scoring server, on 127.0.0.1.

The app is ``mlflow.pyfunc.scoring_server.init``'s (``/invocations``, ``/ping``,
``/health``, ``/version``), with two changes to its error answers, which would otherwise
show a stranger the server's code and paths:

- MLflow answers any exception that is not its own with a generic message and the
  exception's traceback in ``stack_trace`` (``scoring_server.invocations``). The model is
  therefore wrapped so that the project's own errors (a request its validation refuses)
  reach MLflow as one sentence, and anything else as "the model failed on this request",
  its traceback going to the server's log only.
- MLflow prefixes the message of an error raised while predicting with the whole request
  ("Failed to predict data '...'"), and its own messages on a request it cannot parse go
  on with the input and a note on MLflow 1.x; the middleware keeps the message's first
  part alone and drops any ``stack_trace``.
"""

from __future__ import annotations

import json
import logging
import re

from hw3_pipelines.bound_pipelines import explaining_stale_models
from hw3_pipelines.errors import ProjectError
from hw3_pipelines.quiet import importing_quietly

with importing_quietly():
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.protos.databricks_pb2 import INTERNAL_ERROR, INVALID_PARAMETER_VALUE
    from mlflow.pyfunc import scoring_server

logger = logging.getLogger(__name__)
PREDICTION_ECHO = "\nError: "  # what MLflow puts between the echoed request and the message
# where MLflow's own messages go on past their first sentence or two: the input echoed back,
# the exception's repr, a note on the protocol of MLflow 1.x
MESSAGE_TAIL = re.compile(r"\n| Error: | IMPORTANT: ")


class _PlainErrors:
    """A pyfunc model whose errors reach the scoring server as one sentence each."""

    def __init__(self, model) -> None:
        self._model = model
        self.metadata = model.metadata

    def predict(self, data, params=None):
        try:
            return self._model.predict(data, params=params)
        except ProjectError as error:
            raise MlflowException(str(error), INVALID_PARAMETER_VALUE) from None
        except MlflowException:
            raise
        except Exception:
            logger.exception("The model failed on a request")
            raise MlflowException("the model failed on this request; the server's log says why", INTERNAL_ERROR) from None


def app_for(model_uri: str):
    """MLflow's scoring app for the model at ``model_uri`` (``models:/btc_forecaster/latest``)."""
    with explaining_stale_models(model_uri):
        model = mlflow.pyfunc.load_model(model_uri)
    app = scoring_server.init(_PlainErrors(model))

    @app.middleware("http")
    async def one_sentence_errors(request, call_next):
        from starlette.responses import Response

        response = await call_next(request)
        if response.status_code < 400:
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])
        return Response(plain_error(body), status_code=response.status_code, media_type="application/json")

    return app


def plain_error(body: bytes) -> bytes:
    """An error answer as ``{"error_code", "message"}``, without a stack trace or the
    request echoed back; a body that is not MLflow's JSON error becomes its message."""
    try:
        error = json.loads(body)
        message, code = str(error["message"]), str(error.get("error_code", "BAD_REQUEST"))
    except (ValueError, KeyError, TypeError):
        message, code = body.decode("utf-8", "replace").strip(), "BAD_REQUEST"
    message = MESSAGE_TAIL.split(message.rsplit(PREDICTION_ECHO, 1)[-1], maxsplit=1)[0].strip()
    return json.dumps({"error_code": code, "message": message}, ensure_ascii=False).encode()


# Kedro's runner logs a dozen lines per request, and on a refused one its failure and how
# to resume the run; the server logs what an operator needs (``_PlainErrors``).
QUIET_WHILE_SERVING = {"kedro": logging.CRITICAL, "hw3_pipelines.progress": logging.WARNING}


def serve(model_uri: str, port: int) -> None:
    import uvicorn

    logger.info("Serving %s on http://127.0.0.1:%d/invocations", model_uri, port)
    for name, level in QUIET_WHILE_SERVING.items():
        logging.getLogger(name).setLevel(level)
    uvicorn.run(app_for(model_uri), host="127.0.0.1", port=port, log_level="warning")
