"""Screenshots of the feedback page in a real browser, for docs/screenshots/.

    MNIST_DIR=/path/to/mnist python benchmarks/screenshots.py [--out docs/screenshots]

Grades three submissions as a student's grade would be graded and writes their feedback
pages (autograder/feedback/page.py): the reference solutions (full, MNIST included,
about 2 minutes on 2 cores), the stubs (--fast) and the reference with one planted bug
(nn_missing_relu_mask from the bug catalogue; only its part, MNIST included). Each page
is cut at its part headings into the views below, opened in headless Chromium (Debian's
``chromium`` package; exits 2 without it) at 1100 CSS pixels wide and a device scale of
1 (a plain screen: what the PNGs' 144 dpi gives on a dense screen is sharper still), and
saved as a palette PNG with the white margin below trimmed. Look at them: the check is
that every label reads, colours follow each test's status, and nothing is cut off.

The figures only depend on the grades, so the screenshots change when the page or the
figures change (and by a few pixels with timings): commit them with such a change.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageChops

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.instructor import bugs  # noqa: E402

WIDTH = 1100
BUG = "nn_missing_relu_mask"
VIEWS = {
    # file name: (page, the headings kept, after the page's summary or not)
    "reference-summary-warmup.png": ("reference", ("P4.0",), True),
    "reference-neural-net.png": ("reference", ("P4.3",), False),
    "reference-time-used.png": ("reference", ("Time used",), False),
    "stubs-summary-warmup.png": ("stubs", ("P4.0",), True),
    "bug-neural-net.png": ("bug", ("P4.3",), True),
    "bug-time-used.png": ("bug", ("Time used",), False),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    arguments = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("needs Chromium: apt-get install chromium (Debian) or chromium-browser")
        return 2
    if not os.environ.get("MNIST_DIR"):
        print("set MNIST_DIR to the folder of the four MNIST files")
        return 2
    with tempfile.TemporaryDirectory(prefix="screenshots-") as temporary:
        work = Path(temporary)
        pages = grade_pages(work)
        arguments.out.mkdir(parents=True, exist_ok=True)
        total = 0
        for name, (page, headings, summary) in VIEWS.items():
            view = work / f"{Path(name).stem}.html"
            view.write_text(cut(pages[page].read_text("utf-8"), headings, summary), "utf-8")
            png = screenshot(browser, view, work / name)
            (arguments.out / name).write_bytes(png)
            total += len(png)
            print(f"wrote {arguments.out / name} ({len(png) / 1e3:.0f} KB)")
        print(f"{len(VIEWS)} screenshots, {total / 1e3:.0f} KB")
    return 0


def grade_pages(work: Path) -> dict[str, Path]:
    """Grade the three submissions; their feedback.html by name."""
    planted = work / "bug"
    bugs.apply(bugs.by_name([BUG])[0], ROOT / "solutions", planted)
    runs = {
        "reference": [str(ROOT / "solutions")],
        "stubs": [str(ROOT / "assignment"), "--fast"],
        "bug": [str(planted), "--part", "neural_net"],
    }
    pages = {}
    for name, arguments in runs.items():
        folder = work / f"{name}-feedback"
        command = [sys.executable, "-m", "autograder", "grade", *arguments]
        command += ["--results", str(work / f"{name}.json"), "--feedback", str(folder)]
        print(f"grading {name}...", flush=True)
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        pages[name] = folder / "feedback.html"
        figures = len(list((folder / "figures").glob("*.png")))
        size = pages[name].stat().st_size / 1e6
        print(f"{name}: feedback.html {size:.2f} MB with {figures} figures", flush=True)
    return pages


def cut(page: str, headings: tuple[str, ...], summary: bool) -> str:
    """`page` keeping its head (and its summary when `summary`) and the sections whose
    <h2> starts with one of `headings`."""
    head, *sections = page.split("<h2>")
    body_start = head.index("<h1>")
    kept = [head if summary else head[:body_start]]
    kept += [f"<h2>{s}" for s in sections if s.startswith(headings)]
    return re.sub(r"</body></html>\s*$", "", "".join(kept)) + "</body></html>\n"


def screenshot(browser: str, page: Path, target: Path) -> bytes:
    """Headless Chromium's PNG of `page`, trimmed below, as a compact palette PNG."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={WIDTH},8000",
        f"--screenshot={target}",
        page.as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    with Image.open(target) as shot:
        image = shot.convert("RGB")
    blank = Image.new("RGB", image.size, "white")
    box = ImageChops.difference(image, blank).getbbox()
    if box:
        image = image.crop((0, 0, image.width, min(box[3] + 24, image.height)))
    buffer = io.BytesIO()
    image.quantize(colors=128, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE).save(
        buffer, format="PNG", optimize=True
    )
    return buffer.getvalue()


if __name__ == "__main__":
    raise SystemExit(main())
