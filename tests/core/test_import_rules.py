"""ARCHITECTURE.md's import rules: the core never imports Qt."""

import subprocess
import sys
from pathlib import Path

import dlstudio

CORE = Path(dlstudio.__file__).parent / "core"


def _core_modules() -> list[str]:
    names = []
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE.parent.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def test_importing_every_core_module_loads_no_qt():
    modules = _core_modules()
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "qt = ('PySide6', 'pyqtgraph')\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in qt or m.startswith('dlstudio.gui'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert len(modules) > 5
    assert result.stdout.strip() == ""


def test_catalog_and_project_import_without_tensorflow():
    code = (
        "import sys\n"
        "import dlstudio.core.project.project, dlstudio.core.model.catalog\n"
        "dlstudio.core.model.catalog.all_types()\n"
        "print('tensorflow' in sys.modules or 'keras' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "False"
