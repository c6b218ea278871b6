"""Notebook manners: the GIL is released, Ctrl-C stops a call, progress is reported."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import cdt
from cdt import _cdt

HERE = Path(__file__).resolve().parent


def test_gil_is_released_during_a_long_load(big_bundle: Path) -> None:
    """Python threads keep running while a load is in Rust."""
    ticks: list[float] = []
    span: list[float] = []
    stop = threading.Event()

    def load() -> None:
        span.append(time.monotonic())
        roster = cdt.load_roster(big_bundle, progress=False)
        span.append(time.monotonic())
        assert len(roster.users) > 200_000
        stop.set()

    t = threading.Thread(target=load)
    t.start()
    while not stop.is_set():
        ticks.append(time.monotonic())
        time.sleep(0.001)
    t.join()
    during = [x for x in ticks if span[0] < x < span[1]]
    assert len(during) > 5, f"the main thread ran {len(during)} times during a {span[1] - span[0]:.2f} s load"


CHILD = textwrap.dedent(
    """
    import sys, time
    import cdt
    source, platform = sys.argv[1], sys.argv[2]
    print("started", flush=True)
    try:
        cdt.run("parent-conflicts", source=source, platform=platform, district_id="bm-org-0001",
                parent_email="a@b.example", progress=False)
        print("completed", flush=True)
    except KeyboardInterrupt:
        print("interrupted", time.monotonic(), flush=True)
    # The process still works after an interrupt.
    r = cdt.run("parent-conflicts", source=platform.replace("platform-snapshot", "oneroster"),
                platform=platform, parent_email="nobody.here@unknown-family.example", progress=False)
    print("after", r.status, flush=True)
    """
)


def test_ctrl_c_stops_a_call_on_a_stuck_input(fifo_bundle: Path, demo_dir: Path) -> None:
    """SIGINT to a process blocked reading a bundle that never arrives raises
    KeyboardInterrupt promptly; the process can go on."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(fifo_bundle), str(demo_dir / "platform-snapshot")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    time.sleep(0.5)  # let the call start and block on the FIFO
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        pytest.fail("the child did not stop within 60 s of SIGINT")
    lines = out.splitlines()
    assert lines and lines[0].startswith("interrupted"), (out, err)
    latency = float(lines[0].split()[1]) - sent
    print(f"Ctrl-C latency: {latency * 1000:.0f} ms")
    assert lines[1] == "after NOT_FOUND", (out, err)
    assert child.returncode == 0, err


LOOP_CHILD = textwrap.dedent(
    """
    import sys, time
    import cdt
    print("started", flush=True)
    inside = False
    try:
        while True:
            inside = True
            cdt.load_roster(sys.argv[1], progress=False)
            inside = False
    except KeyboardInterrupt:
        print("interrupted", time.monotonic(), "inside" if inside else "between", flush=True)
    """
)


def test_ctrl_c_stops_a_long_load(big_bundle: Path) -> None:
    """SIGINT during real work (loading a 200,000-student bundle over and over)."""
    child = subprocess.Popen(
        [sys.executable, "-c", LOOP_CHILD, str(big_bundle)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    time.sleep(1.5)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    try:
        out, err = child.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        child.kill()
        pytest.fail("the child did not stop within 120 s of SIGINT")
    words = out.split()
    assert words[:1] == ["interrupted"], (out, err)
    print(f"Ctrl-C latency during a load: {(float(words[1]) - sent) * 1000:.0f} ms ({words[2]} a call)")
    assert child.returncode == 0, err


def test_progress_callback_sees_every_stage(settings: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    r = cdt.run(
        "parent-conflicts",
        customer="demo-district",
        settings_dir=settings,
        parent_email="oyelaran.home@naija-mail.example",
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    assert r.status == "ISSUE_IN_BOTH"
    assert seen, "the callback was never called"
    assert seen[-1] == ("done", 3, 3)
    assert all(total == 3 for _, _, total in seen)
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)


def test_progress_bar_with_tqdm(big_bundle: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    monkeypatch.setattr("cdt._progress.BAR_DELAY", 0.0)
    cdt.load_roster(big_bundle, progress=True)
    err = capsys.readouterr().err
    assert "load OneRoster bundle" in err


def test_progress_switch(settings: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cdt._progress.BAR_DELAY", 0.0)
    cdt.set_progress(False)
    assert not cdt.progress_enabled()
    cdt.load_customer("demo-district", settings).roster()
    assert capsys.readouterr().err == ""
    cdt.set_progress(True)
    assert cdt.progress_enabled()
    with pytest.raises(TypeError, match="progress must be"):
        cdt.load_roster(settings.parent / "demo" / "oneroster", progress="loud")  # type: ignore[arg-type]


def test_job_api(settings: Path) -> None:
    demo = cdt.load_customer("demo-district", settings)
    job = demo.start_run("parent-conflicts", parent_email="nobody.here@unknown-family.example")
    assert "parent-conflicts on demo-district" == job.label
    assert job.wait(30) is True
    assert job.done()
    assert "done" in repr(job)
    stage, done, total = job.progress()
    assert (stage, done, total) == ("done", 3, 3)
    r = job.result()
    assert r.status == "NOT_FOUND"
    with pytest.raises(RuntimeError, match="already taken"):
        job.result()
    with pytest.raises(ValueError, match="non-negative"):
        job.wait(-1)
    with pytest.raises(ValueError, match="non-negative"):
        job.wait(float("nan"))
    assert job.wait(1e300) is True  # too long for a Duration: waits without a limit
    assert job.wait(float("inf")) is True
    called: list[bool] = []
    job.add_done_callback(lambda: called.append(True))
    assert called == [True]


def test_cancel_a_stuck_job(fifo_bundle: Path, demo_dir: Path) -> None:
    job = cdt.start_run(
        "parent-conflicts",
        source=fifo_bundle,
        platform=demo_dir / "platform-snapshot",
        district_id="bm-org-0001",
        parent_email="a@b.example",
    )
    assert job.wait(0.2) is False
    assert not job.done()
    assert "running" in repr(job)
    with pytest.raises(RuntimeError, match="still running"):
        job.result()
    called = threading.Event()
    job.add_done_callback(called.set)
    assert job.cancel() is True
    assert called.wait(5)
    assert job.done()
    assert job.cancel() is False
    import asyncio

    with pytest.raises(asyncio.CancelledError):
        job.result()


def test_a_failing_callback_is_reported_not_fatal(
    fifo_bundle: Path, demo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reported: list[BaseException | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: reported.append(u.exc_value))
    job = cdt.start_run(
        "parent-conflicts", source=fifo_bundle, platform=demo_dir / "platform-snapshot",
        district_id="bm-org-0001", parent_email="a@b.example",
    )

    def bad() -> None:
        raise RuntimeError("callback failed")

    later = threading.Event()
    job.add_done_callback(bad)
    job.add_done_callback(later.set)
    job.cancel()
    assert later.wait(5), "a failing callback stopped the next one"
    assert [str(e) for e in reported] == ["callback failed"]


def test_version() -> None:
    assert cdt.__version__ == _cdt.__version__
    assert cdt.__version__.count(".") == 2


def test_kernel_interrupt_stops_a_call(fifo_bundle: Path, demo_dir: Path) -> None:
    """A notebook's "interrupt kernel" on a call stuck reading a bundle: the cell ends
    with KeyboardInterrupt and the kernel keeps working."""
    manager = pytest.importorskip("jupyter_client.manager")
    km, kc = manager.start_new_kernel(kernel_name="python3")
    try:
        assert kc.execute_interactive("import cdt", timeout=60)["content"]["status"] == "ok"
        code = (
            f"cdt.run('parent-conflicts', source={str(fifo_bundle)!r}, "
            f"platform={str(demo_dir / 'platform-snapshot')!r}, district_id='bm-org-0001', "
            "parent_email='a@b.example', progress=False)"
        )
        # stop_on_error=False: the kernel must not abort the next request after this error.
        msg_id = kc.execute(code, stop_on_error=False)
        time.sleep(1.0)
        km.interrupt_kernel()
        while True:
            reply = kc.get_shell_msg(timeout=60)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        after = kc.execute_interactive("assert cdt.tool('missing-data').id == 'missing-data'", timeout=60)
        assert after["content"]["status"] == "ok"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
