"""The ``atdt`` command line. One module per subcommand; each imports heavy libraries only
inside its ``run`` so that ``atdt --help`` answers at once."""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "world": ("atdt.cli.world", "render the embedded procedural street world to disk"),
    "train-task": ("atdt.cli.train_task", "train one dense task network N = D(E(x))"),
    "evaluate": ("atdt.cli.evaluate", "evaluate a trained run on a dataset (paper-layout table)"),
    "predict": ("atdt.cli.predict", "predict on image files, write colourised PNGs and raw arrays"),
    "run": ("atdt.cli.run", "run a whole AT/DT experiment: the four steps, Baseline and Oracle"),
    "study": ("atdt.cli.study", "run a list of experiments and report them beside the paper's tables"),
    "data": ("atdt.cli.data", "inspect and check datasets on disk"),
    "proxy-depth": ("atdt.cli.proxy_depth", "stereo (SGM + left-right check) proxy depth labels"),
    "translate": ("atdt.cli.translate", "CycleGAN between two domains, then B's images made to look like A's"),
    "export": ("atdt.cli.export", "export a predictor or task network to ONNX (dynamic batch, height, width)"),
}


def build_parser() -> argparse.ArgumentParser:
    from atdt import __version__

    parser = argparse.ArgumentParser(
        prog="atdt",
        description="Learning Across Tasks and Domains (AT/DT, ICCV 2019): transfer a task to a "
        "domain where only another task is labelled.",
    )
    parser.add_argument("--version", action="version", version=f"atdt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        cmd = sub.add_parser(name, help=help_text, description=module.__doc__,
                             formatter_class=argparse.RawDescriptionHelpFormatter)  # keep the docstrings' example lines
        module.add_arguments(cmd)
        cmd.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return run_reporting_errors(args.command, lambda: args._run(args))


def run_reporting_errors(command: str, run) -> int:
    """``run()``'s exit status, a user's error turned into one line naming ``command`` (the
    subcommand, or the demo) and its status: 2 for a mistake in what was asked, 1 for what the
    system or a run refused; a bug keeps its traceback."""
    try:
        return int(run() or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError) as err:
        # user errors (bad config key, unknown domain, missing file): one clear line, no traceback
        print(f"atdt {command}: error: {err}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"atdt {command}: error: {OUT_OF_MEMORY}", file=sys.stderr)
        return 1
    except OSError as err:  # what the system refused: a read-only or full disk, permissions, a symlink loop
        print(f"atdt {command}: error: {os_error(err)}", file=sys.stderr)
        return 1
    except RuntimeError as err:
        if not stops_a_run(err):
            raise
        message = str(err)
        if out_of_memory(err):
            message = f"{OUT_OF_MEMORY} ({message.splitlines()[0]})"
        elif message.startswith("Symlink loop from "):
            path = message[len("Symlink loop from "):].strip("'")
            message = f"{path}: a symbolic link loop (the link leads back to itself)"
        print(f"atdt {command}: error: {message}", file=sys.stderr)
        return 1


def os_error(err: OSError) -> str:
    """An OSError in one line naming its file: "runs/x/last.ckpt: No space left on device"."""
    files = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
    return f"{files}: {err.strerror or err}" if files else str(err)


OUT_OF_MEMORY = "out of memory: lower the batch size, the crop or the network's width (train.batch_size, ...)"


def out_of_memory(err: RuntimeError) -> bool:
    torch = sys.modules.get("torch")
    return ("can't allocate memory" in str(err)
            or (torch is not None and isinstance(err, getattr(torch, "OutOfMemoryError", ()))))


def stops_a_run(err: RuntimeError) -> bool:
    """The RuntimeErrors that are a user's to act on, not bugs: a training whose loss became NaN
    (its message says what to change), a folder another run is writing, memory that a setting asks
    too much of, rank 0's error as the other DDP processes report it (rank 0 prints its own), and a
    symlink loop (which Python < 3.13 reports as a RuntimeError while resolving a path)."""
    loop, lock = sys.modules.get("atdt.engine.loop"), sys.modules.get("atdt.engine.lock")
    fabric = sys.modules.get("atdt.engine.fabric")
    return (str(err).startswith("Symlink loop from") or out_of_memory(err)
            or (loop is not None and isinstance(err, loop.NonFiniteLoss))
            or (lock is not None and isinstance(err, lock.FolderLocked))
            or (fabric is not None and isinstance(err, fabric.RankZeroFailed)))
