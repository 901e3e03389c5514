"""The data part of a generated Keras script (see :mod:`dlstudio.core.model.codegen`).

Each section reads the project's source, splits it as dlstudio does (same fractions, seed and
stratification, so the same samples land in each split), and defines the script's ``inputs``
and ``features`` tensors with preprocessing fitted on the training split.
"""

from __future__ import annotations

from typing import Any

from dlstudio.core.data.base import Dataset
from dlstudio.core.project.project import Project

SPLIT_HELPER = '''
def split_rows(labels_or_count, fractions, seed, stratified):
    """Divide samples into training, validation and test at random, as dlstudio does."""
    rng = np.random.default_rng(seed)
    shares = [float(f) / sum(fractions) for f in fractions]
    if isinstance(labels_or_count, int):
        groups, at_least_one = [rng.permutation(labels_or_count)], False
    elif stratified:
        labels = np.asarray(labels_or_count)
        classes = sorted(set(labels.tolist()), key=str)
        groups = [rng.permutation(np.flatnonzero(labels == c)) for c in classes]
        at_least_one = True
    else:
        groups, at_least_one = [rng.permutation(len(labels_or_count))], False
    parts = ([], [], [])
    for order in groups:
        exact = [len(order) * share for share in shares]
        counts = [int(np.floor(value)) for value in exact]
        largest = sorted(range(3), key=lambda i: (-(exact[i] - counts[i]), i))
        for i in largest[: len(order) - sum(counts)]:
            counts[i] += 1
        if at_least_one and len(order) and counts[0] == 0:
            donor = int(np.argmax(counts))
            counts[donor] -= 1
            counts[0] += 1
        bounds = np.cumsum([0, *counts])
        for i in range(3):
            parts[i].append(order[bounds[i]:bounds[i + 1]])
    return [np.sort(np.concatenate(part)).astype(np.int64) for part in parts]
'''

CSV_READING = '''
def as_text(value):
    """A cell as text, as dlstudio reads it: "" when missing, 3.0 written as "3"."""
    if pd.isna(value):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


# Read the table; rows without a target are dropped
frame = pd.read_csv(DATA_PATH, sep=DELIMITER, encoding=ENCODING, skipinitialspace=True,
                    low_memory=False)
frame = frame[frame[TARGET].notna()].reset_index(drop=True)
if TASK == "classification":
    index_of = {name: i for i, name in enumerate(CLASS_NAMES)}
    targets = np.array([index_of[as_text(v)] for v in frame[TARGET]], dtype="int32")
else:
    targets = pd.to_numeric(frame[TARGET], errors="coerce").to_numpy("float32")

# One model input per feature column: numbers as float32, the rest as text
columns = {}
for column, name in NUMERIC.items():
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy("float32")
    columns[name] = values.reshape(-1, 1)
for column, name in {**CATEGORICAL, **TEXT}.items():
    columns[name] = np.array([as_text(v) for v in frame[column]], dtype=object).reshape(-1, 1)

# Split the rows
stratify = TASK == "classification" and STRATIFIED
train_rows, validation_rows, test_rows = split_rows(
    targets if stratify else len(targets), SPLIT_FRACTIONS, SPLIT_SEED, stratify)
x_train = {name: values[train_rows] for name, values in columns.items()}
train_labels = targets[train_rows]
validation_count, test_count = len(validation_rows), len(test_rows)


def table_data(rows, shuffle):
    """Batches of ({input name: column values}, target) for ``rows``."""
    inputs = {name: values[rows] for name, values in columns.items()}
    data = tf.data.Dataset.from_tensor_slices((inputs, targets[rows]))
    if shuffle:
        data = data.shuffle(len(rows), seed=SEED, reshuffle_each_iteration=True)
    return data.batch(BATCH_SIZE).prefetch(tf.data.AUTOTUNE)


train_data = table_data(train_rows, shuffle=True)
validation_data = table_data(validation_rows, shuffle=False)
test_data = table_data(test_rows, shuffle=False)
'''

NUMERIC_PREPROCESSING = '''
# Numbers: missing values become the training median; each column is centred on its median
# and divided by its interquartile range / 1.349 (robust to outliers), then squashed smoothly
# into (-3, 3); columns with gaps in training also get a 0/1 "was missing" feature
names = list(NUMERIC.values())
train_values = np.concatenate([x_train[name] for name in names], axis=1).astype("float64")
missing = np.isnan(train_values)
medians = np.array([np.median(c[~m]) if (~m).any() else 0.0
                    for c, m in zip(train_values.T, missing.T, strict=True)], dtype="float32")
filled = np.where(missing, medians, train_values)
spreads = (np.percentile(filled, 75, axis=0) - np.percentile(filled, 25, axis=0)) / 1.349
spreads = np.where(spreads > 0, spreads, filled.std(axis=0))
variances = np.where(spreads > 0, spreads ** 2, 1.0)
gaps = np.flatnonzero(missing.any(axis=0))
raw = inputs[names[0]] if len(names) == 1 else layers.Concatenate()([inputs[n] for n in names])
imputed = layers.Lambda(lambda v: keras.ops.where(keras.ops.isnan(v), medians, v),
                        name="impute_numeric")(raw)
scaled = layers.Normalization(mean=medians, variance=variances, name="normalize_numeric")(imputed)
parts.append(layers.Lambda(lambda v: v / keras.ops.sqrt(1.0 + keras.ops.square(v / 3.0)),
                           name="clip_numeric")(scaled))
if len(gaps):
    parts.append(layers.Lambda(
        lambda v: keras.ops.cast(keras.ops.isnan(keras.ops.take(v, gaps, axis=1)), "float32"),
        name="missing_numeric")(raw))
'''

CATEGORICAL_PREPROCESSING = '''
# Categories: one-hot over the training categories (unseen ones share a slot), or a small
# learned embedding when there are more than 32
for name in CATEGORICAL.values():
    vocabulary = sorted(set(x_train[name].ravel().tolist()))
    if len(vocabulary) <= 32:
        parts.append(layers.StringLookup(vocabulary=vocabulary, output_mode="one_hot",
                                         name=f"lookup_{name}")(inputs[name]))
        continue
    size = min(16, max(4, round(np.sqrt(len(vocabulary) + 1))))
    ids = layers.StringLookup(vocabulary=vocabulary, name=f"lookup_{name}")(inputs[name])
    embedded = layers.Embedding(len(vocabulary) + 1, size, name=f"embed_{name}")(ids)
    parts.append(layers.Flatten(name=f"flatten_{name}")(embedded))
'''

TFIDF_PREPROCESSING = '''
# Text: a TF-IDF weight per word of the training vocabulary
for name in TEXT.values():
    vectorize = layers.TextVectorization(max_tokens=MAX_TOKENS, output_mode="tf_idf",
                                         name=f"vectorize_{name}")
    vectorize.adapt(x_train[name].ravel().astype(str))
    width = vectorize.vocabulary_size()
    parts.append(layers.Reshape((width,), name=f"tfidf_{name}")(vectorize(inputs[name])))
'''

SEQUENCE_PREPROCESSING = '''
# Text: the ids of the first SEQUENCE_LENGTH words (0 pads, 1 is an unknown word)
for name in TEXT.values():
    vectorize = layers.TextVectorization(max_tokens=MAX_TOKENS, output_mode="int",
                                         output_sequence_length=SEQUENCE_LENGTH,
                                         name=f"vectorize_{name}")
    vectorize.adapt(x_train[name].ravel().astype(str))
    parts.append(vectorize(inputs[name]))
'''

SEQUENCE_GROUPS = '''
# Input groups, each with its own stack in the model: "table" (the numbers and categories as
# one vector) and every text column as the ids of its first SEQUENCE_LENGTH words (0 pads, 1 is
# an unknown word)
groups = {}
if parts:
    groups["table"] = parts[0] if len(parts) == 1 else layers.Concatenate(name="features")(parts)
for column, name in TEXT.items():
    vectorize = layers.TextVectorization(max_tokens=MAX_TOKENS, output_mode="int",
                                         output_sequence_length=SEQUENCE_LENGTH,
                                         name=f"vectorize_{name}")
    vectorize.adapt(x_train[name].ravel().astype(str))
    groups[column] = vectorize(inputs[name])
'''

IMAGE_READING = '''
EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def list_images(folder):
    """Every usable image under each class folder of ``folder``, with its class index."""
    paths, labels = [], []
    for index, name in enumerate(CLASS_NAMES):
        for path in sorted((folder / name).rglob("*")):
            parts = path.relative_to(folder).parts
            hidden = any(part.startswith((".", "__MACOSX")) for part in parts)
            relative = path.relative_to(DATA_DIR).as_posix()
            if path.suffix.lower() in EXTENSIONS and not hidden and relative not in SKIPPED:
                paths.append(relative)
                labels.append(index)
    order = np.argsort(paths, kind="stable")
    return [paths[i] for i in order], [labels[i] for i in order]


def pick(items, rows):
    return [items[i] for i in rows]


if SPLIT_FOLDERS:
    given = {split: list_images(DATA_DIR / folder) for split, folder in SPLIT_FOLDERS.items()}
    lacking = [split for split in ("validation", "test") if split not in SPLIT_FOLDERS]
    fractions = (SPLIT_FRACTIONS[0],
                 *(SPLIT_FRACTIONS[i] if s in lacking else 0.0
                   for i, s in ((1, "validation"), (2, "test"))))
    files, labels = given["train"]
    names = [CLASS_NAMES[i] for i in labels]
    carved = split_rows(names, fractions, SPLIT_SEED, STRATIFIED)
    splits = {split: (pick(files, rows), pick(labels, rows))
              for split, rows in zip(("train", "validation", "test"), carved, strict=True)}
    splits.update({split: given[split] for split in given if split != "train"})
else:
    files, labels = list_images(DATA_DIR)
    names = [CLASS_NAMES[i] for i in labels]
    rows = split_rows(names, SPLIT_FRACTIONS, SPLIT_SEED, STRATIFIED)
    splits = {split: (pick(files, r), pick(labels, r))
              for split, r in zip(("train", "validation", "test"), rows, strict=True)}
train_files, train_labels = splits["train"]
validation_count, test_count = len(splits["validation"][0]), len(splits["test"][0])


def read_image(path, label):
    """Decode, convert and resize one image (pixels stay 0..255; the model rescales)."""
    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    image = tf.ensure_shape(image, [None, None, 3])
    if CHANNELS == 1:
        image = tf.image.rgb_to_grayscale(image)
    return {"image": tf.image.resize(image, IMAGE_SIZE, method="bilinear")}, label


def image_data(files, labels, shuffle):
    """Stream a split from disk in batches (folders are never loaded whole into memory)."""
    paths = [str(DATA_DIR / f) for f in files]
    data = tf.data.Dataset.from_tensor_slices((paths, np.array(labels, dtype="int32")))
    if shuffle and files:
        data = data.shuffle(len(files), seed=SEED, reshuffle_each_iteration=True)
    data = data.map(read_image, num_parallel_calls=tf.data.AUTOTUNE)
    return data.batch(BATCH_SIZE).prefetch(tf.data.AUTOTUNE)


train_data = image_data(*splits["train"], shuffle=True)
validation_data = image_data(*splits["validation"], shuffle=False)
test_data = image_data(*splits["test"], shuffle=False)

# The input takes raw pixels of any size; resizing and rescaling happen inside the model
image = keras.Input(shape=(None, None, CHANNELS), name="image")
inputs = {"image": image}
features = layers.Resizing(*IMAGE_SIZE, name="resize")(image)
features = layers.Rescaling(1.0 / 255.0, name="rescale")(features)
'''


def ruler(title: str) -> str:
    """Return a section comment of the generated script (``# Title ------``)."""
    return f"# {title} " + "-" * max(3, 85 - len(title))


DROP_REPEATS = """# Rows that repeat an earlier row in every feature and the target are left out
# (data.drop_duplicates)
frame = frame[~frame[[*NUMERIC, *CATEGORICAL, *TEXT, TARGET]].duplicated()].reset_index(drop=True)
"""


def csv_section(project: Project, dataset: Dataset) -> str:
    """Return the code that reads, splits and preprocesses a CSV source."""
    table: Any = dataset.table
    features = [spec for spec in dataset.columns if spec.role == "feature"]
    names = dataset.input_names

    def by_kind(*kinds: str) -> dict[str, str]:
        return {spec.name: names[spec.name] for spec in features if spec.kind in kinds}

    data = project.data
    constants = [
        ruler("The data"),
        f"DATA_PATH = {str(project.data_path())!r}",
        f"DELIMITER = {table.delimiter!r}",
        f"ENCODING = {table.encoding!r}",
        f"TARGET = {dataset.target!r}",
        f"NUMERIC = {by_kind('numeric')!r}  # column: model input name",
        f"CATEGORICAL = {by_kind('categorical')!r}",
        f"TEXT = {by_kind('text')!r}",
        f"MAX_TOKENS = {data.max_tokens!r}",
        f"SEQUENCE_LENGTH = {data.sequence_length!r}",
    ]
    reading = CSV_READING
    if data.drop_duplicates:
        kept = "frame = frame[frame[TARGET].notna()].reset_index(drop=True)\n"
        reading = reading.replace(kept, kept + DROP_REPEATS)
    blocks = ["\n".join(constants), SPLIT_HELPER, reading, _csv_inputs()]
    if by_kind("numeric"):
        blocks.append(NUMERIC_PREPROCESSING)
    if by_kind("categorical"):
        blocks.append(CATEGORICAL_PREPROCESSING)
    sequences = data.text_encoding == "sequence"
    if project.model.inputs and sequences:
        blocks.append(SEQUENCE_GROUPS)
        return "\n\n\n".join(block.strip("\n") for block in blocks)
    if by_kind("text"):
        blocks.append(SEQUENCE_PREPROCESSING if sequences else TFIDF_PREPROCESSING)
    blocks.append("features = parts[0] if len(parts) == 1 else "
                  'layers.Concatenate(name="features")(parts)')
    if project.model.inputs:
        blocks.append('groups = {"table": features}  # the input group of the stack in '
                      "model.inputs")
    return "\n\n\n".join(block.strip("\n") for block in blocks)


def _csv_inputs() -> str:
    return '''
# The model's inputs and the preprocessing inside it, fitted on the training rows only
inputs = {name: keras.Input(shape=(1,), name=name, dtype="float32") for name in NUMERIC.values()}
inputs.update({name: keras.Input(shape=(1,), name=name, dtype="string")
               for name in [*CATEGORICAL.values(), *TEXT.values()]})
parts = []
'''


def image_section(project: Project, dataset: Dataset) -> str:
    """Return the code that lists, splits and streams an image folder, and the model input."""
    scan: Any = dataset.scan
    data = project.data
    channels = 1 if data.color_mode == "grayscale" else 3
    constants = [
        ruler("The data"),
        f"DATA_DIR = Path({str(scan.root)!r})",
        "# The split's folders, when the image folder gives the split",
        f"SPLIT_FOLDERS = {dict(scan.split_folders)!r}",
        "# Files that are not usable images (dlstudio skips them)",
        _long_list("SKIPPED", sorted(entry.path for entry in scan.skipped)),
        f"IMAGE_SIZE = {tuple(data.image_size)!r}",
        f"CHANNELS = {channels}",
    ]
    blocks = ["\n".join(constants), SPLIT_HELPER, IMAGE_READING,
              _augmentation(project)]
    if project.model.inputs:
        blocks.append('groups = {"features": features}  # the input group of model.inputs')
    return "\n\n\n".join(block.strip("\n") for block in blocks if block)


def _long_list(name: str, items: list[str]) -> str:
    """Return ``NAME = [...]`` with one item per line when it would be long."""
    line = f"{name} = {items!r}"
    if len(line) <= 99:
        return line
    body = "".join(f"    {item!r},\n" for item in items)
    return f"{name} = [\n{body}]"


def _augmentation(project: Project) -> str:
    spec = project.data.augmentation
    lines = []
    if spec.flip != "none":
        lines.append(f"layers.RandomFlip({spec.flip!r}, seed=SEED, name='augment_flip')")
    if spec.rotation > 0:
        lines.append(f"layers.RandomRotation({spec.rotation!r}, seed=SEED + 1, "
                     "name='augment_rotation')")
    if spec.zoom > 0:
        lines.append(f"layers.RandomZoom({spec.zoom!r}, seed=SEED + 2, name='augment_zoom')")
    if spec.contrast > 0:
        lines.append(f"layers.RandomContrast({spec.contrast!r}, value_range=(0.0, 1.0), "
                     "seed=SEED + 3, name='augment_contrast')")
    if spec.translation > 0:
        lines.append(f"layers.RandomTranslation({spec.translation!r}, {spec.translation!r}, "
                     "seed=SEED + 4, name='augment_translation')")
    if not lines:
        return ""
    body = "\n".join(f"features = {line}(features)" for line in lines)
    return f"# Random changes to the training images (Keras skips them outside training)\n{body}\n"
