"""Recurrent layers: read a sequence step by step, keeping a memory of what came before."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dlstudio.core.model.catalog import LayerType, ParamSpec, register
from dlstudio.core.model.catalog_layers._common import (
    KERNEL_INITIALIZER,
    KERNEL_REGULARIZER,
    keras,
    regularizer,
)

UNITS = ParamSpec("units", "int", 64, "Size of the layer's memory, which is also its output "
                  "size.", minimum=1, maximum=8192)
ACTIVATION = ParamSpec("activation", "activation", "tanh",
                       "The function shaping the memory; tanh is the standard choice.")
RECURRENT_ACTIVATION = ParamSpec("recurrent_activation", "activation", "sigmoid",
                                 "The function of the gates that decide what to keep or forget.")
RETURN_SEQUENCES = ParamSpec("return_sequences", "bool", False,
                             "Output every step (to stack another recurrent layer) instead of "
                             "only the last.")
DROPOUT = ParamSpec("dropout", "float", 0.0, "Fraction of the inputs dropped in training.",
                    minimum=0.0, maximum=0.95)
RECURRENT_DROPOUT = ParamSpec("recurrent_dropout", "float", 0.0,
                              "Fraction of the memory dropped in training (slower: no cuDNN).",
                              minimum=0.0, maximum=0.95)
GATED = (UNITS, ACTIVATION, RECURRENT_ACTIVATION, RETURN_SEQUENCES, DROPOUT, RECURRENT_DROPOUT,
         KERNEL_INITIALIZER, KERNEL_REGULARIZER)
CELLS = ("LSTM", "GRU", "SimpleRNN")


def _recurrent(cell: str, params: dict[str, Any]) -> Any:
    """Build an LSTM, GRU or SimpleRNN layer from a complete parameter dict."""
    arguments = {
        "activation": params["activation"],
        "return_sequences": params["return_sequences"],
        "dropout": params["dropout"],
        "recurrent_dropout": params["recurrent_dropout"],
        "kernel_initializer": params["kernel_initializer"],
        "kernel_regularizer": regularizer(params["kernel_regularizer"]),
    }
    if cell != "SimpleRNN":
        arguments["recurrent_activation"] = params["recurrent_activation"]
    layer_class = getattr(keras().layers, cell)
    return layer_class(params["units"], **arguments)


def _bidirectional(params: dict[str, Any]) -> Any:
    inner = _recurrent(params["cell"], params)
    return keras().layers.Bidirectional(inner, merge_mode=params["merge_mode"])


def _register(name: str, doc: str, params: tuple[ParamSpec, ...],
              build: Callable[[dict[str, Any]], Any],
              key_params: tuple[str, ...] = ("units", "return_sequences")) -> None:
    register(LayerType(name=name, category="Recurrent", doc=doc, params=params, build=build,
                       key_params=key_params, icon="recurrent", input_ranks=(2,)))


_register("LSTM", "Long short-term memory: reads a sequence and remembers what matters, even "
          "from long ago.", GATED, lambda p: _recurrent("LSTM", p))
_register("GRU", "Gated recurrent unit: a lighter LSTM that often learns as well.", GATED,
          lambda p: _recurrent("GRU", p))
_register("SimpleRNN", "The simplest recurrent layer; forgets quickly, fine for short "
          "sequences.", (UNITS, ACTIVATION, RETURN_SEQUENCES, DROPOUT, RECURRENT_DROPOUT,
                         KERNEL_INITIALIZER, KERNEL_REGULARIZER),
          lambda p: _recurrent("SimpleRNN", p))
_register(
    "Bidirectional", "Reads the sequence forwards and backwards with two recurrent layers and "
    "joins what they found.",
    (ParamSpec("cell", "choice", "LSTM", "Which recurrent layer reads in each direction.",
               choices=CELLS),
     *GATED,
     ParamSpec("merge_mode", "choice", "concat",
               "How the two directions are joined: side by side (concat), summed, multiplied "
               "or averaged.", choices=("concat", "sum", "mul", "ave"))),
    _bidirectional, ("cell", "units", "return_sequences"))
