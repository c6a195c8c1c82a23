"""Per-message limits with QEMU's texts (64 MiB, 2 Mi tokens, 1024 levels of nesting) and
recovery: an oversized message yields one error, the session and every other one go on."""
import time

import pytest

ARGS_PREFIX = b'{"execute": "query-status", "arguments": {"x": "'


def assert_alive(client, ident):
    assert client.execute("query-status", id=ident) == {
        "id": ident, "return": {"running": False, "status": "no-machine"}}


def test_message_size_limit(hulld, qmp):
    other = hulld.client().negotiate()
    big = ARGS_PREFIX + b"a" * (64 << 20) + b'"}}'
    start = time.monotonic()
    qmp.send_raw(big + b'{"execute": "query-status", "id": "next"}')
    resp = qmp.reply()
    assert resp == {"error": {"class": "GenericError",
                              "desc": "JSON token size limit exceeded"}}
    # The rest of the oversized message was skipped, not parsed as new messages.
    assert qmp.reply()["id"] == "next"
    assert time.monotonic() - start < 20
    assert_alive(other, "other")
    hulld.wait_log("bad input: JSON token size limit exceeded")


def test_message_just_under_size_limit_is_parsed(qmp):
    # 1 MiB of argument text is fine; the command then rejects the argument.
    qmp.send_raw(ARGS_PREFIX + b"b" * (1 << 20) + b'"}, "id": 1}')
    resp = qmp.reply()
    assert resp["id"] == 1
    assert "'x' is unexpected" in resp["error"]["desc"]


def test_token_count_limit(qmp):
    tokens = b"[" + b"0," * (2 << 20) + b"0]"
    qmp.send_raw(tokens + b'{"execute": "query-status", "id": "t"}')
    assert qmp.reply()["error"]["desc"] == "JSON token count limit exceeded"
    assert qmp.reply()["id"] == "t"


def test_nesting_limit(qmp):
    qmp.send_raw(b"[" * 1025 + b"]" * 1025 + b'{"execute": "query-status", "id": "n"}')
    assert qmp.reply()["error"]["desc"] == "JSON nesting depth limit exceeded"
    assert qmp.reply()["id"] == "n"


def test_nesting_at_limit_is_parsed(qmp):
    qmp.send_raw(b'{"execute": "query-status", "id": ' + b"[" * 1023 + b"]" * 1023 + b"}")
    # Python's json module cannot decode this deep: look at the bytes.
    line = qmp.recv_line()
    assert line.startswith(b'{"return": {"running": false, "status": "no-machine"}, "id": [')
    assert line.count(b"[") == 1023 and line.count(b"]") == 1023


def test_limit_hit_inside_string_with_brackets(qmp):
    # Brackets inside strings don't count, even while skipping.
    body = b'{"execute": "x", "arguments": {"s": "' + b"}]" * (33 << 20) + b'"}}'
    qmp.send_raw(body + b'{"execute": "query-status", "id": "s"}')
    assert qmp.reply()["error"]["desc"] == "JSON token size limit exceeded"
    assert qmp.reply()["id"] == "s"


def test_garbage_does_not_disturb_other_clients(hulld):
    a = hulld.client().negotiate()
    b = hulld.client().negotiate()
    a.send_raw(b"\x00\x01\xfe\xff}}]]::,,")
    assert_alive(b, "b")
    a.send_raw(b'\n{"execute": "query-status", "id": "a"}')
    while True:
        resp = a.reply()
        if resp.get("id") == "a":
            break
        assert "error" in resp
    assert resp["return"]["status"] == "no-machine"
