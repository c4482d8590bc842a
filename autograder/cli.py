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
from typing import TYPE_CHECKING, Any

from autograder.config import Config, load_config
from autograder.contract import ALL_PARTS
from autograder.errors import UserError
from autograder.submission import locate

if TYPE_CHECKING:
    from autograder.sandbox.assurance import Assurance


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

    if INSTRUCTOR:
        from autograder.instructor.commands import add_commands

        add_commands(commands)

    check = commands.add_parser(
        "check", help="the student self-check: run the visible tests, report what to fix"
    )
    check.add_argument(
        "submission",
        nargs="?",
        type=Path,
        help="the folder of your four modules (default: assignment/)",
    )
    grade = commands.add_parser(
        "grade",
        help="grade with every test this copy of the grader holds, as Gradescope results.json",
    )
    grade.add_argument("submission", type=Path, help="a folder holding the four modules")
    grade.add_argument("--results", type=Path, required=True, help="where to write results.json")
    grade.add_argument("--junit", type=Path, help="also write JUnit XML here")
    grade.add_argument(
        "--allow-weak-isolation",
        action="store_true",
        help="grade even where the worker could read the grader's files (no Landlock, and "
        "the files readable by other users): not an official grade",
    )
    for command in (check, grade):
        command.add_argument(
            "--feedback",
            type=Path,
            metavar="DIR",
            help="also write a feedback page with figures: DIR/feedback.html and feedback.md",
        )
        command.add_argument(
            "--title", help="the feedback page's title (default: names the submission folder)"
        )
        command.add_argument(
            "--part",
            action="append",
            choices=ALL_PARTS,
            help="grade only this part (repeatable; default: the parts grading.toml switches on)",
        )
        command.add_argument(
            "--fast",
            action="store_true",
            help="leave out the slow tests (MNIST training, full-size timing)",
        )
        command.add_argument(
            "--config", type=Path, help="the grading.toml to use (default: found from here)"
        )
        command.add_argument("--data", type=Path, metavar="DIR", help="folder of the MNIST files")
    check.set_defaults(run=_run_check)
    grade.set_defaults(run=_run_grade)

    data = commands.add_parser(
        "data", help="find (or download) the four MNIST files and verify their checksums"
    )
    data.add_argument("--data", type=Path, metavar="DIR", help="folder of the MNIST files")
    data.add_argument(
        "--into",
        type=Path,
        metavar="DIR",
        help="keep the files in DIR: download the missing ones there (Gradescope's setup.sh)",
    )
    data.set_defaults(run=_run_data)
    return parser


INSTRUCTOR = (Path(__file__).parent / "instructor" / "__init__.py").is_file()
"""Whether this copy of the package has the instructor's tools: False in the student
handout and in the graders' copies, which ship the package without its instructor/ folder.
(A look at this package's own folder, not an import: an editable install of the
repository elsewhere in the same environment would answer an import.)"""


def _feedback(folder: Path | None, result: Any, title: str) -> None:
    """Write the feedback page when asked to (--feedback DIR)."""
    if folder is not None:
        from autograder.feedback.page import write_feedback

        try:
            print(f"Wrote {write_feedback(result, folder, title=title)}")
        except (OSError, ValueError) as error:  # the grade stands; only the page is missing
            print(f"warning: no feedback page in {folder}: {error}", file=sys.stderr)


def _run_data(args: argparse.Namespace) -> int:
    from autograder.config import configured_data_dir
    from autograder.mnist import FILES, fill_folder, find_mnist_dir

    # --into: that folder, whatever MNIST_DIR or grading.toml say
    if args.into:
        folder = fill_folder(args.into.resolve())
    else:
        folder = find_mnist_dir(args.data, configured=configured_data_dir())
    print(f"MNIST: the {len(FILES)} official files, checksums verified, in {folder}")
    return 0


def _run_check(args: argparse.Namespace) -> int:
    from autograder.engine.grading import GraderError, grade
    from autograder.feedback import report

    config = load_config(args.config)
    submission = args.submission or config.root / "assignment"
    parts = _parts(args.part, config)
    print(f"Checking {submission} on the visible tests (seed {config.seed})...", flush=True)
    try:
        result = grade(
            submission, config, parts=parts, visible_only=True, fast=args.fast, data=args.data
        )
    except GraderError as error:
        print(f"autograder error (not a problem of your code): {error}", file=sys.stderr)
        return 3
    print(report.terminal(result))
    _feedback(args.feedback, result, args.title or f"Self-check of {submission.name}")
    if result.errors:
        if any("MNIST" in outcome.message for outcome in result.errors):
            print(
                "\nSome tests could not run: the MNIST files could not be found or downloaded"
                " (above). Run the check again when you are online, or put the four files in"
                " a folder and set MNIST_DIR to it (or pass --data DIR); `python -m autograder"
                " data` downloads and verifies them."
            )
        else:
            print("\nSome tests could not run (autograder error above): tell the course staff.")
        return 3
    return 0 if result.all_passed else 1


def _run_grade(args: argparse.Namespace) -> int:
    import time

    from autograder.engine.failures import stop_on_signals
    from autograder.engine.grading import grade
    from autograder.feedback import report
    from autograder.sandbox import isolation
    from autograder.sandbox.reaper import clean_earlier_runs

    stop_on_signals()  # a platform's SIGTERM ends the run; the tests graded so far are kept
    start = time.perf_counter()
    if cleared := clean_earlier_runs():  # a grading killed earlier (SIGKILL) left these
        print(f"Cleared what killed gradings left: {', '.join(cleared)}", file=sys.stderr)
    if not isolation.current().full_lockdown:
        print(isolation.OFFICIAL_NOTE, file=sys.stderr)
    try:
        config = load_config(args.config)
        assurance = _assurance(config, args)
        parts = _parts(args.part, config)
        submission = locate(args.submission)
        if submission != args.submission:
            print(f"Grading the modules in {submission}", flush=True)
        result = grade(
            submission, config, parts=parts, fast=args.fast, junit=args.junit, data=args.data
        )
    except BaseException as error:  # noqa: BLE001 - a results file is written whatever happens
        partial = getattr(error, "partial", None)
        if partial is not None:  # what was graded, and a visible test saying what failed
            results = report.gradescope(partial)
            results["output"] = f"AUTOGRADER ERROR: {error}. " + results["output"]
            elapsed = time.perf_counter() - start
            results["tests"] += report.grader_failure(error, elapsed)["tests"]
        else:
            results = report.grader_failure(error, time.perf_counter() - start)
        report.write_json(args.results, results)
        if isinstance(error, UserError):
            raise
        print(f"autograder error: {type(error).__name__}: {error}", file=sys.stderr)
        return 3
    worker = result.extra.setdefault("worker", {})
    worker.update(assurance.report())
    report.write_json(args.results, report.gradescope(result))
    print(report.terminal(result))
    if worker.get("missing"):
        print(f"warning: the worker lacked {'; '.join(worker['missing'])}", file=sys.stderr)
    print(f"\nWrote {args.results}")
    _feedback(args.feedback, result, args.title or f"Grade of {submission.name}")
    if result.errors:
        print(f"autograder error in {len(result.errors)} test(s): see above", file=sys.stderr)
        return 3
    return 0


def _assurance(config: Config, args: argparse.Namespace) -> Assurance:
    """What keeps the grader's files from the worker here (autograder.sandbox.assurance),
    its warnings printed; UserError where nothing does, unless --allow-weak-isolation."""
    from autograder.sandbox.assurance import UnprotectedGrade, refuse_unprotected

    try:
        assurance = refuse_unprotected(config.path, args.allow_weak_isolation)
    except UnprotectedGrade as error:
        raise UserError(str(error)) from None
    for line in assurance.warnings():
        print(f"warning: {line}", file=sys.stderr)
    return assurance


def _parts(chosen: list[str] | None, config: Config) -> tuple[str, ...]:
    """The parts of --part (default: those grading.toml switches on), in contract order."""
    if not chosen:
        return config.parts
    if off := [part for part in chosen if part not in config.parts]:
        raise UserError(
            f"--part {off[0]}: the part is not switched on in {config.path} (its `parts` "
            f"lists {', '.join(config.parts)}); see docs/optional-parts.md"
        )
    return tuple(part for part in ALL_PARTS if part in chosen)
