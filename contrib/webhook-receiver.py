#!/usr/bin/env python3
"""A webhook receiver for scimd: verifies Standard Webhooks signatures and
drops duplicates by webhook-id.  Standard library only.

    WEBHOOK_SECRET=whsec_... python3 webhook-receiver.py [PORT]

Replace apply() with what your product does with a change.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["WEBHOOK_SECRET"]
KEY = base64.b64decode(SECRET.removeprefix("whsec_"))
TOLERANCE = 5 * 60          # seconds a timestamp may be off
seen = set()                # use a unique key in your database instead


def verify(msg_id, timestamp, body, header):
    if abs(time.time() - int(timestamp)) > TOLERANCE:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + body
    want = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest())
    for sig in header.split():
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), want):
            return True
    return False


def apply(event):
    print(event["seq"], event["type"], event.get("resourceId"), flush=True)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        msg_id = self.headers.get("webhook-id", "")
        if not verify(msg_id, self.headers.get("webhook-timestamp", "0"),
                      body, self.headers.get("webhook-signature", "")):
            self.send_response(401)
            self.end_headers()
            return
        if msg_id not in seen:  # at least once: the same id may come again
            apply(json.loads(body))
            seen.add(msg_id)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()
