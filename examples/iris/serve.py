"""Tiny HTTP inference server for the iris classifier (standard library only).

Endpoints:
  GET  /health   -> 200 {"status": "ok"}
  GET  /info     -> 200 model metadata (classes, features, accuracy)
  POST /predict  -> {"features": [4 numbers]}         -> {"class", "index", "probabilities"}
                    {"instances": [[4 numbers], ...]} -> {"predictions": [...]}

Environment: PORT (default 8080), HOST (default 0.0.0.0),
MODEL_PATH (default /app/model.pkl).
"""

import json
import math
import os
import pickle
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY_BYTES = 1 << 20
MAX_INSTANCES = 1000


def log(message):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    sys.stderr.write(f"{stamp} {message}\n")
    sys.stderr.flush()


class BadRequest(Exception):
    pass


def load_model(path):
    with open(path, "rb") as f:
        artifact = pickle.load(f)
    for key in ("model", "class_names", "feature_names"):
        if key not in artifact:
            raise ValueError(f"{path}: missing key {key!r}")
    return artifact


def parse_row(row, n_features, where):
    if not isinstance(row, list):
        raise BadRequest(f"{where} must be a list of {n_features} numbers")
    if len(row) != n_features:
        raise BadRequest(f"{where} must have exactly {n_features} numbers, got {len(row)}")
    values = []
    for i, v in enumerate(row):
        # bool is a subclass of int; reject it explicitly.
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise BadRequest(f"{where}[{i}] must be a finite number")
        values.append(float(v))
    return values


def parse_request(payload, n_features):
    """Return (rows, batch) from a decoded JSON body, or raise BadRequest."""
    if not isinstance(payload, dict):
        raise BadRequest('body must be a JSON object with "features" or "instances"')
    has_features = "features" in payload
    has_instances = "instances" in payload
    if has_features == has_instances:
        raise BadRequest('body must have exactly one of "features" or "instances"')
    if has_features:
        return [parse_row(payload["features"], n_features, "features")], False
    instances = payload["instances"]
    if not isinstance(instances, list) or not instances:
        raise BadRequest('"instances" must be a non-empty list of rows')
    if len(instances) > MAX_INSTANCES:
        raise BadRequest(f'"instances" may hold at most {MAX_INSTANCES} rows')
    return [parse_row(r, n_features, f"instances[{i}]") for i, r in enumerate(instances)], True


class Predictor:
    def __init__(self, artifact):
        self.model = artifact["model"]
        self.class_names = list(artifact["class_names"])
        self.feature_names = list(artifact["feature_names"])
        self.info = {
            "classes": self.class_names,
            "features": self.feature_names,
            "accuracy": artifact.get("accuracy"),
            "train_accuracy": artifact.get("train_accuracy"),
            "sklearn_version": artifact.get("sklearn_version"),
        }

    def predict(self, rows):
        probabilities = self.model.predict_proba(rows)
        results = []
        for probs in probabilities:
            index = max(range(len(probs)), key=lambda i: probs[i])
            results.append({
                "class": self.class_names[index],
                "index": index,
                "probabilities": {
                    name: round(float(p), 6) for name, p in zip(self.class_names, probs)
                },
            })
        return results


def make_handler(predictor):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "iris-serve/0.1"

        def send_json(self, status, body, close=False):
            data = (json.dumps(body) + "\n").encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def route(self):
            path = self.path.split("?", 1)[0]
            routes = {"/health": ("GET", "HEAD"), "/info": ("GET", "HEAD"), "/predict": ("POST",)}
            if path not in routes:
                self.send_json(404, {"error": f"not found: {path}"})
                return None
            if self.command not in routes[path]:
                self.send_json(405, {"error": f"method {self.command} not allowed on {path}"})
                return None
            return path

        def do_GET(self):
            path = self.route()
            if path == "/health":
                self.send_json(200, {"status": "ok"})
            elif path == "/info":
                self.send_json(200, predictor.info)

        do_HEAD = do_GET

        def do_PUT(self):
            self.route()

        do_DELETE = do_PATCH = do_PUT

        def do_POST(self):
            if self.route() != "/predict":
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self.send_json(400, {"error": "invalid Content-Length"}, close=True)
                return
            if length > MAX_BODY_BYTES:
                self.send_json(413, {"error": f"body larger than {MAX_BODY_BYTES} bytes"}, close=True)
                return
            raw = self.rfile.read(length) if length > 0 else b""
            try:
                if not raw.strip():
                    raise BadRequest('empty body; expected JSON like {"features": [5.1, 3.5, 1.4, 0.2]}')
                try:
                    payload = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as e:
                    raise BadRequest(f"invalid JSON: {e}")
                rows, batch = parse_request(payload, len(predictor.feature_names))
            except BadRequest as e:
                self.send_json(400, {"error": str(e)})
                return
            try:
                results = predictor.predict(rows)
            except Exception as e:  # noqa: BLE001 - report, keep serving
                log(f"prediction failed: {e!r}")
                self.send_json(500, {"error": "prediction failed"})
                return
            self.send_json(200, {"predictions": results} if batch else results[0])

        # One line per request: send_response() calls log_request().
        def log_request(self, code="-", size="-"):
            code = getattr(code, "value", code)
            log(f'{self.client_address[0]} "{self.requestline}" {code}')

        def log_error(self, format, *args):  # send_error() already logs via log_request
            pass

        def log_message(self, format, *args):
            log(f"{self.client_address[0]} {format % args}")

    return Handler


def main():
    port = int(os.environ.get("PORT", "8080"))
    host = os.environ.get("HOST", "0.0.0.0")
    model_path = os.environ.get("MODEL_PATH", "/app/model.pkl")

    try:
        predictor = Predictor(load_model(model_path))
    except Exception as e:  # noqa: BLE001
        log(f"error: cannot load model from {model_path}: {e}")
        return 1

    def stop(signum, _frame):
        log(f"received {signal.Signals(signum).name}, shutting down")
        raise SystemExit(0)

    # PID 1 in a container ignores SIGTERM unless a handler is installed.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    server = ThreadingHTTPServer((host, port), make_handler(predictor))
    server.daemon_threads = True  # never wait for open keep-alive connections on exit
    accuracy = predictor.info["accuracy"]
    log(f"serving {len(predictor.class_names)}-class model "
        f"(test accuracy {accuracy if accuracy is None else round(accuracy, 4)}) on http://{host}:{port}")
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
