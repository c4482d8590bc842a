"""The grader's end of one worker: its process and the two pipes of its channel
(autograder.sandbox.wire's messages), and how the process ended."""

from __future__ import annotations

import contextlib
import queue
import signal
import subprocess
import threading
from typing import IO, Any

import numpy as np

from autograder.sandbox import budgets, isolation, wire
from autograder.sandbox.disk import Watchdog


class WorkerDied(Exception):
    """The worker ended while the grader waited on it (its exit or a kill)."""


class Worker:
    """One running worker process and its two pipes."""

    def __init__(self, process: subprocess.Popen[bytes], incoming: IO[bytes], outgoing: IO[bytes]):
        self.process = process
        self.incoming, self.outgoing = incoming, outgoing
        self.watchdog: Watchdog | None = None  # where no private disk bounds its folder
        self._reading: queue.SimpleQueue[Any] | None = None  # see _receive_in_thread

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, header: dict[str, Any], arrays: list[np.ndarray[Any, Any]]) -> None:
        try:
            wire.send(self.outgoing, header, arrays)
        except (BrokenPipeError, ValueError) as error:
            raise WorkerDied(self.ending()) from error

    def receive(self, byte_limit: int) -> tuple[dict[str, Any], list[np.ndarray[Any, Any]]]:
        """The worker's next message; WorkerDied when it ended first (even if a process
        it started still holds its end of the pipe). It waits in steps of 50 ms, so that
        a time budget (autograder.sandbox.budgets.time_limit) can interrupt it; it reads
        the budgets' clocks first (many quick answers or callbacks add up too)."""
        budgets.checkpoint()
        if not isolation.current().descriptors:
            return self._receive_in_thread(byte_limit)
        import select

        while not select.select([self.incoming], [], [], budgets.TICK)[0]:
            budgets.checkpoint()
            if self.process.poll() is not None:
                raise WorkerDied(self.ending())
        try:
            return wire.receive(self.incoming, byte_limit)
        except EOFError as error:
            raise WorkerDied(self.ending()) from error

    def _receive_in_thread(
        self, byte_limit: int
    ) -> tuple[dict[str, Any], list[np.ndarray[Any, Any]]]:
        """receive() where select cannot watch pipes (Windows): a thread reads the
        message and queues it; this one waits on the queue. A wait that a time budget
        interrupted leaves its reader reading: the next receive() takes that reader's
        message (the interrupted call's answer), never a second reader racing it for the
        pipe. (Not Thread.join: a timer signal's exception raised during a join can mark
        a reader that still runs as ended.)"""
        if self._reading is None:
            answers: queue.SimpleQueue[Any] = queue.SimpleQueue()

            def read() -> None:
                try:
                    answers.put(wire.receive(self.incoming, byte_limit))
                except BaseException as error:  # noqa: BLE001 - handed to the waiting thread
                    answers.put(error)

            threading.Thread(target=read, name="worker-reader", daemon=True).start()
            self._reading = answers
        answers = self._reading
        while True:
            try:
                result = answers.get(timeout=budgets.TICK)
                break
            except queue.Empty:
                budgets.checkpoint()
                if self.process.poll() is None:
                    continue
            try:  # it ended: what it wrote before that
                result = answers.get(timeout=0.5)
                break
            except queue.Empty:
                raise WorkerDied(self.ending()) from None
        self._reading = None
        if isinstance(result, (EOFError, OSError)):
            raise WorkerDied(self.ending()) from result
        if isinstance(result, BaseException):
            raise result
        return result  # type: ignore[no-any-return]

    def kill(self) -> None:
        """SIGKILL the worker process (what it started is the sandbox's to end)."""
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()

    def ending(self) -> str:
        """How the process ended: `exit code 3`, `signal SIGKILL`, or why the grader
        ended it."""
        if self.watchdog is not None and self.watchdog.reason:
            return self.watchdog.reason
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "it closed its channel to the grader"
        if code < 0:
            return f"signal {signal.Signals(-code).name}"
        return f"exit code {code}"
