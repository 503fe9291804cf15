#!/usr/bin/env python3
"""HKP keyserver for the tests: hkp-server.py PORT KEYDIR (plain HTTP on 127.0.0.1).

Answers GET /pks/lookup?op=get&search=… with the armored keys of KEYDIR/FPR.asc
whose fingerprint ends in the search (0x…, at least 16 hex digits) or whose
KEYDIR/FPR.uids lists the address searched for; 404 when none match."""
import glob
import http.server
import os
import sys
import urllib.parse

port, keydir = int(sys.argv[1]), sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("hkp: " + (fmt % args) + "\n")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path != "/pks/lookup" or query.get("op", [""])[0] != "get":
            self.send_error(404 if url.path != "/pks/lookup" else 501)
            return
        search = query.get("search", [""])[0].strip().lower()
        found = []
        for path in sorted(glob.glob(os.path.join(keydir, "*.asc"))):
            fpr = os.path.basename(path)[:-4].lower()
            uids_file = path[:-4] + ".uids"
            uids = open(uids_file).read().lower().split() if os.path.exists(uids_file) else []
            by_fpr = search.startswith("0x") and len(search) >= 18 and fpr.endswith(search[2:])
            if by_fpr or search in uids:
                found.append(open(path, "rb").read())
        if not found:
            self.send_error(404, "No keys found")
            return
        body = b"".join(found)
        self.send_response(200)
        self.send_header("Content-Type", "application/pgp-keys")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
