"""The instructor's commands: release, demo, bench, grade-all and validate.

autograder.cli adds them when this package is installed (never in the student handout
or the graders' copies). Each parses its options and calls the module that does the work.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

from autograder.contract import ALL_PARTS, MNIST_PARTS
from autograder.errors import UserError

RELEASE_EXTRA = ("tomli_w", "nbformat", "nbgrader")
"""What `release` imports beyond the engine (pyproject.toml's `release` extra)."""


def add_commands(commands: Any) -> None:
    """release, demo, bench, grade-all and validate: they need solutions/ or the instructor's
    tools (grade-all's class summary names hidden tests)."""
    release = commands.add_parser(
        "release",
        help="regenerate assignment/ from solutions/, validate, and build release/",
    )
    release.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 with a diff when assignment/ has drifted from solutions/",
    )
    release.add_argument(
        "--fast",
        action="store_true",
        help="validate without the slow tests and bugs before building (default: all)",
    )
    release.add_argument(
        "--bundle-data",
        action="store_true",
        help="put the four MNIST files inside autograder.zip (default: setup.sh downloads them)",
    )
    release.add_argument(
        "--out", type=Path, metavar="DIR", help="where to build (default: release/)"
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
            choices=MNIST_PARTS,
            help="only this part (repeatable; default: all three)",
        )
        command.set_defaults(run=run)

    grade_all = commands.add_parser(
        "grade-all",
        help="grade every submission folder or .zip of a class; gradebook, feedback, summary",
    )
    grade_all.add_argument(
        "submissions", type=Path, help="a folder holding one folder or .zip per student"
    )
    grade_all.add_argument(
        "--out", type=Path, required=True, help="where the gradebook and feedback go"
    )
    grade_all.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="gradings at once (default: 1)"
    )
    grade_all.add_argument("--fast", action="store_true", help="leave out the slow tests")
    grade_all.add_argument(
        "--config", type=Path, help="the grading.toml to use (default: found from here)"
    )
    grade_all.add_argument("--data", type=Path, metavar="DIR", help="folder of the MNIST files")
    grade_all.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="grade on the workers of this running Dask scheduler (needs the cluster extra)",
    )
    grade_all.add_argument(
        "--cluster",
        choices=("slurm",),
        help="start Dask workers as --jobs Slurm jobs (dask-jobqueue, configured in dask's "
        "jobqueue.yaml; see docs/course-scale.md)",
    )
    grade_all.add_argument(
        "--allow-weak-isolation",
        action="store_true",
        help="grade even where the workers could read the grader's files (no Landlock, and "
        "the files readable by other users): not official grades",
    )
    grade_all.set_defaults(run=_run_grade_all)

    validate = commands.add_parser(
        "validate",
        help="the instructor's check: solutions score full marks, stubs 0, every bug is caught",
    )
    validate.add_argument(
        "--fast", action="store_true", help="leave out the slow tests and the slow bugs"
    )
    validate.add_argument(
        "--jobs", type=int, default=2, metavar="N", help="gradings at once (default: 2)"
    )
    validate.add_argument(
        "--bug", action="append", metavar="NAME", help="only this bug (repeatable)"
    )
    validate.add_argument(
        "--part",
        action="append",
        choices=ALL_PARTS,
        help="grade only this part, and check only its bugs (repeatable; default: all on)",
    )
    validate.add_argument(
        "--config", type=Path, help="the grading.toml to use (default: found from here)"
    )
    validate.set_defaults(run=_run_validate)


def _run_release(args: argparse.Namespace) -> int:
    from autograder.instructor import validate
    from autograder.instructor.release import stubs as release

    if args.check:
        return release.main(check=True)
    missing = [name for name in RELEASE_EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise UserError(
            f"release needs the release extra, and {', '.join(missing)} is missing: install it"
            ' with  python -m pip install -e ".[release]"  and run release again'
        )
    from autograder.instructor.release import build

    try:
        return build.main(out=args.out, fast=args.fast, bundle_data=args.bundle_data)
    except validate.Interrupted as stop:
        print("\n" + stop.report() + " release/ was not built.", flush=True)
        return 130


def _run_grade_all(args: argparse.Namespace) -> int:
    from autograder.instructor.grade_all import runner as batch

    return batch.main(
        args.submissions,
        args.out,
        jobs=args.jobs,
        fast=args.fast,
        config=args.config,
        data=args.data,
        scheduler=args.scheduler,
        cluster=args.cluster,
        allow_weak_isolation=args.allow_weak_isolation,
    )


def _run_demo(args: argparse.Namespace) -> int:
    from autograder.instructor import demo

    return demo.main(data=args.data, parts=args.part)


def _run_bench(args: argparse.Namespace) -> int:
    from autograder.instructor import bench

    return bench.main(data=args.data, parts=args.part)


def _run_validate(args: argparse.Namespace) -> int:
    from autograder.instructor import bugs, validate

    return validate.main(
        fast=args.fast,
        jobs=args.jobs,
        bugs=bugs.by_name(args.bug) if args.bug else None,
        parts=args.part,
        config=args.config,
    )
