"""Run a script that Lightning Fabric launches as two gloo processes (it starts the second by running
the file again) and read what each rank wrote: ``<folder>/rank0.json`` and ``rank1.json``."""

import json
import subprocess
import sys
from pathlib import Path


def run_two_ranks(script: str, folder: Path) -> list[dict]:
    """Write ``script`` into ``folder``, run it with ``folder`` as its argument, and return each
    rank's report; a failed run fails the test with the end of its stderr."""
    path = folder / "two.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path), str(folder)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads((folder / f"rank{r}.json").read_text()) for r in (0, 1)]
