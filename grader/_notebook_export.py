"""Take a student's code out of notebooks without running any of it.

Two sources, read with ``ast`` only, never executed in this process:

- a cell that starts with ``%%writefile <path>`` whose file name is a module
  of the package (``%%writefile cs231n/layers.py``): its body is that file.
  Only the file name counts; the path never decides where anything is
  written, so ``../`` or an absolute path cannot leave the staging folder;
- top-level ``def`` and ``class`` statements named like the package's
  functions and classes (``dropout_forward``, ``FullyConnectedNet``, ...):
  each replaces the template's definition, appended at the end of the
  template module that defines it (the later definition wins), together
  with the notebook's helper functions it calls and the notebook imports it
  uses (imports of ``cs231n`` made relative).
"""

from __future__ import annotations

import ast
import json
import shlex
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from ._overlay import ACCEPTED, MODULES, api_names, template_files, top_level_names
from .errors import SubmissionError

#: Cell magics whose body is ordinary Python that the notebook runs.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture"})


def _upgraded(text: str) -> Any:
    """The notebook ``text`` read without validating (missing metadata must not
    matter), then upgraded to version 4. nbformat is imported here, on the first
    notebook a process takes code from: importing it costs about 55 ms, which
    every grade of a submission with its cs231n/ package would pay for nothing."""
    import nbformat

    read: Callable[[str], Any] = nbformat.reader.reads  # not annotated by nbformat
    convert: Callable[[Any, int], Any] = nbformat.convert
    return convert(read(text), 4)


Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
Import = ast.Import | ast.ImportFrom


def nothing_found(source: object) -> SubmissionError:
    return SubmissionError(
        f"{source}: the notebook holds no code the grader can take. A gradable "
        "notebook has cells that start with '%%writefile cs231n/layers.py' (or "
        f"another of {ACCEPTED}) followed by the whole file, or cells that define "
        "the assignment's functions and classes (dropout_forward, sgd_momentum, "
        "FullyConnectedNet, ...). Better still, submit the zip of your assignment "
        "folder with its cs231n/ package."
    )


@dataclass
class _Found:
    name: str
    text: str
    node: Definition
    where: str


@dataclass
class Export:
    """What the notebooks hold: new text of package modules, and what was taken."""

    modules: dict[str, str] = field(default_factory=dict)
    taken: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _fill_defaults(raw: dict[str, Any]) -> None:
    """Add the keys nbformat insists on but the grader does not need, and drop
    outputs, so that a notebook missing its metadata still reads."""
    raw["metadata"] = raw["metadata"] if isinstance(raw.get("metadata"), dict) else {}
    sheets = raw.get("worksheets") if raw["nbformat"] < 4 else [raw]
    for sheet in sheets if isinstance(sheets, list) else []:
        if not isinstance(sheet, dict):
            continue
        sheet.setdefault("metadata", {})
        cells = sheet.setdefault("cells", [])
        if isinstance(cells, list):
            sheet["cells"] = cells = [c for c in cells if isinstance(c, dict)]
            for cell in cells:
                cell.setdefault("metadata", {})
                if cell.get("cell_type") == "code":
                    cell["outputs"] = []
                    cell.setdefault("input" if raw["nbformat"] < 4 else "source", "")
                    cell.setdefault("execution_count", None)
                else:
                    cell.setdefault("source", "")


def read_notebook(name: str, content: bytes) -> list[tuple[int, str]]:
    """The code cells of a notebook of any nbformat version, as (cell number
    counted from 1 over all cells, source)."""
    fix = (
        "Open it in Jupyter, save it, and submit the saved .ipynb file, or submit "
        "the zip of your assignment folder."
    )
    try:
        raw = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SubmissionError(f"{name}: not a notebook: it is not UTF-8 text. {fix}") from None
    except (ValueError, RecursionError) as exc:
        raise SubmissionError(
            f"{name}: not a notebook: it is not valid JSON ({exc}); the file may be "
            f"cut short or damaged. {fix}"
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("nbformat"), int):
        raise SubmissionError(
            f"{name}: not a Jupyter notebook: its JSON has no 'nbformat' version. {fix}"
        )
    _fill_defaults(raw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            notebook = _upgraded(json.dumps(raw))
        cells = list(notebook.cells)
    except Exception as exc:  # nbformat raises many kinds on a malformed notebook
        raise SubmissionError(
            f"{name}: not a notebook nbformat can read ({type(exc).__name__}: {exc}). {fix}"
        ) from None
    code = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(line) for line in source)
        if cell.get("cell_type") == "code" and isinstance(source, str):
            code.append((number, source.replace("\r\n", "\n")))
    return code


def _strip_magics(source: str) -> str:
    """Line magics and shell lines become ``pass``, keeping line numbers."""
    lines = source.split("\n")
    for i, line in enumerate(lines):
        body = line.lstrip()
        if body.startswith(("%", "!")):
            lines[i] = line[: len(line) - len(body)] + "pass"
    return "\n".join(lines)


def _parse(source: str) -> tuple[ast.Module, str] | str:
    """The cell's syntax tree and the text it was parsed from, or why not."""
    reason = ""
    for text in (source, _strip_magics(source)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SyntaxWarning on "\d" and the like
                return ast.parse(text), text
        except SyntaxError as exc:
            reason = f"{exc.msg}, line {exc.lineno}"
        except (ValueError, RecursionError, MemoryError) as exc:
            reason = type(exc).__name__
    return reason


def _relative(node: Import, module: str) -> list[Import]:
    """``from cs231n.layers import x`` as seen from ``module``: ``from .layers import x``."""
    level = module.count("/")
    if isinstance(node, ast.ImportFrom):
        name = node.module or ""
        if node.level == 0 and (name == "cs231n" or name.startswith("cs231n.")):
            rest = name.removeprefix("cs231n").lstrip(".") or None
            return [ast.ImportFrom(module=rest, names=node.names, level=level)]
        return [node]
    result: list[Import] = []
    for alias in node.names:
        head, _, last = alias.name.rpartition(".")
        if alias.asname and (head == "cs231n" or head.startswith("cs231n.")):
            rest = head.removeprefix("cs231n").lstrip(".") or None
            result.append(ast.ImportFrom(rest, [ast.alias(last, alias.asname)], level))
        else:
            result.append(ast.Import(names=[alias]))
    return result


def _bound(node: Import) -> set[str]:
    """The names an import statement binds (for ``*`` from the package: its
    functions and classes; from elsewhere: none, so it is never taken)."""
    names: set[str] = set()
    for alias in node.names:
        if alias.name == "*":
            assert isinstance(node, ast.ImportFrom)
            if node.level:
                dotted = "cs231n/" + (node.module or "").replace(".", "/")
                for path in (dotted + ".py", dotted.rstrip("/") + "/__init__.py"):
                    names |= top_level_names().get(path, frozenset())
        else:
            names.add(alias.asname or alias.name.partition(".")[0])
    return names


def _imports_for(module: str, imports: list[Import], needed: set[str]) -> list[str]:
    """The notebook imports that bind a name the module's new code needs, and
    an import of each package function it uses but no import binds."""
    own = module.removesuffix(".py").replace("/", ".").removeprefix("cs231n.")
    lines: list[str] = []
    bound: set[str] = set()
    for node in imports:
        for statement in _relative(node, module):
            source_module = statement.module if isinstance(statement, ast.ImportFrom) else None
            if isinstance(statement, ast.ImportFrom) and statement.level and source_module == own:
                continue  # the module itself
            names = _bound(statement)
            if names & needed and (line := ast.unparse(statement)) not in lines:
                lines.append(line)
                bound |= names
    level = "." * module.count("/")
    for name in sorted(needed - bound):
        path = api_names().get(name)
        if path is not None and path != module:
            dotted = path.removesuffix(".py").replace("/", ".").removeprefix("cs231n.")
            lines.append(f"from {level}{dotted} import {name}")
    return lines


def _without(text: str, names: set[str]) -> str:
    """The template module's text without its top-level definitions of ``names``,
    so that the student's are the only ones (profile detection reads the first)."""
    lines = text.split("\n")
    for node in reversed(ast.parse(text).body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and (
            node.name in names
        ):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            lines[start - 1 : node.end_lineno] = [f"# {node.name}: see below"]
    return "\n".join(lines)


def _names_in(nodes: list[Definition]) -> set[str]:
    return {n.id for node in nodes for n in ast.walk(node) if isinstance(n, ast.Name)}


class _Reader:
    """Goes through the notebooks' cells in order, the later cell winning."""

    def __init__(self) -> None:
        self.written: dict[str, tuple[str, str]] = {}  # module -> (text, where)
        self.api: dict[str, _Found] = {}
        self.helpers: dict[str, _Found] = {}
        self.imports: list[Import] = []
        self.warnings: list[str] = []

    def notebook(self, name: str, content: bytes) -> None:
        skipped = []
        for number, source in read_notebook(name, content):
            where = f"{name} cell {number}"
            first, _, body = source.lstrip("\n").partition("\n")
            if first.startswith("%%"):
                magic, *rest = first[2:].split(maxsplit=1) or [""]
                if magic in ("writefile", "file"):  # %%file is IPython's alias
                    self.writefile(" ".join(rest), body, where)
                    continue
                if magic not in PYTHON_CELL_MAGICS:
                    continue  # %%bash, %%html, ...: not Python
                source = body
            parsed = _parse(source)
            if isinstance(parsed, str):
                skipped.append(f"{number} ({parsed})")
                continue
            self.statements(*parsed, where)
        if skipped:
            self.warnings.append(
                f"{name}: cells {', '.join(skipped[:10])} are not valid Python even "
                "without their % and ! lines and were skipped; any function they "
                "define was not graded"
            )

    def writefile(self, args: str, body: str, where: str) -> None:
        try:
            words = shlex.split(args)
        except ValueError:
            words = args.split()
        paths = [w for w in words if not w.startswith("-")]
        target = PurePosixPath(paths[-1].replace("\\", "/")).name if paths else ""
        module = MODULES.get(target)
        if module is None:
            self.warnings.append(
                f"{where} writes {args.strip()!r}, which is not a file the grader "
                f"takes ({ACCEPTED}): ignored"
            )
            return
        text = body if body.endswith("\n") else body + "\n"
        if "-a" in words or "--append" in words:
            base = self.written.get(module, (template_files()[module].decode(), ""))[0]
            text = base + text
        self.written[module] = (text, where)

    def statements(self, tree: ast.Module, text: str, where: str) -> None:
        lines = text.split("\n")
        api = api_names()
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            if isinstance(node, ast.Import | ast.ImportFrom):
                self.imports.append(node)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                source = "\n".join(lines[start - 1 : node.end_lineno])
                found = _Found(node.name, source, node, where)
                table = self.api if node.name in api else self.helpers
                table.pop(node.name, None)
                table[node.name] = found

    def export(self) -> Export:
        result = Export(warnings=self.warnings)
        for module, (text, where) in self.written.items():
            result.modules[module] = text
            result.taken.append(f"{module} from the %%writefile cell ({where})")
        api = api_names()
        for module in MODULES.values():
            found = [f for f in self.api.values() if api[f.name] == module]
            if not found:
                continue
            if module in self.written:
                result.warnings.append(
                    f"{', '.join(f'{f.name} ({f.where})' for f in found)} not used: "
                    f"{module} came whole from a %%writefile cell"
                )
                continue
            chosen = self.with_helpers(found)
            defined = {f.name for f in chosen}
            needed = _names_in([f.node for f in chosen]) - defined
            head = "\n".join(_imports_for(module, self.imports, needed))
            where = "; ".join(f"{f.name} ({f.where})" for f in found)
            result.modules[module] = (
                _without(template_files()[module].decode(), defined)
                + "\n\n# --- Taken by the grader from the notebook, which it did not run: "
                + where
                + " ---\n"
                + (head + "\n\n\n" if head else "")
                + "\n\n\n".join(f.text for f in chosen)
                + "\n"
            )
            result.taken.append(f"{where} into {module}")
        return result

    def with_helpers(self, found: list[_Found]) -> list[_Found]:
        """The definitions and, before them, the notebook's non-API functions they call."""
        names = {f.name for f in found}
        while True:
            more = (_names_in([f.node for f in found]) & set(self.helpers)) - names
            if not more:
                break
            names |= more
            found = [self.helpers[n] for n in more] + found
        order = {f.name: i for i, f in enumerate(self.helpers.values())}
        helpers = sorted((f for f in found if f.name in order), key=lambda f: order[f.name])
        return helpers + [f for f in found if f.name not in order]


def export(notebooks: list[tuple[str, bytes]]) -> Export:
    """The package code that ``notebooks`` (name, content) hold, in order."""
    reader = _Reader()
    for name, content in notebooks:
        reader.notebook(name, content)
    return reader.export()
