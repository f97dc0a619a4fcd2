"""Grading a folder of submissions: discovery, the results store, executors,
exports and the class dashboard."""
