"""Test support for Event Grid: a recording webhook, the site served on a port that can be stopped and started
again, and a checker of event data against the published JSON schema (the fixture files next to this one)."""

import json
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

HERE = Path(__file__).parent
SECRET = "test-eventgrid-secret-0123456789abcdef"


def wait_for(condition, timeout=60.0, what="the condition"):
    """Poll until `condition()` is truthy; the timeout only bounds a test that would otherwise hang."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"Timed out waiting for {what}")


class Recorder:
    """A webhook that completes both handshakes and records every delivery; `fail_with` makes it refuse."""

    def __init__(self):
        self.deliveries: list[dict] = []  # {"headers": {...}, "body": parsed JSON}
        self.fail_with: int | None = None
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_OPTIONS(self):  # noqa: N802 - http.server's naming
                self.send_response(200)
                self.send_header("WebHook-Allowed-Origin", self.headers["WebHook-Request-Origin"])
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.headers.get("aeg-event-type") == "SubscriptionValidation":
                    return self._answer(200, {"validationResponse": body[0]["data"]["validationCode"]})
                if recorder.fail_with:
                    return self._answer(recorder.fail_with, {})
                recorder.deliveries.append({"headers": dict(self.headers), "body": body})
                return self._answer(200, {})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict]:
        found = []
        for delivery in self.deliveries:
            body = delivery["body"]
            found += body if isinstance(body, list) else [body]
        return found

    def of_type(self, name: str) -> list[dict]:
        return [e for e in self.events() if (e.get("eventType") or e.get("type")) == "Microsoft.Communication." + name]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class SiteServer:
    """The whole site over HTTP on a fixed port, so it can go away and come back at the same address."""

    def __init__(self):
        self.port = 0
        self.server = None
        self.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self):
        self.server = ThreadedWSGIServer(("127.0.0.1", self.port), _Quiet, allow_reuse_address=True)
        self.server.set_app(WSGIHandler())
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Schema:
    """The spec's definitions, resolved through allOf and $ref (also into the common identifier model)."""

    def __init__(self):
        self.files = {
            "events": json.loads((HERE / "AzureCommunicationServices.json").read_text())["definitions"],
            "common": json.loads((HERE / "communication-common.json").read_text())["definitions"],
        }

    def _resolve(self, ref: str, where: str):
        name = ref.rsplit("/", 1)[-1]
        where = "common" if "common.json" in ref else where
        return self.files[where][name], where

    def flatten(self, definition: dict, where: str) -> tuple[dict, set]:
        properties, required = {}, set(definition.get("required", []))
        for part in definition.get("allOf", []):
            base, base_where = self._resolve(part["$ref"], where)
            base_properties, base_required = self.flatten(base, base_where)
            properties.update(base_properties)
            required |= base_required
        for key, value in definition.get("properties", {}).items():
            properties[key] = (value, where)
        return properties, required

    def check(self, definition_name: str, data: dict) -> None:
        self._check_object(self.files["events"][definition_name], "events", data, definition_name)

    def _check_object(self, definition, where, data, path):
        assert isinstance(data, dict), f"{path} is not an object"
        properties, required = self.flatten(definition, where)
        assert not (undocumented := set(data) - set(properties)), f"{path}: fields not in the spec {undocumented}"
        assert not (missing := required - set(data)), f"{path}: required fields missing {missing}"
        for key, value in data.items():
            self._check_value(*properties[key], value, f"{path}.{key}")

    def _check_value(self, spec, where, value, path):
        if "$ref" in spec:
            spec, where = self._resolve(spec["$ref"], where)
            if "enum" in spec:
                assert value in spec["enum"], f"{path}: {value!r} not in {spec['enum']}"
                return
            return self._check_object(spec, where, value, path)
        kind = spec.get("type")
        if kind == "string":
            assert isinstance(value, str), f"{path} should be a string: {value!r}"
            if spec.get("format") == "date-time":
                datetime.fromisoformat(value)
        elif kind == "integer":
            assert isinstance(value, int) and not isinstance(value, bool), f"{path} should be an integer: {value!r}"
        elif kind == "boolean":
            assert isinstance(value, bool), path
        elif kind == "array":
            assert isinstance(value, list), path
            for i, item in enumerate(value):
                self._check_value(spec["items"], where, item, f"{path}[{i}]")
        elif kind == "object":
            if "properties" in spec or "allOf" in spec:
                return self._check_object(spec, where, value, path)
            if "additionalProperties" not in spec:
                return  # a bare "object" is autorest's "any value"
            assert isinstance(value, dict), path
            for k, v in value.items():
                self._check_value(spec["additionalProperties"], where, v, f"{path}.{k}")
