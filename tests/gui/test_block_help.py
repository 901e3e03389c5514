"""Block tooltips teach what a block computes and how to build one by dragging."""

from PySide6.QtCore import Qt

from dlstudio.core.model import catalog
from dlstudio.core.project.project import LayerSpec, Project
from dlstudio.gui.block_help import BLOCK_HELP
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.document import Document
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.widgets.layer_stack_model import KIND_ROLE, LayerStackModel
from dlstudio.gui.widgets.palette import LayerPalette


def test_every_block_of_the_catalog_has_a_formula_and_a_how_to():
    blocks = {layer_type.name for layer_type in catalog.all_types() if layer_type.is_block}
    assert blocks == set(BLOCK_HELP)
    for formula, how in BLOCK_HELP.values():
        assert formula.startswith("output =")
        assert "drag" in how


def test_the_palette_says_how_to_use_a_block(qtbot):
    palette = LayerPalette()
    qtbot.addWidget(palette)
    tip = palette.item_for("Branches").toolTip(0)
    assert "output = merge(f1(input), f2(input), …)" in tip
    assert "Add branch (Ctrl+B)" in tip and "wide-and-deep" in tip
    assert "How:" not in palette.item_for("Dense").toolTip(0)


def test_a_block_row_in_the_stack_says_how_to_fill_it(qtbot):
    document = Document()
    project = Project(name="help")
    project.model.layers = [LayerSpec.of("Residual", stacks=[[LayerSpec.of("Dense")]])]
    document.replace(project)
    model = LayerStackModel(document, ShapeInference(document, DataSession(document)))
    row = model.index_of_layer("residual_1")
    assert row.data(KIND_ROLE) == "layer"
    assert "output = input + f(input)" in row.data(Qt.ItemDataRole.ToolTipRole)
