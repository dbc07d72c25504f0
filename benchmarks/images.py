"""Time and peak memory of profile image validation: accept a 12-megapixel JPEG, refuse a
50000x50000 decompression bomb, compared with a tiny file.

Run: ``.venv/bin/python benchmarks/images.py``

Each case runs in a fresh subprocess so the numbers do not leak into each other. Two memory
figures are printed: the ``tracemalloc`` peak (Python allocations, which include the input
and output bytes) and the growth of the resident set size (sampled every millisecond), which
also counts the pixel buffers Pillow allocates in C and ``tracemalloc`` cannot see. ``loads``
counts calls to Pillow's ``ImageFile.load`` per run (the entry point of pixel decoding; Pillow
calls it again on an already loaded image, a no-op): the bomb must show 0.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPEAT = 3


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()


def _build(case: str) -> bytes:
    from tests.images import corpus

    if case == "tiny JPEG 64x48 (accept)":
        return corpus.jpeg(64, 48)
    if case == "12 MP JPEG 4000x3000 (accept)":
        return corpus.jpeg(4000, 3000)
    if case == "bomb PNG 50000x50000 (refuse)":
        return corpus.png_declaring(50000, 50000)
    if case == "PNG declaring 8000x8000 (refuse)":
        return corpus.png_declaring(8000, 8000)
    if case == "GIF 3000 frames (accept)":
        return corpus.animated_gif(frames=3000)
    raise ValueError(case)


class RSSSampler:
    """Highest resident set size seen (sampled every millisecond from /proc/self/statm)."""

    def __init__(self) -> None:
        import threading

        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak = self.current()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def current(self) -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * self.page

    def _loop(self) -> None:
        while not self._stop.wait(0.001):
            self.peak = max(self.peak, self.current())

    def __enter__(self) -> RSSSampler:
        self.baseline = self.current()
        self.peak = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.current())


def _run(case: str, data: bytes, queue: Any) -> None:
    _setup()
    from PIL import ImageFile

    from clerk_users.errors import ClerkError
    from clerk_users.images.validation import process_upload

    decodes = 0
    original_load = ImageFile.ImageFile.load

    def counting_load(self: Any) -> Any:
        nonlocal decodes
        decodes += 1
        return original_load(self)

    ImageFile.ImageFile.load = counting_load  # type: ignore[method-assign]
    process_upload(_build("tiny JPEG 64x48 (accept)"))  # warm-up: import Pillow's plugins
    decodes = 0
    best = float("inf")
    outcome = ""
    peak = 0
    rss_growth = 0
    for _ in range(REPEAT):
        with RSSSampler() as rss:
            tracemalloc.start()
            started = time.perf_counter()
            try:
                result = process_upload(data)
                outcome = f"accepted -> {result.width}x{result.height} WebP, {result.size} B"
            except ClerkError as exc:
                outcome = f"refused {exc.status} {exc.clerk_code}"
            best = min(best, time.perf_counter() - started)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        rss_growth = max(rss_growth, rss.peak - rss.baseline)
    queue.put(
        {
            "case": case,
            "input": len(data),
            "ms": best * 1000,
            "tracemalloc_peak": peak,
            "rss_growth_kib": rss_growth // 1024,
            "loads": decodes // REPEAT,
            "outcome": outcome,
        }
    )


def main() -> None:
    cases = [
        "tiny JPEG 64x48 (accept)",
        "12 MP JPEG 4000x3000 (accept)",
        "bomb PNG 50000x50000 (refuse)",
        "PNG declaring 8000x8000 (refuse)",
        "GIF 3000 frames (accept)",
    ]
    _setup()
    context = multiprocessing.get_context("spawn")
    header = (
        f"{'case':34} {'input':>10} {'time':>9} {'tracemalloc':>12} {'RSS +':>9} loads  outcome"
    )
    print(header)
    print("-" * len(header))
    for case in cases:
        queue = context.Queue()
        # Built here, so the child's peak RSS measures validation, not the test picture.
        process = context.Process(target=_run, args=(case, _build(case), queue))
        process.start()
        row = queue.get()
        process.join()
        print(
            f"{row['case']:34} {row['input']:>10,} {row['ms']:>7.1f}ms "
            f"{row['tracemalloc_peak'] / 1024:>9.0f}KiB {row['rss_growth_kib'] / 1024:>6.1f}MiB "
            f"{row['loads']:>5}  {row['outcome']}"
        )
        if "refuse" in case and row["loads"]:
            sys.exit(f"{case}: pixels were decoded before the refusal")


if __name__ == "__main__":
    main()
