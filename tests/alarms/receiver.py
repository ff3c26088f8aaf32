"""A real Alertmanager-style webhook receiver on 127.0.0.1, run in a thread for tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Accepts POSTed JSON; refuses the first `fail_first` requests with 503."""

    def __init__(self, port: int = 0, *, fail_first: int = 0) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.refused = 0
        self._fail_left = fail_first
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver._lock:
                    refuse = receiver._fail_left > 0
                    if refuse:
                        receiver._fail_left -= 1
                        receiver.refused += 1
                    else:
                        receiver.accepted.append(body)
                self.send_response(503 if refuse else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def delivered_keys(self) -> list[tuple[str, str, str]]:
        """(fingerprint, status, startsAt) of every accepted alert, duplicates kept."""
        return [
            (a["fingerprint"], a["status"], a["startsAt"])
            for p in self.accepted
            for a in p["alerts"]
        ]
