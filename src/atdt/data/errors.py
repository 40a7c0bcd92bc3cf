"""The one error type every dataset loader raises for a bad file on disk."""

from __future__ import annotations

from pathlib import Path


class DatasetError(ValueError):
    """A file of a dataset that cannot be used; the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")
