"""Cost of a new expensive object per call (plus its first operation) against reusing one.

Usage: python benchmarks/creation_cost.py [--rounds N] [--family NAME ...]

For each family (HTTP clients, Redis, PostgreSQL, SQLAlchemy, boto3), times "new": create the
object, do one operation, close it, as code that builds its client inside a Lambda handler does on
every invocation; against "reused": the same operation on one object created once, as after
moving it to module level or a cached helper. Servers are local ones the script starts: an
http.server child process (plain and TLS), redis-server and a PostgreSQL cluster in a temporary
folder. A family whose library or server is missing is skipped with a one-line reason. See
benchmarks/README.md for what the numbers mean.

Not a test: pytest collects only tests/ (pyproject testpaths) and this file is not named test_*.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import glob
import importlib
import importlib.metadata
import logging
import multiprocessing
import os
import platform
import shutil
import socket
import socketserver
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

T = TypeVar("T")

DEFAULT_ROUNDS = 80
HOST = "127.0.0.1"
BODY = b'{"object": "list", "data": []}'  # also a valid OpenAI "list models" answer
PG_PASSWORD = "bench-password"
DISTRIBUTIONS = (
    "requests",
    "httpx",
    "urllib3",
    "openai",
    "aws-lambda-powertools",
    "redis",
    "psycopg2-binary",
    "psycopg2",
    "psycopg",
    "SQLAlchemy",
    "boto3",
    "botocore",
    "trustme",
    "certifi",
)


class Skip(Exception):
    """A family or case cannot run here; the message says why."""


@dataclass(frozen=True)
class Case:
    family: str
    label: str
    new: Callable[[], object]
    reused: Callable[[], object]


@dataclass(frozen=True)
class Tls:
    """A test CA and a server certificate for 127.0.0.1, as files."""

    ca_pem: Path
    cert_pem: Path
    key_pem: Path
    bundle: Path  # certifi's bundle plus the test CA: what clients load when verify=True


@dataclass(frozen=True)
class Env:
    stack: ExitStack
    tmp: Path
    tls: Tls | None


def need(module: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise Skip(f"{module} is not installed ({error})") from None


def pair(
    env: Env,
    family: str,
    label: str,
    make: Callable[[], T],
    use: Callable[[T], object],
    close: Callable[[T], object] = lambda obj: None,
) -> Case:
    """One case: ``new`` makes, uses and closes an object per call; ``reused`` uses one shared."""
    shared = make()
    env.stack.callback(close, shared)

    def new() -> None:
        obj = make()
        try:
            use(obj)
        finally:
            close(obj)

    return Case(family, label, new, lambda: use(shared))


# Timing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    case: Case
    new_ms: list[float]
    reused_ms: list[float]


def measure(case: Case, rounds: int) -> Result:
    """Untimed warm-up of each, then ``rounds`` timed calls each, alternating who goes first."""
    case.new()
    case.reused()
    times: dict[str, list[float]] = {"new": [], "reused": []}
    arms = (("new", case.new), ("reused", case.reused))
    gc.collect()
    for index in range(rounds):
        for name, call in arms if index % 2 == 0 else arms[::-1]:
            start = time.perf_counter_ns()
            call()
            times[name].append((time.perf_counter_ns() - start) / 1e6)
    return Result(case, times["new"], times["reused"])


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def table(results: list[Result]) -> list[str]:
    header = (
        "family",
        "new object + first operation",
        "new median ms",
        "new p90 ms",
        "reused median ms",
        "reused p90 ms",
        "new / reused",
        "extra ms per call",
    )
    rows = [header]
    for result in results:
        new, reused = statistics.median(result.new_ms), statistics.median(result.reused_ms)
        rows.append(
            (
                result.case.family,
                result.case.label,
                f"{new:.2f}",
                f"{p90(result.new_ms):.2f}",
                f"{reused:.3f}",
                f"{p90(result.reused_ms):.3f}",
                f"{new / reused:.1f}x",
                f"{new - reused:.2f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.ljust(width) if i < 2 or number == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if number == 0:  # text columns left-aligned, figures right-aligned
            rules = ["-" * (w + 2) if i < 2 else "-" * (w + 1) + ":" for i, w in enumerate(widths)]
            lines.append("|" + "|".join(rules) + "|")
    return lines


# Servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(check: Callable[[], object], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()
            return
        except Exception as error:
            if time.monotonic() > deadline:
                raise Skip(f"{what} did not become ready in {timeout:.0f} s: {error}") from None
            time.sleep(0.05)


def stop_process(proc: subprocess.Popen[bytes] | BaseProcess) -> None:
    proc.terminate()
    if isinstance(proc, subprocess.Popen):
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    else:
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive; every answer has a Content-Length
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def server_bind(self) -> None:  # skip HTTPServer's getfqdn(): no DNS lookup
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]


def _serve_http(conn: Connection, cert_pem: str | None, key_pem: str | None) -> None:
    """Child process: a plain and (given a certificate) a TLS server, ports sent to ``conn``."""
    servers = {"http": _Server((HOST, 0), _Handler)}
    if cert_pem and key_pem:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_pem, key_pem)
        servers["https"] = _Server((HOST, 0), _Handler)
        servers["https"].socket = context.wrap_socket(servers["https"].socket, server_side=True)
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    conn.send({scheme: server.server_address[1] for scheme, server in servers.items()})
    conn.recv()  # blocks until the parent closes its end or is gone


def http_server(env: Env) -> dict[str, str]:
    """Start the HTTP server process; return base URLs by scheme."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    tls = env.tls
    args = (child, str(tls.cert_pem), str(tls.key_pem)) if tls else (child, None, None)
    proc = ctx.Process(target=_serve_http, args=args, daemon=True)
    proc.start()
    child.close()
    env.stack.callback(stop_process, proc)
    env.stack.callback(parent.close)  # the child serves until this end closes
    if not parent.poll(30):
        raise Skip("the http.server child process did not start")
    ports: dict[str, int] = parent.recv()
    return {scheme: f"{scheme}://{HOST}:{port}" for scheme, port in ports.items()}


def make_tls(tmp: Path) -> Tls | None:
    try:
        trustme = importlib.import_module("trustme")
    except ImportError:
        return None
    rsa = trustme.KeyType.RSA  # RSA 2048, what most public endpoints (AWS included) present
    ca = trustme.CA(key_type=rsa)
    leaf = ca.issue_cert(HOST, key_type=rsa)
    tls = Tls(tmp / "ca.pem", tmp / "server.pem", tmp / "server.key", tmp / "bundle.pem")
    ca.cert_pem.write_to_path(str(tls.ca_pem))
    leaf.private_key_pem.write_to_path(str(tls.key_pem))
    for number, blob in enumerate(leaf.cert_chain_pems):
        blob.write_to_path(str(tls.cert_pem), append=number > 0)
    try:
        certifi = importlib.import_module("certifi")
        roots = Path(certifi.where()).read_bytes()
    except ImportError:
        roots = b""
    tls.bundle.write_bytes(roots + b"\n" + tls.ca_pem.read_bytes())
    return tls


# Families ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpClient:
    module: str
    label: str
    make: Callable[[Any, str], Any]  # (module, base URL) -> client
    get: Callable[[Any, str], int]  # (client, base URL) -> HTTP status of one GET
    close: Callable[[Any], object]


HTTP_CLIENTS = (
    HttpClient(
        "requests",
        "requests.Session() + GET",
        lambda requests, base: requests.Session(),
        lambda session, base: session.get(f"{base}/item").status_code,
        lambda session: session.close(),
    ),
    HttpClient(
        "httpx",
        "httpx.Client() + GET",
        lambda httpx, base: httpx.Client(),
        lambda client, base: client.get(f"{base}/item").status_code,
        lambda client: client.close(),
    ),
    HttpClient(
        "urllib3",
        "urllib3.PoolManager() + GET",
        lambda urllib3, base: urllib3.PoolManager(),
        lambda manager, base: manager.request("GET", f"{base}/item").status,
        lambda manager: manager.clear(),
    ),
    HttpClient(
        "openai",
        "openai.OpenAI() + models.list()",
        lambda openai, base: openai.OpenAI(api_key="x", base_url=f"{base}/v1", max_retries=0),
        lambda client, base: 200 if client.models.list().data == [] else 0,
        lambda client: client.close(),
    ),
)


def http_family(env: Env) -> Iterator[Case]:
    bases = http_server(env)
    for scheme, base in bases.items():
        for spec in HTTP_CLIENTS:
            try:
                module = need(spec.module)
            except Skip as skip:
                print(f"skipped: {spec.label} ({scheme}): {skip}")
                continue

            def use(client: Any, spec: HttpClient = spec, base: str = base) -> None:
                status = spec.get(client, base)
                if status != 200:
                    raise RuntimeError(f"{spec.label}: unexpected HTTP status {status}")

            def make(spec: HttpClient = spec, module: ModuleType = module, base: str = base) -> Any:
                return spec.make(module, base)

            yield pair(env, "HTTP", f"{spec.label} ({scheme})", make, use, spec.close)


def redis_family(env: Env) -> Iterator[Case]:
    redis = need("redis")
    exe = shutil.which("redis-server")
    if exe is None:
        raise Skip("redis-server is not on PATH (Debian: apt-get install redis-server)")
    port = free_port()
    args = [exe, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen([*args, "--dir", str(env.tmp)], stdout=subprocess.DEVNULL)
    env.stack.callback(stop_process, proc)
    setup = redis.Redis(host=HOST, port=port)
    wait_until(setup.ping, "redis-server")
    setup.set("bench:key", b"value")
    setup.close()

    def use(client: Any) -> None:
        if client.get("bench:key") != b"value":
            raise RuntimeError("unexpected GET answer")

    yield pair(
        env,
        "Redis",
        "redis.Redis() + GET",
        lambda: redis.Redis(host=HOST, port=port),
        use,
        lambda client: client.close(),
    )


def postgres_bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    return Path(dirs[-1]) if dirs and Path(dirs[-1], "initdb").exists() else None


def run_checked(args: list[str], what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise Skip(f"{what} failed: {(done.stderr or done.stdout).strip()[-300:]}")


def start_postgres(env: Env) -> int:
    """initdb a cluster in the temporary folder and start it; return its TCP port."""
    bindir = postgres_bindir()
    if bindir is None:
        raise Skip("initdb not found on PATH nor in /usr/lib/postgresql/*/bin (apt: postgresql)")
    root = env.tmp / "postgres"
    root.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as an unprivileged user
        if shutil.which("runuser") is None:
            raise Skip("running as root, and runuser (util-linux) is not on PATH")
        prefix = ["runuser", "-u", "postgres" if _has_user("postgres") else "nobody", "--"]
    (root / "password").write_text(PG_PASSWORD)
    opts = ["-c", "listen_addresses=" + HOST, "-c", f"unix_socket_directories={root}"]
    if env.tls:  # the server key must belong to the server's user, mode 0600
        shutil.copy(env.tls.cert_pem, root / "server.pem")
        shutil.copy(env.tls.key_pem, root / "server.key")
        opts += ["-c", "ssl=on", "-c", f"ssl_cert_file={root / 'server.pem'}"]
        opts += ["-c", f"ssl_key_file={root / 'server.key'}"]
    for path in [root, *root.iterdir()]:
        if prefix:
            shutil.chown(path, prefix[2])
        path.chmod(0o700 if path.is_dir() else 0o600)
    data = root / "data"
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", "bench", "--no-sync", "-E", "UTF8"]
    initdb += ["--locale=C", f"--pwfile={root / 'password'}", "--auth-host=scram-sha-256"]
    run_checked([*prefix, *initdb, "--auth-local=trust"], "initdb")
    port = free_port()
    pg_ctl = [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-t", "60"]
    env.stack.callback(subprocess.run, [*pg_ctl, "-m", "fast", "stop"], capture_output=True)
    options = " ".join([*opts, "-c", f"port={port}", "-c", "fsync=off"])
    run_checked([*pg_ctl, "-l", str(root / "log"), "-o", options, "start"], "pg_ctl start")
    return port


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def postgres_family(env: Env) -> Iterator[Case]:
    try:
        driver, module = "psycopg2", need("psycopg2")
    except Skip:
        try:
            driver, module = "psycopg", need("psycopg")
        except Skip:
            raise Skip("neither psycopg2 nor psycopg is installed") from None
    port = start_postgres(env)
    dsn = f"host={HOST} port={port} user=bench password={PG_PASSWORD} dbname=postgres"

    def connect(extra: str) -> Callable[[], Any]:
        def make() -> Any:
            conn = module.connect(f"{dsn} {extra}")
            conn.autocommit = True
            return conn

        return make

    def use(conn: Any) -> None:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            if cur.fetchone() != (1,):
                raise RuntimeError("unexpected SELECT 1 answer")

    wait_until(lambda: connect("sslmode=disable")().close(), "PostgreSQL")
    modes = [("TCP", "sslmode=disable")]
    if env.tls:
        modes.append(("TLS", f"sslmode=verify-full sslrootcert={env.tls.ca_pem}"))
    for name, extra in modes:
        label = f"{driver}.connect() + SELECT 1 ({name}, SCRAM)"
        yield pair(env, "PostgreSQL", label, connect(extra), use, lambda conn: conn.close())
    try:
        sqlalchemy = need("sqlalchemy")
    except Skip as skip:
        print(f"skipped: SQLAlchemy on PostgreSQL: {skip}")
        return
    url = f"postgresql+{driver}://bench:{PG_PASSWORD}@{HOST}:{port}/postgres?sslmode=disable"
    yield engine_case(env, sqlalchemy, url, "create_engine(postgresql) + SELECT 1 (TCP)")


def engine_case(env: Env, sqlalchemy: ModuleType, url: str, label: str) -> Case:
    def use(engine: Any) -> None:
        with engine.connect() as conn:
            if conn.execute(sqlalchemy.text("SELECT 1")).scalar_one() != 1:
                raise RuntimeError("unexpected SELECT 1 answer")

    return pair(
        env,
        "SQLAlchemy",
        label,
        lambda: sqlalchemy.create_engine(url),
        use,
        lambda engine: engine.dispose(),
    )


def sqlite_family(env: Env) -> Iterator[Case]:
    sqlalchemy = need("sqlalchemy")
    url = f"sqlite:///{env.tmp / 'bench.sqlite3'}"
    yield engine_case(env, sqlalchemy, url, "create_engine(sqlite file) + SELECT 1")


def boto3_family(env: Env) -> Iterator[Case]:
    boto3 = need("boto3")
    params = {"Bucket": "bench-bucket", "Key": "key"}

    def use(client: Any) -> None:  # signs locally: credentials, endpoint rules, SigV4
        client.generate_presigned_url("get_object", Params=params, ExpiresIn=60)

    for label, make in (
        ("boto3.client('s3')", lambda: boto3.client("s3", region_name="us-east-1")),
        ("boto3.Session().client('s3')", lambda: boto3.Session().client("s3", "us-east-1")),
    ):
        yield pair(env, "boto3", f"{label} + presigned URL (no network)", make, use)


def powertools_family(env: Env) -> Iterator[Case]:
    """Powertools' Logger and Metrics as a handler uses them: one log line, one metric flushed.
    Their output goes to a null stream, so the cost is building and configuring them."""
    need("aws_lambda_powertools")
    from aws_lambda_powertools import Logger, Metrics

    sink = open(os.devnull, "w")  # noqa: SIM115 - closed with the run's other resources
    env.stack.callback(sink.close)

    def log(logger: Any) -> None:
        logger.info("order received", extra={"order_id": "o-1"})

    def count(metrics: Any) -> None:
        metrics.add_metric(name="OrdersReceived", unit="Count", value=1)
        with contextlib.redirect_stdout(sink):
            metrics.flush_metrics()

    def logger() -> Any:
        return Logger(service="bench", logger_handler=logging.StreamHandler(sink))

    yield pair(env, "Powertools", "Logger() + info()", logger, log)
    yield pair(env, "Powertools", "Metrics() + flush", lambda: Metrics(namespace="Bench"), count)


FAMILIES: dict[str, Callable[[Env], Iterator[Case]]] = {
    "http": http_family,
    "redis": redis_family,
    "postgres": postgres_family,
    "sqlite": sqlite_family,
    "boto3": boto3_family,
    "powertools": powertools_family,
}


# Main --------------------------------------------------------------------------------------


def versions() -> list[str]:
    found = []
    for dist in DISTRIBUTIONS:
        try:
            found.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    servers = [ssl.OPENSSL_VERSION]
    bindir = postgres_bindir()
    for exe in (shutil.which("redis-server"), bindir and str(bindir / "postgres")):
        if exe:
            out = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout
            servers.append(out.strip().split(" build=")[0])
    return [", ".join(found) or "none of the measured libraries is installed", "; ".join(servers)]


@contextmanager
def isolated_environment(tls: Tls | None) -> Iterator[None]:
    """Fake AWS credentials, no proxies, and the test CA in the default trust bundle."""
    saved = dict(os.environ)
    trust = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    for name in list(os.environ):  # trust: each library's default, or the test bundle below
        if name.lower().endswith("_proxy") or name.startswith(("AWS_", "OPENAI_", *trust)):
            del os.environ[name]
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    if tls:  # read by OpenSSL's default paths (urllib3, httpx, openai) and by requests
        os.environ.update(SSL_CERT_FILE=str(tls.bundle), REQUESTS_CA_BUNDLE=str(tls.bundle))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run(rounds: int, families: list[str]) -> None:
    print("dynalint creation-cost benchmark: a new object + first operation per call, vs reused")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.platform()}, {os.cpu_count()} CPUs"
    )
    for line in versions():
        print(line)
    print(f"{rounds} timed calls per arm after one untimed warm-up, new and reused alternating")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="dynalint-cost-") as tmp_name:
        tmp = Path(tmp_name)
        tmp.chmod(0o711)  # PostgreSQL's unprivileged user must reach its folder inside
        tls = make_tls(tmp)
        if tls is None:
            print("skipped: TLS rows (HTTPS, PostgreSQL TLS): trustme is not installed")
        with isolated_environment(tls):
            for name in families:
                with ExitStack() as stack:
                    try:
                        for case in FAMILIES[name](Env(stack, tmp, tls)):
                            print(f"  measuring {case.label}", file=sys.stderr, flush=True)
                            results.append(measure(case, rounds))
                    except Skip as skip:
                        print(f"skipped: {name}: {skip}")
    print()
    print("\n".join(table(results)) if results else "nothing measured: every family was skipped")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--rounds",
        "-n",
        type=int,
        default=DEFAULT_ROUNDS,
        help=f"timed calls per arm and case (default: {DEFAULT_ROUNDS})",
    )
    parser.add_argument(
        "--family",
        action="append",
        choices=list(FAMILIES),
        help="measure only this family; repeatable (default: all)",
    )
    args = parser.parse_args(argv)
    if args.rounds < 2:
        parser.error("--rounds must be at least 2")
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # before progress
    run(args.rounds, args.family or list(FAMILIES))


if __name__ == "__main__":
    main()
