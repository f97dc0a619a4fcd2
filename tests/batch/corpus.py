"""A class of generated submissions for the batch tests: correct, buggy,
broken and hostile, plus things in the folder that are not submissions."""

from __future__ import annotations

import sys
from pathlib import Path

from grader import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "examples"))
from build_submissions import EXAMPLES, Bug, Example, files_of, write_zip

from tests.grader.test_fc_net_checks import BUGS as NET_BUGS

FORWARD = '    mode = dropout_param["mode"]\n'


def _hostile(code: str) -> Bug:
    return Bug("layers.py", FORWARD, FORWARD + f"    {code}\n")


HOSTILE = {
    "hostile_exit": _hostile("import os; os._exit(0)"),
    "hostile_loop": _hostile("while True: pass"),
    "hostile_flood": _hostile("print('PASSED dropout_forward.scaling 2/2 ' * 2000)"),
    "hostile_forge": _hostile(
        "open('/tmp/report.json', 'w').write('{\"score\": 54}') if False else None\n"
        "    import pathlib; [p.write_text('{}') for p in pathlib.Path('.').glob('*.json')]"
    ),
}
BROKEN_CODE = {
    "broken_syntax": Bug("layers.py", FORWARD, FORWARD + "    def (:\n"),
    "broken_import": Bug(
        "optim.py", "import numpy as np\n", "import numpy as np\nraise ImportError('no')\n"
    ),
}


def build(folder: Path, correct: int = 8) -> dict[str, str]:
    """Write the class into ``folder``; student -> what kind of submission it is."""
    folder.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}

    def submit(name: str, example: Example, kind: str, marker: str = "") -> None:
        files = files_of(example)
        if marker:
            files["cs231n/layers.py"] += f"\n# {marker}\n".encode()
        write_zip(folder / f"{name}.zip", files)
        kinds[name] = kind

    for i in range(correct):
        submit(f"correct_{i}", Example("c", ""), "correct", marker=f"student {i}")
    (folder / "correct_0_resubmitted.zip").write_bytes((folder / "correct_0.zip").read_bytes())
    kinds["correct_0_resubmitted"] = "correct"
    for example in EXAMPLES[1:]:
        submit(example.name, example, "buggy")
    for name, (changes, _, _) in sorted(NET_BUGS.items()):
        bugs = tuple(Bug("classifiers/fc_net.py", old, new) for old, new in changes)
        submit("net_" + name.replace(" ", "_"), Example(name, "", bugs), "buggy")
    for name, bug in {**HOSTILE, **BROKEN_CODE}.items():
        submit(name, Example(name, "", (bug,)), name.split("_")[0])
    (folder / "broken_not_a_zip.zip").write_bytes(b"this is not a zip file")
    kinds["broken_not_a_zip"] = "broken"
    (folder / "broken_empty").mkdir()
    kinds["broken_empty"] = "broken"
    # Not submissions, and a name clash.
    (folder / "grades_2025.csv").write_text("student,score\n")
    (folder / ".DS_Store").write_bytes(b"\0\0")
    write_zip(folder / "alice.zip", files_of(Example("alice", "")))
    (folder / "alice").mkdir()
    (folder / "alice" / "layers.py").write_bytes(files_of(Example("a", ""))["cs231n/layers.py"])
    kinds["alice.zip"] = "correct"
    kinds["alice"] = "correct"
    return kinds
