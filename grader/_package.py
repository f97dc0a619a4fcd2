"""Import a ``cs231n`` package from a given folder under a name of our choice.

The reference solution, the student template and every submission are all a
package called ``cs231n``. Loading each under its own alias lets one
process hold the reference beside anything else without the two shadowing
each other in ``sys.modules``. The packages use relative imports only, which
is what makes the aliasing work.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[1]

#: The modules of the assignment's package, imported eagerly by load_cs231n.
SUBMODULES = (
    "layers",
    "layer_utils",
    "optim",
    "gradient_check",
    "solver",
    "data_utils",
    "classifiers",
    "classifiers.fc_net",
)


def reference_root() -> Path:
    """The folder that holds the reference ``cs231n`` package."""
    return REPO_ROOT / "reference"


#: Where the student release keeps a pristine copy of the templates
#: (grader.release): it has no student_template/ folder.
RELEASE_TEMPLATES = Path(__file__).resolve().parent / "recorded" / "template"


def template_root() -> Path:
    """The folder that holds the student template's ``cs231n`` package."""
    folder = REPO_ROOT / "student_template"
    return folder if folder.is_dir() or not RELEASE_TEMPLATES.is_dir() else RELEASE_TEMPLATES


def load_cs231n(root: Path, alias: str) -> ModuleType:
    """Import ``root/cs231n`` as the package ``alias``, with its submodules.

    ``alias.layers``, ``alias.optim``, ``alias.classifiers.fc_net`` and the
    rest are imported and set as attributes of the returned package. Calling
    it again with the same alias returns the package already imported.
    """
    if alias in sys.modules:
        return sys.modules[alias]
    package_dir = Path(root) / "cs231n"
    init = package_dir / "__init__.py"
    spec = importlib.util.spec_from_file_location(
        alias, init, submodule_search_locations=[str(package_dir)]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"no cs231n package in {root}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[alias] = package
    try:
        spec.loader.exec_module(package)
        for name in SUBMODULES:
            importlib.import_module(f"{alias}.{name}")
    except BaseException:
        for key in [k for k in sys.modules if k == alias or k.startswith(alias + ".")]:
            del sys.modules[key]
        raise
    return package
