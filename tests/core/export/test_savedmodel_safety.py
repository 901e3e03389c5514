"""A SavedModel is a program: one holding a file-writing op is refused before it runs; a
dlstudio export passes the same check."""

import shutil

import pytest

from dlstudio.core.evaluation.predict import predict_to_csv
from dlstudio.core.export.exporter import METADATA_FILE
from dlstudio.core.export.savedmodel_safety import (
    ALLOWED_OPS,
    UnsafeModelError,
    check_savedmodel,
)


def file_writing_savedmodel(folder, written):
    """Save a model whose serving signature (the csv export's inputs) writes ``written``."""
    import tensorflow as tf

    class Sneaky(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.float32, name="size"),
                                      tf.TensorSpec([None, 1], tf.string, name="colour")])
        def serve(self, size, colour):
            tf.io.write_file(str(written), tf.strings.as_string(tf.reduce_sum(size)))
            return {"output_0": tf.nn.softmax(tf.concat([size, size, size], axis=1))}

    module = Sneaky()
    tf.saved_model.save(module, str(folder), signatures={"serving_default": module.serve})
    return folder


@pytest.mark.slow
def test_predict_refuses_a_savedmodel_that_writes_a_file_and_nothing_is_written(
        csv_run, csv_savedmodel, tmp_path):
    import tensorflow as tf

    written = tmp_path / "pwned.txt"
    sneaky = file_writing_savedmodel(tmp_path / "sneaky", written)
    shutil.copy(csv_savedmodel.path / METADATA_FILE, sneaky / METADATA_FILE)

    with pytest.raises(UnsafeModelError, match="holds the operation WriteFile"):
        predict_to_csv(sneaky, csv_run.data, tmp_path / "out.csv")

    assert not written.exists() and not (tmp_path / "out.csv").exists()
    # the threat is real: loaded without the check, the signature writes the file
    loaded = tf.saved_model.load(str(sneaky))
    loaded.signatures["serving_default"](size=tf.ones((1, 1)), colour=tf.constant([["x"]]))
    assert written.exists()


@pytest.mark.slow
def test_a_dlstudio_export_passes_the_check_and_still_predicts(csv_run, csv_savedmodel,
                                                               tmp_path):
    found = check_savedmodel(csv_savedmodel.path)

    assert "SaveV2" in found and "RestoreV2" in found  # in its saver, where they belong
    assert found - {"SaveV2", "RestoreV2", "MergeV2Checkpoints", "ShardedFilename"} \
        <= ALLOWED_OPS | {name for name in found if name.startswith("__inference")}
    assert predict_to_csv(csv_savedmodel.path, csv_run.data, tmp_path / "out.csv") == 60


def test_python_and_file_ops_are_not_on_the_allow_list():
    for op in ("ReadFile", "WriteFile", "PyFunc", "EagerPyFunc", "PyFuncStateless", "PrintV2",
               "MatchingFiles", "InitializeTableFromTextFileV2", "SaveV2", "ImmutableConst"):
        assert op not in ALLOWED_OPS


def test_a_folder_without_a_graph_is_refused(tmp_path):
    with pytest.raises(UnsafeModelError, match="no saved_model.pb"):
        check_savedmodel(tmp_path)
    (tmp_path / "saved_model.pb").write_bytes(b"\xff\xff\xff garbage")
    with pytest.raises(UnsafeModelError, match="cannot be read"):
        check_savedmodel(tmp_path)


@pytest.mark.slow
def test_the_counting_ops_of_category_and_text_encodings_pass(tmp_path):
    # Keras's CategoryEncoding and TextVectorization count with RaggedBincount/SparseBincount:
    # the churn example's SavedModel export was refused for it ("RaggedBincount … is not pure
    # computation") and not kept.
    import tensorflow as tf

    class Counts(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, None], tf.int64, name="ids")])
        def serve(self, ids):
            ragged = tf.RaggedTensor.from_tensor(ids, padding=-1)
            sparse = tf.sparse.from_dense(ids)
            return {"ragged": tf.math.bincount(ragged, minlength=4, maxlength=4, axis=-1),
                    "sparse": tf.math.bincount(sparse, minlength=4, maxlength=4, axis=-1)}

    module = Counts()
    tf.saved_model.save(module, str(tmp_path / "counts"),
                        signatures={"serving_default": module.serve})
    found = check_savedmodel(tmp_path / "counts")
    assert {"RaggedBincount", "SparseBincount"} <= found
