"""A local SMTP server that keeps what it receives: for `make run` (each mail written as an .eml file a
developer opens with any mail program) and for tests (each mail parsed, in memory). It is a real SMTP
server over TCP on loopback (aiosmtpd), so what is tested is what a mail relay would receive.

    python -m npd_devstack.smtp_sink --port 1025 --directory .npd/mail
"""

import argparse
import asyncio
import contextlib
import re
import socket
import threading
from collections.abc import Callable
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*<([^@>\s]+)", re.IGNORECASE | re.MULTILINE)


class MailSink:
    """aiosmtpd handler: accepts every recipient except those `refuse` names (550, a bounce), keeps each
    message, and writes it to `directory` as <n>-<message id>.eml when given. A message is parsed when it is
    first looked at (`messages`, `to`), not as it arrives: parsing costs more than all of the SMTP exchange,
    and a benchmark or `make run` would pay it for every mail nobody reads."""

    def __init__(self, directory: Path | None = None, refuse: Callable[[str], bool] | None = None) -> None:
        self.directory = directory
        self.refuse = refuse or (lambda _: False)
        self._raw: list[bytes] = []
        self._parsed: list[EmailMessage] = []
        self._lock = threading.Lock()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.refuse(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        with self._lock:
            self._raw.append(raw)
            count = len(self._raw)
        if self.directory is not None:
            header_end = raw.find(b"\r\n\r\n")
            found = _MESSAGE_ID.search(raw, 0, header_end if header_end >= 0 else len(raw))
            ident = found.group(1).decode("ascii", "replace") if found else "mail"
            (self.directory / f"{count:06d}-{ident}.eml").write_bytes(raw)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[EmailMessage]:
        """Every message received so far, parsed, in the order received."""
        with self._lock:
            for raw in self._raw[len(self._parsed) :]:
                message = BytesParser(policy=default).parsebytes(raw)
                assert isinstance(message, EmailMessage)
                self._parsed.append(message)
            return list(self._parsed)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m.get("To", ""))]


def start(sink: MailSink, host: str = "127.0.0.1", port: int = 0) -> Controller:
    """Serve `sink` in a background thread; `controller.port` is the port it listens on (a free one for 0)."""
    if port == 0:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    controller = Controller(sink, hostname=host, port=port, ready_timeout=10)
    controller.start()
    return controller


class SinkServer:
    """A sink served on one port that can be stopped and started again (an outage, in tests)."""

    def __init__(self, sink: MailSink, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sink, self.host, self.port = sink, host, port
        self._controller: Controller | None = None

    def start(self) -> "SinkServer":
        if self._controller is None:
            self._controller = start(self.sink, self.host, self.port)
            self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--directory", type=Path, default=Path(".npd/mail"))
    args = parser.parse_args()
    server = SinkServer(MailSink(args.directory), args.host, args.port).start()
    print(f"SMTP sink on {args.host}:{server.port}, writing mail to {args.directory.resolve()}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(asyncio.Event().wait())
    server.stop()


if __name__ == "__main__":
    main()
