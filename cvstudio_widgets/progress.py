"""Progress bars for calls that take more than a moment: tqdm's notebook bar in a
kernel with widgets, its text bar elsewhere."""

from __future__ import annotations

from typing import Any


def bar(total: float | None, desc: str, unit: str = "it", enabled: bool = True, **kw: Any):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=not enabled, leave=True, **kw)


class Reader:
    """A file object whose reads move a progress bar (an upload streamed by urllib)."""

    def __init__(self, fh, progress) -> None:
        self._fh, self._progress = fh, progress

    def read(self, size: int = -1) -> bytes:
        chunk = self._fh.read(size)
        self._progress.update(len(chunk))
        return chunk
