"""A real Celery worker process for the tests (`celery -A app.core.task_queue worker`), in a
process group of its own so that a test can SIGKILL it with its pool children and start it again;
and a local SMTP server (aiosmtpd) that keeps the messages it receives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from app.core.config import PROJECT_ROOT

ALL_QUEUES = "default,reports,notifications,integrations"


class Worker:
    def __init__(
        self,
        log_path: Path,
        queues: str = ALL_QUEUES,
        concurrency: int = 2,
        env: dict[str, str] | None = None,
    ) -> None:
        self.log_path = log_path
        self.queues = queues
        self.concurrency = concurrency
        self.env = env or {}  # settings of this worker only, over the suite's
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> None:
        """Start the worker and wait until it consumes (`celery inspect ping` answers)."""
        assert self.process is None or self.process.poll() is not None, "already running"
        # The log is appended to across restarts: only this start's "ready." counts.
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app.core.task_queue", "worker",
             "--loglevel=info", f"--concurrency={self.concurrency}", "-Q", self.queues,
             "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}-{time.time_ns()}@%h"],
            cwd=str(PROJECT_ROOT),
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited ({self.process.returncode}):\n{self.log_tail()}")
            if b"ready." in self.log_path.read_bytes()[offset:]:
                return
            time.sleep(0.2)
        raise RuntimeError(f"the worker did not start:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once: no acknowledgement, no clean-up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class _Collect:
    def __init__(self, inbox: list[Message]) -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content)
        message["X-Envelope-To"] = ", ".join(str(rcpt) for rcpt in envelope.rcpt_tos)
        self.inbox.append(message)
        return "250 OK"


class SmtpSink:
    """aiosmtpd on a loopback port, in a thread; `messages` holds every email received."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Message] = []
        self._controller = Controller(_Collect(self.messages), hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self._controller.start()
        self._running = True

    def stop(self) -> None:
        """Idempotent: the run's cleanup may call it twice (pytest_unconfigure, then atexit)."""
        if getattr(self, "_running", False):
            self._running = False
            self._controller.stop()

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if address in m.get("X-Envelope-To", "")]

    def __getstate__(self) -> dict[str, Any]:  # pragma: no cover - never pickled
        raise TypeError("SmtpSink is not picklable")
