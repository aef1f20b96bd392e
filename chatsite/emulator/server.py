"""Serve the emulator over HTTPS: in the foreground (`runemulator`) or in a background thread of the site.

It is reached only over the wire, like real ACS: the SDKs get a connection string and the CA to trust.
"""

import contextlib
import dataclasses
import os
import signal
import socket
import ssl
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ServerHandler, ThreadedWSGIServer, WSGIRequestHandler
from django.db import connections

from . import api, config
from .events import delivery
from .tls import Certificates, ensure_certificates

URLCONF = "chatsite.emulator.urls"


class EmulatorHandler(WSGIHandler):
    """Django's WSGI handler routed to the emulator's URLs only, without the site's middleware: ACS answers
    carry no security headers, Vary, Content-Language or session cookies, and the emulator must not depend on
    the site's ALLOWED_HOSTS."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)

    def __call__(self, environ, start_response):
        response = super().__call__(environ, start_response)
        # Keep this thread's database connections for the next request on the same client connection (closed
        # with it, in TLSServer.close_request): with CONN_MAX_AGE 0 Django would reconnect for every request,
        # and with CONN_HEALTH_CHECKS it would spend a round trip per request on `SELECT 1`. A connection that
        # breaks fails that request, and Django closes it after the error (errors_occurred + is_usable).
        for conn in connections.all(initialized_only=True):
            conn.close_at = None
            conn.health_check_enabled = False
        return response

    def get_response(self, request):
        started = time.perf_counter()
        request.urlconf = URLCONF
        response = super().get_response(request)
        # Without it the HTTP/1.1 server closes the connection after each answer (no keep-alive).
        response["Content-Length"] = str(len(response.content))
        # On every answer, unknown routes and 500s included, as the SDK team's recordings of ACS show them.
        response["MS-CV"] = api.correlation_vector()
        response["Strict-Transport-Security"] = api.STRICT_TRANSPORT_SECURITY
        response["X-Processing-Time"] = f"{round((time.perf_counter() - started) * 1000)}ms"
        return response


class AnonymousServerHandler(ServerHandler):
    server_software = None  # no `Server: WSGIServer/0.2 CPython/…` header


class RequestHandler(WSGIRequestHandler):
    quiet = False
    # Buffered: headers and body leave in one write (one TLS record) when the handler flushes, instead of two
    # small writes that Nagle's algorithm and the client's delayed ACK hold up for ~40 ms.
    wbufsize = 64 * 1024

    def setup(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    def get_environ(self):
        environ = super().get_environ()
        # HMAC signs the path exactly as transmitted; PATH_INFO is already percent-decoded.
        environ["RAW_URI"] = self.path
        environ["HTTPS"] = "on"  # wsgiref derives wsgi.url_scheme from it: Location and nextLink say https
        return environ

    def handle_one_request(self):
        """Django's handle_one_request with a handler that sends no Server header, flushed after each answer
        (the write buffer would otherwise hold a bodyless answer while the connection is kept alive)."""
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = AnonymousServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ())
        handler.request_handler = self
        handler.run(self.server.get_app())
        self.wfile.flush()

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        if not self.quiet:
            super().log_message(format, *args)


class QuietRequestHandler(RequestHandler):
    quiet = True


class TLSServer(ThreadedWSGIServer):
    ssl_context: ssl.SSLContext

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Kept-alive client connections and the threads serving them, so stop() can end them.
        self._clients: dict[socket.socket, threading.Thread] = {}
        self._clients_lock = threading.Lock()

    def process_request_thread(self, request, client_address):
        with self._clients_lock:
            self._clients[request] = threading.current_thread()
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._clients_lock:
                self._clients.pop(request, None)

    def close_clients(self, timeout: float = 5) -> None:
        """End every kept-alive connection; its thread then closes its database connection (a test
        database cannot be dropped while the emulator holds connections to it)."""
        with self._clients_lock:
            clients = list(self._clients.items())
        for sock, _ in clients:
            with contextlib.suppress(OSError):  # already closed by the client
                socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the plain socket: the TLS state stays intact
        for _, thread in clients:
            thread.join(timeout)

    def get_request(self):
        sock, address = super().get_request()
        # The handshake happens on the first read, in the connection's own thread: a slow or silent client
        # does not hold up the accept loop.
        return self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def _close_connections(self):
        # A shared (in-memory SQLite test) connection belongs to its creator thread: never close it here.
        for conn in connections.all(initialized_only=True):
            if conn.alias not in (self.connections_override or {}):
                conn.close()

    def handle_error(self, request, client_address):
        # A client that gives up the TLS handshake is not the server's error.
        pass


@dataclasses.dataclass
class RunningEmulator:
    endpoint: str
    certificates: Certificates
    server: TLSServer
    thread: threading.Thread | None = None

    @property
    def connection_string(self) -> str:
        return config.connection_string(self.endpoint)

    @property
    def ca_cert(self) -> Path:
        return self.certificates.ca_cert

    def stop(self) -> None:
        self.server.shutdown()
        self.server.close_clients()
        self.server.server_close()


def make_server(host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True, connections_override=None):
    certificates = ensure_certificates(Path(settings.ACS_EMULATOR_CERT_DIR), [host])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.server_cert, certificates.server_key)
    server_class = type("EmulatorTLSServer", (TLSServer,), {"ssl_context": context})
    server = server_class(
        (host, port),
        QuietRequestHandler if quiet else RequestHandler,
        ipv6=":" in host,
        connections_override=connections_override,
    )
    server.set_app(EmulatorHandler())
    delivery.dispatcher.wake()  # resume event deliveries left pending by an earlier process
    bound_port = server.server_address[1]
    public_host = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):  # noqa: S104 - a listening address, not a bind decision
        public_host = "localhost"
    endpoint = f"https://{public_host}:{bound_port}"
    return RunningEmulator(endpoint=endpoint, certificates=certificates, server=server)


def serve_in_foreground(running: RunningEmulator, *, stdout=None) -> None:
    """Print the two settings a client needs, serve until Ctrl-C or SIGTERM, then end the process.

    The process ends with os._exit once the listening socket and the database connections are closed and the
    output is flushed: CPython's own teardown of the heap (Django, the SDKs, cryptography) costs ~0.2 s of CPU,
    so the exit's time grew with the machine's load (0.2-1.9 s beside `stress-ng --cpu 2`, over 15 s once in
    CI) where it now takes ~0.05 s. Nothing is lost: every write is committed before its answer, a request still
    in flight is rolled back, as when ACS drops a connection, and pending Event Grid deliveries resume in the
    next process.
    """
    stdout = stdout or sys.stdout
    # SIGTERM (docker stop, systemd, Popen.terminate) stops as cleanly as Ctrl-C, even one sent as soon as a
    # parent has read the two lines, before serving has begun. SIGINT is set too: a shell script that starts the
    # emulator in the background (`… &`) starts it with SIGINT ignored, and its `kill -INT` would do nothing.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        stdout.write(f"ACS_CONNECTION_STRING={running.connection_string}\n")
        stdout.write(f"ACS_CA_CERT={running.ca_cert}\n")
        stdout.flush()  # a parent process waits for these two lines
        running.server.serve_forever()
    except KeyboardInterrupt:
        pass
    running.server.server_close()
    connections.close_all()
    for stream in (stdout, sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nobody is left to read it
            stream.flush()
    os._exit(0)


def start_in_thread(host: str = "127.0.0.1", port: int = 0, *, connections_override=None) -> RunningEmulator:
    running = make_server(host, port, quiet=True, connections_override=connections_override)
    running.thread = threading.Thread(target=running.server.serve_forever, name="acs-emulator", daemon=True)
    running.thread.start()
    return running


_embedded: RunningEmulator | None = None
_embedded_lock = threading.Lock()


def embedded() -> RunningEmulator:
    """The emulator of this process, started on first use (each worker process starts its own on a
    loopback port; they share the database, so they share all state)."""
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            _embedded = start_in_thread()
        return _embedded
