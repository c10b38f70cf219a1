"""The web server of `conductor deliver`: `/metrics` (Prometheus) and `GET /deliveries`, each
sink's cues waiting (`pending`, `held` by quiet hours) and those given up on (`failed`);
behind the bearer token (the API token or the read-only one) when `CONDUCTOR_API_TOKEN` is
set, as the embedded runtime's reads are."""

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import orjson
from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from conductor.access import OPEN, Grant, Tokens, bearer_of
from conductor.errors import Problem
from conductor.ingest.http import error_body
from streams.deliver import Book


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return None


def deliveries_app(
    registry: CollectorRegistry, book: Book, tokens: Tokens = OPEN
) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if tokens.grant(bearer_of(environ.get("HTTP_AUTHORIZATION"))) is Grant.NONE:
            body = orjson.dumps(error_body("a bearer token is required"))
            headers = [("Content-Type", "application/json"), ("WWW-Authenticate", "Bearer")]
            start_response("401 Unauthorized", headers)
            return [body]
        if environ.get("PATH_INFO") != "/deliveries":
            return metrics(environ, start_response)  # type: ignore[no-any-return]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        failed = query.get("failed", ["false"])[-1].lower() in {"true", "1", "yes"}
        sink = query.get("sink", [None])[-1]
        try:
            limit = max(1, min(10_000, int(query.get("limit", ["1000"])[-1])))
        except ValueError:
            problem = Problem("query.limit", "not a number")
            body = orjson.dumps(error_body("invalid request", [problem]))
            start_response("422 Unprocessable Entity", [("Content-Type", "application/json")])
            return [body]
        body = orjson.dumps({"deliveries": book.rows(failed, sink, limit)})
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return app


def web_server(
    host: str, port: int, registry: CollectorRegistry, book: Book, tokens: Tokens = OPEN
) -> WSGIServer:
    """Bound, not yet serving: the caller runs `serve_forever` in a thread of its own."""
    app = deliveries_app(registry, book, tokens)
    return make_server(host, port, app, ThreadingWSGIServer, handler_class=_Quiet)
