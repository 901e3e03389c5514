"""`dlstudio generate`: refusals in one line (the samples themselves: tests/core/tasks)."""

from dlstudio import cli


def test_generate_refuses_a_folder_that_is_not_a_run_and_a_bad_count(capsys, tmp_path):
    status = cli.main(["generate", str(tmp_path), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("dlstudio: error: ") and len(err.splitlines()) == 1
    status = cli.main(["generate", str(tmp_path), "-n", "0", "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "-n must be between 1" in err
