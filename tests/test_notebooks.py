"""The two assignment notebooks run, as thin readers, against a conf/test run's outputs."""

import json
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT, run_pipeline

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))


def test_both_notebooks_exist():
    assert [n.name for n in NOTEBOOKS] == ["bitcoin_price_prediction_lstm_pytorch.ipynb", "divan_hafez.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_notebooks_carry_no_outputs_and_an_id_per_cell(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))  # as stored: nbformat.read would add missing ids
    assert all("id" in cell for cell in notebook["cells"]), "nbformat.validator.normalize adds the missing cell ids"
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_notebooks_execute_without_errors(project_copy, monkeypatch):
    run_pipeline(project_copy, "btc")
    run_pipeline(project_copy, "hafez_metre")
    run_pipeline(project_copy, "hafez")
    shutil.copytree(PROJECT_ROOT / "notebooks", project_copy / "notebooks")
    monkeypatch.setenv("KEDRO_ENV", "test")
    for path in sorted((project_copy / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
        outputs = [o for c in notebook.cells for o in c.get("outputs", [])]
        assert [o for o in outputs if "image/png" in o.get("data", {})], f"{path.name} showed no figure"
        streams = "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")
        assert "INFO" not in streams and "\x1b[" not in streams, f"{path.name} shows log lines: {streams[:500]}"
