"""A real SMTP server for the mail tests (aiosmtpd): STARTTLS or implicit TLS with a certificate made now by a CA
made now (openssl), AUTH PLAIN/LOGIN, and every message it accepts written to a folder as `N.eml` with `N.json`
beside it (envelope, TLS, the authenticated user, headers raw and decoded, the MIME parts).

    smtp_server.py DIR [--tls starttls|implicit|none] [--auth USER:PASSWORD] [--delay SECONDS] [--fail-first N]

Prints `READY <port>` once listening; `DIR/ca.pem` is the CA to trust. `--delay` holds each DATA that long before
accepting it (a message whose client went away meanwhile is not accepted, as its sender never got the answer);
each DATA started is marked by a file `DIR/started-N`. `--fail-first N` answers the first N messages with 451.
"""
import argparse
import asyncio
import email
import email.header
import email.policy
import json
import os
import socket
import ssl
import subprocess
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def make_certificates(folder):
    def run(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    ca_key, ca, key, csr, cert = (os.path.join(folder, n) for n in ("ca.key", "ca.pem", "leaf.key", "leaf.csr", "leaf.pem"))
    ext = os.path.join(folder, "leaf.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *curve, "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=Chorus test CA")
    run("req", *curve, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    run("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
        "-extfile", ext)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def decoded(value):
    return str(email.header.make_header(email.header.decode_header(value))) if value is not None else None


class Handler:
    def __init__(self, folder, delay, fail_first):
        self.folder, self.delay, self.fail_first = folder, delay, fail_first
        self.count = 0
        self.started = 0

    async def handle_DATA(self, server, session, envelope):
        self.started += 1
        open(os.path.join(self.folder, f"started-{self.started}"), "w").close()
        if self.fail_first > 0:
            self.fail_first -= 1
            return "451 4.3.0 try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
            if server.transport is None or server.transport.is_closing():
                return "451 4.3.0 the client went away"
        self.count += 1
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        parts = []
        for part in msg.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            parts.append({"type": part.get_content_type(),
                          "content": payload.decode(part.get_content_charset() or "utf-8", "replace")})
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
            "auth_user": session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None,
            "raw_headers": {k: v for k, v in msg.items()},
            "subject": decoded(msg["Subject"]),
            "to": decoded(msg["To"]),
            "from": decoded(msg["From"]),
            "message_id": msg["Message-ID"],
            "content_type": msg.get_content_type(),
            "parts": parts,
        }
        n = self.count
        with open(os.path.join(self.folder, f"{n}.eml"), "wb") as f:
            f.write(raw)
        tmp = os.path.join(self.folder, f"{n}.json.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.folder, f"{n}.json"))
        return "250 2.0.0 accepted"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("folder")
    p.add_argument("--tls", default="starttls", choices=["starttls", "implicit", "none"])
    p.add_argument("--auth", default=None)
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--fail-first", type=int, default=0)
    a = p.parse_args()
    os.makedirs(a.folder, exist_ok=True)
    context = make_certificates(a.folder) if a.tls != "none" else None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
                and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        # With implicit TLS the whole connection is encrypted (aiosmtpd only knows of STARTTLS).
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=a.tls == "starttls")
    if a.tls == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif a.tls == "implicit":
        kwargs.update(ssl_context=context)
    controller = Controller(Handler(a.folder, a.delay, a.fail_first), hostname="127.0.0.1", port=port,
                            server_hostname="localhost", ready_timeout=10, **kwargs)
    controller.start()
    print(f"READY {port}", flush=True)
    try:
        for _ in sys.stdin:
            pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
