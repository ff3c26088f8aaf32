"""`/metrics` over HTTP for Prometheus: the hub's figures, behind the hub's token.

It runs in the hub's event loop (aiohttp), so a scrape reads the boards
between two updates, never half-way through one. The format follows the
scraper's `Accept` header: OpenMetrics when asked for, else the Prometheus
text format. A scraper authenticates with `Authorization: Bearer TOKEN`,
compared in constant time; refusals are logged with the peer, never with
what it offered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from aiohttp import web
from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.exposition import choose_encoder

from wallboard.errors import WallboardError
from wallboard.hub.metrics import HubMetrics, SourceView
from wallboard.hub.protocol import CLOSE_TOKEN_MISSING, Refusal, bearer_token, check_token

log = logging.getLogger(__name__)

PATH = "/metrics"


class MetricsEndpoint:
    """An HTTP listener serving `GET /metrics`; `token=None` means public (`--metrics-public`)."""

    def __init__(self, sources: Callable[[], Iterable[SourceView]], token: str | None) -> None:
        self._token = token
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(HubMetrics(sources))
        # The hub's own CPU and memory, as every Prometheus exporter reports them.
        ProcessCollector(registry=self.registry)
        app = web.Application()
        app.router.add_get(PATH, self._metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen; returns the address actually bound (port 0 picks one)."""
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise WallboardError(
                f"--metrics-listen {host}:{port}: cannot listen ({exc.strerror})"
            ) from exc
        bound = self._runner.addresses[0]
        return str(bound[0]), int(bound[1])

    async def stop(self) -> None:
        await self._runner.cleanup()

    async def _metrics(self, request: web.Request) -> web.Response:
        if self._token is not None:
            try:
                check_token(bearer_token(request.headers.get("Authorization")), self._token)
            except Refusal as refusal:
                log.warning("metrics scrape from %s refused: %s", request.remote, refusal.reason)
                if refusal.code == CLOSE_TOKEN_MISSING:
                    raise web.HTTPUnauthorized(
                        text="token required: send Authorization: Bearer TOKEN\n",
                        headers={"WWW-Authenticate": 'Bearer realm="wallboard"'},
                    ) from None
                raise web.HTTPForbidden(text="invalid token\n") from None
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(self.registry), headers={"Content-Type": content_type})
