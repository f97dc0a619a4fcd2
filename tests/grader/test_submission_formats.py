"""Submissions that are less than the whole package: a single module file,
loose module files, notebooks. What the student handed in is graded; the rest
is the unfinished template, and the report says so."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import REPO_ROOT
from grader import submission as submission_module
from grader.errors import SubmissionError
from grader.grade import grade
from grader.report import GradeReport
from grader.submission import open_submission
from tests.grader.conftest import MakeSubmission

REFERENCE = REPO_ROOT / "reference" / "cs231n"
DROPOUT = {"dropout_forward", "dropout_backward"}
OPTIM = {"optim"}
NET = {"fc_net"}


def outcomes(report: GradeReport, parts: set[str]) -> set[str]:
    return {c.outcome for c in report.checks if c.part in parts}


def not_implemented(report: GradeReport, parts: set[str]) -> bool:
    """Every scored check of the parts failed as not implemented (the given,
    unscored sgd passes on the template)."""
    chosen = [c for c in report.checks if c.part in parts and c.max_points > 0]
    return bool(chosen) and all(
        c.outcome == "error" and "not implemented" in c.message and c.points == 0 for c in chosen
    )


def definition(path: Path, name: str) -> str:
    """The source text of a top-level function or class of the reference."""
    text = path.read_text()
    node = next(n for n in ast.parse(text).body if getattr(n, "name", None) == name)
    segment = ast.get_source_segment(text, node)
    assert segment is not None
    return segment


def notebook(path: Path, *cells: str) -> Path:
    """A version 4 notebook of code cells, written by hand without any metadata."""
    cell_list = [{"cell_type": "code", "source": source} for source in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "cells": cell_list}))
    return path


def stage(path: Path, tmp_path: Path) -> submission_module.Submission:
    return open_submission(path, tmp_path / "staged")


# --- a single module file ------------------------------------------------------------


def test_single_layers_py_is_graded_and_the_rest_is_not_implemented(tmp_path: Path) -> None:
    handed_in = tmp_path / "layers.py"
    handed_in.write_bytes((REFERENCE / "layers.py").read_bytes())
    report = grade(handed_in)
    assert outcomes(report, DROPOUT) == {"passed"}
    assert not_implemented(report, OPTIM) and not_implemented(report, NET)
    warning = next(w for w in report.warnings if "only part of the package" in w)
    assert "cs231n/layers.py is your layers.py" in warning
    assert "unfinished student template" in warning and "0 points" in warning


def test_single_optim_py_is_graded_and_the_rest_is_not_implemented(tmp_path: Path) -> None:
    handed_in = tmp_path / "optim.py"
    handed_in.write_bytes((REFERENCE / "optim.py").read_bytes())
    report = grade(handed_in)
    assert outcomes(report, OPTIM) == {"passed"}
    assert not_implemented(report, DROPOUT) and not_implemented(report, NET)
    assert any("cs231n/optim.py is your optim.py" in w for w in report.warnings)


def test_single_py_with_another_name_is_refused_with_the_accepted_names(tmp_path: Path) -> None:
    handed_in = tmp_path / "my_solution.py"
    handed_in.write_text("def dropout_forward(x, p): pass\n")
    with pytest.raises(SubmissionError) as error:
        stage(handed_in, tmp_path)
    message = str(error.value)
    assert "my_solution.py" in message
    assert all(name in message for name in ("layers.py", "optim.py", "layer_utils.py", "fc_net.py"))
    assert not (tmp_path / "staged").exists()


def test_single_file_over_the_size_limit_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submission_module, "MAX_FILE_BYTES", 100)
    handed_in = tmp_path / "layers.py"
    handed_in.write_bytes((REFERENCE / "layers.py").read_bytes())
    with pytest.raises(SubmissionError, match="too large"):
        stage(handed_in, tmp_path)


# --- loose module files in a folder or zip ------------------------------------------


def test_folder_of_loose_module_files_is_graded(tmp_path: Path) -> None:
    folder = tmp_path / "handin"
    folder.mkdir()
    for name in ("layers.py", "optim.py"):
        (folder / name).write_bytes((REFERENCE / name).read_bytes())
    report = grade(folder)
    assert outcomes(report, DROPOUT | OPTIM) == {"passed"}
    assert not_implemented(report, NET)
    warning = next(w for w in report.warnings if "only part of the package" in w)
    assert "cs231n/layers.py is your layers.py" in warning
    assert "cs231n/optim.py is your optim.py" in warning


def test_zip_of_loose_files_one_folder_down_is_staged(tmp_path: Path) -> None:
    archive = tmp_path / "handin.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("work/layers.py", "# mine\n")
        zf.writestr("work/classifiers/fc_net.py", "# my net\n")
        zf.writestr("work/notes.py", "x = 1\n")
        zf.writestr("work/solver.py", "x = 2\n")
    staged = stage(archive, tmp_path)
    package = staged.root / "cs231n"
    assert (package / "layers.py").read_text() == "# mine\n"
    assert (package / "classifiers" / "fc_net.py").read_text() == "# my net\n"
    assert (package / "optim.py").read_bytes() == (
        REPO_ROOT / "student_template" / "cs231n" / "optim.py"
    ).read_bytes()
    assert not (staged.root / "notes.py").exists()
    assert any("ignored work/notes.py, work/solver.py: " in w for w in staged.warnings)


def test_folder_with_nothing_usable_keeps_the_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "handin"
    folder.mkdir()
    (folder / "main.py").write_text("print('hello')\n")
    with pytest.raises(SubmissionError, match=r"no cs231n/ package found.*zipped the right"):
        stage(folder, tmp_path)


def test_notebook_beside_a_package_is_staged_not_overlaid(
    make_submission: MakeSubmission, tmp_path: Path
) -> None:
    folder = make_submission()
    notebook(folder / "Dropout.ipynb", "%%writefile cs231n/layers.py\nbroken(\n")
    staged = stage(folder, tmp_path)
    assert (staged.root / "cs231n" / "layers.py").read_bytes() == (
        folder / "cs231n" / "layers.py"
    ).read_bytes()
    assert "Dropout.ipynb" in staged.notebooks
    assert (staged.root / "Dropout.ipynb").read_bytes() == (folder / "Dropout.ipynb").read_bytes()
    assert not any("only part" in w for w in staged.warnings)


# --- notebooks ------------------------------------------------------------------------


def test_notebook_with_writefile_cells_gets_full_marks(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "Assignment.ipynb",
        "%%writefile cs231n/layers.py\n" + (REFERENCE / "layers.py").read_text(),
        "%%writefile /content/drive/MyDrive/cs231n/optim.py\n"
        + (REFERENCE / "optim.py").read_text(),
        # relative imports (from ..layers import ...) keep working in classifiers/
        "%%writefile cs231n/classifiers/fc_net.py\n"
        + (REFERENCE / "classifiers" / "fc_net.py").read_text(),
        "print('not part of any file')",
    )
    report = grade(path)
    assert report.checks and outcomes(report, DROPOUT | OPTIM | NET) == {"passed"}
    warning = next(w for w in report.warnings if "only part of the package" in w)
    assert "cs231n/layers.py from the %%writefile cell (Assignment.ipynb cell 1)" in warning
    assert "cs231n/classifiers/fc_net.py" in warning


def test_notebook_with_function_definitions_ignores_magics_and_shell_lines(
    tmp_path: Path,
) -> None:
    layers = REFERENCE / "layers.py"
    path = notebook(
        tmp_path / "Dropout.ipynb",
        "import numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline\n!pip list\n",
        "!pip list",
        definition(layers, "dropout_forward"),
        "def dropout_backward(dout, cache):\n    raise RuntimeError('a first try')\n",
        definition(layers, "dropout_backward") + "\n\nx = dropout_backward(1, 2)  # not run",
    )
    report = grade(path)
    assert outcomes(report, DROPOUT) == {"passed"}
    assert not_implemented(report, OPTIM)
    warning = next(w for w in report.warnings if "only part of the package" in w)
    assert "dropout_forward (Dropout.ipynb cell 3)" in warning
    assert "dropout_backward (Dropout.ipynb cell 5)" in warning
    assert not any("skipped" in w for w in report.warnings)  # the magics were ignored


def test_notebook_definitions_take_only_the_imports_they_use(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "Dropout.ipynb",
        "import numpy as np\nimport matplotlib.pyplot as plt\n%matplotlib inline",
        "from cs231n.layers import dropout_forward\nfrom cs231n.classifiers import *",
        definition(REFERENCE / "layers.py", "dropout_forward"),
    )
    layers = (stage(path, tmp_path).root / "cs231n" / "layers.py").read_text()
    tree = ast.parse(layers)
    assert [n.name for n in tree.body if getattr(n, "name", "") == "dropout_forward"] == [
        "dropout_forward"
    ]
    imports = [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert imports.count("import numpy as np") == 2  # the template's and the notebook's
    assert "matplotlib" not in layers and "classifiers" not in layers
    assert "%matplotlib" not in layers


def test_notebook_net_definition_imports_the_package_relatively(tmp_path: Path) -> None:
    layers = REFERENCE / "layers.py"
    names = ("affine_forward", "affine_backward", "relu_forward", "relu_backward")
    path = notebook(
        tmp_path / "FullyConnectedNets.ipynb",
        "import numpy as np\nfrom cs231n.layers import *\n"
        "from cs231n.layer_utils import affine_relu_forward, affine_relu_backward",
        *[definition(layers, name) for name in (*names, "softmax_loss")],
        *[definition(layers, name) for name in sorted(DROPOUT)],
        definition(REFERENCE / "classifiers" / "fc_net.py", "FullyConnectedNet"),
    )
    report = grade(path, keyword="fc_net or dropout")
    assert outcomes(report, NET | DROPOUT) == {"passed"}
    net = (stage(path, tmp_path).root / "cs231n" / "classifiers" / "fc_net.py").read_text()
    assert "from ..layers import *" in net and "cs231n" not in net.split("# --- Taken")[1]


def test_notebook_of_nbformat_version_3_is_read(tmp_path: Path) -> None:
    layers = REFERENCE / "layers.py"
    cells = [
        {"cell_type": "markdown", "source": ["# Dropout"]},
        {"cell_type": "code", "language": "python", "input": ["import numpy as np"]},
        *[
            {
                "cell_type": "code",
                "input": definition(layers, name).splitlines(keepends=True),
                "outputs": [],
            }
            for name in sorted(DROPOUT)
        ],
    ]
    path = tmp_path / "old.ipynb"
    path.write_text(
        json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": cells}]})
    )
    report = grade(path, keyword="dropout")
    assert report.checks and outcomes(report, DROPOUT) == {"passed"}
    assert any("dropout_backward (old.ipynb cell 3)" in w for w in report.warnings)


def test_corrupt_notebook_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "Dropout.ipynb"
    path.write_text('{"cells": [{"cell_type": "code", "source": "x = ')
    with pytest.raises(SubmissionError) as error:
        grade(path)
    message = str(error.value)
    assert "Dropout.ipynb: not a notebook: it is not valid JSON" in message
    assert "submit the saved .ipynb" in message


def test_json_that_is_not_a_notebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "Dropout.ipynb"
    path.write_text("[1, 2, 3]")
    with pytest.raises(SubmissionError, match=r"not a Jupyter notebook.*nbformat"):
        stage(path, tmp_path)


def test_notebook_with_nothing_gradable_says_what_a_gradable_one_holds(tmp_path: Path) -> None:
    path = notebook(tmp_path / "Dropout.ipynb", "import numpy as np\nprint(np.pi)")
    with pytest.raises(SubmissionError) as error:
        stage(path, tmp_path)
    message = str(error.value)
    assert "holds no code the grader can take" in message
    assert "%%writefile cs231n/layers.py" in message and "dropout_forward" in message


def test_cell_that_does_not_parse_is_skipped_with_its_number(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "Dropout.ipynb",
        "import numpy as np",
        "files = !ls\ndef dropout_forward(x, dropout_param):\n    return x, None\n",
        definition(REFERENCE / "layers.py", "dropout_backward"),
    )
    staged = stage(path, tmp_path)
    assert any("Dropout.ipynb: cells 2 (" in w and "skipped" in w for w in staged.warnings)
    layers = (staged.root / "cs231n" / "layers.py").read_text()
    assert "return x, None" not in layers and "dx = dout * mask" in layers


def test_writefile_path_cannot_leave_the_staging_folder(tmp_path: Path) -> None:
    path = notebook(
        tmp_path / "a" / "b" / "Dropout.ipynb",
        "%%writefile ../../etc/x.py\nprint('escaped')\n",
        "%%writefile ../../../layers.py\nMARK = 1\n",
    )
    staged = stage(path, tmp_path)
    assert any("'../../etc/x.py'" in w and "ignored" in w for w in staged.warnings)
    assert (staged.root / "cs231n" / "layers.py").read_text() == "MARK = 1\n"
    written = [p for p in tmp_path.rglob("*") if p.name in ("x.py", "layers.py")]
    assert written == [staged.root / "cs231n" / "layers.py"]
    assert not (tmp_path / "etc").exists()


def test_folder_of_notebooks_without_a_package_is_read_in_order(tmp_path: Path) -> None:
    folder = tmp_path / "handin"
    notebook(
        folder / "Dropout.ipynb",
        "def dropout_backward(dout, cache):\n    return dout\n",
    )
    notebook(
        folder / "Optimizers.ipynb",
        "%%writefile cs231n/optim.py\nA = 1\n",
        "%%file -a\tcs231n/optim.py\nB = 2\n",
        "%%bash\necho not python\n",
    )
    staged = stage(folder, tmp_path)
    package = staged.root / "cs231n"
    assert (package / "optim.py").read_text() == "A = 1\nB = 2\n"
    assert "    return dout\n" in (package / "layers.py").read_text()
    assert staged.notebooks == ("Dropout.ipynb", "Optimizers.ipynb")
    assert (staged.root / "Optimizers.ipynb").is_file()


def test_nbformat_is_imported_only_for_a_notebook_to_take_code_from() -> None:
    """About 55 ms that a grade of a zip with its cs231n/ package does not pay."""
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from grader import submission\n"
        "import grader.grade, grader.cli\n"
        "print('nbformat' in sys.modules)\n"
        "submission.read_files(Path(sys.argv[1]))\n"
        "print('nbformat' in sys.modules)\n"
    )
    reference = REPO_ROOT / "examples" / "submissions" / "reference.zip"
    done = subprocess.run(
        [sys.executable, "-c", probe, str(reference)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.split() == ["False", "False"], done.stderr


def test_a_pipe_is_refused_at_once_not_waited_on(tmp_path: Path) -> None:
    """Before: reading a pipe named homework.zip waited for ever."""
    import os

    pipe = tmp_path / "homework.zip"
    os.mkfifo(pipe)
    with pytest.raises(SubmissionError, match="not a regular file or folder"):
        submission_module.read_files(pipe)


def test_folder_of_zips_given_to_grade_points_to_batch(tmp_path: Path) -> None:
    """A class folder given to ``grade`` (a submission each in a zip) says to run batch."""
    for name in ("ada.zip", "bo.zip"):
        (tmp_path / name).write_bytes(
            (REPO_ROOT / "examples/submissions/reference.zip").read_bytes()
        )
    with pytest.raises(SubmissionError) as error:
        open_submission(tmp_path, tmp_path / "staging")
    message = str(error.value)
    assert "holds no .py files or notebooks" in message
    assert "It holds 2 zip files" in message and f"python -m grader batch {tmp_path}" in message


def test_folder_holding_one_zip_names_it(tmp_path: Path) -> None:
    (tmp_path / "HW2.zip").write_bytes(
        (REPO_ROOT / "examples/submissions/reference.zip").read_bytes()
    )
    with pytest.raises(
        SubmissionError, match=r"It holds one zip: to grade it, give its path, .*HW2\.zip"
    ):
        open_submission(tmp_path, tmp_path / "staging")
