"""The closing section of a study's report: the other studies it names (``see_also``), each with a
link, its command, the split its scores are on and its summary table, read from its report on disk."""

from __future__ import annotations

import os
from pathlib import Path

# the lines of a report that another report's closing section (``see_also``) reads back
COMMAND, SCORES, SUMMARY = "Command: ", "Scores on ", "## Summary"


def see_also(paths, doc: Path) -> list[str]:
    """The closing section: for each other study's report, a link, its command and its summary table
    (read from the report, so it shows what that study last wrote), or a note that it is not there."""
    if not paths:
        return []
    lines = ["## Other studies", "",
             "The summary tables of the other studies' reports as they stand on disk; each report has the "
             "per-setting tables and the paper's rows.", ""]
    for path in map(Path, paths):
        link = Path(os.path.relpath(path, doc.parent)).as_posix()
        if not path.is_file():
            lines += [f"### [{path.stem}]({link})", "", f"Not run yet: `atdt study {path.stem} --doc {path.as_posix()}`.", ""]
            continue
        text = path.read_text()
        report = text.splitlines()
        title = report[0].lstrip("# ").strip() if text.strip() else path.stem
        command = next((line for line in report if line.startswith(COMMAND)), "")
        scores = next((line.split(",")[0] + "." for line in report if line.startswith(SCORES)), "")
        summary = text.split(SUMMARY, 1)[1].split("\n## ", 1)[0].strip() if SUMMARY in text else ""
        lines += [f"### [{title}]({link})", ""] + [line for line in (command, scores) if line] + [""]
        lines += [summary or "(its report has no summary table)", ""]
    return lines
