"""Progress reporting for long calls: tqdm when available, a callable, or nothing."""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Protocol, Union

ProgressCallback = Callable[[str, int, int], object]
ProgressArg = Union[bool, ProgressCallback, None]

_enabled: bool = os.environ.get("CDT_PROGRESS", "1").strip().lower() not in {"0", "false", "no", "off"}

#: Seconds a call must last before a progress bar appears (short calls stay quiet).
BAR_DELAY = 0.5


def set_progress(enabled: bool) -> None:
    """Turns progress bars on or off for calls that do not pass ``progress=``.

    The default is on, unless the environment variable ``CDT_PROGRESS`` is ``0``.
    """
    global _enabled
    _enabled = bool(enabled)


def progress_enabled() -> bool:
    """Whether calls show progress bars by default."""
    return _enabled


class _Reporter(Protocol):
    def __call__(self, stage: str, done: int, total: int) -> None: ...

    def close(self) -> None: ...


class _Callback:
    def __init__(self, fn: ProgressCallback) -> None:
        self._fn = fn

    def __call__(self, stage: str, done: int, total: int) -> None:
        self._fn(stage, done, total)

    def close(self) -> None:
        pass


def _tqdm_class() -> Any:
    """``tqdm.auto`` in a notebook with widgets, plain tqdm elsewhere; None without tqdm."""
    try:
        from tqdm import std
    except ImportError:
        return None
    try:
        import ipywidgets  # noqa: F401

        from tqdm import auto

        return auto.tqdm
    except ImportError:
        return std.tqdm


class _Bar:
    """A tqdm bar that appears only once a call has lasted ``BAR_DELAY`` seconds."""

    def __init__(self, cls: Any, label: str) -> None:
        self._cls = cls
        self._label = label
        self._bar: Any = None
        self._start = time.monotonic()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._bar is None:
            if time.monotonic() - self._start < BAR_DELAY:
                return
            self._bar = self._cls(total=total, desc=self._label, unit="step", leave=False)
        self._bar.total = total
        self._bar.n = done
        self._bar.set_postfix_str(stage, refresh=False)
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def reporter(progress: ProgressArg, label: str) -> _Reporter | None:
    """What reports a job's progress: called by the native ``Job.join``."""
    if progress is None:
        progress = _enabled
    if progress is False:
        return None
    if progress is True:
        cls = _tqdm_class()
        return _Bar(cls, label) if cls is not None else None
    if callable(progress):
        return _Callback(progress)
    raise TypeError(f"progress must be True, False, None or a callable, not {type(progress).__name__}")
