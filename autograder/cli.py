"""Command line: ``python -m autograder COMMAND``.

Each command is a thin layer: it parses options, calls a module that returns numbers or
results, and prints them. Errors the user can fix (bad grading.toml, missing or corrupt
data, broken solution markers) are printed as one message, exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from autograder.errors import UserError


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    release = commands.add_parser(
        "release", help="regenerate assignment/ (the student stubs) from solutions/"
    )
    release.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 with a diff when assignment/ has drifted from solutions/",
    )
    release.set_defaults(run=_run_release)

    for name, run, text in (
        ("demo", _run_demo, "load MNIST, train and evaluate the three reference classifiers"),
        ("bench", _run_bench, "time the reference solutions on full MNIST against the targets"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("--data", type=Path, metavar="DIR", help="folder of the MNIST files")
        command.add_argument(
            "--part",
            action="append",
            choices=("knn", "linear_svm", "neural_net"),
            help="only this part (repeatable; default: all three)",
        )
        command.set_defaults(run=run)
    return parser


def _run_release(args: argparse.Namespace) -> int:
    from autograder import release

    return release.main(check=args.check)


def _run_demo(args: argparse.Namespace) -> int:
    from autograder import demo

    return demo.main(data=args.data, parts=args.part)


def _run_bench(args: argparse.Namespace) -> int:
    from autograder import bench

    return bench.main(data=args.data, parts=args.part)
