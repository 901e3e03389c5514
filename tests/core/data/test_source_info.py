"""What editors learn of a data source before and after the project's settings apply."""

from dlstudio.core.data.source_info import data_info, read_source
from dlstudio.core.project.project import ColumnSpec, DataSpec, Project


def test_a_csv_source_is_read_with_statistics_and_guessed_columns(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("size,colour,kind\n" + "".join(
        f"{index % 7},{'red' if index % 2 else 'blue'},{'ab'[index % 2]}\n"
        for index in range(20)), encoding="utf-8")

    source = read_source("csv", str(path))
    assert list(source.frame.columns) == ["size", "colour", "kind"]
    assert [spec.name for spec in source.inferred] == ["size", "colour", "kind"]
    assert len(source.statistics) == 3 and source.scan is None

    project = Project(data=DataSpec(kind="csv", path=str(path), target="kind", columns=[
        ColumnSpec("size"), ColumnSpec("colour", kind="categorical"),
        ColumnSpec("kind", role="target", kind="categorical")]))
    info = data_info(project)
    assert (info.task, info.class_names) == ("classification", ("a", "b"))
    assert sum(info.split_sizes.values()) == 20


def test_a_folder_of_images_without_classes_is_read_for_an_autoencoder(tmp_path):
    from PIL import Image

    for index in range(4):
        Image.new("L", (8, 8), color=index * 60).save(tmp_path / f"{index}.png")
    source = read_source("images", str(tmp_path))
    assert len(source.scan.files) == 4 and not source.scan.class_names
    assert any("a classifier cannot learn" in warning for warning in source.scan.warnings)
    project = Project(data=DataSpec(kind="images", path=str(tmp_path), task="reconstruction",
                                    image_size=[8, 8]))
    assert data_info(project).task == "reconstruction"
