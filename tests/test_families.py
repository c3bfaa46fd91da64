"""The families beyond boto3 (DYN005-DYN008) and the `creators` setting: names resolve as for
boto3, look-alikes stay silent, the cures apply, and a project's own factories are reported."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dynalint import Config, fix_source, lint_paths, lint_source
from dynalint.analysis.model import Creation
from dynalint.analysis.names import Vocabulary
from tests.test_analysis import found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            """
            import pymysql as mysql
            from psycopg2 import connect as pg_connect
            import psycopg
            from mysql.connector import connect
            def handler(event, context):
                mysql.connect(host="db")
                pg_connect("dbname=app")
                psycopg.AsyncConnection.connect("dbname=app")
                connect(user="app")
            """,
            [(7, "DYN005"), (8, "DYN005"), (9, "DYN005"), (10, "DYN005")],
            id="sql drivers under every import form",
        ),
        pytest.param(
            """
            import redis
            from redis import Redis, StrictRedis
            from pymongo import MongoClient
            from sqlalchemy import create_engine
            from sqlalchemy.orm import sessionmaker
            import sqlite3
            def handler(event, context):
                Redis.from_url("redis://cache")
                redis.from_url("redis://cache")
                StrictRedis()
                MongoClient("mongodb://db")
                sessionmaker(bind=create_engine("sqlite://"))
                sqlite3.connect("/tmp/app.db")
            """,
            [(9, "DYN005"), (10, "DYN005"), (11, "DYN005"), (12, "DYN005")]
            + [(13, "DYN005"), (13, "DYN005"), (14, "DYN005")],
            id="redis mongo sqlalchemy sqlite",
        ),
        pytest.param(
            """
            import requests, httpx, aiohttp, urllib3
            async def handler(event, context):
                requests.Session()
                requests.session()
                httpx.Client()
                async with httpx.AsyncClient() as client:
                    await client.get("/")
                async with aiohttp.ClientSession() as session:
                    pass
                urllib3.PoolManager()
                requests.get("https://example.com")
            """,
            [(4, "DYN006"), (5, "DYN006"), (6, "DYN006"), (7, "DYN006"), (9, "DYN006")]
            + [(11, "DYN006")],
            id="http clients, with blocks too; module functions are not clients",
        ),
        pytest.param(
            """
            from openai import OpenAI
            import anthropic
            from google.cloud import storage, pubsub_v1
            from azure.storage.blob import BlobServiceClient
            from slack_sdk import WebClient
            def handler(event, context):
                OpenAI()
                anthropic.AnthropicBedrock()
                storage.Client()
                pubsub_v1.PublisherClient()
                BlobServiceClient.from_connection_string("x")
                WebClient(token="x")
            """,
            [(8, "DYN007"), (9, "DYN007"), (10, "DYN007"), (11, "DYN007"), (12, "DYN007")]
            + [(13, "DYN007")],
            id="sdk clients",
        ),
        pytest.param(
            """
            from aws_lambda_powertools import Logger, Metrics
            from aws_lambda_powertools.tracing import Tracer
            logger = Logger()
            def handler(event, context):
                Logger(service="orders")
                Tracer()
                Metrics(namespace="shop")
                logger.info("ok")
            """,
            [(6, "DYN008"), (7, "DYN008"), (8, "DYN008")],
            id="powertools in the handler, not at module level",
        ),
    ],
)
def test_families(source: str, expected: list[tuple[int, str]]) -> None:
    assert found(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            from sqlalchemy import create_engine
            from sqlalchemy.orm import Session
            ENGINE = create_engine("sqlite://")
            def handler(event, context):
                with Session(ENGINE) as session:
                    return session.execute("SELECT 1")
            """,
            id="an ORM Session per request on a module-level engine",
        ),
        pytest.param(
            """
            import logging
            from app.sessions import Session
            from app.cache import Redis
            def handler(event, context):
                logging.Logger("x")
                logging.getLogger("x")
                Session()
                Redis()
            """,
            id="other libraries' Session, Redis and Logger",
        ),
        pytest.param(
            """
            import functools
            import psycopg2
            import redis
            _conn = None
            def get_connection():
                global _conn
                if _conn is None or _conn.closed:
                    _conn = psycopg2.connect("dbname=app")
                return _conn
            @functools.lru_cache
            def get_cache():
                return redis.Redis()
            def handler(event, context):
                get_cache().ping()
                return get_connection()
            """,
            id="a lazy global with reconnect and an lru_cache factory",
        ),
        pytest.param(
            """
            import argparse
            import requests
            def main():
                args = argparse.ArgumentParser().parse_args()
                session = requests.Session()
                return session, args
            if __name__ == "__main__":
                main()
            """,
            id="a script's one session",
        ),
        pytest.param(
            """
            import redis
            POOL = redis.ConnectionPool.from_url("redis://cache")
            def handler(event, context):
                return redis.Redis(connection_pool=POOL).get(event["key"])
            """,
            id="a Redis client on a shared pool opens nothing",
        ),
        pytest.param(
            """
            import atexit
            import psycopg2
            from celery.signals import worker_process_init
            @worker_process_init.connect
            def open_connection(**kwargs):
                return psycopg2.connect("dbname=app")
            @atexit.register
            def goodbye():
                psycopg2.connect("dbname=app").close()
            """,
            id="a worker's start-up signal and an exit hook run once",
        ),
    ],
)
def test_cures_and_look_alikes(source: str) -> None:
    assert found(source) == []


def test_flask_g_is_emptied_for_every_request() -> None:
    """`if "db" not in g: g.db = connect()` guards a per-request namespace: no cure."""
    source = """
        import psycopg2
        from flask import Flask, g
        app = Flask(__name__)
        def get_db():
            if "db" not in g:
                g.db = psycopg2.connect("dbname=app")
            return g.db
        @app.get("/orders/<order_id>")
        def get_order(order_id):
            return get_db().cursor()
        """
    assert found(source) == [(7, "DYN005")]


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


CREATORS = Vocabulary(
    creators=(("shop.db.connect", Creation.DATABASE), ("vendor.sdk.Client", Creation.SDK))
)


def test_configured_creators_are_reported_where_they_are_called(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/db.py": """
                import pymysql
                def connect():
                    return pymysql.connect(host="db")
                """,
            "shop/orders.py": """
                from shop import db
                def fetch(order_id):
                    return db.connect().query(order_id)
                """,
            "shop/handler.py": """
                import vendor.sdk
                from shop.db import connect
                from shop.orders import fetch
                def lambda_handler(event, context):
                    vendor.sdk.Client(key="x")
                    return connect(), fetch(event["id"])
                """,
        },
    )
    monkeypatch.chdir(root)

    result = lint_paths(["."], Config(vocabulary=CREATORS))

    assert result.errors == ()
    assert [(f.path, f.line, f.code, f.reach.value) for f in result.findings] == [
        ("shop/handler.py", 6, "DYN007", "per-request"),
        ("shop/handler.py", 7, "DYN005", "per-request"),
        ("shop/orders.py", 4, "DYN005", "per-request"),
    ]
    assert result.findings[2].message == (
        "db.connect() is created on every call of fetch() <- lambda_handler() (shop/handler.py); "
        "open it once at module level, or in a lazy global that reconnects when it is stale"
    )


def test_without_the_setting_the_factory_body_is_what_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(
        tmp_path,
        {
            "db.py": "import pymysql\ndef connect():\n    return pymysql.connect(host='db')\n",
            "handler.py": "import db\ndef lambda_handler(event, context):\n    db.connect()\n",
        },
    )
    monkeypatch.chdir(root)

    result = lint_paths(["."], Config())

    assert [(f.path, f.line, f.code) for f in result.findings] == [("db.py", 3, "DYN005")]


def test_a_module_that_only_calls_a_configured_creator_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing in it looks like a creation to the sift; importing the creator is enough. The
    creator's own module is read too, a module that reaches neither is not."""
    root = project(
        tmp_path,
        {
            "db.py": "def open_pool():\n    return object()\n",
            "handler.py": "from db import open_pool\ndef lambda_handler(event, context):\n"
            "    return open_pool()\n",
            "other.py": "def lambda_handler(event, context):\n    return open_pool()\n",
        },
    )
    monkeypatch.chdir(root)
    config = Config(vocabulary=Vocabulary(creators=(("db.open_pool", Creation.DATABASE),)))

    result = lint_paths(["."], config)

    assert [(f.path, f.line, f.code) for f in result.findings] == [("handler.py", 3, "DYN005")]
    assert result.stats.parsed == 2


@pytest.mark.parametrize(
    ("url", "fixable"),
    [
        ('"postgresql+psycopg2://app@db/orders"', True),
        ("DATABASE_URL", True),
        ('"sqlite:////var/task/inventory.db"', True),
        ('"sqlite://"', False),
        ('"sqlite:///:memory:"', False),
        ('"sqlite:///file:orders?mode=memory&uri=true"', False),
    ],
)
def test_an_engine_is_fixed_unless_its_database_lives_in_it(url: str, fixable: bool) -> None:
    source = (
        "import os\nfrom sqlalchemy import create_engine\n"
        'DATABASE_URL = os.environ["DATABASE_URL"]\n'
        f"def handler(event, context):\n    return create_engine({url}, echo=True)\n"
    )
    (finding,) = lint_source(source, "app.py").findings

    assert finding.code == "DYN005"
    if fixable:
        assert finding.fix is not None and finding.fix.applicability.value == "safe"
        assert [e.content for e in finding.fix.edits] == ["get_engine"]
        assert finding.fix.prunes == ("sqlalchemy",)
    else:
        assert finding.fix is None
        assert finding.no_fix == (
            "an in-memory SQLite database lives and dies with its engine: a shared engine "
            "would keep one request's data for the next"
        )


def test_other_connections_carry_the_reason_they_are_not_fixed() -> None:
    source = "import pymysql\ndef handler(event, context):\n    return pymysql.connect(host='db')\n"
    (finding,) = lint_source(source, "app.py").findings

    assert (finding.fix, finding.no_fix) == (
        None,
        "connections are not rewritten: a cached one needs a liveness check, so open it once in "
        "a lazy global that reconnects",
    )


def test_a_fix_onto_an_engine_alone_brings_no_boto3() -> None:
    source = "from sqlalchemy import create_engine\ndef handler(event, context):\n"
    fixed = fix_source(source + "    return create_engine('postgresql://db/app')\n", "app.py")

    assert fixed.text == (
        "from aws_helpers import get_engine\n\n"
        "def handler(event, context):\n    return get_engine('postgresql://db/app')\n"
    )
    assert fixed.helper_source is not None
    assert "def get_engine(" in fixed.helper_source and "boto3" not in fixed.helper_source


def test_a_bare_celery_task_runs_per_message() -> None:
    """`@app.task` without parentheses registers the task as `@app.task(...)` does."""
    source = (
        "import redis\nfrom celery import Celery\napp = Celery('shop')\n"
        "@app.task\ndef expire_carts():\n    return redis.Redis.from_url('redis://cache')\n"
    )
    (finding,) = lint_source(source, "tasks.py").findings

    assert (finding.line, finding.code, finding.reach.value) == (6, "DYN005", "per-request")


def test_a_fastapi_dependency_runs_with_its_route() -> None:
    """`Depends(get_client)` as a default or inside `Annotated[...]` is a call from the route
    each time FastAPI runs it, not a value handed away at import time."""
    source = """
        from typing import Annotated
        import httpx
        from fastapi import Depends, FastAPI
        app = FastAPI()
        def get_client():
            return httpx.Client(base_url="https://api.example.com")
        def get_other():
            return httpx.Client(base_url="https://other.example.com")
        @app.get("/items/{item_id}")
        def read_item(item_id: str, client: httpx.Client = Depends(get_client)):
            return client.get(f"/items/{item_id}").json()
        @app.get("/other")
        def read_other(client: Annotated[httpx.Client, Depends(get_other)]):
            return client.get("/").json()
        """
    result = lint_source(textwrap.dedent(source), "main.py")

    assert [(f.line, f.code, f.reach.value) for f in result.findings] == [
        (7, "DYN006", "per-request"),
        (9, "DYN006", "per-request"),
    ]
    assert "get_client() <- read_item()" in result.findings[0].message


def test_an_app_runs_its_lifespan_and_startup_handlers_once() -> None:
    """FastAPI's recommended home for a shared client: built when the app starts."""
    source = """
        import contextlib
        import httpx
        from fastapi import FastAPI
        @contextlib.asynccontextmanager
        async def lifespan(app):
            app.state.http = httpx.AsyncClient()
            yield
            await app.state.http.aclose()
        app = FastAPI(lifespan=lifespan)
        @app.on_event("startup")
        async def open_pool():
            app.state.api = httpx.AsyncClient(base_url="https://api.example.com")
        @app.on_event("request")
        async def not_a_process_event():
            return httpx.AsyncClient()
        """
    assert found(source) == [(16, "DYN006")]
