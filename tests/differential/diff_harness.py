"""Long-lived scenario workers on Prefect 1.4.1 and on flowctl.

Importing Prefect costs seconds, so each side keeps its worker processes
(``diff_runner.py``) for the whole pytest session and sends them scenarios one
at a time. A scenario that hangs or kills its worker becomes an outcome
(``{"error": {"phase": "hang"}}``) and the worker is restarted.
"""
from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("diff_runner.py")
#: Prefect 1.4.1's interpreter (``make test`` builds it); FLOWCTL_PEER_PYTHON overrides it.
PEER_PYTHON = Path(os.environ.get("FLOWCTL_PEER_PYTHON", ROOT / "build" / "peers-venv" / "bin" / "python"))
SCENARIO_TIMEOUT_S = 20.0
#: Prefect processes working side by side (the machine has two cores).
PREFECT_WORKERS = int(os.environ.get("FLOWCTL_DIFF_PREFECT_WORKERS", "2"))
_PREFECT_WORD = re.compile(r"\bprefect\b")
_QUIET_ENV = {
    "PREFECT__LOGGING__LEVEL": "WARNING",
    "FLOWCTL__LOGGING__LEVEL": "WARNING",
    "PYTHONDONTWRITEBYTECODE": "1",
}


class PeerUnavailable(RuntimeError):
    """The Prefect 1.4.1 peer environment is missing or cannot import prefect."""


def to_flowctl(source: str) -> str:
    """The scenario as a migrating user would write it: only the import name changes."""
    return _PREFECT_WORD.sub("flowctl", source)


def peer_problem() -> str | None:
    """Why the peer environment cannot serve as the reference, or None when it can."""
    if not PEER_PYTHON.exists():
        return f"{PEER_PYTHON} is missing: run `make build/peers-venv/bin/prefect` (`make test` does it)."
    probe = subprocess.run(
        [str(PEER_PYTHON), "-c", "import prefect; print(prefect.__version__)"],
        capture_output=True, text=True, timeout=120,
    )
    if probe.returncode != 0 or probe.stdout.strip() != "1.4.1":
        return f"{PEER_PYTHON} cannot import prefect 1.4.1: {probe.stdout.strip()} {probe.stderr.strip()[-500:]}"
    return None


class Worker:
    """A diff_runner.py process for one library; ``run`` sends a scenario and waits for its outcome."""

    def __init__(self, python: str, lib: str) -> None:
        self.python, self.lib = python, lib
        self.log = tempfile.NamedTemporaryFile(prefix=f"diff-{lib}-", suffix=".log", delete=False)
        self.process: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()

    def _start(self) -> None:
        env = {**os.environ, **_QUIET_ENV}
        self.process = subprocess.Popen(
            [self.python, str(RUNNER), self.lib], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.log, text=True, env=env, cwd=tempfile.gettempdir(),
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._pump, args=(self.process, self.lines), daemon=True).start()
        ready = self._read(120.0)
        if ready is None or "ready" not in ready:
            raise PeerUnavailable(f"the {self.lib} worker did not start; see {self.log.name}")

    @staticmethod
    def _pump(process: subprocess.Popen, lines: queue.Queue) -> None:
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    def _read(self, timeout: float) -> dict | None:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        return None if line is None else json.loads(line)

    def send(self, scenario_id: str, source: str) -> None:
        """Queues a scenario; ``receive`` collects its outcome (so two workers can overlap)."""
        if self.process is None or self.process.poll() is not None:
            self._start()
        self.process.stdin.write(json.dumps({"id": scenario_id, "source": source}) + "\n")
        self.process.stdin.flush()

    def receive(self, timeout: float = SCENARIO_TIMEOUT_S) -> dict:
        answer = self._read(timeout)
        if answer is None:
            self.stop()
            return {"error": {"phase": "hang", "type": None, "mro": []}}
        return answer["outcome"]

    def run(self, scenario_id: str, source: str) -> dict:
        self.send(scenario_id, source)
        return self.receive()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        """Stops the worker for good and removes its log."""
        self.stop()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


class Pool:
    """Workers of one library, each owned by one thread, so scenarios can run side by side."""

    def __init__(self, python: str, lib: str, size: int) -> None:
        self.python, self.lib = python, lib
        self.executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"diff-{lib}")
        self.local = threading.local()
        self.workers: list[Worker] = []
        self.lock = threading.Lock()

    def _worker(self) -> Worker:
        worker = getattr(self.local, "worker", None)
        if worker is None:
            worker = self.local.worker = Worker(self.python, self.lib)
            with self.lock:
                self.workers.append(worker)
        return worker

    def submit(self, scenario_id: str, source: str) -> Future:
        return self.executor.submit(lambda: self._worker().run(scenario_id, source))

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        for worker in self.workers:
            worker.close()


class Pair:
    """Runs each scenario on both libraries and keeps the outcomes for the session.

    Prefect costs ~20 times more per scenario than flowctl, so it gets
    ``PREFECT_WORKERS`` processes; ``prefetch`` queues a whole corpus at once.
    """

    def __init__(self, prefect_workers: int = PREFECT_WORKERS) -> None:
        self.prefect = Pool(str(PEER_PYTHON), "prefect", prefect_workers)
        self.flowctl = Pool(sys.executable, "flowctl", 1)
        self.futures: dict[str, tuple[Future, Future]] = {}

    def submit(self, scenario_id: str, source: str) -> None:
        if scenario_id not in self.futures:
            self.futures[scenario_id] = (
                self.prefect.submit(scenario_id, source),
                self.flowctl.submit(scenario_id, to_flowctl(source)),
            )

    def prefetch(self, scenarios: dict[str, str]) -> None:
        for scenario_id, source in scenarios.items():
            self.submit(scenario_id, source)

    def run(self, scenario_id: str, source: str) -> tuple[dict, dict]:
        self.submit(scenario_id, source)
        prefect_future, flowctl_future = self.futures[scenario_id]
        return prefect_future.result(), flowctl_future.result()

    def stop(self) -> None:
        self.prefect.close()
        self.flowctl.close()


def as_json(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True)
