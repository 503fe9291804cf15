#!/usr/bin/python3
"""HTML mail through WebKitGTK: a message full of trackers is rendered with
nothing fetched — no image, style sheet, refresh, form or script reaches the
(local) web server it points at — and a bar offers to load remote content.
Loading it fetches the image and the style sheet, still no script. "Show as
Text" switches to the safe text rendering. Skipped when the app was built
without WebKitGTK."""
import http.server
import os
import subprocess
import threading
import time

import pyatspi
from posternui import click, find, find_window, log, press, region, run, screenshot, text_of, wait_for

WORK = os.environ["POSTERN_WORK"]
PROFILE = os.path.join(WORK, "html-profile")
requests = []


class Recorder(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        requests.append(self.path)
        body = b"p { color: #1a5fb4 }" if self.path.endswith(".css") else b"GIF89a"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def make_profile(port):
    base = f"http://127.0.0.1:{port}"
    html = f"""<html><head>
<meta http-equiv="refresh" content="1; url={base}/refresh">
<style>@import url({base}/style.css); h1 {{ font-family: sans-serif }}</style>
</head><body>
<h1>Weekly offers</h1>
<p>Everything you saw last week, cheaper.</p>
<img src="{base}/pixel.gif" width="1" height="1" alt="">
<script>new Image().src = "{base}/script";</script>
<form action="{base}/form" method="post"><input name="q" value="x"></form>
<p><a href="{base}/link">Unsubscribe</a></p>
</body></html>
"""
    mbox = os.path.join(WORK, "html.mbox")
    with open(mbox, "w") as f:
        f.write("From shop@example.org Mon Jan  1 00:00:00 2024\n"
                "From: Shop <shop@example.org>\nTo: me@example.org\n"
                "Subject: Weekly offers\nMessage-ID: <offers@example.org>\n"
                "Date: Mon, 01 Jan 2024 00:00:00 +0000\nMIME-Version: 1.0\n"
                "Content-Type: text/html; charset=utf-8\n\n" + html + "\n")
    cli = os.environ["POSTERN_CLI"]
    subprocess.run([cli, "--profile", PROFILE, "import", "mbox", mbox], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([cli, "--profile", PROFILE, "account", "add", "Me", "--address",
                    "me@example.org", "--smtp", "local:" + PROFILE], check=True,
                   stdout=subprocess.DEVNULL)


def main(app):
    win = wait_for("main window", lambda: app.check_alive() and find_window("Postern"))
    messages = region(win, "PosternMessageList")
    reader = region(win, "PosternMessageView")
    click(wait_for("the HTML message", lambda: find(messages, pyatspi.ROLE_LABEL,
                                                    name="Weekly offers")), "Postern")
    wait_for("the remote content bar", lambda: find(reader, pyatspi.ROLE_LABEL,
                                                    prefix="Remote content is blocked"))
    load = find(reader, pyatspi.ROLE_PUSH_BUTTON, name="Load Remote Content")
    assert load is not None, "the bar must offer to load remote content"
    # Give the web process time to lay out the page and to follow anything
    # it would follow: the refresh fires after one second.
    time.sleep(4)
    screenshot("20-html-blocked.png")
    assert requests == [], f"remote content was fetched without asking: {requests}"
    log("PASS nothing was fetched: no image, style sheet, refresh, form or script")

    press(load)
    wait_for("the image and the style sheet",
             lambda: "/pixel.gif" in requests and "/style.css" in requests, timeout=30)
    time.sleep(2)
    screenshot("21-html-remote-loaded.png")
    assert "/script" not in requests, f"a script ran: {requests}"
    assert "/refresh" not in requests and "/form" not in requests, requests
    wait_for("the bar gone", lambda: find(reader, pyatspi.ROLE_PUSH_BUTTON,
                                          name="Load Remote Content") is None)
    log(f"PASS remote content loaded on request, scripts still off: {sorted(set(requests))}")

    press(find(reader, None, name="Show as Text"))
    body = wait_for("the text rendering", lambda: find(reader, pyatspi.ROLE_TEXT,
                                                       name="Message body"))
    text = wait_for("the text of the offer", lambda: "Weekly offers" in text_of(body)
                    and text_of(body))
    assert "<h1>" not in text and "new Image" not in text, text
    screenshot("22-html-as-text.png")
    log("PASS Show as Text shows the safe text rendering")


if os.environ.get("POSTERN_HAS_WEBKIT") != "1":
    print("SKIP: the app was built without WebKitGTK")
    raise SystemExit(77)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
threading.Thread(target=server.serve_forever, daemon=True).start()
make_profile(server.server_address[1])
try:
    run(main, "--profile", PROFILE)
finally:
    server.shutdown()
