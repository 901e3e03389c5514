"""ONNX export, checked with onnxruntime.

The graph is the model's inference function (``training=False``) with every variable frozen
into constants, converted by tf2onnx (``from_graph_def``, opset :data:`OPSET`; what Keras 3's
``model.export(format="onnx")`` runs on the TensorFlow backend, minus the variables it leaves
as extra inputs). Table models take encoded inputs (:mod:`dlstudio.core.export.graph`).

Before onnxruntime sees a file, :func:`check_onnx` reads it with the ``onnx`` package (nothing
runs): every node must be an op of the standard ``ai.onnx`` / ``ai.onnx.ml`` opsets (custom
domains could load native code), and no tensor may point at external data (a file read).
The session is built from the bytes, whose SHA-256 must match the metadata's, so it cannot
reach other files either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.export.file_integrity import read_verified, sha256
from dlstudio.core.export.formats import ExportJob, missing_packages
from dlstudio.core.export.graph import encoder, frozen_function, graph_inputs, graph_model
from dlstudio.core.export.savedmodel_safety import UnsafeModelError

NAME = "onnx"
TITLE = "ONNX (a folder: model.onnx + metadata)"
FOLDER = True
QUANTIZATIONS = ("float32",)
TOLERANCE: tuple[float, float] | None = (1e-4, 1e-4)
MODEL_FILE = "model.onnx"
OPSET = 17
STANDARD_DOMAINS = ("", "ai.onnx", "ai.onnx.ml")


def refusal(job: ExportJob) -> str | None:
    """Tables and images convert (what cannot is refused while writing, with the reason);
    the packages must be installed."""
    if job.run.model is not None and isinstance(job.run.model.output, dict):
        return ("this model returns several outputs (an autoencoder's reconstruction and "
                "score); export it as a SavedModel or a .keras file")
    return missing_packages("tf2onnx", "onnx", "onnxruntime")


def write(job: ExportJob, staging: Path) -> dict[str, Any]:
    """Convert the graph to ``staging/model.onnx`` and return its metadata."""
    from keras.src.export.tf2onnx_lib import patch_tf2onnx

    patch_tf2onnx()  # tf2onnx 1.17 still uses NumPy 1 names; Keras patches them the same way
    import tf2onnx

    model, specs = graph_model(job, staging)
    frozen = frozen_function(model, specs)
    graph_def = frozen.graph.as_graph_def()
    names = [tensor.name for tensor in frozen.inputs]
    outputs = [tensor.name for tensor in frozen.outputs]
    tf2onnx.convert.from_graph_def(graph_def, input_names=names, output_names=outputs,
                                   opset=OPSET, output_path=str(staging / MODEL_FILE))
    return {"inputs": None, "graph_inputs": graph_inputs(specs), "graph_input_names": names,
            "model_file": MODEL_FILE, "opset": OPSET,
            "sha256": sha256(staging / MODEL_FILE)}


def check_onnx(content: bytes, where: Path) -> set[str]:
    """Check an ONNX model's ops and data without running it; return the op types.

    Raises:
        UnsafeModelError: A node outside the standard opsets, or external data.
    """
    import onnx

    model = onnx.load_from_string(content)
    found: set[str] = set()
    for graph in _graphs(model.graph):
        for tensor in graph.initializer:
            if tensor.data_location == onnx.TensorProto.EXTERNAL or tensor.external_data:
                raise UnsafeModelError(f"{where} keeps tensor {tensor.name} in an external "
                                       "file; dlstudio loads only self-contained ONNX files")
        for node in graph.node:
            if node.domain not in STANDARD_DOMAINS or not onnx.defs.has(node.op_type,
                                                                          node.domain):
                raise UnsafeModelError(
                    f"{where} uses the op {node.op_type} (domain {node.domain or 'ai.onnx'!r}), "
                    "which is not in the standard ONNX opsets; dlstudio loads only standard "
                    "ops — export the run again with dlstudio")
            found.add(node.op_type)
    return found


def _graphs(graph: Any) -> list[Any]:
    found = [graph]
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.g.node:
                found += _graphs(attribute.g)
            for inner in attribute.graphs:
                found += _graphs(inner)
    return found


def load(path: Path, metadata: dict[str, Any]) -> Any:
    """Return a call on raw inputs through onnxruntime, after the checks above."""
    import onnxruntime

    content = read_verified(path / metadata["model_file"], metadata)
    check_onnx(content, path / metadata["model_file"])
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(content, options,
                                           providers=["CPUExecutionProvider"])
    names = [item.name for item in session.get_inputs()]
    order = [item["name"] for item in metadata["graph_inputs"]]
    encode = encoder(path, metadata)

    def call(inputs: dict[str, Any]) -> np.ndarray:
        encoded = encode(inputs)
        feeds = {name: np.asarray(encoded[key]).astype(_numpy_type(item.type))
                 for name, key, item in zip(names, order, session.get_inputs(), strict=True)}
        return np.asarray(session.run(None, feeds)[0])

    return call


def _numpy_type(onnx_type: str) -> Any:
    return {"tensor(int64)": np.int64, "tensor(int32)": np.int32}.get(onnx_type, np.float32)
