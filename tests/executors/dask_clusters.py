"""Real Dask clusters for the tests: ``dask scheduler`` and ``dask worker`` subprocesses on 127.0.0.1."""
from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

DASK = str(Path(sys.executable).with_name("dask"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A scheduler and ``n`` workers, each its own subprocess.

    With ``nanny`` each worker runs under a nanny process that restarts it
    when it dies, as a production cluster would.
    """

    def __init__(self, n_workers: int = 2, nanny: bool = False, nthreads: int = 1) -> None:
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        self.scheduler = subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"], **quiet)
        self.workers = [
            subprocess.Popen([DASK, "worker", self.address, "--host", "127.0.0.1", "--nthreads", str(nthreads),
                              "--nanny" if nanny else "--no-nanny", "--no-dashboard"], **quiet)
            for _ in range(n_workers)
        ]
        self.wait_for_workers(n_workers)

    def client(self):
        from distributed import Client

        return Client(self.address, timeout=20, set_as_default=False)

    def wait_for_workers(self, n: int) -> None:
        with self.client() as client:
            client.wait_for_workers(n, timeout=60)

    def n_workers(self) -> int:
        with self.client() as client:
            return len(client.scheduler_info()["workers"])

    def worker_pids(self) -> list[int]:
        """Process ids of the worker processes themselves (not their nannies)."""
        with self.client() as client:
            return sorted(client.run(lambda: __import__("os").getpid()).values())

    def close(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
