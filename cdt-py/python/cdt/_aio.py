"""asyncio glue: await a native job without blocking the event loop."""

from __future__ import annotations

import asyncio
from typing import Any


async def wait(job: Any) -> Any:
    """Waits for ``job`` in the running event loop and returns its result.

    The job runs on cdt's own threads; its done-callback wakes the loop. Cancelling
    the awaiting task cancels the job.
    """
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[None] = loop.create_future()

    def settle() -> None:
        if not fut.done():
            fut.set_result(None)

    def on_done() -> None:
        try:
            loop.call_soon_threadsafe(settle)
        except RuntimeError:  # the loop closed meanwhile: nobody is waiting
            pass

    job.add_done_callback(on_done)
    try:
        await fut
    except asyncio.CancelledError:
        job.cancel()
        raise
    return job.result()
