"""House rules that keep the project honest."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_packages(path: Path) -> set[str]:
    """The top-level packages a module imports."""
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    return {name.split(".")[0] for name in names}


def test_layers_import_downwards_only():
    # lessons -> ui -> core: core is pure math (no Streamlit, no ui), ui never reaches into a lesson.
    for path in (ROOT / "core").glob("*.py"):
        assert not imported_packages(path) & {"streamlit", "ui", "lessons"}, path
    for path in (ROOT / "ui").glob("*.py"):
        assert "lessons" not in imported_packages(path), path


def test_no_unused_imports_or_undefined_names():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "F,E9", "--output-format", "concise", "."],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_widget_has_a_key():
    widgets = {
        "slider",
        "select_slider",
        "selectbox",
        "multiselect",
        "radio",
        "toggle",
        "checkbox",
        "button",
        "text_input",
        "text_area",
        "number_input",
        "data_editor",
        "segmented_control",
    }
    for path in [*(ROOT / "lessons").glob("*.py"), *(ROOT / "ui").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in widgets:
                assert any(k.arg == "key" for k in node.keywords), (
                    f"{path.name}:{node.lineno} {node.func.attr} has no key"
                )


def test_no_raw_html():
    for path in [*(ROOT / "lessons").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"]:
        assert "unsafe_allow_html" not in path.read_text(), path


def test_no_folder_named_pages_beside_app_py():
    # Streamlit treats ./pages as an old-style multipage app: a direct link to a lesson then runs
    # the lesson file alone, without app.py (no sidebar, wrong navigation). Lessons live in lessons/.
    assert not (ROOT / "pages").exists()


def test_core_leaves_the_process_environment_alone():
    # Offline loading is set by app.py, the Makefile and tests/conftest.py, never by a core function.
    for path in (ROOT / "core").glob("*.py"):
        assert "os.environ" not in path.read_text(), path
