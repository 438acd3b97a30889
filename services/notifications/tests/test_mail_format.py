"""The mail as written by `compose` (bytes, not EmailMessage: decision 126), read back with the standard
library's parser as a mail client or relay would read it. Pure: no server involved."""

from datetime import UTC, datetime
from email import message_from_bytes, message_from_string
from email.message import EmailMessage
from email.policy import default
from email.utils import parsedate_to_datetime
from uuid import UUID, uuid4

import pytest
from npd_notifications.mail import Mail, compose

NOW = datetime(2026, 11, 24, 14, 30, 5, tzinfo=UTC)
SENDER = "Netwerk Publieke Dienstverleners <noreply@npd.example>"
UNSUBSCRIBE = "http://127.0.0.1:8004/unsubscribe/" + "a" * 120 + "." + "b" * 43


def mail(**changes: object) -> Mail:
    fields: dict[str, object] = {
        "delivery_id": uuid4(),
        "to": "joerg@gemeente.example",
        "to_name": "Jörg van der Vrïes",
        "subject": "Welkom bij het Netwerk Publieke Dienstverleners: Gemeente Súdwest-Fryslân",
        "text": "Gemeente Súdwest-Fryslân is nu lid van het netwerk.\n\nU kunt zich aanmelden voor bijeenkomsten.",
        "english": False,
        "unsubscribe_url": UNSUBSCRIBE,
        "preferences_url": "http://127.0.0.1:8004/v1/preferences",
    }
    return Mail(**(fields | changes))  # type: ignore[arg-type]


def parsed(m: Mail, sender: str = SENDER) -> tuple[EmailMessage, bytes]:
    data = compose(m, sender, "npd.example", NOW).data
    message = message_from_bytes(data, policy=default)
    assert isinstance(message, EmailMessage)
    assert not message.defects, message.defects
    return message, data


def parts(message: EmailMessage) -> tuple[str, str]:
    plain, page = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and page is not None
    # Lines end in CRLF on the wire, and so in what the parser gives back.
    return plain.get_content().replace("\r\n", "\n"), page.get_content().replace("\r\n", "\n")


def test_a_dutch_mail_reads_back_as_written() -> None:
    m = mail()
    message, data = parsed(m)
    assert message["From"].addresses[0].display_name == "Netwerk Publieke Dienstverleners"
    assert message["From"].addresses[0].addr_spec == "noreply@npd.example"
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Jörg van der Vrïes", "joerg@gemeente.example")
    assert message["Subject"] == m.subject
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message["Message-ID"] == f"<{m.delivery_id}@npd.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Content-Language"] == "nl"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text, page = parts(message)
    assert text == (
        f"{m.text}\n\n--\nUw meldingen beheren: {m.preferences_url}\nAfmelden voor deze berichten: {UNSUBSCRIBE}\n"
    )
    assert '<html lang="nl">' in page
    assert "<h1>Welkom bij het Netwerk Publieke Dienstverleners: Gemeente Súdwest-Fryslân</h1>" in page
    assert "<p>U kunt zich aanmelden voor bijeenkomsten.</p>" in page
    # On the wire: CRLF line ends, only ASCII (no SMTPUTF8 needed), RFC 5322's 78 characters except the
    # unsubscribe link, which cannot be folded.
    assert data.isascii()
    lines = data.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    assert all(len(line) <= 78 for line in lines if not line.startswith(b"List-Unsubscribe:"))


def test_a_critical_mail_in_english_has_no_unsubscribe_link() -> None:
    message, _ = parsed(mail(english=True, unsubscribe_url=None, to_name=None, subject="Welcome, Jan"))
    assert "List-Unsubscribe" not in message and "List-Unsubscribe-Post" not in message
    assert message["To"].addresses[0].addr_spec == "joerg@gemeente.example"
    assert message["To"].addresses[0].display_name == ""
    assert message["Content-Language"] == "en"
    text, page = parts(message)
    assert text.endswith("\n\n--\nManage your notifications: http://127.0.0.1:8004/v1/preferences\n")
    assert '<html lang="en">' in page and "Unsubscribe" not in text


@pytest.mark.parametrize(
    "subject",
    [
        "Aanmelding: " + "Gemeenschappelijke Regeling Samenwerkingsverband " * 5,  # long ASCII: folded
        "Nieuw lid: " + "Waterschap Hollandse Delta en Rijnland-Noord, afdeling één " * 4,  # long, not ASCII
        "Welkom, Zoë",
    ],
)
def test_long_and_non_ascii_subjects_come_back_whole(subject: str) -> None:
    message, data = parsed(mail(subject=subject))
    assert message["Subject"] == subject
    assert all(len(line) <= 78 for line in data.split(b"\r\n") if not line.startswith(b"List-Unsubscribe:"))


@pytest.mark.parametrize("name", ['J. "Jan" Jansen, MSc', "Anne-Marie O'Neill", "de Boer (HR)", "Ünal\\Kaya"])
def test_names_that_need_quoting_come_back_whole(name: str) -> None:
    message, _ = parsed(mail(to_name=name))
    assert message["To"].addresses[0].display_name == name
    assert message["To"].addresses[0].addr_spec == "joerg@gemeente.example"


def test_no_value_can_start_a_header_of_its_own() -> None:
    message, _ = parsed(
        mail(subject="Hallo\r\nBcc: eve@elders.example", to_name="Eve\nCc: eve@elders.example", text="x")
    )
    assert "Bcc" not in message and "Cc" not in message
    assert message["Subject"] == "Hallo  Bcc: eve@elders.example"
    assert [a.addr_spec for a in message["To"].addresses] == ["joerg@gemeente.example"]


def test_a_body_cannot_end_its_part_early() -> None:
    delivery = UUID("12345678-1234-5678-1234-567812345678")
    text = f"--=_{delivery.hex}--\n=_{delivery.hex}\nA line of trailing spaces   \n" + "lang " * 40
    message, _ = parsed(mail(delivery_id=delivery, text=text))
    plain, _ = parts(message)
    assert plain.startswith(text + "\n\n--\n")
    assert len(list(message.iter_parts())) == 2


def test_an_address_outside_ascii_asks_for_smtputf8() -> None:
    assert not compose(mail(), SENDER, "npd.example", NOW).smtputf8
    outgoing = compose(mail(to="jörg@gemeente.example"), SENDER, "npd.example", NOW)
    assert outgoing.smtputf8 and outgoing.recipient == "jörg@gemeente.example"
    assert outgoing.sender == "noreply@npd.example"
    message = message_from_string(outgoing.data.decode(), policy=default)  # UTF-8 headers, as SMTPUTF8 allows
    assert message["To"].addresses[0].addr_spec == "jörg@gemeente.example"
