"""The model and training of a generated script for a model made of parts (see
:mod:`dlstudio.core.model.codegen`): an autoencoder, a VAE or a GAN.

Each part (encoder and decoder, generator and discriminator) is written as its own
``keras.Model``: its input, its stack (the same row code as a one-stack model) and the layers
dlstudio adds after it (a sample of the data's shape, the code's mean and log-variance, one
score). Then the parts are wired and trained as dlstudio does it: an autoencoder's
reconstruction error is its loss (a small layer adds it), a VAE samples its code and adds the
KL term, and a GAN trains its two networks against each other in its own ``train_step``. The
script writes what a learner watches: the anomaly threshold and flags, a grid of samples.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from dlstudio.core.data import Dataset
from dlstudio.core.errors import UserInputError
from dlstudio.core.model.codegen_data import ruler
from dlstudio.core.model.codegen_parts_code import (
    AUTOENCODER_TRAINING,
    ERRORS,
    FLAT_LIST_IMAGES,
    GAN_MODEL,
    LATENT_SAMPLE,
    RECONSTRUCTION_ERROR,
    SAMPLE_GRID_CALLBACK,
    SAVE_GRID,
    VAE_SAMPLES,
    VAE_WARM_UP,
)
from dlstudio.core.model.parts import output_plan
from dlstudio.core.project import layer_tree
from dlstudio.core.project.project import Project
from dlstudio.core.tasks import get_task

_FEATURES, _LATENT = ("features",), -7  # probes: what a part's input is made of


def parts_settings(project: Project, dataset: Dataset) -> list[str]:
    """Return the settings lines a model with parts adds (its latent size, the task's own)."""
    training = project.training
    lines = [f"LATENT_DIM = {project.model.latent_dim!r}"]
    if _is_gan(dataset):
        gan = training.gan
        return lines + [f"CRITIC_STEPS = {gan.critic_steps!r}",
                        f"LABEL_SMOOTHING = {gan.label_smoothing!r}"]
    settings = training.autoencoder
    lines += [f"NORMAL_CLASSES = {list(project.data.normal_classes)!r}  # empty: every sample",
              f"ANOMALY_PERCENTILE = {settings.anomaly_percentile!r}"]
    if uses_kl(dataset):
        lines += [f"BETA = {settings.beta!r}",
                  f"KL_WARMUP_EPOCHS = {settings.kl_warmup_epochs!r}"]
    return lines


def uses_kl(dataset: Dataset) -> bool:
    """Whether the task's encoder ends in a mean and a log-variance (a VAE)."""
    task = get_task(dataset.task)
    return "latent" in (task.part_output(part) for part in task.parts)


def _helpers(project: Project, dataset: Dataset) -> list[str]:
    """The classes and functions the model and training sections use."""
    from dlstudio.core.model.codegen import RESIDUAL_HELPER
    from dlstudio.core.tasks.reconstruction import reconstruction_loss

    rows = [found.layer for stack in project.model.parts.values()
            for found in layer_tree.walk(stack)]
    helpers = [RESIDUAL_HELPER] if any(row.type == "Residual" for row in rows) else []
    if dataset.kind == "images" and (uses_kl(dataset) or _is_gan(dataset)):
        helpers.append(SAVE_GRID)
    if _is_gan(dataset):
        return helpers + [GAN_MODEL, SAMPLE_GRID_CALLBACK]
    loss = reconstruction_loss(project.training.loss, dataset.kind)
    helpers.append(RECONSTRUCTION_ERROR.format(error=ERRORS[loss]))
    return helpers + [LATENT_SAMPLE] if uses_kl(dataset) else helpers


def _is_gan(dataset: Dataset) -> bool:
    """Whether the task trains a network that scores its other part's samples (a GAN's
    discriminator), asked of the task rather than by its name."""
    task = get_task(dataset.task)
    return "score" in (task.part_output(part) for part in task.parts)


def parts_model_code(project: Project, dataset: Dataset) -> str:
    """Return the code that builds each part as a ``keras.Model`` and wires the parts.

    Raises:
        UserInputError: A part's layers do not fit together (the message names the row).
    """
    from dlstudio.core.model.codegen import _rows_code

    report = _checked_report(project, dataset)
    task = get_task(dataset.task)
    lines = [ruler("Helpers"), "\n\n\n".join(_helpers(project, dataset)), "", "",
             ruler("The parts"),
             "# The preprocessing (fitted above) as a model: raw inputs -> what the parts see",
             'preprocess = keras.Model(inputs, features, name="preprocess")',
             "FEATURE_SHAPE = tuple(features.shape[1:])"]
    probes: dict[str, Any] = {}
    for part in task.parts:
        source = task.part_input(part, _FEATURES, _LATENT, probes)
        probes[part] = (part,)
        lines += ["", f"# The {part}: {_input_words(source)}",
                  f'{part}_input = keras.Input(shape={_input_shape(source)}, '
                  f'name="{part}_input")',
                  f"x = {part}_input"]
        lines += _rows_code(project.model.parts.get(part, []), project.training.initializer, "")
        lines += _output_code(task.part_output(part), part, _stack_shape(report, part),
                              tuple(dataset.feature_shape()), task.sample_activation(dataset.kind))
        lines += [f'{part} = keras.Model({part}_input, x, name="{part}")', f"{part}.summary()"]
    return "\n".join(lines + [""] + _wiring(project, dataset))


def _checked_report(project: Project, dataset: Dataset) -> Any:
    from dlstudio.core.model.shapes import inspect_stack

    report = inspect_stack(project, tuple(dataset.feature_shape()), dataset.task,
                           len(dataset.class_names))
    problem = report.first_error()
    if problem is not None:
        raise UserInputError(f"Show code cannot write this model: {problem.message()}")
    return report


def _stack_shape(report: Any, part: str) -> tuple[int, ...]:
    """The output shape of a part's stack (its input's, when the stack is empty)."""
    rows = [row for row in report.rows if getattr(row, "part", None) == part
            and row.role != "head"]
    return tuple(rows[-1].output_shape)


def _input_words(source: Any) -> str:
    if source == _FEATURES:
        return "it takes one preprocessed sample"
    if source == (_LATENT,):
        return "it takes LATENT_DIM numbers (a code, or noise)"
    return f"it takes the {source[0]}'s output"


def _input_shape(source: Any) -> str:
    if source == _FEATURES:
        return "FEATURE_SHAPE"
    if source == (_LATENT,):
        return "(LATENT_DIM,)"
    return f"{source[0]}.output.shape[1:]"


def _output_code(kind: str, part: str, shape: tuple[int, ...], feature_shape: tuple[int, ...],
                 activation: str) -> list[str]:
    """The layers dlstudio adds after a part's stack (see :func:`parts.output_plan`)."""
    flatten = ["x = layers.Flatten()(x)"] if len(shape) > 1 else []
    if kind == "latent":
        return ["# The code: its mean and log-variance (dlstudio adds these)", *flatten,
                'mean = layers.Dense(LATENT_DIM, dtype="float32", name="mean")(x)',
                'log_variance = layers.Dense(LATENT_DIM, dtype="float32", '
                'name="log_variance")(x)',
                "x = [mean, log_variance]"]
    if kind == "score":
        return ["# One score per image: real above 0 (dlstudio adds it)", *flatten,
                'x = layers.Dense(1, dtype="float32", name="score")(x)']
    if kind != "sample":
        return []
    summary = output_plan(kind, shape, feature_shape, 0, activation)[0]
    if not summary:
        return []
    lines = [f"# One sample of the data's shape (dlstudio adds {summary})"]
    if summary.startswith("Conv2D"):
        return lines + [f"x = layers.Conv2D(FEATURE_SHAPE[-1], 1, activation={activation!r}, "
                        'dtype="float32")(x)']
    lines += flatten + [f"x = layers.Dense(math.prod(FEATURE_SHAPE), "
                        f'activation={activation!r}, dtype="float32")(x)']
    return lines + (["x = layers.Reshape(FEATURE_SHAPE)(x)"] if len(feature_shape) > 1 else [])


def _wiring(project: Project, dataset: Dataset) -> list[str]:
    """The code that joins the parts into the model that trains."""
    if _is_gan(dataset):
        return ["# The two networks, trained against each other",
                "gan = GAN(generator, discriminator, preprocess)"]
    values = math.prod(int(dim) for dim in dataset.feature_shape())
    lines = ["# The autoencoder: raw inputs -> preprocessing -> encoder -> decoder, with each",
             "# sample's reconstruction error (the loss, and the anomaly score)"]
    if uses_kl(dataset):
        lines = ["# The VAE: raw inputs -> preprocessing -> encoder -> a code drawn from",
                 "# N(mean, exp(log_variance)) -> decoder, with each sample's reconstruction",
                 "# error (the loss with the KL term, and the anomaly score)"]
        beta = "0.0 if KL_WARMUP_EPOCHS else BETA"
        lines += ["mean, log_variance = encoder(features)",
                  f"sampling = LatentSample({beta}, values={values}, name=\"latent_sample\")",
                  "reconstruction = decoder(sampling([mean, log_variance]))"]
    else:
        lines.append("reconstruction = decoder(encoder(features))")
    lines.append('score = ReconstructionError(name="score")([features, reconstruction])')
    from dlstudio.core.model.codegen import _model_name

    latent = ', "latent_mean": mean' if uses_kl(dataset) else ""
    lines += ["outputs = {" + f'"reconstruction": reconstruction, "score": score{latent}' + "}",
              f"model = keras.Model(inputs, outputs, name={_model_name(project.name)!r})"]
    return lines


def parts_training_code(project: Project, dataset: Dataset) -> str:
    """Return the code that trains the wired parts and shows what they learned."""
    if _is_gan(dataset):
        return _gan_training(project)
    return _autoencoder_training(project, dataset)


def _optimizer(project: Project, name: str, rate: float) -> list[str]:
    from dlstudio.core.model.codegen import _optimizer_lines

    training = replace(project.training, learning_rate=rate)
    lines = _optimizer_lines(replace(project, training=training))
    lines[0] = lines[0].replace("optimizer = ", f"{name} = ", 1)
    if project.training.optimizer in ("adam", "adamw", "nadam"):
        lines.append(f"{name}.beta_1 = 0.5  # DCGAN's momentum: 0.9 lets the two oscillate")
    return lines


def _gan_training(project: Project) -> str:
    gan = project.training.gan
    lines = [ruler("Training"), "steps_per_epoch = max(1, int(train_data.cardinality()))"]
    lines += _optimizer(project, "generator_optimizer", gan.generator_learning_rate)
    lines += _optimizer(project, "discriminator_optimizer", gan.discriminator_learning_rate)
    lines += [
        "gan.compile(generator_optimizer, discriminator_optimizer)",
        "# A GAN's losses do not fall as it learns (no early stopping): watch samples/ instead",
        "gan.fit(train_data, epochs=EPOCHS, shuffle=False, callbacks=[SampleGrid(generator)])",
        "noise = np.random.default_rng(SEED + 1).standard_normal((64, LATENT_DIM))",
        'save_grid(generator.predict(noise.astype("float32"), verbose=0), "samples/new.png")',
        'print("Samples: samples/epoch_*.png (the same noise each epoch), samples/new.png")',
    ]
    return "\n".join(lines)


def _autoencoder_training(project: Project, dataset: Dataset) -> str:
    from dlstudio.core.model.codegen import _callback_lines, _optimizer_lines

    lines = [ruler("Training"), "steps_per_epoch = max(1, int(train_data.cardinality()))"]
    lines += _optimizer_lines(project)
    lines += ["# No loss here: the ReconstructionError layer (and a VAE's sampling) add it",
              "model.compile(optimizer=optimizer)"]
    lines += _callback_lines(project)
    if uses_kl(dataset):
        lines += ["", "", VAE_WARM_UP]
    text = "\n".join(lines) + "\n" + AUTOENCODER_TRAINING
    if uses_kl(dataset):
        text += "\n" + "\n".join(VAE_SAMPLES[dataset.kind]) + "\n"
    return text


def adapt_data_section(text: str, dataset: Dataset) -> str:
    """Return the data section fitted to data without labels: a CSV without a target (every
    row kept, label 0), a folder of images without class folders; labels, when a CSV has
    them, are class indices whatever the task (an autoencoder's normal classes)."""
    if dataset.kind == "images" and not dataset.class_names:
        start = text.index("def list_images(folder):")
        end = text.index("\n\n\ndef pick(")
        text = text[:start] + FLAT_LIST_IMAGES + text[end:]
        return text.replace("names = [CLASS_NAMES[i] for i in labels]",
                            'names = [""] * len(labels)  # no classes: one group')
    if dataset.kind != "csv":
        return text
    text = text.replace('if TASK == "classification":', 'if TASK != "regression":  # labels')
    if getattr(dataset, "target", None) is not None:
        return text
    text = text.replace("# Read the table; rows without a target are dropped", "# Read the table")
    text = text.replace("frame = frame[frame[TARGET].notna()].reset_index(drop=True)\n", "")
    text = text.replace("[*NUMERIC, *CATEGORICAL, *TEXT, TARGET]",
                        "[*NUMERIC, *CATEGORICAL, *TEXT]")
    start = text.index('if TASK != "regression":  # labels')
    end = text.index("\n\n# One model input per feature column")
    return (text[:start] + 'targets = np.zeros(len(frame), dtype="int32")  # no target: no labels'
            + text[end:])
