#!/usr/bin/env python3
# A tiny RFC 3161 TSA on loopback for the tests: each POSTed
# application/timestamp-query is answered by `openssl ts -reply` with the
# TSA made by make-tsa.sh. The path picks the behaviour:
#   /          the valid TSA (section tsa_test)
#   /old       a TSA whose certificate expired in 2020 (tsa_old)
#   /ed25519   an Ed25519 TSA: OpenSSL answers "rejection" (tsa_ed)
#   /replay    answers every request with the first reply it made (wrong nonce)
#   /html      HTTP 200 with text/html
#   /500       HTTP 500
#   /huge      2 MiB of zeros as a timestamp-reply
# Usage: tsa-server.py TSADIR PORTFILE   (binds 127.0.0.1, port 0; writes the port)
import http.server
import os
import subprocess
import sys
import tempfile

tsadir, portfile = sys.argv[1], sys.argv[2]
first_reply = {}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def send(self, code, ctype, body):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(n)
        if self.headers.get("Content-Type") != "application/timestamp-query":
            return self.send(400, "text/plain", b"bad content type\n")
        path = self.path
        if path == "/html":
            return self.send(200, "text/html", b"<html></html>\n")
        if path == "/500":
            return self.send(500, "text/plain", b"error\n")
        if path == "/huge":
            return self.send(200, "application/timestamp-reply", bytes(2 * 1024 * 1024))
        section = {"/old": "tsa_old", "/ed25519": "tsa_ed"}.get(path, "tsa_test")
        with tempfile.TemporaryDirectory() as t:
            q = os.path.join(t, "q.tsq")
            r = os.path.join(t, "r.tsr")
            with open(q, "wb") as f:
                f.write(query)
            p = subprocess.run(["openssl", "ts", "-reply", "-config", "tsa.cnf",
                                "-section", section, "-queryfile", q, "-out", r],
                               cwd=tsadir, capture_output=True)
            if p.returncode != 0 or not os.path.exists(r):
                return self.send(500, "text/plain", p.stderr)
            with open(r, "rb") as f:
                reply = f.read()
        if path == "/replay":
            reply = first_reply.setdefault("r", reply)
        self.send(200, "application/timestamp-reply", reply)


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
