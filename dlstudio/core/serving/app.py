"""The FastAPI app that serves a :class:`~dlstudio.core.serving.served_model.ServedModel`.

Endpoints: ``GET /health``, ``GET /metadata``, ``POST /predict`` (JSON rows, or images as
multipart files named ``images``), OpenAPI docs at ``/docs``. Bad requests get 4xx answers
whose ``detail`` names the field and what was expected. Requests carry only values: nothing in
one can name a file to read or code to run.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from dlstudio import __version__
from dlstudio.core.errors import UserInputError
from dlstudio.core.serving.batching import Batcher
from dlstudio.core.serving.requests import (
    MAX_IMAGES,
    MAX_ROWS,
    RequestProblem,
    check_image,
)
from dlstudio.core.serving.served_model import ServedModel

LOGGER = logging.getLogger("dlstudio.serve")


class RowsRequest(BaseModel):
    """``{"rows": [{"column": value, …}, …]}``: values as in the CSV, ``null`` for missing."""

    rows: list[dict[str, Any]] = Field(..., min_length=1, max_length=MAX_ROWS,
                                       examples=[[{"size": 4.2, "colour": "red"}]])


class Prediction(BaseModel):
    """One sample's prediction: a class name (with probabilities) or a value."""

    prediction: str | float
    probabilities: dict[str, float] | None = None


class PredictResponse(BaseModel):
    """The predictions, in the order of the rows or images sent."""

    model: str
    predictions: list[Prediction]
    drift_warning: str | None = None


def create_app(served: ServedModel, batching: bool = True) -> FastAPI:
    """Return the app serving ``served`` (batching concurrent requests unless told not to)."""
    app = FastAPI(title=f"dlstudio: {served.name}", version=__version__,
                  description="Predictions of a model trained with dlstudio.")
    rows_batcher = Batcher(served.predict_rows) if batching else None
    images_batcher = Batcher(served.predict_images) if batching else None

    def predict(kind: str, samples: list[Any]) -> list[dict[str, Any]]:
        batcher = rows_batcher if kind == "rows" else images_batcher
        if batcher is not None:
            return batcher.submit(samples)
        with served.lock:
            return (served.predict_rows if kind == "rows" else served.predict_images)(samples)

    @app.exception_handler(RequestProblem)
    async def refused(_request: Request, problem: RequestProblem) -> JSONResponse:
        return JSONResponse({"detail": [{"loc": problem.field.replace("]", "").replace(
            "[", ".").split("."), "field": problem.field, "msg": problem.message}]},
            status_code=problem.status)

    @app.exception_handler(UserInputError)
    async def unreadable(_request: Request, error: UserInputError) -> JSONResponse:
        return JSONResponse({"detail": [{"loc": ["body"], "field": "body",
                                         "msg": str(error)}]}, status_code=422)

    @app.get("/health")
    def health() -> dict[str, str]:
        """Whether the server is up, and which model it serves."""
        return {"status": "ok", "model": served.name}

    @app.get("/metadata")
    def metadata() -> dict[str, Any]:
        """The model's inputs, classes, limits and the versions it runs on."""
        return served.metadata()

    @app.post("/predict", response_model=PredictResponse, openapi_extra=_predict_body())
    async def predict_endpoint(request: Request) -> PredictResponse:
        """Predict JSON rows (``{"rows": […]}``) or images (multipart files ``images``)."""
        kind, samples = await _read_request(request, served)
        results = await run_in_threadpool(predict, kind, samples)
        warning = None
        if kind == "rows":
            warning = await run_in_threadpool(served.drift_warning, samples)
            if warning:
                LOGGER.warning(warning)
        return PredictResponse(model=served.name, drift_warning=warning,
                               predictions=[Prediction(**result) for result in results])

    app.state.served = served
    return app


async def _read_request(request: Request, served: ServedModel) -> tuple[str, list[Any]]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        if served.data_kind != "images":
            raise RequestProblem("body", "this model reads table rows; send JSON "
                                         '{"rows": [{"column": value}]}', 415)
        return "images", await _read_images(request)
    if not content_type.startswith("application/json"):
        raise RequestProblem("body", f"content type {content_type or 'none'!r}; expected "
                                     "application/json rows or multipart/form-data images", 415)
    if served.data_kind == "images":
        raise RequestProblem("body", "this model reads images; upload them as multipart files "
                                     "named 'images'", 415)
    try:
        body = await request.json()
    except ValueError:
        raise RequestProblem("body", 'not valid JSON; expected {"rows": [{"column": '
                                     'value}]}') from None
    if not isinstance(body, dict) or "rows" not in body:
        raise RequestProblem("rows", 'missing; expected {"rows": [{"column": value}]}')
    extra = [key for key in body if key != "rows"]
    if extra:
        raise RequestProblem(extra[0], 'unknown field; the body holds only "rows"')
    return "rows", served.check_rows(body["rows"])


async def _read_images(request: Request) -> list[bytes]:
    form = await request.form(max_files=MAX_IMAGES + 1, max_fields=MAX_IMAGES + 1)
    files = form.getlist("images")
    others = [key for key in form if key != "images"]
    if others:
        raise RequestProblem(others[0], "unknown form field; send the files as 'images'")
    if not files:
        raise RequestProblem("images", "no files; send one or more images as multipart "
                                       "files named 'images'")
    if len(files) > MAX_IMAGES:
        raise RequestProblem("images", f"more than the {MAX_IMAGES} images a request may "
                                       "hold; send them in several requests", 413)
    images = []
    for index, upload in enumerate(files):
        if isinstance(upload, str):
            raise RequestProblem(f"images[{index}]", "a text field; expected an image file")
        data = await upload.read()
        check_image(data, f"images[{index}]")
        images.append(data)
    return images


def _predict_body() -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": RowsRequest.model_json_schema()},
        "multipart/form-data": {"schema": {
            "type": "object", "properties": {"images": {
                "type": "array", "items": {"type": "string", "format": "binary"},
                "maxItems": MAX_IMAGES}}}}}}}
