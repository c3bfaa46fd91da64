"""`fix_source`, the pure core of `dynalint fix`: one module before and after, no disk.

One scenario per test, the no-op cases included, in the style of libcst's CodemodTest. The
collision cases are the ones that broke programs: a name the fix would import is already bound
in the module, so the helper is imported under a free alias instead, and every use is checked to
reach the helper import before the text is returned.
"""

from __future__ import annotations

import textwrap

import pytest

from dynalint import Config, fix_source
from dynalint.fix.apply import Applied, FixRefused, apply_fixes
from dynalint.types import Applicability, Edit, Finding, Fix, HelperImport, Reach


def fixed(before: str, *, unsafe_fixes: bool = False, helper_module: str = "aws_helpers") -> str:
    result = fix_source(
        textwrap.dedent(before),
        "handler.py",
        Config(helper_module=helper_module),
        unsafe_fixes=unsafe_fixes,
    )
    assert result.errors == ()
    return result.text


def assert_fix(before: str, after: str, **options: bool | str) -> None:
    assert fixed(before, **options) == textwrap.dedent(after)  # type: ignore[arg-type]


NOOP = [
    pytest.param(
        """\
        import boto3

        S3 = boto3.client("s3")


        def lambda_handler(event, context):
            return S3.list_buckets()
        """,
        id="module level",
    ),
    pytest.param(
        """\
        import boto3


        def lambda_handler(event, context):
            s3 = boto3.client("s3", region_name=event["region"])
            return s3.list_buckets()
        """,
        id="per-request arguments",
    ),
    pytest.param(
        """\
        import boto3


        def lambda_handler(event, context):
            session = boto3.Session(profile_name="reports")
            return session.client("s3").list_buckets()
        """,
        id="session",
    ),
    pytest.param(
        """\
        import functools

        import boto3


        @functools.cache
        def s3():
            return boto3.client("s3")


        def lambda_handler(event, context):
            return s3().list_buckets()
        """,
        id="memoized factory",
    ),
    pytest.param(
        """\
        import boto3


        def lambda_handler(event, context):
            s3 = boto3.client("s3")  # noqa: DYN001
            return s3.list_buckets()
        """,
        id="suppressed",
    ),
]


@pytest.mark.parametrize("source", NOOP)
def test_noop(source: str) -> None:
    assert fixed(source) == textwrap.dedent(source)


def test_client() -> None:
    assert_fix(
        """\
        import boto3


        def lambda_handler(event, context):
            s3 = boto3.client("s3", region_name="eu-west-1")
            return s3.list_buckets()
        """,
        """\
        from aws_helpers import get_client


        def lambda_handler(event, context):
            s3 = get_client("s3", region_name="eu-west-1")
            return s3.list_buckets()
        """,
    )


def test_resource_then_table_removes_the_resource() -> None:
    assert_fix(
        """\
        import os

        import boto3


        def lambda_handler(event, context):
            # The table of orders.
            dynamodb = boto3.resource("dynamodb", region_name="eu-west-1")
            table = dynamodb.Table(os.environ["TABLE"])
            return table.get_item(Key={"id": event["id"]})
        """,
        """\
        import os

        from aws_helpers import get_dynamo_table


        def lambda_handler(event, context):
            # The table of orders.
            table = get_dynamo_table(os.environ["TABLE"], region_name="eu-west-1")
            return table.get_item(Key={"id": event["id"]})
        """,
    )


def test_a_resource_alone_in_its_block_leaves_pass() -> None:
    assert_fix(
        """\
        import boto3


        def lambda_handler(event, context):
            if event:
                ddb = boto3.resource("dynamodb")
            return ddb.Table("orders").scan()
        """,
        """\
        from aws_helpers import get_dynamo_table


        def lambda_handler(event, context):
            if event:
                pass
            return get_dynamo_table("orders").scan()
        """,
    )


def test_chained_table_with_an_unsafe_name() -> None:
    before = """\
        import boto3

        from settings import table_name


        def lambda_handler(event, context):
            return boto3.resource("dynamodb").Table(table_name()).scan()
        """
    assert_fix(
        before,
        """\
        from aws_helpers import get_dynamo_resource

        from settings import table_name


        def lambda_handler(event, context):
            return get_dynamo_resource().Table(table_name()).scan()
        """,
    )
    assert_fix(
        before,
        """\
        from aws_helpers import get_dynamo_table

        from settings import table_name


        def lambda_handler(event, context):
            return get_dynamo_table(table_name()).scan()
        """,
        unsafe_fixes=True,
    )


def test_another_helper_module() -> None:
    assert_fix(
        """\
        import boto3


        def lambda_handler(event, context):
            return boto3.resource("sqs").get_queue_by_name(QueueName="jobs")
        """,
        """\
        from utils.db import get_resource


        def lambda_handler(event, context):
            return get_resource("sqs").get_queue_by_name(QueueName="jobs")
        """,
        helper_module="utils.db",
    )


def test_an_existing_helper_import_is_reused() -> None:
    assert_fix(
        """\
        import boto3
        from aws_helpers import get_client as client_for


        def lambda_handler(event, context):
            client_for("sqs").send_message(QueueUrl="q", MessageBody="x")
            return boto3.client("s3").list_buckets()
        """,
        """\
        from aws_helpers import get_client as client_for


        def lambda_handler(event, context):
            client_for("sqs").send_message(QueueUrl="q", MessageBody="x")
            return client_for("s3").list_buckets()
        """,
    )


COLLISIONS = [
    pytest.param(
        """\
        import boto3


        def get_client(service, event):
            return boto3.client(service)


        def lambda_handler(event, context):
            sts = boto3.client("sts")
            return sts.get_caller_identity()
        """,
        """\
        import boto3
        from aws_helpers import get_client as cached_get_client


        def get_client(service, event):
            return boto3.client(service)


        def lambda_handler(event, context):
            sts = cached_get_client("sts")
            return sts.get_caller_identity()
        """,
        id="own def",
    ),
    pytest.param(
        """\
        import boto3

        from app.util import get_resource


        def lambda_handler(event, context):
            config = get_resource("queues")
            return boto3.resource("sqs").get_queue_by_name(QueueName=config["name"])
        """,
        """\
        from aws_helpers import get_resource as cached_get_resource

        from app.util import get_resource


        def lambda_handler(event, context):
            config = get_resource("queues")
            return cached_get_resource("sqs").get_queue_by_name(QueueName=config["name"])
        """,
        id="imported function",
    ),
    pytest.param(
        """\
        import os

        import boto3


        def lambda_handler(event, context):
            get_dynamo_table = {"a": 1}.get
            table = boto3.resource("dynamodb").Table(os.environ["TABLE"])
            return table.get_item(Key={"id": get_dynamo_table("a")})
        """,
        """\
        import os

        from aws_helpers import get_dynamo_table as cached_get_dynamo_table


        def lambda_handler(event, context):
            get_dynamo_table = {"a": 1}.get
            table = cached_get_dynamo_table(os.environ["TABLE"])
            return table.get_item(Key={"id": get_dynamo_table("a")})
        """,
        id="local",
    ),
    pytest.param(
        """\
        import boto3


        def lambda_handler(event, context, get_client=None):
            return boto3.client("s3").list_buckets()
        """,
        """\
        from aws_helpers import get_client as cached_get_client


        def lambda_handler(event, context, get_client=None):
            return cached_get_client("s3").list_buckets()
        """,
        id="parameter",
    ),
    pytest.param(
        """\
        import boto3


        class Store:
            get_resource = staticmethod(lambda: None)

            def __call__(self, event, context):
                return boto3.resource("s3").buckets.all()
        """,
        """\
        from aws_helpers import get_resource as cached_get_resource


        class Store:
            get_resource = staticmethod(lambda: None)

            def __call__(self, event, context):
                return cached_get_resource("s3").buckets.all()
        """,
        id="class attribute",
    ),
    pytest.param(
        """\
        import boto3

        NAMES = [get_client for get_client in ("a", "b")]


        def lambda_handler(event, context):
            return boto3.client("s3").list_buckets()
        """,
        """\
        from aws_helpers import get_client as cached_get_client

        NAMES = [get_client for get_client in ("a", "b")]


        def lambda_handler(event, context):
            return cached_get_client("s3").list_buckets()
        """,
        id="comprehension variable",
    ),
    pytest.param(
        """\
        import boto3

        HOOK = None


        def install():
            global get_client
            get_client = HOOK


        def lambda_handler(event, context):
            return boto3.client("s3").list_buckets()
        """,
        """\
        from aws_helpers import get_client as cached_get_client

        HOOK = None


        def install():
            global get_client
            get_client = HOOK


        def lambda_handler(event, context):
            return cached_get_client("s3").list_buckets()
        """,
        id="global",
    ),
    pytest.param(
        """\
        import boto3
        from shared import *


        def lambda_handler(event, context):
            return boto3.client("s3").list_buckets()
        """,
        """\
        from shared import *
        from aws_helpers import get_client


        def lambda_handler(event, context):
            return get_client("s3").list_buckets()
        """,
        id="star import before",
    ),
    pytest.param(
        """\
        import boto3

        LIMIT = 10

        from shared import *


        def lambda_handler(event, context):
            return boto3.client("s3").list_buckets()
        """,
        """\
        LIMIT = 10

        from shared import *
        from aws_helpers import get_client


        def lambda_handler(event, context):
            return get_client("s3").list_buckets()
        """,
        id="star import after",
    ),
    pytest.param(
        """\
        import boto3


        def cached_get_client():
            return None


        def get_client():
            return None


        def lambda_handler(event, context):
            return boto3.client("s3").list_buckets()
        """,
        """\
        from aws_helpers import get_client as cached_get_client_2


        def cached_get_client():
            return None


        def get_client():
            return None


        def lambda_handler(event, context):
            return cached_get_client_2("s3").list_buckets()
        """,
        id="alias taken too",
    ),
]


@pytest.mark.parametrize(("before", "after"), COLLISIONS)
def test_a_taken_name_is_never_rebound(before: str, after: str) -> None:
    assert_fix(before, after)


def test_the_result_says_which_helpers_it_needs() -> None:
    result = fix_source(
        "import boto3\n\ndef lambda_handler(event, context):\n    return boto3.client('s3')\n",
        "handler.py",
    )

    assert (result.helper_module, result.helpers) == ("aws_helpers", frozenset({"get_client"}))
    assert result.helper_source is not None and "def get_client(" in result.helper_source
    assert [f.code for f in result.fixed] == ["DYN001"]


def test_a_syntax_error_is_an_error_and_nothing_changes() -> None:
    source = "import boto3\n\ndef lambda_handler(event, context:\n"
    result = fix_source(source, "handler.py")

    assert result.text == source
    assert [e.message.split(":")[0] for e in result.errors] == ["syntax error at line 3, column 19"]


def _finding_with(edit: Edit, alias: str) -> Finding:
    fix = Fix(Applicability.SAFE, "m", (edit,), (HelperImport("get_client", alias),), "aws_helpers")
    return Finding("handler.py", 5, 12, 5, 24, "DYN001", "n", "m", Reach.PER_REQUEST, (), fix)


def test_the_proof_refuses_a_name_that_resolves_elsewhere() -> None:
    """The proof is independent of how names were chosen: a fix that binds a taken name is
    refused before anything could be written."""
    text = textwrap.dedent(
        """\
        import boto3
        get_client = None

        def f():
            return boto3.client("s3")
        """
    )
    finding = _finding_with(Edit(5, 12, 5, 24, "get_client"), "get_client")

    with pytest.raises(FixRefused, match="get_client would not call aws_helpers.get_client"):
        apply_fixes(text, [finding], unsafe_fixes=False)


def test_the_proof_accepts_the_alias() -> None:
    text = 'import boto3\nget_client = None\n\ndef f():\n    return boto3.client("s3")\n'
    finding = _finding_with(Edit(5, 12, 5, 24, "other"), "other")

    applied = apply_fixes(text, [finding], unsafe_fixes=False)

    assert isinstance(applied, Applied)
    assert applied.text == (
        "from aws_helpers import get_client as other\n\n"
        'get_client = None\n\ndef f():\n    return other("s3")\n'
    )
