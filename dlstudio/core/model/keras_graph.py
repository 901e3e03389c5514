"""The layer graph of a ``.keras`` file's ``config.json``, as a stack of rows and blocks.

:func:`read_graph` turns the saved Sequential or Functional config (plain JSON: each layer's
``class_name``, ``config`` and, for Functional models, ``inbound_nodes`` whose tensors name the
layer that made them in ``keras_history``) into a :class:`Graph`. :func:`stack_of` walks it
from the tensor the stack starts at to the output and returns nested :class:`Piece` objects:

- a layer with one input and one user is a row of the stack;
- where a tensor ``x`` feeds several paths, the walk finds the merge where they all meet and
  makes a block of it: ``Add(x, f(x))`` → ``Residual``, ``Concatenate(x, f(x))`` → ``Skip``,
  any other join of parallel paths (``Concatenate``, ``Add``, ``Multiply``, ``Average``,
  ``Maximum``) → ``Branches``, a path that is ``x`` itself being an empty stack.

Graphs that a stack of blocks cannot express (shared layers, several outputs, paths that cross
between branches) raise :class:`GraphError` with the layer involved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MERGE_CLASSES = {"Add": "add", "Concatenate": "concatenate", "Multiply": "multiply",
                 "Average": "average", "Maximum": "maximum"}
"""Keras merge layers and the block merge each one is."""


class GraphError(Exception):
    """The file's layer graph has a shape that a stack of rows and blocks cannot express."""


@dataclass
class Node:
    """One layer of the file.

    Attributes:
        name: Its name in the file (unique there).
        class_name: Its Keras class (``Dense``) or registered name.
        config: Its saved config (plain JSON).
        inputs: The names of the layers whose outputs it takes, in order.
        registered_name: The file's ``registered_name`` (``dlstudio>TargetScale`` for
            registered custom classes, ``None`` for Keras's own).
        module: The file's ``module`` (``keras.layers`` for Keras's own layers).
        input_shape: The shape (batch axis first) of its first input, when the file says.
    """

    name: str
    class_name: str
    config: dict[str, Any]
    inputs: list[str] = field(default_factory=list)
    registered_name: str | None = None
    module: str | None = None
    input_shape: list[Any] | None = None

    @property
    def label(self) -> str:
        """``name (ClassName)``, for messages."""
        return f"{self.name} ({self.class_name})"


@dataclass
class Graph:
    """The file's layers, in file order, with who feeds whom.

    Attributes:
        nodes: Every layer by name, in the file's order (a topological order).
        output: The name of the layer that makes the model's output.
    """

    nodes: dict[str, Node]
    output: str

    def users(self, name: str) -> list[str]:
        """Return the layers that take ``name``'s output, in file order (once each)."""
        return [node.name for node in self.nodes.values() if name in node.inputs]

    def inputs(self) -> list[Node]:
        """Return the model's input layers."""
        return [node for node in self.nodes.values() if node.class_name == "InputLayer"]


@dataclass
class Piece:
    """A row of the imported stack: a layer, or a block around inner stacks.

    Attributes:
        node: The layer (for a block: its merge layer, ``None`` for none).
        block: ``""`` for a layer; ``Residual``, ``Skip`` or ``Branches`` for a block.
        merge: A block's merge (see :data:`MERGE_CLASSES`).
        stacks: A block's inner stacks.
        projection: A ``Residual``'s projection on the shortcut, when the file has one.
    """

    node: Node | None
    block: str = ""
    merge: str = ""
    stacks: list[list[Piece]] = field(default_factory=list)
    projection: Node | None = None


def read_graph(model: dict[str, Any]) -> Graph:
    """Return the graph of a saved model config (the top of ``config.json``).

    Raises:
        GraphError: The model is neither Sequential nor Functional, or its graph uses a layer
            twice, has several outputs or a layer with several outputs.
    """
    kind = model.get("class_name")
    config = model.get("config") or {}
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise GraphError(f"the model is a {kind!r} without a list of layers; only Sequential "
                         "and Functional models can be imported (a subclassed model's code "
                         "is not in the file)")
    if kind == "Sequential":
        return _sequential(config, layers)
    if kind in ("Functional", "Model"):
        return _functional(config, layers)
    raise GraphError(f"the model is a {kind!r}; only Sequential and Functional models can be "
                     "imported (a subclassed model's code is not in the file)")


def _node(layer: dict[str, Any]) -> Node:
    config = layer.get("config") if isinstance(layer.get("config"), dict) else {}
    name = layer.get("name") or config.get("name") or "?"
    return Node(str(name), str(layer.get("class_name")), config,
                registered_name=layer.get("registered_name"), module=layer.get("module"))


def _sequential(config: dict[str, Any], layers: list[dict[str, Any]]) -> Graph:
    nodes: dict[str, Node] = {}
    previous: str | None = None
    for layer in layers:
        node = _node(layer)
        if previous is None and node.class_name != "InputLayer":
            shape = config.get("build_input_shape") or (layer.get("build_config") or {}).get(
                "input_shape") or node.config.get("batch_input_shape")
            nodes["input"] = Node("input", "InputLayer", {"batch_shape": shape})
            previous = "input"
        if previous is not None:
            node.inputs = [previous]
            node.input_shape = _shape_of(layer) or nodes[previous].config.get("batch_shape")
        nodes[node.name] = node
        previous = node.name
    if previous is None:
        raise GraphError("the model has no layers")
    return Graph(nodes, previous)


def _functional(config: dict[str, Any], layers: list[dict[str, Any]]) -> Graph:
    nodes: dict[str, Node] = {}
    for layer in layers:
        node = _node(layer)
        inbound = layer.get("inbound_nodes") or []
        if len(inbound) > 1:
            raise GraphError(f"layer {node.label} is used {len(inbound)} times (shared "
                             "weights); a dlstudio stack uses each layer once")
        tensors = _tensors(inbound[0]) if inbound else []
        for history, _shape in tensors:
            if history[1] != 0 or history[2] != 0:
                raise GraphError(f"layer {node.label} takes output {history[2]} of call "
                                 f"{history[1]} of {history[0]}; only layers used once with "
                                 "one output can be imported")
        node.inputs = [history[0] for history, _shape in tensors]
        node.input_shape = tensors[0][1] if tensors else node.config.get("batch_shape")
        nodes[node.name] = node
    outputs = config.get("output_layers") or []
    if outputs and not isinstance(outputs[0], list):
        outputs = [outputs]
    if len(outputs) != 1:
        raise GraphError(f"the model has {len(outputs)} outputs; dlstudio imports models with "
                         "one output")
    return Graph(nodes, str(outputs[0][0]))


def _tensors(call: Any) -> list[tuple[list[Any], list[Any] | None]]:
    """Return ``(keras_history, shape)`` of every tensor among a call's arguments."""
    found: list[tuple[list[Any], list[Any] | None]] = []

    def visit(value: Any) -> None:
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            tensor = value.get("config") or {}
            found.append((list(tensor.get("keras_history") or ["?", 0, 0]), tensor.get("shape")))
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    if isinstance(call, dict):
        visit(call.get("args"))
        visit(call.get("kwargs"))
    else:  # older layouts: [[name, node, tensor, kwargs], …]
        for item in call or []:
            if isinstance(item, list) and item and isinstance(item[0], str):
                found.append(([item[0], item[1], item[2]], None))
    return found


def _shape_of(layer: dict[str, Any]) -> list[Any] | None:
    return (layer.get("build_config") or {}).get("input_shape")


def stack_of(graph: Graph, start: str, skip: set[str]) -> list[Piece]:
    """Return the rows from the output of layer ``start`` to the model's output.

    Args:
        graph: The file's graph.
        start: The layer whose output the stack takes (the input, or the last preprocessing
            layer).
        skip: Layers that are not part of the stack (the preprocessing).

    Raises:
        GraphError: A part of the graph that rows and blocks cannot express.
    """
    allowed = {name for name in graph.nodes if name not in skip} | {graph.output}
    return _Walker(graph).chain(start, graph.output, allowed)


class _Walker:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.order = {name: index for index, name in enumerate(graph.nodes)}

    def chain(self, current: str, stop: str, allowed: set[str]) -> list[Piece]:
        pieces: list[Piece] = []
        while current != stop:
            users = [name for name in self.graph.users(current) if name in allowed]
            if not users:
                raise GraphError(f"the output of {self.graph.nodes[current].label} does not "
                                 "lead to the model's output")
            first = self.graph.nodes[users[0]]
            if len(users) == 1 and len(first.inputs) == 1:
                pieces.append(Piece(first))
                current = first.name
                continue
            merge = self._join(current, stop, allowed)
            pieces.append(self._block(current, merge, allowed))
            current = merge.name
        return pieces

    def _join(self, current: str, stop: str, allowed: set[str]) -> Node:
        """Return the first layer that every path from ``current`` to ``stop`` goes through."""
        ahead = self._reachable(current, allowed, avoid=None)
        for name in sorted(ahead, key=self.order.__getitem__):
            if name != current and stop not in self._reachable(current, allowed, avoid=name):
                return self.graph.nodes[name]
        raise GraphError(f"the paths from {self.graph.nodes[current].label} never meet again")

    def _reachable(self, start: str, allowed: set[str], avoid: str | None) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for user in self.graph.users(todo.pop()):
                if user in allowed and user != avoid and user not in seen:
                    seen.add(user)
                    todo.append(user)
        return seen

    def _block(self, current: str, merge: Node, allowed: set[str]) -> Piece:
        if merge.class_name not in MERGE_CLASSES:
            raise GraphError(f"the paths from {self.graph.nodes[current].label} meet at "
                             f"{merge.label}; dlstudio joins paths with "
                             f"{', '.join(MERGE_CLASSES)} only")
        if merge.class_name == "Concatenate" and merge.config.get("axis", -1) != -1:
            raise GraphError(f"{merge.label} joins along axis {merge.config.get('axis')}; "
                             "dlstudio's blocks join along the last axis")
        ahead = self._reachable(current, allowed, avoid=merge.name)
        stacks, used = [], set()
        for source in merge.inputs:
            if source == current:
                stacks.append([])
                continue
            if source not in ahead:
                raise GraphError(f"{merge.label} takes {source}, which does not come from "
                                 f"{self.graph.nodes[current].label}; dlstudio's blocks join "
                                 "paths that start at one tensor")
            branch = {name for name in ahead if source in self._reachable(name, ahead, None)}
            branch.discard(current)
            if branch & used:
                raise GraphError(f"the paths into {merge.label} share layers "
                                 f"({', '.join(sorted(branch & used))}); dlstudio's branches "
                                 "are separate stacks")
            used |= branch
            stacks.append(self.chain(current, source, branch | {source}))
        return _classify(merge, stacks)


def _classify(merge: Node, stacks: list[list[Piece]]) -> Piece:
    kind = MERGE_CLASSES[merge.class_name]
    identities = [index for index, stack in enumerate(stacks) if not stack]
    if len(stacks) == 2 and len(identities) == 1:
        inner = stacks[1 - identities[0]]
        if kind == "add":
            return Piece(merge, "Residual", "add", [inner])
        if kind == "concatenate" and identities[0] == 0:
            return Piece(merge, "Skip", "concatenate", [inner])
    return Piece(merge, "Branches", kind, stacks)
