import os
import sys

from ._console import tolerant_output

tolerant_output()

# Before the grader's imports (pytest, numpy, the checks: about 0.2 s): a first
# batch's pool starts importing them at the same time, and a single grade's
# sandbox starts Python and numpy, so that neither waits for the other. (The
# pool's module imports multiprocessing and concurrent.futures, which a grade
# does not need.)
if sys.argv[1:2] == ["batch"]:
    from .batch.pool import start_early as start_pool

    start_pool(sys.argv[1:])
elif sys.argv[1:2] == ["grade"]:
    from .spare import start_early as start_sandbox

    start_sandbox(sys.argv[1:])

from .cli import main  # noqa: E402

try:
    code = main()
    sys.stdout.flush()
except BrokenPipeError:
    # The reader went away (`... | head`): stop quietly, as other tools do.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    code = 1
sys.exit(code)
