"""The subcommands of ``dlstudio`` (see :mod:`dlstudio.cli` for the command line itself).

Each handler takes the parsed arguments, prints its result on stdout and returns the exit
status; bad input raises :class:`dlstudio.core.errors.UserInputError`, which the command line
turns into one ``dlstudio: error: …`` line and exit status 2. Heavy modules (TensorFlow) are
imported inside the handlers that need them, so ``dlstudio layers`` stays quick.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path
from typing import Any

from dlstudio.core.errors import UserInputError
from dlstudio.core.model import catalog
from dlstudio.core.project import layer_tree
from dlstudio.core.project.project import load_project, save_project


def init_command(args: argparse.Namespace) -> int:
    """``dlstudio init DATA -o PROJECT``: infer a project from data and write it."""
    from dlstudio.core.project.from_data import SeriesChoice, new_project

    output = Path(args.output)
    if output.exists() and not args.force:
        raise UserInputError(f"{output} already exists; pass --force to replace it, or choose "
                             "another file name")
    series = SeriesChoice(args.task, args.window, args.horizon)
    project = new_project(args.data, target=args.target, template=args.template,
                          test_path=args.test, validation_path=args.validation, series=series)
    path = save_project(project, output)
    data = project.data
    what = f"target {data.target!r}" if data.kind == "csv" else "classes from the folder names"
    if data.series is not None:
        what = (f"forecast {', '.join(data.series.targets)} {data.series.horizon} step(s) "
                f"ahead from windows of {data.series.window} rows, time column "
                f"{data.series.time_column or '(row order)'!r}")
    print(f"Wrote {path}")
    print(f"  data: {data.kind} {data.path} ({what}; task {data.task})")
    print(f"  model: template {project.model.template!r}, "
          f"{layer_tree.count_layers(project.model.layers, project.model.side_stacks)} layers")
    if data.kind == "images" and project.model.template != "transfer" and \
            not project.model.parts:  # a model of parts (a GAN) learns without classes
        print("  tip: with a few hundred images per class, --template transfer (a network "
              "pretrained on ImageNet) usually does better; its weights are downloaded once")
    print(f"Next: dlstudio info {path}   then   dlstudio train {path}")
    return 0


def import_command(args: argparse.Namespace) -> int:
    """``dlstudio import MODEL.keras --data DATA -o PROJECT``: a project that fine-tunes a
    Keras model on the data (its weights start the next run)."""
    from dlstudio.core.model.keras_import import default_weights_path
    from dlstudio.core.output_paths import check_output_path
    from dlstudio.core.project.from_keras import import_keras_model

    inputs = (args.model, args.data)
    output = check_output_path(args.output, inputs=inputs, force=args.force)
    check_output_path(default_weights_path(output.resolve()), inputs=inputs, force=args.force)
    result = import_keras_model(args.model, args.data, output, target=args.target)
    project, weights = result.project, result.weights
    print(f"Wrote {project.path}")
    print(f"  model: {len(project.model.layers)} rows from {Path(args.model).name}, then the "
          f"output head; initial weights {result.weights_path.name} ({len(weights.loaded)} of "
          f"{weights.total} layer(s) fit)")
    print(f"  data: {project.data.kind} {project.data.path} (task {project.data.task})")
    for line in [*result.notes, *weights.problems]:
        print(f"  note: {line}")
    print(f"Next: dlstudio info {project.path}   then   dlstudio train {project.path}")
    return 0


def info_command(args: argparse.Namespace) -> int:
    """``dlstudio info PROJECT [--json]``: the data summary and its health, the devices that
    would train, the training settings that apply, then the layer table."""
    from dlstudio.cli_weights import weights_lines
    from dlstudio.core.data import load_dataset
    from dlstudio.core.data.health import check_health
    from dlstudio.core.model import builder
    from dlstudio.core.model.cost_sheet import cost_sheet
    from dlstudio.core.project.settings_schema import training_lines
    from dlstudio.core.training.devices import describe_devices

    project = load_project(args.project)
    outside = warn_if_data_outside(project)
    dataset = load_dataset(project)
    health = check_health(project, dataset)
    report = builder.inspect_stack(project, dataset.feature_shape(), dataset.task,
                                   len(dataset.class_names), dataset.input_shapes())
    model = project.model
    layer_count = layer_tree.count_layers(model.layers, model.side_stacks)
    problem = report.first_error()
    cost = (cost_sheet(report, project.training, train_rows=dataset.split_size("train"))
            if problem is None else None)
    if cost is not None and getattr(args, "probe", False):
        from dlstudio.core.training.epoch_probe import probe_epoch_seconds

        cost.epoch_seconds = probe_epoch_seconds(project, dataset.split_size("train"))
    if args.json:
        print(json.dumps({
            "project": str(project.path), "data": dataset.summary(),
            "health": health.to_json(project), "devices": describe_devices(
                project.training.device),
            "model": stack_json(report, layer_count),
            "cost": None if cost is None else cost.to_json()}, indent=2))
    else:
        for line in dataset.summary_lines():
            print(line)
        if outside:
            print(f"Warning: {outside}")
        for line in health.lines(project):
            print(line)
        print(f"Devices: {describe_devices(project.training.device)}")
        for line in weights_lines(project):
            print(line)
        for line in training_lines(project.training, dataset.task):
            print(line)
        print()
        for line in layer_table(report, layer_count):
            print(line)
        if cost is not None:
            print()
            for line in cost.lines():
                print(line)
    if problem is not None:
        raise UserInputError(problem.message())
    return 0


def stack_json(report: Any, layer_count: int) -> dict[str, Any]:
    """Return a stack report as ``info --json`` prints it: the top-level rows (the input and
    the head included), the parameter counts and the first error."""
    problem = report.first_error()
    return {
        "layers": [{"index": row.index, "id": row.id, "type": row.type,
                    "summary": row.summary, "input_group": row.input_group,
                    "output_shape": None if row.output_shape is None else list(
                        row.output_shape),
                    "params": row.param_count, "error": row.error} for row in report.rows],
        "layer_count": layer_count, "total_params": report.total_params,
        "trainable_params": report.trainable_params,
        "error": None if problem is None else problem.message(),
    }


def warn_if_data_outside(project: Any) -> str | None:
    """Print ``dlstudio: warning: …`` on stderr when the project's data path leaves its
    folder; return the warning (``None`` when there is nothing to say)."""
    warning = project.data_path_warning()
    if warning:
        print(f"dlstudio: warning: {warning}", file=sys.stderr)
    return warning


def layer_table(report: Any, layer_count: int | None = None) -> list[str]:
    """Return the rows of a stack report as an aligned text table, errors marked with ``!``.

    Layers are numbered from 1, as in error messages; the input and the head have no number.
    Input stacks (``model.inputs``) come first, each row marked with its group.
    """
    from dlstudio.core.model.shapes import NOT_COMPUTED

    rows = [("#", "Layer", "Output shape", "Params")]
    notes: dict[int, str] = {}
    inputs = [row for row in report.every_row if row.input_group is not None and not row.depth]
    for row in [*inputs, *report.rows]:
        number = "" if row.index is None else str(row.index + 1)
        label = f"{row.type} ({row.summary})" if row.summary else row.type
        label = f"{row.input_group} › {label}" if row.input_group is not None else label
        failed = row.error is not None and row.error != NOT_COMPUTED
        shape = "! error" if failed else _shape_text(row.output_shape)
        params = "" if row.param_count is None else f"{row.param_count:,}"
        if failed:
            notes[len(rows)] = f"    ! {row.error}" + (f" {row.fix}" if row.fix else "")
        rows.append((number, label, shape, params))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = []
    for position, row in enumerate(rows):
        lines.append(f"{row[0]:>{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  "
                     f"{row[3]:>{widths[3]}}".rstrip())
        if position in notes:
            lines.append(notes[position])
    lines.append(f"Total parameters: {report.total_params:,} "
                 f"({report.trainable_params:,} trainable)")
    if layer_count is not None:
        lines.append(f"Layers: {layer_count} (inner stacks and input stacks included, blocks "
                     "not counted)")
    return lines


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "(not computed)"
    return "(" + ", ".join("batch" if size is None else str(size) for size in
                           (None, *shape)) + ")"


def layers_command(args: argparse.Namespace) -> int:
    """``dlstudio layers [--json]``: every layer type with every parameter."""
    types = catalog.all_types()
    if args.json:
        print(json.dumps([layer_type_json(layer_type) for layer_type in types], indent=2))
        return 0
    category = None
    for layer_type in types:
        if layer_type.category != category:
            category = layer_type.category
            print(f"\n{category}")
        print(f"  {layer_type.name}: {layer_type.doc}")
        for param in layer_type.params:
            print(f"      {param.name} ({param.kind}, default {json.dumps(param.default)}; "
                  f"{param.describe_expected()}): {param.doc}")
    return 0


def layer_type_json(layer_type: catalog.LayerType) -> dict[str, Any]:
    """Return a layer type as JSON-ready data (what ``dlstudio layers --json`` prints)."""
    return {
        "name": layer_type.name, "category": layer_type.category, "doc": layer_type.doc,
        "input_ranks": list(layer_type.input_ranks),
        "params": [{
            "name": param.name, "kind": param.kind, "default": param.default,
            "doc": param.doc, "expected": param.describe_expected(),
            "minimum": param.minimum, "maximum": param.maximum,
            "allowed": list(param.allowed_values()), "optional": param.optional,
        } for param in layer_type.params],
    }


def train_command(args: argparse.Namespace) -> int:
    """``dlstudio train``: train (or resume) with progress on the terminal or JSON lines."""
    from dlstudio.cli_progress import ProgressPrinter
    from dlstudio.cli_weights import fetch_for_training, use_weights_file
    from dlstudio.core.training.control import RunControl
    from dlstudio.core.training.run import run_training
    from dlstudio.worker import line_sink, open_protocol_channel

    if not args.project and not args.resume:
        raise UserInputError("pass a project file to train, or --resume RUN to continue a run")
    if args.project and args.resume:
        print("note: --resume trains the run's own project snapshot; PROJECT is not used",
              file=sys.stderr)
    project = None if args.resume else load_project(args.project)
    if project is not None:
        warn_if_data_outside(project)
        if args.weights_file:
            use_weights_file(project, args.weights_file)
        fetch_for_training(project)
    elif args.weights_file:
        raise UserInputError("--weights-file applies to a new run; a resumed run continues "
                             "from its own checkpoint, so leave it out")
    if args.events:
        sink = line_sink(open_protocol_channel())
    else:
        sink = ProgressPrinter(sys.stdout, sys.stderr, live=sys.stdout.isatty())
    control = RunControl()
    previous = _stop_on_signals(control)
    try:
        result = run_training(project, sink, epochs=args.epochs, runs_dir=args.runs_dir,
                              resume=args.resume, control=control)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if not args.events:
        print(result.run.path)
    return 0


def _stop_on_signals(control: Any) -> dict[int, Any]:
    """SIGTERM and a first Ctrl+C stop after the current batch; a second Ctrl+C aborts.

    Returns:
        The handlers replaced, to put back afterwards.
    """

    def interrupt(_number: int, _frame: Any) -> None:
        if control.stop_requested:
            raise KeyboardInterrupt
        print("\nStopping after this batch (Ctrl+C again to abort)...", file=sys.stderr)
        control.stop()

    return {signal.SIGTERM: signal.signal(signal.SIGTERM, lambda _n, _f: control.stop()),
            signal.SIGINT: signal.signal(signal.SIGINT, interrupt)}


def evaluate_command(args: argparse.Namespace) -> int:
    """``dlstudio evaluate RUN [--data PATH] [--json] [--threshold T]``."""
    from dlstudio.core.evaluation.evaluate import evaluate_run, format_report
    from dlstudio.core.runs.folder import RunFolder

    if args.threshold is not None:
        threshold = _threshold_value(args.threshold)  # a bad value is named before the run
        RunFolder.open(args.run).set_threshold(threshold)
    result = evaluate_run(args.run, args.data)
    print(json.dumps(result, indent=2) if args.json else format_report(result))
    return 0


def explain_command(args: argparse.Namespace) -> int:
    """``dlstudio explain RUN [--repeats N] [--json]``."""
    from dlstudio.core.evaluation.explain_columns import column_importance, format_importance

    result = column_importance(args.run, repeats=args.repeats)
    print(json.dumps(result, indent=2) if args.json else format_importance(result))
    return 0


def lr_find_command(args: argparse.Namespace) -> int:
    """``dlstudio lr-find PROJECT [--steps N] [--start R] [--end R] [--json] [--apply]``."""
    from dlstudio.core.training.lr_finder import find_learning_rate, format_lr_find

    project = load_project(args.project)
    warn_if_data_outside(project)
    result = find_learning_rate(project, args.steps, args.start, args.end)
    print(json.dumps(result, indent=2) if args.json else format_lr_find(result))
    if args.apply:
        project.training.learning_rate = result["suggestion"]
        save_project(project, args.project)
        print(f"Wrote training.learning_rate = {result['suggestion']:g} to {args.project}",
              file=sys.stderr)
    return 0


def robustness_command(args: argparse.Namespace) -> int:
    """``dlstudio robustness RUN [--epsilons E,…] [--json]``."""
    from dlstudio.core.evaluation.robustness import format_robustness, robustness_report

    epsilons = None
    if args.epsilons is not None:
        try:
            epsilons = [float(part) for part in args.epsilons.split(",") if part.strip()]
        except ValueError:
            raise UserInputError(f"--epsilons expects numbers separated by commas, such as "
                                 f"0,1,4,8; got {args.epsilons!r}") from None
    result = robustness_report(args.run, epsilons)
    print(json.dumps(result, indent=2) if args.json else format_robustness(result))
    return 0


def _threshold_value(text: str) -> float | None:
    if text.strip().lower() == "default":
        return None
    try:
        return float(text)
    except ValueError:
        raise UserInputError(f"--threshold expects a probability between 0 and 1 or 'default', "
                             f"got {text!r}") from None


def export_command(args: argparse.Namespace) -> int:
    """``dlstudio export RUN --format FORMAT [--quantize KIND] [--part NAME] [-o PATH]``."""
    from dlstudio.core.export.exporter import export_run

    result = export_run(args.run, args.format, args.output, overwrite=args.force,
                        quantize=args.quantize, part=args.part)
    for line in result.summary_lines():
        print(line)
    return 0


def generate_command(args: argparse.Namespace) -> int:
    """``dlstudio generate RUN [-n N] -o DIR [--seed S]``."""
    from dlstudio.core.generation import generate

    written = generate(args.run, args.count, args.output, args.seed)
    print(f"Wrote {args.count} sample(s) to {Path(args.output).resolve()} "
          f"({len(written)} file{'s' if len(written) != 1 else ''})")
    return 0


def predict_command(args: argparse.Namespace) -> int:
    """``dlstudio predict RUN_OR_EXPORT --data PATH -o OUT.csv [--backtest] [--force]``."""
    from dlstudio.core.evaluation.predict import predict_to_csv

    rows = predict_to_csv(args.model, args.data, args.output, force=args.force,
                          backtest=args.backtest)
    print(f"Wrote {rows} prediction(s) to {Path(args.output).resolve()}")
    return 0
