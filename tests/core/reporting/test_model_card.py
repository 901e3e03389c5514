"""The model card: every section present, nothing fetched from the web, and it renders in a
real headless browser when one is installed."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from dlstudio.core.reporting.model_card import sha256_of, write_model_card

pytestmark = pytest.mark.slow

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")


@pytest.fixture(scope="module")
def card(csv_run, csv_savedmodel, tmp_path_factory):
    path = tmp_path_factory.mktemp("card") / "report.html"
    write_model_card(csv_run.run, path, exports=[csv_savedmodel.path])
    return path


def test_the_card_holds_every_section_and_the_export_digest(card, csv_savedmodel):
    html = card.read_text(encoding="utf-8")
    for heading in ("Overview", "Data", "Model", "Training settings", "Curves", "Evaluation",
                    "Exports", "Versions"):
        assert f"<h2>{heading}</h2>" in html
    assert "Confusion matrix" in html and "<svg" in html
    assert "TensorFlow" in html and "Keras" in html
    assert sha256_of(csv_savedmodel.path) in html


def test_the_card_names_no_web_address(card):
    html = card.read_text(encoding="utf-8")
    assert not re.search(r"https?://", html)
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#|data:)""", html)


def test_an_existing_file_is_kept_without_force(card, csv_run):
    from dlstudio.core.errors import UserInputError

    with pytest.raises(UserInputError, match="--force"):
        write_model_card(csv_run.run, card)


def test_the_card_renders_offline_in_a_headless_browser(card, tmp_path):
    browser = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
    if browser is None:
        pytest.skip("no chromium on this machine (apt-get install -y chromium); the offline "
                    "check above still ran")
    shot = tmp_path / "card.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--proxy-server=127.0.0.1:9", "--window-size=1000,2400",
                    f"--screenshot={shot}", card.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000  # a page with tables and plots, not a blank one


def test_a_regression_card_plots_predictions_against_truth(regression_run, tmp_path):
    path = write_model_card(regression_run.run, tmp_path / "regression.html")
    html = path.read_text(encoding="utf-8")
    assert "Predicted against true" in html and "<circle" in html
    assert "r2" in html and not re.search(r"https?://", html)


def test_an_image_card_lists_the_layers(image_run, tmp_path):
    html = write_model_card(image_run.run, tmp_path / "images.html").read_text(encoding="utf-8")
    assert "Rescaling" in html or "Resizing" in html
    assert "Confusion matrix" in html and not re.search(r"https?://", html)
