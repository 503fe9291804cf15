#!/usr/bin/env python3
"""Web Key Directory server for the tests: wkd-server.py PORT ROOT CERT KEY.

HTTPS on 127.0.0.1:PORT with CERT/KEY. A request for PATH on host HOST is
answered with the file ROOT/HOST/PATH (query string ignored), 404 otherwise,
so one server plays every WKD host of the test zones."""
import http.server
import os
import ssl
import sys
import urllib.parse

port, root, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("wkd: %s %s\n" % (self.headers.get("Host", "?"), fmt % args))

    def do_GET(self):
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        full = os.path.realpath(os.path.join(root, host, path.lstrip("/")))
        if not host or not full.startswith(os.path.realpath(root) + "/") or not os.path.isfile(full):
            self.send_error(404)
            return
        with open(full, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.HTTPServer(("127.0.0.1", port), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
