"""Name resolution, value tracking, exemptions and look-alikes, one module at a time."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dynalint import Applicability, Reach, lint_paths, lint_source


def found(source: str) -> list[tuple[int, str]]:
    result = lint_source(textwrap.dedent(source), "app.py")
    assert result.errors == ()
    return [(finding.line, finding.code) for finding in result.findings]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            """
            import boto3 as b
            def handler(event, context):
                return b.client("s3")
            """,
            [(4, "DYN001")],
            id="import as",
        ),
        pytest.param(
            """
            from boto3 import client as make, resource
            def handler(event, context):
                make("s3")
                resource("sqs")
            """,
            [(4, "DYN001"), (5, "DYN002")],
            id="from import as",
        ),
        pytest.param(
            """
            import boto3.session
            def handler(event, context):
                boto3.session.Session().client("s3")
            """,
            [(4, "DYN001"), (4, "DYN004")],
            id="import dotted module",
        ),
        pytest.param(
            """
            from boto3.session import Session
            from botocore.session import get_session
            def handler(event, context):
                Session()
                get_session().create_client("s3")
            """,
            [(5, "DYN004"), (6, "DYN001"), (6, "DYN004")],
            id="session classes and botocore",
        ),
        pytest.param(
            """
            def handler(event, context):
                import boto3
                return boto3.resource("dynamodb").Table("t")
            """,
            [(4, "DYN002"), (4, "DYN003")],
            id="import inside the function",
        ),
        pytest.param(
            """
            import boto3
            from settings import SERVICE
            ANY = boto3.resource(SERVICE)
            def handler(event, context):
                ANY.Table("x")
            """,
            [(6, "DYN003")],
            id="Table on a resource of an unread service: only DynamoDB's has one",
        ),
    ],
)
def test_import_forms(source: str, expected: list[tuple[int, str]]) -> None:
    assert found(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            """
            import boto3
            def handler(event, context):
                s = boto3.Session()
                sqs = s.client("sqs")
                ddb = s.resource("dynamodb")
                ddb.Table("orders")
            """,
            [(4, "DYN004"), (5, "DYN001"), (6, "DYN002"), (7, "DYN003")],
            id="session variable",
        ),
        pytest.param(
            """
            import boto3
            SESSION = boto3.Session()
            DDB = SESSION.resource("dynamodb")
            def handler(event, context):
                SESSION.client("s3")
                DDB.Table("orders")
            """,
            [(6, "DYN001"), (7, "DYN003")],
            id="module-level session and resource",
        ),
        pytest.param(
            """
            import boto3
            class Repo:
                def __init__(self):
                    self.ddb = boto3.resource(service_name="dynamodb")
                def table(self):
                    return self.ddb.Table("orders")
            def handler(event, context):
                return Repo().table()
            """,
            [(5, "DYN002"), (7, "DYN003")],
            id="self attribute",
        ),
        pytest.param(
            """
            import aioboto3
            async def handler(event, context):
                session = aioboto3.Session()
                async with session.client("s3") as s3:
                    pass
                async with session.resource("dynamodb") as ddb:
                    table = await ddb.Table("orders")
            """,
            [(4, "DYN004"), (5, "DYN001"), (7, "DYN002"), (8, "DYN003")],
            id="aioboto3 context managers",
        ),
        pytest.param(
            """
            import boto3
            def handler(event, context, session: boto3.Session):
                return session.client("s3")
            """,
            [(4, "DYN001")],
            id="annotated session parameter",
        ),
    ],
)
def test_values_are_followed(source: str, expected: list[tuple[int, str]]) -> None:
    assert found(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(
            """
            import boto3
            def handler(event, context):
                "boto3.client('s3') in a docstring"
                # boto3.client("s3") in a comment
                return "boto3.resource('dynamodb')"
            """,
            id="strings and comments",
        ),
        pytest.param(
            """
            import redis, httpx
            from sqlalchemy import Table
            def handler(event, context):
                redis.client("x")
                httpx.get("https://example.com")
                Table("users", None)
            """,
            id="other libraries",
        ),
        pytest.param(
            """
            import boto3
            S3 = boto3.resource("s3")
            def handler(event, context, resource):
                S3.Table("x")
                resource.Table("x")
            """,
            id="Table on a resource that is not known to be DynamoDB",
        ),
        pytest.param(
            """
            import boto3
            def handler(event, context, s3=boto3.client("s3")):
                return s3
            """,
            id="default argument value",
        ),
        pytest.param(
            """
            import boto3
            from framework import with_client
            @with_client(boto3.client("s3"))
            def handler(event, context):
                pass
            """,
            id="decorator expression",
        ),
        pytest.param(
            """
            import boto3
            class Config:
                s3 = boto3.client("s3")
            if __name__ == "__main__":
                boto3.client("sqs")
            """,
            id="class body and main block",
        ),
    ],
)
def test_silent(source: str) -> None:
    assert found(source) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            """
            import boto3
            from functools import lru_cache
            @lru_cache
            def bare(): return boto3.client("s3")
            @lru_cache(maxsize=None)
            def called(): return boto3.client("s3")
            """,
            [],
            id="lru_cache bare and called",
        ),
        pytest.param(
            """
            import boto3, functools
            from functools import cache as memo
            class Store:
                @functools.cached_property
                def table(self): return boto3.resource("dynamodb").Table("t")
            @memo
            def sqs(): return boto3.client("sqs")
            """,
            [],
            id="cached_property and aliased cache",
        ),
        pytest.param(
            """
            import boto3
            from functools import lru_cache
            @lru_cache
            def table(): return build()
            def build(): return boto3.resource("dynamodb").Table("t")
            """,
            [],
            id="called only from a memoized function",
        ),
        pytest.param(
            """
            import boto3
            _table = None
            def get_table():
                global _table
                if _table is None:
                    ddb = boto3.resource("dynamodb")
                    _table = ddb.Table("t")
                return _table
            """,
            [],
            id="lazy global",
        ),
        pytest.param(
            """
            import boto3
            _client = None
            def get_client():
                global _client
                if _client:
                    return _client
                _client = boto3.client("s3")
                return _client
            """,
            [],
            id="lazy global with early return",
        ),
        pytest.param(
            """
            import boto3
            _clients = {}
            def client_for(region):
                if region not in _clients:
                    _clients[region] = boto3.client("s3", region_name=region)
                return _clients[region]
            """,
            [],
            id="lazy module dict",
        ),
        pytest.param(
            """
            import boto3
            class Clients:
                _sqs = None
                @classmethod
                def sqs(cls):
                    if cls._sqs is None:
                        cls._sqs = boto3.client("sqs")
                    return cls._sqs
            """,
            [],
            id="lazy class attribute",
        ),
        pytest.param(
            """
            import boto3
            def factory():
                client = None
                def get():
                    nonlocal client
                    if not client:
                        client = boto3.client("s3")
                    return client
                return get
            """,
            [],
            id="lazy nonlocal",
        ),
        pytest.param(
            """
            import boto3
            _clients = {}
            def client_for(region):
                return _clients.setdefault(region, boto3.client("s3", region_name=region))
            """,
            [(5, "DYN001")],
            id="setdefault creates on every call",
        ),
        pytest.param(
            """
            import boto3
            _client = None
            def get_client():
                global _client
                _client = boto3.client("s3")
                return _client
            """,
            [(6, "DYN001")],
            id="unguarded global",
        ),
        pytest.param(
            """
            import boto3
            class Repo:
                def client(self):
                    if self._client is None:
                        self._client = boto3.client("s3")
                    return self._client
            """,
            [(6, "DYN001")],
            id="instance attribute guard is per instance",
        ),
    ],
)
def test_cures_and_look_alikes(source: str, expected: list[tuple[int, str]]) -> None:
    assert found(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            """
            import boto3
            def make():
                return boto3.client("s3")
            S3 = make()
            """,
            [],
            id="called at import time",
        ),
        pytest.param(
            """
            import boto3
            def make():
                return boto3.client("s3")
            def main():
                make()
            if __name__ == "__main__":
                main()
            """,
            [],
            id="called from the main block through main()",
        ),
        pytest.param(
            """
            import boto3, click
            @click.group()
            def cli(): pass
            @cli.command()
            def sync():
                boto3.client("s3")
            """,
            [],
            id="click command",
        ),
        pytest.param(
            """
            import boto3
            def make():
                return boto3.client("s3")
            S3 = make()
            def handler(event, context):
                return make()
            """,
            [(4, "DYN001")],
            id="called at import time and per request",
        ),
        pytest.param(
            """
            import boto3
            def make():
                return boto3.client("s3")
            HOOKS = [make]
            """,
            [(4, "DYN001")],
            id="escapes as a value: callers unknown",
        ),
        pytest.param(
            """
            import boto3
            def handler(event, context):
                def inner():
                    return boto3.client("s3")
                return [inner() for _ in event], list(map(lambda r: boto3.client("sqs"), []))
            """,
            [(5, "DYN001"), (6, "DYN001")],
            id="nested function and lambda",
        ),
        pytest.param(
            """
            import sys, boto3
            class Hooks:
                @staticmethod
                def notify(event, context):
                    return boto3.client("sns")
            if __name__ == "__main__":
                getattr(Hooks, sys.argv[1])({}, None)
            """,
            [],
            id="getattr with a computed name from the main block: once",
        ),
        pytest.param(
            """
            import boto3
            class Hooks:
                @staticmethod
                def notify(event, context):
                    return boto3.client("sns")
                @staticmethod
                def _audit(event, context):
                    return boto3.client("cloudtrail")
            def handler(event, context):
                run = getattr(Hooks, event["hook"])
                return run(event, context)
            """,
            [(6, "DYN001"), (9, "DYN001")],
            id="getattr with a computed name per request: every public member",
        ),
        pytest.param(
            """
            import boto3
            def _make():
                return boto3.client("s3")
            def main():
                return boto3.client("sqs")
            if __name__ == "__main__":
                import sys
                getattr(sys.modules[__name__], "main")()
            """,
            [(4, "DYN001"), (6, "DYN001")],
            id="getattr on what dynalint cannot name reaches nothing",
        ),
    ],
)
def test_reachability(source: str, expected: list[tuple[int, str]]) -> None:
    assert found(source) == expected


def test_finding_carries_chain_reach_and_position() -> None:
    source = textwrap.dedent(
        """\
        import boto3
        def load(key):
            return boto3.client("s3").get_object(Bucket="b", Key=key)
        def lambda_handler(event, context):
            return load(event["key"])
        """
    )
    (finding,) = lint_source(source, "svc/app.py").findings

    assert (finding.path, finding.line, finding.column) == ("svc/app.py", 3, 12)
    assert (finding.end_line, finding.end_column) == (3, 30)
    assert finding.reach is Reach.PER_REQUEST
    assert finding.chain == ("svc/app.py:lambda_handler", "svc/app.py:load")
    assert finding.message == (
        'boto3.client("s3") is created on every call of load() <- lambda_handler(); '
        "create it once at module level or use a cached helper"
    )
    assert finding.applicability is Applicability.SAFE


def test_unknown_callers_are_said() -> None:
    source = "import boto3\ndef upload(path):\n    boto3.client('s3').upload_file(path, 'b', 'k')\n"
    (finding,) = lint_source(source, "lib.py").findings

    assert finding.reach is Reach.UNKNOWN
    assert finding.chain == ()
    assert "every call of upload(), whose callers are unknown;" in finding.message


@pytest.mark.parametrize(
    ("call", "applicability", "names"),
    [
        pytest.param('boto3.client("s3", region_name="eu-west-1")', "safe", (), id="literals"),
        pytest.param('boto3.resource("dynamodb").Table(os.environ["T"])', "safe", (), id="environ"),
        pytest.param('boto3.resource("dynamodb").Table(os.getenv("T"))', "safe", (), id="getenv"),
        pytest.param(
            "boto3.resource('dynamodb').Table(settings.TABLE)", "safe", (), id="module attr"
        ),
        pytest.param("boto3.resource('dynamodb').Table(table_name())", "unsafe", (), id="call"),
        pytest.param("boto3.resource('dynamodb').Table(CONFIG['t'])", "unsafe", (), id="subscript"),
        pytest.param(
            "boto3.client('s3', region_name=event['region'])", "none", ("event",), id="event"
        ),
        pytest.param(
            "boto3.Session(aws_access_key_id=creds).client('s3')", "none", ("creds",), id="creds"
        ),
    ],
)
def test_argument_stability(call: str, applicability: str, names: tuple[str, ...]) -> None:
    source = textwrap.dedent(
        f"""\
        import os, boto3, settings
        CONFIG = {{}}
        def table_name(): return "t"
        def handler(event, context):
            creds = event["creds"]
            return {call}
        """
    )
    findings = [f for f in lint_source(source, "app.py").findings if f.code != "DYN004"]

    assert [f.applicability.value for f in findings][-1] == applicability
    if names:
        assert f"depends on per-request values ({', '.join(names)})" in findings[-1].message


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        pytest.param("# noqa", [], id="bare"),
        pytest.param("# noqa: DYN001", [], id="same code"),
        pytest.param("# NOQA:DYN002,DYN001", [], id="list"),
        pytest.param("# noqa: E501", [(3, "DYN001")], id="other code"),
        pytest.param("# see noqa docs", [(3, "DYN001")], id="not a noqa"),
    ],
)
def test_noqa(comment: str, expected: list[tuple[int, str]]) -> None:
    source = f"import boto3\ndef handler(event, context):\n    boto3.client('s3')  {comment}\n"
    assert found(source) == expected


def test_noqa_inside_a_string_does_not_count() -> None:
    source = "import boto3\ndef handler(event, context):\n    boto3.client('s3', x='# noqa')\n"
    assert found(source) == [(3, "DYN001")]


def test_values_through_or_and_conditional_expressions() -> None:
    source = """
    import boto3
    def handler(event, context, session=None):
        session = session or boto3.Session()
        ddb = boto3.resource("dynamodb") if event else None
        return session.client("s3"), ddb.Table("t")
    """
    assert found(source) == [(4, "DYN004"), (5, "DYN002"), (6, "DYN001"), (6, "DYN003")]


@pytest.mark.parametrize(
    "annotation",
    [
        pytest.param("boto3.Session | None", id="union with None"),
        pytest.param("Optional[boto3.Session]", id="Optional"),
        pytest.param('"boto3.Session"', id="string"),
        pytest.param("Session", id="imported class"),
    ],
)
def test_session_parameters_by_annotation(annotation: str) -> None:
    source = f"""
    import boto3
    from typing import Optional
    from boto3.session import Session
    def upload(path, session: {annotation} = None):
        return session.client("s3")
    """
    assert found(source) == [(6, "DYN001")]


@pytest.mark.parametrize(
    "docstring",
    [
        pytest.param("Args:\n            session (boto3.Session): the caller's.", id="Google"),
        pytest.param(
            "Args:\n            session (boto3.session.Session, optional): the caller's.",
            id="Google optional",
        ),
        pytest.param(":param session: ours\n        :type session: boto3.Session", id="reST"),
        pytest.param(
            "Parameters\n        ----------\n        session : Optional[boto3.Session]",
            id="NumPy",
        ),
    ],
)
def test_session_parameters_by_docstring(docstring: str) -> None:
    source = f"""
    def upload(path, session=None):
        \"\"\"Upload.

        {docstring}
        \"\"\"
        return session.client("s3")
    """
    line = source.splitlines().index('        return session.client("s3")') + 1
    assert found(source) == [(line, "DYN001")]


@pytest.mark.parametrize(
    "docstring",
    [
        pytest.param("Args:\n            session (Session): our own.", id="bare name"),
        pytest.param("Args:\n            store (boto3.Session): another one.", id="other name"),
    ],
)
def test_docstring_types_that_name_no_session(docstring: str) -> None:
    source = f"""
    def upload(path, session=None, store=None):
        \"\"\"Upload.

        {docstring}
        \"\"\"
        return session.client("s3")
    """
    assert found(source) == []


def test_an_annotation_outranks_the_docstring() -> None:
    source = """
    from myapp.auth import Session
    def upload(path, session: Session):
        \"\"\"Args:
            session (boto3.Session): stale documentation.
        \"\"\"
        return session.client("s3")
    """
    assert found(source) == []


@pytest.mark.parametrize(
    ("cls", "reach"),
    [
        pytest.param("ExportReadySensor", Reach.PER_REQUEST, id="sensor"),
        pytest.param("ExportReadyProbe", Reach.UNKNOWN, id="not a sensor"),
    ],
)
def test_airflow_sensor_poke_runs_per_poke(cls: str, reach: Reach) -> None:
    source = textwrap.dedent(
        f"""\
        import boto3
        from airflow.sensors.base import BaseSensorOperator
        class {cls}(BaseSensorOperator):
            def poke(self, context):
                return boto3.client("s3").list_objects_v2(Bucket="exports")["KeyCount"] > 0
        """
    )
    (finding,) = lint_source(source, "sensors.py").findings
    assert finding.reach is reach


AIRFLOW_TASK = """\
import boto3
from airflow.hooks.base import BaseHook
from airflow.models import BaseOperator
class ExportHook({hook_base}):
    def put_rows(self, rows):
        table = boto3.resource("dynamodb").Table("exports")
        table.put_item(Item=rows[0])
class {cls}({base}):
    def execute(self, context):
        self._load()
        ExportHook().put_rows([{{"id": "1"}}])
    def _load(self):
        return boto3.client("s3").get_object(Bucket="exports", Key="rows.json")
"""


@pytest.mark.parametrize(
    ("cls", "base", "hook_base", "expected"),
    [
        pytest.param(
            "LoadExportOperator",
            "BaseOperator",
            "BaseHook",
            [(6, Reach.UNKNOWN), (6, Reach.UNKNOWN)],
            id="an operator's execute runs once per task; the hook is API all the same",
        ),
        pytest.param(
            "LoadExportJob",
            "BaseOperator",
            "BaseHook",
            [(6, Reach.UNKNOWN), (6, Reach.UNKNOWN), (13, Reach.UNKNOWN)],
            id="execute on any other class has unknown callers",
        ),
        pytest.param(
            "LoadExportOperator",
            "object",
            "BaseHook",
            [(6, Reach.UNKNOWN), (6, Reach.UNKNOWN), (13, Reach.UNKNOWN)],
            id="a class named like an operator that derives from none is no operator",
        ),
        pytest.param(
            "LoadExportOperator",
            "BaseOperator",
            "object",
            [],
            id="a class named like a hook that derives from none is no hook",
        ),
    ],
)
def test_airflow_operator_execute_runs_once_per_task(
    cls: str, base: str, hook_base: str, expected: list[tuple[int, Reach]]
) -> None:
    source = AIRFLOW_TASK.format(cls=cls, base=base, hook_base=hook_base)
    result = lint_source(source, "operators.py")
    assert [(f.line, f.reach) for f in result.findings] == expected


SETTER = """\
import boto3
class Settings:
    ssm = None
    parameters = None
class ParameterCache:
    def __init__(self, region):
        self._ssm = boto3.client("ssm", region_name=region)
def configure(region):
    Settings.ssm = boto3.client("ssm", region_name=region)
    Settings.parameters = ParameterCache(region)
"""


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        pytest.param("", [], id="a setter configures the program"),
        pytest.param(
            "def handler(event, context):\n    configure(event['region'])\n",
            [(7, Reach.PER_REQUEST), (9, Reach.PER_REQUEST)],
            id="a setter called per request builds per request",
        ),
        pytest.param(
            "def ssm_client():\n    global _ssm\n    _ssm = boto3.client('ssm')\n    return _ssm\n",
            [(13, Reach.UNKNOWN)],
            id="a getter without its guard builds on every call",
        ),
        pytest.param(
            "def upload(path):\n    global _s3\n    _s3 = boto3.client('s3')\n"
            "    _s3.upload_file(path, 'exports', path)\n",
            [(13, Reach.UNKNOWN)],
            id="a worker that keeps what it uses builds on every call",
        ),
    ],
)
def test_what_a_setter_keeps_is_built_when_it_is_called(
    tail: str, expected: list[tuple[int, Reach]]
) -> None:
    result = lint_source(SETTER + tail, "settings.py")
    assert result.errors == ()
    assert [(f.line, f.reach) for f in result.findings] == expected


INSTANCE_CACHE = """\
import boto3
class Store:
    def __init__(self, name):
        self.name = name
        self._table = None
    def table(self):
        if self._table is None:
            self._table = self._open()
        return self._table
    def _open(self):
        return boto3.resource("dynamodb").Table(self.name)
"""


CACHED_PROPERTY = """\
import functools
import boto3
class Store:
    def __init__(self, name):
        self.name = name
    @functools.cached_property
    def table(self):
        return boto3.resource("dynamodb").Table(self.name)
"""


# cache: (source, how the handler reads the table, the creation's line, part of the message)
INSTANCE_CACHES = {
    "a private helper of a cache on self": (
        INSTANCE_CACHE,
        "table()",
        11,
        "Store._open() <- Store.__init__() <- handler()",
    ),
    "a cached_property": (
        CACHED_PROPERTY,
        "table",
        8,
        "is created once per Store instance, and instances are made on every call of ",
    ),
}


@pytest.mark.parametrize("cache", sorted(INSTANCE_CACHES))
@pytest.mark.parametrize(
    ("tail", "per_request"),
    [
        pytest.param("", False, id="instances nobody builds: the cure"),
        pytest.param(
            "STORE = Store('orders')\ndef handler(event, context):\n    return STORE.{read}\n",
            False,
            id="an instance built at import time: once",
        ),
        pytest.param(
            "def handler(event, context):\n    return Store('orders').{read}\n",
            True,
            id="instances built per request: per request",
        ),
    ],
)
def test_what_an_instance_caches_is_built_once_per_instance(
    cache: str, tail: str, per_request: bool
) -> None:
    source, read, line, message = INSTANCE_CACHES[cache]
    result = lint_source(source + tail.format(read=read), "store.py")
    expected = [(line, Reach.PER_REQUEST)] * 2 if per_request else []
    assert [(f.line, f.reach) for f in result.findings] == expected
    if per_request:
        assert message in result.findings[0].message


@pytest.mark.parametrize(
    ("wrapper", "tail", "expected"),
    [
        pytest.param("(*args, **kwargs)", "", [], id="a stand-in: its callers decide"),
        pytest.param(
            "(*args, **kwargs)",
            "def handler(event, context):\n    return client('s3')\n",
            [(4, Reach.PER_REQUEST)],
            id="a stand-in an entry point calls",
        ),
        pytest.param("(service, **kwargs)", "", [(4, Reach.UNKNOWN)], id="no stand-in"),
    ],
)
def test_a_stand_in_for_the_creator_is_judged_by_its_callers(
    wrapper: str, tail: str, expected: list[tuple[int, Reach]]
) -> None:
    arguments = wrapper.strip("()")
    source = f"import boto3\ndef client{wrapper}:\n    # retries\n"
    source += f"    return boto3.client({arguments})\n{tail}"
    result = lint_source(source, "aws.py")
    assert [(f.line, f.reach) for f in result.findings] == expected


@pytest.mark.parametrize("decorator", ["resource", "io_manager", "executor", "logger"])
def test_dagster_initialisers_run_once_per_run(decorator: str) -> None:
    source = f"""
    import boto3
    import dagster
    @dagster.{decorator}(config_schema={{"region": str}})
    def build(init_context):
        return boto3.client("s3")
    @dagster.op
    def copy(context):
        return boto3.client("s3")
    """
    assert found(source) == [(9, "DYN001")]


def test_functions_annotated_to_return_a_session() -> None:
    source = """
    import boto3
    def ensure_session(session: None | boto3.Session = None) -> boto3.Session:
        return session or boto3.DEFAULT_SESSION
    def client(service_name, session=None):
        return ensure_session(session).client(service_name)
    """
    assert found(source) == [(6, "DYN001")]


def test_sessions_returned_from_another_module(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "aws.py").write_text(
        "import boto3\n\ndef session_for(tenant) -> 'boto3.Session':\n    return TENANTS[tenant]\n"
    )
    (tmp_path / "handler.py").write_text(
        "import aws\n\ndef lambda_handler(event, context):\n"
        "    return aws.session_for(event['tenant']).client('s3')\n"
    )

    result = lint_paths([str(tmp_path / "handler.py")])

    assert [(f.line, f.code, f.reach.value) for f in result.findings] == [
        (4, "DYN001", "per-request")
    ]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            """
            import boto3
            class Store:
                def __init__(self):
                    self._client = None
                @property
                def client(self):
                    if self._client is None:
                        self._client = boto3.client("s3")
                    return self._client
            STORE = Store()
            def handler(event, context):
                return STORE.client.list_buckets()
            """,
            [],
            id="cached on an instance built at import time",
        ),
        pytest.param(
            """
            import boto3
            class Store:
                def __init__(self):
                    self._client = None
                def client(self):
                    self._client = self._client or boto3.client("s3")
                    return self._client
            def handler(event, context):
                return Store().client()
            """,
            [(7, "DYN001")],
            id="cached on an instance built per request",
        ),
        pytest.param(
            """
            import boto3
            _client = None
            def client():
                global _client
                _client = _client or boto3.client("s3")
                return _client
            """,
            [],
            id="global or-default",
        ),
    ],
)
def test_per_instance_and_or_default_caches(source: str, expected: list[tuple[int, str]]) -> None:
    assert found(source) == expected


def test_per_instance_cache_follows_the_class_instantiation() -> None:
    source = textwrap.dedent(
        """\
        import boto3
        class Store:
            def __init__(self):
                self._client = None
            def client(self):
                if not self._client:
                    self._client = boto3.client("s3")
                return self._client
        def lambda_handler(event, context):
            return Store().client()
        """
    )
    (finding,) = lint_source(source, "app.py").findings

    assert finding.chain == ("app.py:lambda_handler", "app.py:Store.__init__")
    assert finding.message.startswith(
        'boto3.client("s3") is created once per Store instance, and instances are made on every '
        "call of Store.__init__() <- lambda_handler(); "
    )


@pytest.mark.parametrize(
    "factory",
    [
        pytest.param("def store_for(kind) -> Store:\n    return STORES[kind]", id="annotated"),
        pytest.param("def store_for(kind):\n    return Store()", id="returned"),
        pytest.param(
            "class Registry:\n    @property\n    def store_for(self) -> Store:\n        return S",
            id="property",
        ),
    ],
)
def test_objects_returned_by_functions_and_properties(factory: str) -> None:
    call = "Registry().store_for" if "Registry" in factory else 'store_for(event["kind"])'
    source = (
        textwrap.dedent(
            """\
        import boto3
        class Store:
            def put(self, item):
                boto3.client("dynamodb").put_item(TableName="items", Item=item)
        """
        )
        + f"{factory}\ndef handler(event, context):\n    {call}.put(event)\n"
    )
    (finding,) = lint_source(source, "app.py").findings
    assert (finding.line, finding.reach) == (4, Reach.PER_REQUEST)


def test_objects_returned_by_another_modules_function(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "stores.py").write_text(
        "import boto3\n\n"
        "class Store:\n"
        "    def put(self, item):\n"
        "        boto3.client('dynamodb').put_item(TableName='items', Item=item)\n\n"
        "def store_for(kind) -> 'Store':\n"
        "    return STORES[kind]\n"
    )
    (tmp_path / "handler.py").write_text(
        "from stores import store_for\n\n"
        "def lambda_handler(event, context):\n"
        "    store_for(event['kind']).put(event)\n"
    )

    for checked in (tmp_path, tmp_path / "stores.py"):
        (finding,) = lint_paths([str(checked)]).findings
        assert (finding.line, finding.reach) == (5, Reach.PER_REQUEST)
        assert finding.chain[-1].endswith("stores.py:Store.put")


CLOSURE = """
import boto3
def fetch_token():
    return boto3.client("sts").get_session_token()
def lazy_client(name):
    client = None
    def get():
        nonlocal client
        if client is None:
            client = boto3.client(name)
        return client
    return get
def make_refresher():
    token = None
    def refresh():
        nonlocal token
        if token is None:
            token = fetch_token()
        return token
    return refresh
"""


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        pytest.param(
            "S3 = lazy_client('s3')\nREFRESH = make_refresher()\n"
            "def handler(event, context):\n    return S3(), REFRESH()\n",
            [],
            id="closures made at import time: once",
        ),
        pytest.param(
            "def handler(event, context):\n"
            "    s3, refresh = lazy_client('s3'), make_refresher()\n"
            "    return s3(), refresh()\n",
            [(4, Reach.PER_REQUEST), (10, Reach.PER_REQUEST)],
            id="closures made per request: per request",
        ),
        pytest.param(
            "",
            [(4, Reach.UNKNOWN)],
            id="closures nobody makes: the cached one is the cure, a public helper is not",
        ),
    ],
)
def test_a_nonlocal_cache_lives_as_long_as_its_closure(
    tail: str, expected: list[tuple[int, Reach]]
) -> None:
    result = lint_source(textwrap.dedent(CLOSURE) + tail, "app.py")
    assert result.errors == ()
    assert [(f.line, f.reach) for f in result.findings] == expected
    if len(expected) == 2:
        assert "is created once per closure, and closures are made on every call of " in (
            result.findings[1].message
        )


FALLBACK = """
import boto3
def upload(path, s3=None):
    if s3 is None:
        s3 = boto3.client("s3")
    s3.upload_file(path, "bucket", path)
class Store:
    def put(self, item, table=None):
        if not table:
            table = boto3.resource("dynamodb").Table("items")
        table.put_item(Item=item)
"""


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        pytest.param(
            "S3 = boto3.client('s3')\nTABLE = boto3.resource('dynamodb').Table('items')\n"
            "def handler(event, context):\n"
            "    upload(event['path'], S3)\n    Store().put(event, table=TABLE)\n",
            [],
            id="every call passes the argument: the default is never built",
        ),
        pytest.param(
            "def handler(event, context):\n    upload(event['path'])\n    Store().put(event)\n",
            [(5, Reach.PER_REQUEST), (10, Reach.PER_REQUEST), (10, Reach.PER_REQUEST)],
            id="a call per request omits it",
        ),
        pytest.param(
            "def handler(event, context, s3=None):\n    upload(event['path'], s3)\n",
            [(5, Reach.PER_REQUEST), (10, Reach.UNKNOWN), (10, Reach.UNKNOWN)],
            id="a parameter passed on may be None",
        ),
        pytest.param(
            "if __name__ == '__main__':\n    upload('build.zip')\n"
            "def handler(event, context):\n    upload(event['path'], s3=S3)\n",
            [(10, Reach.UNKNOWN), (10, Reach.UNKNOWN)],
            id="only run-once code omits it",
        ),
    ],
)
def test_a_default_is_built_as_often_as_calls_omit_the_argument(
    tail: str, expected: list[tuple[int, Reach]]
) -> None:
    result = lint_source(textwrap.dedent(FALLBACK) + tail, "app.py")
    assert result.errors == ()
    assert [(f.line, f.reach) for f in result.findings] == expected


def test_a_test_of_a_flag_is_no_default() -> None:
    source = """
    import boto3
    def session_for(region, deferrable=False):
        if not deferrable:
            return boto3.Session(region_name=region)
        return None
    def handler(event, context):
        return session_for("eu-west-1", deferrable=True)
    """
    assert found(source) == [(5, "DYN004")]


@pytest.mark.parametrize(
    "default",
    [
        's3 or boto3.client("s3")',
        's3 if s3 else boto3.client("s3")',
        's3 if s3 is not None else boto3.client("s3")',
        'boto3.client("s3") if s3 is None else s3',
        'boto3.client("s3") if not s3 else s3',
    ],
)
@pytest.mark.parametrize(
    ("call", "expected"),
    [
        pytest.param("upload(event['path'], S3), Cache(client=S3)", [], id="passed"),
        pytest.param("upload(event['path']), Cache()", [(4, "DYN001"), (8, "DYN001")], id="not"),
    ],
)
def test_a_default_in_an_expression_is_built_as_often_as_calls_omit_the_argument(
    default: str, call: str, expected: list[tuple[int, str]]
) -> None:
    source = f"""
    import boto3
    def upload(path, s3=None):
        s3 = {default}
        s3.upload_file(path, "bucket", path)
    class Cache:
        def __init__(self, client=None):
            self._client = client or boto3.client("s3")
    S3 = boto3.client("s3")
    def handler(event, context):
        return {call}
    """
    assert found(source) == expected
