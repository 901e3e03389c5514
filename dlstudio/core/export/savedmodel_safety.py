"""A SavedModel is a program: check every op it holds before TensorFlow loads it.

``tf.saved_model.load`` runs parts of a SavedModel's graph (table initializers, restore
functions) and calling a signature runs the rest; a graph can read and write files, print to
files or call back into Python. :func:`check_savedmodel` reads ``saved_model.pb`` as a protocol
buffer — nothing is executed — and checks every op of every meta graph (its ``graph_def`` and
every function in its library) against :data:`ALLOWED_OPS`, pure computation only.

The checkpoint ops every SavedModel carries (``SaveV2``, ``RestoreV2``, …) are allowed only in
the functions that the saver alone reaches (the nodes named by the meta graph's
``saver_def``); a serving function or an initializer that uses them is refused like any file
operation. :func:`load_savedmodel` checks, then loads. Any SavedModel that dlstudio did not
write in this process goes through it (``dlstudio predict`` and whatever serves an export).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dlstudio.core.errors import UserInputError

_STRUCTURE = """
    Const Identity IdentityN NoOp Placeholder PlaceholderWithDefault PartitionedCall
    StatefulPartitionedCall While StatelessWhile If StatelessIf Case StatelessCase Enter Exit
    Merge Switch NextIteration LoopCond ControlTrigger StopGradient PreventGradient
    CheckNumerics CheckNumericsV2 EnsureShape Assert
"""
_VARIABLES = """
    VarHandleOp ReadVariableOp AssignVariableOp AssignAddVariableOp AssignSubVariableOp
    VarIsInitializedOp DestroyResourceOp DisableCopyOnRead ResourceGather VariableShape
    HashTableV2 MutableHashTableV2 MutableDenseHashTableV2 LookupTableFindV2
    LookupTableImportV2 LookupTableInsertV2 LookupTableSizeV2 LookupTableExportV2
    LookupTableRemoveV2
"""
_MATH = """
    Abs Acos Acosh Add AddN AddV2 All Any ApproximateEqual ArgMax ArgMin Asin Asinh Atan Atan2
    Atanh BatchMatMul BatchMatMulV2 BatchMatMulV3 Betainc BiasAdd Bincount DenseBincount
    RaggedBincount SparseBincount
    Bucketize Cast Ceil ClipByValue Cos Cosh Cross Cumprod Cumsum CumulativeLogsumexp Digamma
    Div DivNoNan Einsum Elu Equal Erf Erfc Erfinv Exp Expm1 Floor FloorDiv FloorMod Gelu Greater
    GreaterEqual Igamma Igammac Inv Reciprocal IsFinite IsInf IsNan L2Loss LeakyRelu Less
    LessEqual Lgamma Log Log1p LogSoftmax LogicalAnd LogicalNot LogicalOr MatMul Max Maximum
    Mean Min Minimum Mod Mul MulNoNan Ndtri Neg NotEqual Pow Prod RealDiv Relu Relu6 Rint Round
    Rsqrt Selu Sigmoid Sign Sin Sinh Softmax Softplus Softsign Sqrt Square SquaredDifference Sub
    Sum Tan Tanh TruncateDiv TruncateMod Xdivy Xlog1py Xlogy SegmentSum SegmentMean SegmentMax
    SegmentMin UnsortedSegmentSum UnsortedSegmentMax UnsortedSegmentMin UnsortedSegmentProd
    InTopKV2 TopKV2 BitwiseAnd BitwiseOr BitwiseXor Invert LeftShift RightShift
"""
_ARRAY = """
    BroadcastArgs BroadcastTo Bitcast Concat ConcatV2 ConcatOffset DepthToSpace DiagPart
    ExpandDims ExtractImagePatches Fill Gather GatherNd GatherV2 InvertPermutation LinSpace
    ListDiff MatrixBandPart MatrixDiagPartV3 MatrixDiagV3 MatrixSetDiagV3 MirrorPad OneHot
    OnesLike Pack Pad PadV2 Range Rank Reshape ReverseSequence ReverseV2 ScatterNd Select
    SelectV2 Shape ShapeN Size Slice SpaceToBatchND BatchToSpaceND SpaceToDepth Split SplitV
    Squeeze StridedSlice Tile Transpose Unique UniqueV2 Unpack Where ZerosLike
    TensorScatterAdd TensorScatterUpdate TensorScatterSub TensorScatterMax TensorScatterMin
    EmptyTensorList TensorListFromTensor TensorListGetItem TensorListReserve TensorListSetItem
    TensorListStack TensorListLength TensorListElementShape TensorListPushBack
    TensorListPopBack TensorListConcatV2 TensorListSplit TensorListGather TensorListScatterV2
    TensorArrayV3 TensorArrayReadV3 TensorArrayWriteV3 TensorArrayGatherV3
    TensorArrayScatterV3 TensorArraySizeV3 TensorArrayCloseV3 TensorArrayConcatV3
    TensorArraySplitV3
"""
_NN_AND_IMAGE = """
    AvgPool AvgPool3D Conv2D Conv2DBackpropInput Conv3D Conv3DBackpropInputV2
    DepthwiseConv2dNative Dilation2D FusedBatchNorm FusedBatchNormV3 LRN MaxPool MaxPool3D
    MaxPoolV2 ResizeArea ResizeBicubic ResizeBilinear ResizeNearestNeighbor ScaleAndTranslate
    CropAndResize ImageProjectiveTransformV2 ImageProjectiveTransformV3 AdjustContrastv2
    AdjustHue AdjustSaturation RGBToHSV HSVToRGB
    RandomUniform RandomUniformInt RandomStandardNormal TruncatedNormal StatelessRandomUniform
    StatelessRandomNormal StatelessRandomUniformInt StatelessTruncatedNormal
    StatelessRandomUniformV2 StatelessRandomNormalV2 StatelessRandomUniformIntV2
    StatelessRandomUniformFullIntV2 StatelessTruncatedNormalV2 StatelessRandomGetKeyCounter
    StatelessRandomGetKeyCounterAlg StatelessRandomGetAlg RngReadAndSkip RngBitGenerator
"""
_TEXT_AND_SPARSE = """
    AsString ReduceJoin RegexFullMatch RegexReplace StaticRegexFullMatch StaticRegexReplace
    StringJoin StringLength StringLower StringNGrams StringSplitV2 StringStrip
    StringToHashBucketFast StringToNumber StringUpper Substr UnicodeDecodeWithOffsets
    UnicodeEncode UnicodeTranscode
    RaggedGather RaggedRange RaggedTensorFromVariant RaggedTensorToSparse RaggedTensorToTensor
    RaggedTensorToVariant RaggedCountSparseOutput DenseCountSparseOutput
    SparseCountSparseOutput SparseFillEmptyRows SparseReshape SparseSegmentMean
    SparseSegmentSqrtN SparseSegmentSum SparseTensorDenseMatMul SparseToDense SparseReduceSum
"""

ALLOWED_OPS = frozenset(" ".join(
    [_STRUCTURE, _VARIABLES, _MATH, _ARRAY, _NN_AND_IMAGE, _TEXT_AND_SPARSE]).split())
"""Ops that compute from their inputs and the model's own variables and tables only: no
file, network, process or Python access."""

CHECKPOINT_OPS = frozenset({"SaveV2", "RestoreV2", "MergeV2Checkpoints", "ShardedFilename"})
"""File operations every SavedModel has in its saver; allowed in the saver's functions only."""


class UnsafeModelError(UserInputError):
    """A SavedModel holds an op outside the allow-list, or cannot be read to check it."""


def check_savedmodel(path: str | Path) -> set[str]:
    """Check every op of the SavedModel folder ``path`` without running any of it.

    Returns:
        The op types found.

    Raises:
        UnsafeModelError: ``saved_model.pb`` is missing or unreadable, or an op is not pure
            computation (the message names the op and the function holding it).
    """
    from google.protobuf.message import DecodeError
    from tensorflow.core.protobuf import saved_model_pb2

    folder = Path(path)
    graph_file = folder / "saved_model.pb"
    saved = saved_model_pb2.SavedModel()
    try:
        saved.ParseFromString(graph_file.read_bytes())
    except FileNotFoundError:
        raise UnsafeModelError(f"{folder} has no saved_model.pb, so it is not a SavedModel; "
                               "pass the folder that `dlstudio export --format savedmodel` "
                               "wrote") from None
    except (OSError, DecodeError, RuntimeWarning) as error:
        raise UnsafeModelError(f"{graph_file} cannot be read ({type(error).__name__}); it is "
                               "damaged or not a SavedModel — export it again") from None
    found: set[str] = set()
    for meta_graph in saved.meta_graphs:
        found |= _check_meta_graph(meta_graph, folder)
    return found


def load_savedmodel(path: str | Path) -> Any:
    """Return ``tf.saved_model.load(path)`` once :func:`check_savedmodel` has passed it.

    Raises:
        UnsafeModelError: See :func:`check_savedmodel`.
    """
    import tensorflow as tf

    check_savedmodel(path)
    return tf.saved_model.load(str(path))


def _check_meta_graph(meta_graph: Any, folder: Path) -> set[str]:
    graph = meta_graph.graph_def
    functions = {function.signature.name: function for function in graph.library.function}
    saver_nodes = {_node_name(meta_graph.saver_def.save_tensor_name),
                   _node_name(meta_graph.saver_def.restore_op_name)} - {""}
    for signature in meta_graph.signature_def.values():
        tensors = [*signature.inputs.values(), *signature.outputs.values()]
        if any(_node_name(tensor.name) in saver_nodes for tensor in tensors):
            raise UnsafeModelError(
                f"{folder} has a signature that runs its saver (which writes files); dlstudio "
                "loads only SavedModels whose signatures are pure computation — use a model "
                "exported by dlstudio")
    saver_roots = {name for node in graph.node if node.name in saver_nodes
                   for name in _called(node, functions)}
    other_roots = {name for node in graph.node if node.name not in saver_nodes
                   for name in _called(node, functions)}
    saver_reach = _reachable(saver_roots, functions)
    other_roots |= set(functions) - saver_reach  # a loader may call any other function
    saver_only = saver_reach - _reachable(other_roots, functions)
    found: set[str] = set()
    for where, nodes, checkpoint_ok in [
            ("the graph", graph.node, False),
            *((f"function {name}", function.node_def, name in saver_only)
              for name, function in functions.items())]:
        for node in nodes:
            found.add(node.op)
            if node.op in ALLOWED_OPS or node.op in functions:
                continue
            if checkpoint_ok and node.op in CHECKPOINT_OPS:
                continue
            raise UnsafeModelError(
                f"{folder} holds the operation {node.op} (in {_short(where)}), which is not "
                "pure computation (it may read or write files, reach the network or run "
                "Python code); dlstudio loads only SavedModels made of pure computation ops — "
                "use a model exported by dlstudio, or rebuild this one without that op")
    return found


def _called(node: Any, functions: dict[str, Any]) -> Iterable[str]:
    """Return the library functions a node calls (as its op, or through a function attr)."""
    if node.op in functions:
        yield node.op
    for value in node.attr.values():
        if value.HasField("func") and value.func.name in functions:
            yield value.func.name
        if value.HasField("list"):
            yield from (item.name for item in value.list.func if item.name in functions)


def _reachable(roots: Iterable[str], functions: dict[str, Any]) -> set[str]:
    seen: set[str] = set()
    waiting = [name for name in roots if name in functions]
    while waiting:
        name = waiting.pop()
        if name in seen:
            continue
        seen.add(name)
        for node in functions[name].node_def:
            waiting.extend(called for called in _called(node, functions) if called not in seen)
    return seen


def _node_name(tensor_name: str) -> str:
    return tensor_name.split(":")[0].lstrip("^")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
