"""Renderers: each reads a GradeReport and never recomputes a grade."""
