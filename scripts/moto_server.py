#!/usr/bin/env python3
"""Runs moto's server (the AWS emulator quikinfra's integration tests use) on a free port.

    moto_server.py [--host 127.0.0.1] [--port 0] [--port-file FILE]

With --port 0 (the default) the operating system picks a free port; once the socket is bound
and listening, the port number is written to FILE (and printed), so a caller can wait for it.

It is moto's own server (moto.server.main does the same) with one WSGI middleware that
corrects a fault of moto 5.2.5's S3 replies: GetBucketVersioning, GetBucketAccelerateConfiguration
and GetBucketNotificationConfiguration answer with a root element named after the operation
(`GetBucketVersioningResponse`, `GetBucketNotificationResponse`…)
instead of the one S3 documents (`VersioningConfiguration`, `AccelerateConfiguration`,
`NotificationConfiguration`), and aws-sdk-s3 rejects those replies. The middleware renames the
root element of exactly those replies and touches nothing else. Drop it once moto is fixed.

It also sets MOTO_ACM_VALIDATION_WAIT (3 seconds unless set): moto reports an Amazon-issued
certificate PENDING_VALIDATION for that long after the request, then ISSUED.
"""

import argparse
import os
import re
import signal
import sys

# ACM issues an Amazon certificate this many seconds after it was requested (moto reads the
# setting when it is imported): the tests' certificate validations wait a few seconds, not a
# minute. A value already in the environment wins.
os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "3")

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

# Wrong root element -> the one S3 documents.
ROOT_FIXES = {
    b"GetBucketVersioningResponse": b"VersioningConfiguration",
    b"GetBucketAccelerateConfigurationResponse": b"AccelerateConfiguration",
    b"GetBucketNotificationResponse": b"NotificationConfiguration",
    b"GetBucketNotificationConfigurationResponse": b"NotificationConfiguration",
}
ROOT = re.compile(rb"^(\s*(?:<\?xml[^>]*\?>)?\s*)<(" + b"|".join(ROOT_FIXES) + rb")\b")


def fix_body(body):
    """Returns body with a wrong root element renamed, or None when it has none."""
    match = ROOT.match(body)
    if match is None:
        return None
    wrong = match.group(2)
    right = ROOT_FIXES[wrong]
    body = body[: match.start(2)] + right + body[match.end(2) :]
    closing = b"</" + wrong + b">"
    at = body.rfind(closing)
    if at >= 0:
        body = body[:at] + b"</" + right + b">" + body[at + len(closing) :]
    return body


class FixRootElements:
    """WSGI middleware: buffers GET replies on S3 sub-resources and corrects their root."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        wanted = environ.get("REQUEST_METHOD") == "GET" and any(
            q in query for q in ("versioning", "accelerate", "notification")
        )
        if not wanted:
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"], captured["exc_info"] = status, headers, exc_info
            return lambda data: None

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        fixed = fix_body(body)
        headers = captured["headers"]
        if fixed is not None:
            body = fixed
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(captured["status"], headers, captured["exc_info"])
        return [body]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    args = parser.parse_args()

    app = FixRootElements(DomainDispatcherApplication(create_backend_app))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    port = server.server_port
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as f:
            f.write(f"{port}\n")
        # Renamed into place so a reader never sees a half-written file.
        os.replace(args.port_file + ".tmp", args.port_file)
    print(f"moto listening on http://{args.host}:{port}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
