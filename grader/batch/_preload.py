"""Imported once by the batch's fork server (grader.batch.pool): what every
pool process needs to grade, so that none imports it after its start."""

from grader import grade  # noqa: F401
from grader.batch import jobs  # noqa: F401
from grader.registry import load_all

load_all()  # the check modules
