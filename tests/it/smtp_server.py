#!/usr/bin/env python3
"""A real SMTP server for the delivery tests: STARTTLS required, then AUTH (PLAIN/LOGIN).

    smtp_server.py DIR PORT USER PASSWORD

Generates a test CA and a server certificate for 127.0.0.1 into DIR (the client trusts
DIR/ca.pem), listens on 127.0.0.1:PORT and writes DIR/ready. Each accepted message is
stored as DIR/messages/NNN.eml with NNN.json beside it (envelope, decoded headers, text body,
attachments). Every DATA is counted in DIR/attempts. DIR/control changes the reply to DATA:

    451-once         answer 451 to the next message, then accept again (the file is removed)
    550              answer 550 to every message
    sleep N          store the message, then wait N seconds before answering 250 (once)
    drop-rcpt-once   drop the connection at the next RCPT, before any message (once)
    drop-after-once  store the next message, then drop the connection instead of
                     answering 250 (once): the client cannot know it arrived
"""

import asyncio
import email
import email.policy
import hashlib
import json
import os
import ssl
import subprocess
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

DIR, PORT, USER, PASSWORD = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=DIR)


def make_certificates():
    # A CA apart from the server certificate: rustls refuses a CA certificate as a server's.
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(DIR, "server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")


def control():
    path = os.path.join(DIR, "control")
    try:
        with open(path) as f:
            return path, f.read().strip()
    except FileNotFoundError:
        return path, ""


def store(envelope, session):
    messages = os.path.join(DIR, "messages")
    os.makedirs(messages, exist_ok=True)
    n = len([f for f in os.listdir(messages) if f.endswith(".eml")]) + 1
    raw = envelope.original_content or envelope.content
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True) or b""
        attachments.append({
            "filename": part.get_filename(),
            "content_type": part.get_content_type(),
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        })
    info = {
        "mail_from": envelope.mail_from,
        "rcpt_tos": envelope.rcpt_tos,
        "subject": str(msg["subject"]),
        "to": str(msg["to"] or ""),
        "cc": str(msg["cc"] or ""),
        "reply_to": str(msg["reply-to"] or ""),
        "message_id": str(msg["message-id"] or ""),
        "body": body.get_content() if body is not None else "",
        "attachments": attachments,
        # Which connection brought it (the client's port): a test that cuts connections
        # tells by it which messages came over the cut one.
        "peer_port": session.peer[1],
    }
    base = os.path.join(messages, "%03d" % n)
    with open(base + ".eml", "wb") as f:
        f.write(raw)
    # The JSON last and by rename: a test that sees it sees the whole message.
    with open(base + ".json.tmp", "w") as f:
        json.dump(info, f, ensure_ascii=False, indent=1)
    os.rename(base + ".json.tmp", base + ".json")


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        path, what = control()
        if what == "drop-rcpt-once":
            os.remove(path)
            server.transport.close()
            return "421 4.4.2 Connection dropped"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with open(os.path.join(DIR, "attempts"), "a") as f:
            f.write("%s\n" % ",".join(envelope.rcpt_tos))
        path, what = control()
        if what == "451-once":
            os.remove(path)
            return "451 4.3.0 Try again later"
        if what == "550":
            return "550 5.1.1 Mailbox unavailable"
        store(envelope, session)
        if what == "drop-after-once":
            os.remove(path)
            server.transport.close()
            return "250 2.0.0 Accepted (never heard)"
        if what.startswith("sleep"):
            os.remove(path)
            await asyncio.sleep(float(what.split()[1]))
        return "250 2.0.0 Accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD)
    # handled=False: aiosmtpd answers a refusal with 535 itself, as a real server does (with
    # the default it sends nothing and the client waits for its timeout).
    return AuthResult(success=ok, handled=False)


def main():
    make_certificates()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(os.path.join(DIR, "server.pem"), os.path.join(DIR, "server.key"))
    controller = Controller(
        Handler(), hostname="127.0.0.1", port=PORT,
        tls_context=context, require_starttls=True,
        authenticator=authenticator, auth_required=True, auth_require_tls=True,
    )
    controller.start()
    with open(os.path.join(DIR, "ready"), "w") as f:
        f.write("ready\n")
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
