"""Loads the grading plugin when pytest collects grader/ directly:
``pytest grader --submission=PATH``."""

from grader.plugin import *  # noqa: F403
from grader.plugin import evidence, profile_gate, student, submission  # noqa: F401
