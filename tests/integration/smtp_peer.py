#!/usr/bin/python3
"""smtp_peer.py - a test SMTP server (aiosmtpd) on 127.0.0.1 with an ephemeral port.

Prints the port as the first line of stdout, or writes it to --port-file. Options:
  --starttls CERT KEY    offer STARTTLS and require it before MAIL
  --auth USER:PASS       offer AUTH PLAIN/LOGIN (only after TLS when --starttls) and require it
  --fail-first N CODE    answer CODE (e.g. 451) to the first N attempts at --fail-stage
  --fail-stage STAGE     rcpt (default) or data
  --reject-rcpt ADDR     answer 550 to RCPT TO:<ADDR> (repeatable)
  --defer-rcpt ADDR[:N]  answer 451 to RCPT TO:<ADDR>, the first N times (default always;
                         repeatable)
  --store DIR            write each accepted message as DIR/NNNN.eml and append events to
                         DIR/log.jsonl: {"event": "connect"|"message"|"reject"|"auth", "conn": N, ...}
  --max-seconds S        exit by itself after S seconds (default 60)
  --port P               listen on port P instead of an ephemeral one
  --implicit-tls CERT KEY  TLS from the first byte (smtps://, port 465 style)
  --delay S              wait S seconds before answering each DATA (a slow server)
  --fail-nth K CODE      answer CODE to the K-th DATA the peer sees (once)
  --drop-after-fail      close the connection after the --fail-nth reply
  --auth-fail-conn N     refuse AUTH (535) on connection N (repeatable)
  --check-db PATH        at each DATA, log whether the previous message's ledger rows in the
                         database PATH are marked sent already ({"event": "order", ...})
  --lock-after N S       once message N is accepted, hold the write lock of --check-db for S
                         seconds ({"event": "locked"} then {"event": "unlocked"})
Exit 77 when aiosmtpd cannot be imported, so callers can skip.
"""
import argparse
import asyncio
import json
import logging
import os
import re
import sqlite3
import ssl
import sys
import threading
import time

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    print("aiosmtpd is not installed", file=sys.stderr)
    sys.exit(77)


class State:
    def __init__(self, args):
        self.args = args
        self.connections = 0
        self.messages = 0
        self.fail_left = args.fail_first[0] if args.fail_first else 0
        self.fail_code = args.fail_first[1] if args.fail_first else 0
        self.data_seen = 0
        self.last_id = None  # Message-ID of the last message accepted
        self.defer = {}
        for spec in args.defer_rcpt:
            addr, _, n = spec.partition(":")
            self.defer[addr] = int(n) if n else -1

    def should_defer(self, address):
        left = self.defer.get(address, 0)
        if left == 0:
            return False
        if left > 0:
            self.defer[address] = left - 1
        return True

    def check_order(self):
        """Were the last accepted message's rows marked sent before this message ended?"""
        if not self.args.check_db or self.last_id is None:
            return
        db = sqlite3.connect("file:%s?mode=ro" % self.args.check_db, uri=True, timeout=5)
        rows, sent = db.execute("SELECT count(*), coalesce(sum(state = 'sent'), 0) FROM "
                                "reminder WHERE message_id = ?", (self.last_id,)).fetchone()
        db.close()
        self.log(event="order", previous=self.last_id, rows=rows, sent=sent,
                 ok=rows > 0 and rows == sent)

    def lock_for(self, seconds):
        db = sqlite3.connect(self.args.check_db, timeout=5, isolation_level=None,
                             check_same_thread=False)
        db.execute("BEGIN IMMEDIATE")
        self.log(event="locked", t=time.monotonic())

        def release():
            time.sleep(seconds)
            db.execute("ROLLBACK")
            db.close()
            self.log(event="unlocked", t=time.monotonic())
        threading.Thread(target=release, daemon=True).start()

    def log(self, **event):
        if not self.args.store:
            return
        with open(os.path.join(self.args.store, "log.jsonl"), "a") as f:
            f.write(json.dumps(event) + "\n")

    def should_fail(self, stage):
        if self.args.fail_stage != stage or self.fail_left <= 0:
            return False
        self.fail_left -= 1
        return True


class Handler:
    def __init__(self, state):
        self.state = state

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        st = self.state
        if address in st.args.reject_rcpt:
            st.log(event="reject", conn=session.conn_id, stage="rcpt", rcpt=address, code=550)
            return "550 5.1.1 <%s>: recipient address rejected: user unknown" % address
        if st.should_defer(address):
            st.log(event="reject", conn=session.conn_id, stage="rcpt", rcpt=address, code=451)
            return "451 4.3.0 <%s>: mailbox busy, try again later" % address
        if st.should_fail("rcpt"):
            st.log(event="reject", conn=session.conn_id, stage="rcpt", rcpt=address,
                   code=st.fail_code)
            return "%d 4.3.0 <%s>: try again later" % (st.fail_code, address)
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        st = self.state
        if st.args.delay:
            await asyncio.sleep(st.args.delay)
        if st.should_fail("data"):
            st.log(event="reject", conn=session.conn_id, stage="data", code=st.fail_code)
            return "%d 4.3.0 message not accepted, try again later" % st.fail_code
        st.data_seen += 1
        if st.args.fail_nth and st.data_seen == st.args.fail_nth[0]:
            code = st.args.fail_nth[1]
            st.log(event="reject", conn=session.conn_id, stage="data", code=code)
            if st.args.drop_after_fail:
                asyncio.get_running_loop().call_soon(server.transport.close)
            return "%d 4.3.0 message not accepted, try again later" % code
        st.check_order()
        st.messages += 1
        mid = re.search(rb"^Message-ID:\s*(<[^>]*>)", envelope.original_content, re.M | re.I)
        st.last_id = mid.group(1).decode() if mid else None
        if st.args.lock_after and st.messages == st.args.lock_after[0]:
            st.lock_for(st.args.lock_after[1])
        name = "%04d.eml" % st.messages
        if st.args.store:
            with open(os.path.join(st.args.store, name), "wb") as f:
                f.write(envelope.original_content)
        st.log(event="message", conn=session.conn_id, file=name, mail_from=envelope.mail_from,
               rcpts=list(envelope.rcpt_tos), helo=session.host_name, tls=session.ssl is not None,
               auth=session.auth_data if isinstance(session.auth_data, str) else None)
        return "250 2.0.0 OK queued as %s" % name


class PeerSMTP(SMTP):
    """Numbers TCP connections so the log shows which messages shared one. One instance
    serves one connection; STARTTLS creates a fresh session on it, with the same number."""

    def __init__(self, handler, state, **kw):
        self.state = state
        self.conn_id = None
        super().__init__(handler, **kw)

    def _create_session(self):
        session = super()._create_session()
        if self.conn_id is None:
            self.state.connections += 1
            self.conn_id = self.state.connections
            self.state.log(event="connect", conn=self.conn_id)
        session.conn_id = self.conn_id
        return session


def make_authenticator(state, user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode()
              and session.conn_id not in state.args.auth_fail_conn)
        state.log(event="auth", conn=session.conn_id, mechanism=mechanism, success=ok)
        return AuthResult(success=ok, handled=False, auth_data=user if ok else None)
    return authenticate


def smtp_options(args, state):
    kw = {"hostname": "peer.test", "timeout": 30, "decode_data": False}
    if args.starttls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.starttls[0], args.starttls[1])
        kw.update(tls_context=ctx, require_starttls=True)
    if args.auth:
        user, _, password = args.auth.partition(":")
        kw.update(authenticator=make_authenticator(state, user, password), auth_required=True,
                  auth_require_tls=bool(args.starttls))
    return kw


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth", metavar="USER:PASS")
    p.add_argument("--fail-first", nargs=2, type=int, metavar=("N", "CODE"))
    p.add_argument("--fail-stage", choices=("rcpt", "data"), default="rcpt")
    p.add_argument("--reject-rcpt", action="append", default=[], metavar="ADDR")
    p.add_argument("--defer-rcpt", action="append", default=[], metavar="ADDR[:N]")
    p.add_argument("--store", metavar="DIR")
    p.add_argument("--port-file", metavar="FILE")
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--delay", type=float, default=0)
    p.add_argument("--fail-nth", nargs=2, type=int, metavar=("K", "CODE"))
    p.add_argument("--drop-after-fail", action="store_true")
    p.add_argument("--auth-fail-conn", action="append", type=int, default=[], metavar="N")
    p.add_argument("--check-db", metavar="PATH")
    p.add_argument("--lock-after", nargs=2, type=float, metavar=("N", "S"))
    return p.parse_args()


async def serve(args):
    state = State(args)
    kw = smtp_options(args, state)
    handler = Handler(state)
    loop = asyncio.get_running_loop()
    wrap = None
    if args.implicit_tls:
        wrap = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        wrap.load_cert_chain(args.implicit_tls[0], args.implicit_tls[1])
    server = await loop.create_server(lambda: PeerSMTP(handler, state, loop=loop, **kw),
                                      host="127.0.0.1", port=args.port, ssl=wrap)
    port = server.sockets[0].getsockname()[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    else:
        print(port, flush=True)
    await asyncio.sleep(args.max_seconds)
    server.close()


def main():
    args = parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    if args.store:
        os.makedirs(args.store, exist_ok=True)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
