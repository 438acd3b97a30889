"""E-mail: composing a notification as a MIME message (plain text and HTML, one-click unsubscribe headers)
and handing it to an SMTP server over a small pool of reused connections (aiosmtplib).

The Message-ID is the delivery id, so a mail sent again after a crash between the server's acceptance and
our commit is recognisably the same mail (decision 60).
"""

import asyncio
import contextlib
import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
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


def compose(mail: Mail, sender: str, domain: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((mail.to_name or "", mail.to))
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<{mail.delivery_id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    footer_text = (
        f"Manage your notifications: {mail.preferences_url}"
        if mail.english
        else f"Uw meldingen beheren: {mail.preferences_url}"
    )
    if mail.unsubscribe_url:
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this URL.
        message["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        unsubscribe = "Unsubscribe from these mails" if mail.english else "Afmelden voor deze berichten"
        footer_text += f"\n{unsubscribe}: {mail.unsubscribe_url}"
    message.set_content(f"{mail.text}\n\n--\n{footer_text}\n")
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in mail.text.split("\n\n"))
    footer_html = "<br>".join(html.escape(line) for line in footer_text.splitlines())
    message.add_alternative(
        f'<!doctype html><html lang="{"en" if mail.english else "nl"}"><body>'
        f"<h1>{html.escape(mail.subject)}</h1>{paragraphs}<hr><p><small>{footer_html}</small></p></body></html>",
        subtype="html",
    )
    # Set last: making the message multipart moves Content-* headers into its first part.
    message["Content-Language"] = "en" if mail.english else "nl"
    return message


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

    async def send(self, message: EmailMessage) -> None:
        async with self._slots:
            client = self._idle.get_nowait() if not self._idle.empty() else self._client()
            try:
                if not client.is_connected:
                    await client.connect()
                await client.send_message(message)
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
