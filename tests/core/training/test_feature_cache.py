"""Feature caching: where a transfer model is cut, and that the head on cached features
computes what the full model computes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dlstudio.core.data import load_dataset
from dlstudio.core.model.builder import build_model
from dlstudio.core.project.project import (
    AugmentationSpec,
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
)
from dlstudio.core.training import feature_cache


@pytest.fixture(name="images", scope="module")
def images_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from PIL import Image

    root = tmp_path_factory.mktemp("cache_images")
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        for index in range(4):
            (root / name).mkdir(exist_ok=True)
            pixels = rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{index}.png")
    return root


def project_of(images: Path, *rows: LayerSpec, **data: object) -> Project:
    return Project(name="cache", data=DataSpec(kind="images", path=str(images),
                                               image_size=[12, 12], **data),
                   model=ModelSpec(layers=list(rows)))


def backbone(**params: object) -> LayerSpec:
    return LayerSpec.of("Backbone", weights="none", input_size=32, **params)


def test_the_cut_moves_past_pooling_and_the_head_computes_what_the_model_does(images) -> None:
    project = project_of(images, backbone(), LayerSpec.of("GlobalAveragePooling2D"),
                         LayerSpec.of("Dropout", rate=0.3))
    dataset = load_dataset(project)
    model = build_model(project, dataset)
    plan = feature_cache.plan_cache(model, project)
    assert plan is not None and plan.network == "MobileNetV3Small"
    assert tuple(plan.features.output.shape[1:]) == (576,)  # pooled: a vector per image
    batches = dataset.tf_dataset("train", 4)
    cached = feature_cache.compute_features(plan, batches.map(lambda x, y: (x, y)))
    assert cached.features.shape == (dataset.split_size("train"), 576)
    assert cached.nbytes >= cached.features.nbytes
    inputs = next(iter(batches))[0]
    np.testing.assert_allclose(plan.head(plan.features(inputs)), model(inputs), atol=1e-5)


@pytest.mark.parametrize(("rows", "data"), [
    ((backbone(), LayerSpec.of("GlobalAveragePooling2D")),
     {"augmentation": AugmentationSpec(flip="horizontal")}),
    ((backbone(trainable="top", top_layers=2), LayerSpec.of("GlobalAveragePooling2D")), {}),
    ((LayerSpec.of("GaussianNoise", stddev=0.1), backbone(),
      LayerSpec.of("GlobalAveragePooling2D")), {}),
], ids=["augmentation", "trainable backbone", "noise before it"])
def test_no_cache_when_the_features_would_change_from_epoch_to_epoch(images, rows, data) -> None:
    project = project_of(images, *rows, **data)
    model = build_model(project, load_dataset(project))
    assert feature_cache.plan_cache(model, project) is None
