"""E-mail: composing a notification as a MIME message (plain text and HTML, one-click unsubscribe headers)
and handing it to an SMTP server over a small pool of reused connections (aiosmtplib).

The Message-ID is the delivery id, so a mail sent again after a crash between the server's acceptance and
our commit is recognisably the same mail (decision 60).

The message is written as bytes here rather than built with `email.message.EmailMessage`: its header
registry parses every header it is given, and its generator refolds them all again when the message is
sent, which took three quarters of the notifications process's CPU at 100 admissions/s (three mails
each). What is written is a fixed shape (decision 126), checked by parsing it back with the standard
library (services/notifications/tests/test_mail_format.py).
"""

import asyncio
import binascii
import contextlib
import functools
import html
import re
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, parseaddr
from uuid import UUID

import aiosmtplib

from npd_notifications.config import NotificationsSettings


@dataclass(frozen=True)
class Mail:
    delivery_id: UUID
    to: str
    to_name: str | None
    subject: str
    text: str
    english: bool
    unsubscribe_url: str | None  # none for critical categories, which cannot be switched off
    preferences_url: str


class Bounced(Exception):
    """The server refused the recipient for good (5xx): retrying cannot help."""


class Deferred(Exception):
    """The server refused for now (4xx): try the delivery again later."""


class ServerUnavailable(Exception):
    """The server could not be reached or broke off: nothing is wrong with the delivery."""


@dataclass(frozen=True)
class Outgoing:
    """A composed mail: the envelope and the message as it goes over the wire."""

    sender: str
    recipient: str
    data: bytes
    smtputf8: bool  # an address outside ASCII: the server must accept SMTPUTF8


_CRLF = "\r\n"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LINE = 78  # RFC 5322's recommended line length


def _one_line(value: str) -> str:
    """A header value is one line: CR, LF and other control characters become spaces, so no value can
    start a header of its own."""
    return _CONTROL.sub(" ", value)


def _header(name: str, value: str) -> str:
    value = _one_line(value)
    line = f"{name}: {value}"
    if value.isascii() and len(line) <= _LINE:
        return line
    # RFC 2047 encoded words for what is not ASCII, folded; ASCII is only folded (at its spaces).
    charset = "us-ascii" if value.isascii() else "utf-8"
    return f"{name}: " + Header(value, charset, maxlinelen=_LINE, header_name=name).encode(linesep=_CRLF)


def _mailbox(name: str | None, address: str) -> str:
    name = _one_line(name or "").strip()
    address = _one_line(address).strip()
    if not name:
        return address
    if name.isascii():
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        shown = name if re.fullmatch(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+", name) else f'"{quoted}"'
    else:
        shown = Header(name, "utf-8", maxlinelen=_LINE, header_name="To").encode(linesep=_CRLF)
    return f"{shown} <{address}>"


def _quoted_printable(text: str) -> bytes:
    crlf = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", _CRLF)
    return binascii.b2a_qp(crlf.encode(), istext=True)


def _part(subtype: str, text: str) -> bytes:
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
    return head.encode() + _quoted_printable(text) + b"\r\n"


@functools.cache
def _sender(sender: str) -> tuple[str, str]:
    """The configured sender's name and address, parsed once: parsing it per mail was 3 % of the process."""
    return parseaddr(sender)


def compose(mail: Mail, sender: str, domain: str, now: datetime) -> Outgoing:
    """The mail as multipart/alternative (text, then HTML), each part quoted-printable UTF-8."""
    from_name, from_address = _sender(sender)
    footer_text = (
        f"Manage your notifications: {mail.preferences_url}"
        if mail.english
        else f"Uw meldingen beheren: {mail.preferences_url}"
    )
    headers = [
        f"From: {_mailbox(from_name, from_address)}",
        f"To: {_mailbox(mail.to_name, mail.to)}",
        _header("Subject", mail.subject),
        f"Date: {format_datetime(now)}",
        f"Message-ID: <{mail.delivery_id}@{domain}>",
        "Auto-Submitted: auto-generated",
    ]
    if mail.unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this URL.
        headers.append(f"List-Unsubscribe: <{_one_line(mail.unsubscribe_url)}>")
        headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        unsubscribe = "Unsubscribe from these mails" if mail.english else "Afmelden voor deze berichten"
        footer_text += f"\n{unsubscribe}: {mail.unsubscribe_url}"
    # "=_" never occurs in quoted-printable text (it would be "=3D_"), so the boundary cannot either.
    boundary = f"=_{mail.delivery_id.hex}"
    headers += [
        f"Content-Language: {'en' if mail.english else 'nl'}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"',
    ]
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in mail.text.split("\n\n"))
    footer_html = "<br>".join(html.escape(line) for line in footer_text.splitlines())
    page = (
        f'<!doctype html><html lang="{"en" if mail.english else "nl"}"><body>'
        f"<h1>{html.escape(mail.subject)}</h1>{paragraphs}<hr><p><small>{footer_html}</small></p></body></html>\n"
    )
    delimiter = f"--{boundary}\r\n".encode()
    data = b"".join(
        (
            _CRLF.join(headers).encode() + b"\r\n\r\n",
            delimiter,
            _part("plain", f"{mail.text}\n\n--\n{footer_text}\n"),
            delimiter,
            _part("html", page),
            f"--{boundary}--\r\n".encode(),
        )
    )
    return Outgoing(from_address, mail.to, data, smtputf8=not (mail.to.isascii() and from_address.isascii()))


class Mailer:
    """Up to `size` open SMTP connections, each used by one send at a time and reopened when it broke."""

    def __init__(self, settings: NotificationsSettings, size: int) -> None:
        self._settings = settings
        self._idle: asyncio.Queue[aiosmtplib.SMTP] = asyncio.Queue()
        self._slots = asyncio.Semaphore(size)

    def _client(self) -> aiosmtplib.SMTP:
        s = self._settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            timeout=s.smtp_timeout_s,
        )

    async def send(self, mail: Outgoing) -> None:
        async with self._slots:
            client = self._idle.get_nowait() if not self._idle.empty() else self._client()
            try:
                if not client.is_connected:
                    await client.connect()
                options = ["SMTPUTF8"] if mail.smtputf8 else None
                await client.sendmail(mail.sender, [mail.recipient], mail.data, mail_options=options)
            except aiosmtplib.SMTPRecipientsRefused as exc:
                await self._discard(client)
                codes = [r.code for r in exc.recipients]
                if all(code >= 500 for code in codes):
                    raise Bounced("; ".join(f"{r.code} {r.message}" for r in exc.recipients)) from exc
                raise Deferred("; ".join(f"{r.code} {r.message}" for r in exc.recipients)) from exc
            except aiosmtplib.SMTPResponseException as exc:
                await self._discard(client)
                if exc.code >= 500:
                    raise Bounced(f"{exc.code} {exc.message}") from exc
                raise Deferred(f"{exc.code} {exc.message}") from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await self._discard(client)
                raise ServerUnavailable(f"{type(exc).__name__}: {exc}") from exc
            else:
                self._idle.put_nowait(client)

    @staticmethod
    async def _discard(client: aiosmtplib.SMTP) -> None:
        """A connection in an unknown state is not reused: the next send opens a fresh one."""
        with contextlib.suppress(Exception):
            client.close()

    async def close(self) -> None:
        while not self._idle.empty():
            client = self._idle.get_nowait()
            with contextlib.suppress(Exception):
                if client.is_connected:
                    await client.quit()
