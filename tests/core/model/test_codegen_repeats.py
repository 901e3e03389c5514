"""Show code writes what ``data.drop_duplicates`` does: repeated rows left out after reading."""

from __future__ import annotations

from dlstudio.core.model.codegen import generate_script
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project


def test_the_script_leaves_out_repeated_rows_when_the_project_does(tmp_path):
    rows = [f"{i % 7},{['a', 'b'][i % 2]}" for i in range(40)]
    path = tmp_path / "table.csv"
    path.write_text("x,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    project = Project(data=DataSpec(kind="csv", path=str(path), target="label"),
                      model=ModelSpec(layers=[LayerSpec.of("Dense", units=4)]))
    assert "duplicated()" not in generate_script(project)

    project.data.drop_duplicates = True
    script = generate_script(project)

    compile(script, "generated.py", "exec")
    reading = script.index("frame = frame[frame[TARGET].notna()]")
    assert reading < script.index("[*NUMERIC, *CATEGORICAL, *TEXT, TARGET]].duplicated()")
