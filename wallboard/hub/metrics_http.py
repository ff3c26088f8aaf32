"""`/metrics` over HTTP for Prometheus: the hub's figures, behind the hub's tokens.

It runs in the hub's event loop (aiohttp), so a scrape reads the boards
between two updates, never half-way through one. The format follows the
scraper's `Accept` header: OpenMetrics when asked for, else the Prometheus
text format. A scraper authenticates with `Authorization: Bearer TOKEN`, any
token of the hub, and gets the figures of that token's scope, as its viewers
would (docs/PROMETHEUS.md); refusals are logged with the peer, never with what
it offered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from aiohttp import web
from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.exposition import choose_encoder

from wallboard.errors import WallboardError
from wallboard.hub.access import Access, Grant, Scope, TooManyFailures
from wallboard.hub.metrics import HubMetrics, SourceView
from wallboard.hub.protocol import bearer_token

log = logging.getLogger(__name__)

PATH = "/metrics"


class MetricsEndpoint:
    """An HTTP listener serving `GET /metrics`; `access=None` means public (`--metrics-public`).

    `access` may be the one shared token, as a string.
    """

    def __init__(
        self, sources: Callable[[], Iterable[SourceView]], access: Access | str | None
    ) -> None:
        self._access = Access.shared(access) if isinstance(access, str) else access
        self._sources = sources
        self.registry = _registry(sources, Scope())
        # One registry per scoped token that scraped (a handful: one per tokens-file entry).
        self._scoped: dict[Grant, CollectorRegistry] = {}
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
        registry = self.registry
        if self._access is not None:
            offered = bearer_token(request.headers.get("Authorization"))
            if not offered:
                log.warning("metrics scrape from %s refused: token required", request.remote)
                raise web.HTTPUnauthorized(
                    text="token required: send Authorization: Bearer TOKEN\n",
                    headers={"WWW-Authenticate": 'Bearer realm="wallboard"'},
                )
            try:
                grant = await self._access.authenticate(offered, request.remote or "?")
            except TooManyFailures as throttled:
                raise web.HTTPTooManyRequests(
                    text=f"{throttled}\n", headers={"Retry-After": str(throttled.retry_after_s)}
                ) from None
            if grant is None:
                log.warning("metrics scrape from %s refused: invalid token", request.remote)
                raise web.HTTPForbidden(text="invalid token\n")
            registry = self._registry_of(grant)
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(registry), headers={"Content-Type": content_type})

    def _registry_of(self, grant: Grant) -> CollectorRegistry:
        if grant.scope == Scope():
            return self.registry
        registry = self._scoped.get(grant)
        if registry is None:
            registry = self._scoped[grant] = _registry(self._sources, grant.scope)
        return registry


def _registry(sources: Callable[[], Iterable[SourceView]], scope: Scope) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubMetrics(sources, scope=scope))
    # The hub's own CPU and memory, as every Prometheus exporter reports them.
    ProcessCollector(registry=registry)
    return registry
