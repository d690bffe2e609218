"""A small client of the Prometheus HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics answer
the same `/api/v1/query`): instant queries only, every aggregation done by the server.

Standard library only (urllib): one POST per query, with the credentials and headers the user
gave (never logged, never in an error message), a CA bundle or no verification, a timeout sent
to the server too, and retries with exponential backoff for what may pass (connection refused
or reset, timeouts, 429, 5xx). What cannot pass ends in one CollectError line: the server is
unreachable, refuses the credentials (401, 403), rejects the query (400, 422: the query is
quoted), or does not speak the API.
"""

from __future__ import annotations

import base64
import json
import math
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from models.errors import quoted
from planner.collect.errors import CollectError

API = "/api/v1/query"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
TOO_MANY_SAMPLES = ("too many samples", "exceeded maximum resolution", "would load too many")
"""How Prometheus (and Thanos, Mimir) say a query is too large to answer at once."""


class TooLargeError(CollectError):
    """The server refused a query as too large: split it."""


@dataclass(frozen=True)
class Credentials:
    """How to authenticate: a bearer token, or a user and password (basic auth), and extra
    headers (`name`, `value`). Their values never appear in output."""

    bearer_token: str | None = None
    username: str | None = None
    password: str | None = None
    headers: tuple[tuple[str, str], ...] = ()

    def kind(self) -> str:
        """`bearer`, `basic` or `none`, and the extra headers' names: what collect.json says."""
        kind = "bearer" if self.bearer_token else "basic" if self.username else "none"
        names = sorted({name for name, _ in self.headers})
        return kind + (f" + headers {', '.join(names)}" if names else "")

    def apply(self, request: urllib.request.Request) -> None:
        for name, value in self.headers:
            request.add_header(name, value)
        if self.bearer_token:
            request.add_header("Authorization", f"Bearer {self.bearer_token}")
        elif self.username is not None:
            pair = f"{self.username}:{self.password or ''}".encode()
            request.add_header("Authorization", "Basic " + base64.b64encode(pair).decode("ascii"))


@dataclass(frozen=True)
class Server:
    """Where the server is and how to talk to it."""

    url: str
    credentials: Credentials = field(default_factory=Credentials)
    ca_bundle: Path | None = None
    insecure: bool = False
    timeout_seconds: float = 120.0
    retries: int = 3

    def shown(self) -> str:
        """The URL without any user or password in it (for messages and collect.json)."""
        parts = urllib.parse.urlsplit(self.url)
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


@dataclass(frozen=True)
class Sample:
    """One series of an instant vector: its labels and value."""

    labels: Mapping[str, str]
    value: float


def check_url(url: str) -> str:
    """`url` when it is an http(s) URL with a host; raises CollectError otherwise."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CollectError(
            f"--prometheus {quoted(url)}: give the server's http:// or https:// URL, such as "
            "http://prometheus.monitoring:9090"
        )
    if parts.query or parts.fragment:
        raise CollectError(
            f"--prometheus {quoted(Server(url).shown())}: give the server's root URL without a "
            "query (?...) or fragment (#...)"
        )
    return url


class Client:
    """Instant queries against one server. `sleep` waits between retries (tests pass a fake)."""

    def __init__(self, server: Server, sleep: Callable[[float], None] = time.sleep) -> None:
        self.server = server
        self._sleep = sleep
        self._endpoint = server.url.rstrip("/") + API
        self._context = _ssl_context(server) if server.url.startswith("https") else None

    def query(self, promql: str, at: datetime) -> list[Sample]:
        """The instant vector `promql` gives at `at`. Raises TooLargeError when the server
        refuses it as too large, CollectError for anything else that does not pass."""
        form = {
            "query": promql,
            "time": f"{at.timestamp():.3f}",
            "timeout": f"{max(1, math.floor(self.server.timeout_seconds))}s",
        }
        body = urllib.parse.urlencode(form).encode("ascii")
        delay = 0.5
        for attempt in range(self.server.retries + 1):
            try:
                return _vector(self._post(body), promql, self.server)
            except _RetryError as retry:
                if attempt == self.server.retries:
                    tries = "once" if attempt == 0 else f"{attempt + 1} times"
                    raise CollectError(
                        f"the Prometheus server at {self.server.shown()} failed {tries} "
                        f"({retry}); {retry.advice}"
                    ) from None
                self._sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    def _post(self, body: bytes) -> Any:
        request = urllib.request.Request(self._endpoint, data=body, method="POST")
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("Accept", "application/json")
        self.server.credentials.apply(request)
        shown = self.server.shown()
        try:
            with urllib.request.urlopen(
                request, timeout=self.server.timeout_seconds, context=self._context
            ) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            with error:
                return _http_error(error, shown)
        except TimeoutError as error:
            raise _RetryError(f"no answer within {self.server.timeout_seconds:g} s") from error
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, ssl.SSLError):
                raise CollectError(
                    f"TLS with the Prometheus server at {shown} failed ({reason.reason or reason}"
                    "): give its CA with --ca-bundle, or --insecure-skip-verify to skip the check"
                ) from None
            if isinstance(reason, ConnectionRefusedError):
                raise _RetryError(str(reason), UNREACHABLE) from error
            if isinstance(reason, ConnectionResetError | TimeoutError):
                raise _RetryError(str(reason)) from error
            raise CollectError(
                f"cannot reach the Prometheus server at {shown} ({reason}); check --prometheus "
                "(scheme, host and port) and that the server runs"
            ) from None
        except (ConnectionError, OSError) as error:
            raise _RetryError(str(error)) from error
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise CollectError(_not_an_api(shown)) from None


OVERLOADED = "it may be overloaded: retry later, or raise --timeout or --retries"
UNREACHABLE = (
    "nothing answers there: check --prometheus (scheme, host and port) and that the server "
    "runs, or raise --retries if it is starting"
)


class _RetryError(Exception):
    """A failure that may pass: the query is sent again after a pause. `advice` is what the
    error says to do when every try failed."""

    def __init__(self, message: str, advice: str = OVERLOADED) -> None:
        super().__init__(message)
        self.advice = advice


def _ssl_context(server: Server) -> ssl.SSLContext:
    if server.insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    if server.ca_bundle is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(server.ca_bundle))
    except (OSError, ssl.SSLError) as error:
        raise CollectError(
            f"--ca-bundle {server.ca_bundle}: cannot read it as PEM certificates ({error}); give "
            "the file of the CA that signed the server's certificate"
        ) from None


def _not_an_api(shown: str) -> str:
    return (
        f"the server at {shown} does not answer as the Prometheus HTTP API; give the server's "
        "root URL (Thanos, Mimir and VictoriaMetrics: the Prometheus-compatible prefix, such as "
        "http://mimir/prometheus)"
    )


def _http_error(error: urllib.error.HTTPError, shown: str) -> Any:
    status = error.code
    if status in (401, 403):
        raise CollectError(
            f"the Prometheus server at {shown} refused the credentials ({status} "
            f"{error.reason}); check the token (--bearer-token-file, PLANNER_PROMETHEUS_TOKEN), "
            "the user and password (PLANNER_PROMETHEUS_USERNAME, PLANNER_PROMETHEUS_PASSWORD) "
            "or --header"
        ) from None
    if status in RETRY_STATUSES:
        raise _RetryError(f"HTTP {status} {error.reason}") from None
    if status == 404:
        raise CollectError(_not_an_api(shown)) from None
    try:
        return json.loads(error.read())  # 400 and 422 carry the API's error: _vector reads it
    except (UnicodeDecodeError, json.JSONDecodeError, OSError):
        raise CollectError(
            f"the Prometheus server at {shown} answered HTTP {status} {error.reason}"
        ) from None


def _vector(payload: Any, promql: str, server: Server) -> list[Sample]:
    shown = server.shown()
    if not isinstance(payload, dict) or "status" not in payload:
        raise CollectError(_not_an_api(shown))
    if payload["status"] != "success":
        message = str(payload.get("error", "no reason given"))
        if any(phrase in message for phrase in TOO_MANY_SAMPLES):
            raise TooLargeError(message)
        if payload.get("errorType") in ("timeout", "canceled"):
            raise _RetryError(message)
        raise CollectError(
            f"the Prometheus server at {shown} rejected a query ({quoted(message)}): {promql}"
        )
    data = payload.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "vector":
        raise CollectError(_not_an_api(shown))
    samples = []
    for item in data.get("result", []):
        try:
            labels = {str(k): str(v) for k, v in item["metric"].items()}
            value = float(item["value"][1])
        except (KeyError, IndexError, TypeError, ValueError, AttributeError):
            raise CollectError(_not_an_api(shown)) from None
        if math.isfinite(value):
            samples.append(Sample(labels, value))
    return samples
