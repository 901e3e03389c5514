"""Ensemble layers: several members inside one model, averaged for predictions (TabM-mini).

Between an ``EnsembleSplit`` and an ``EnsembleMean`` every layer runs once per member with
shared weights; the members differ by their learned view of the features, and in training
each is scored on its own. These build dlstudio's own registered layers
(:mod:`dlstudio.core.model.layers`), so saved models that contain them load with
``safe_mode=True``.
"""

from __future__ import annotations

from typing import Any

from dlstudio.core.model.catalog import LayerType, ParamSpec, register


def _custom_layers() -> Any:
    from dlstudio.core.model import layers

    return layers


register(LayerType(
    name="EnsembleSplit",
    category="Regularization",
    doc="Splits a flat input into several ensemble members, each seeing the features through "
        "its own learned scale; end the members with EnsembleMean.",
    params=(ParamSpec("members", "int", 8, "How many members the ensemble has; each costs "
                      "about one more pass through the layers up to EnsembleMean.",
                      minimum=2, maximum=64),),
    build=lambda p: _custom_layers().EnsembleSplit(p["members"]),
    key_params=("members",),
    icon="block",
    input_ranks=(1,),
))

register(LayerType(
    name="EnsembleMean",
    category="Regularization",
    doc="Averages the members of an EnsembleSplit for predictions; in training it keeps them "
        "apart, so each member learns from its own error.",
    params=(),
    build=lambda p: _custom_layers().EnsembleMean(),
    icon="block",
    input_ranks=(2,),
))
