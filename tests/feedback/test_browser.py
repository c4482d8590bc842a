"""The feedback page in a real browser: headless Chromium (Debian's ``chromium``) renders
it and the screenshot is read back. Skipped without Chromium. benchmarks/screenshots.py
makes the screenshots of docs/screenshots/ the same way."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from autograder.engine.results import Grade
from autograder.feedback import page as feedback

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BROWSER is None, reason="needs Chromium (apt-get install chromium)"),
]
RED, GREEN = (214, 39, 40), (44, 160, 44)  # tab:red (failed), tab:green (passed)


def screenshot(page: Path, target: Path, width: int = 1100) -> np.ndarray:
    """The page as Chromium draws it at `width` CSS pixels and a device scale of 1: (H, W, 3)."""
    from PIL import Image

    assert BROWSER is not None
    command = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    command += ["--force-device-scale-factor=1", f"--window-size={width},6000"]
    subprocess.run(
        [*command, f"--screenshot={target}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with Image.open(target) as image:
        return np.asarray(image.convert("RGB"))


def pixels_of(image: np.ndarray, colour: tuple[int, int, int]) -> int:
    return int(np.sum(np.all(np.abs(image.astype(int) - colour) <= 6, axis=2)))


def test_the_stubs_page_shows_every_visible_test_as_a_red_bar_and_none_green(
    stubs: Grade, tmp_path: Path
) -> None:
    page = feedback.write_feedback(stubs, tmp_path / "stubs")
    image = screenshot(page, tmp_path / "stubs.png")
    assert pixels_of(image, RED) > 5_000  # the time chart's failed tests
    assert pixels_of(image, GREEN) == 0


def test_the_reference_page_shows_green_bars_none_red_and_nothing_past_its_column(
    reference: Grade, tmp_path: Path
) -> None:
    page = feedback.write_feedback(reference, tmp_path / "reference")
    image = screenshot(page, tmp_path / "reference.png")
    assert pixels_of(image, GREEN) > 5_000 and pixels_of(image, RED) == 0
    green_columns = np.flatnonzero(np.all(np.abs(image.astype(int) - GREEN) <= 6, axis=2).any(0))
    assert green_columns.max() < 1100 - 60  # no figure overflows the page's column
