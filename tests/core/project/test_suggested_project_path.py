"""Where a project that was never saved is offered to be saved."""

from dlstudio.core.project.project import DataSpec, Project, suggested_project_path


def test_a_csv_project_goes_beside_the_file_named_after_it(tmp_path):
    data = tmp_path / "data" / "iris.csv"
    data.parent.mkdir()
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    project = Project(name="whatever", data=DataSpec(kind="csv", path=str(data)))

    assert suggested_project_path(project) == tmp_path / "data" / "iris.dlstudio.json"
    (tmp_path / "data" / "iris.dlstudio.json").write_text("{}", encoding="utf-8")
    assert suggested_project_path(project) == tmp_path / "data" / "iris-2.dlstudio.json"


def test_an_image_folder_project_goes_beside_the_folder(tmp_path):
    folder = tmp_path / "data" / "flowers"
    (folder / "rose").mkdir(parents=True)
    project = Project(name="flowers", data=DataSpec(kind="images", path=str(folder)))

    assert suggested_project_path(project) == tmp_path / "data" / "flowers.dlstudio.json"
