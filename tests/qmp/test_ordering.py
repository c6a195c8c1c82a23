"""Ordering and back-pressure: in-band replies come in request order; with the oob capability
exec-oob requests overtake queued in-band ones, and the in-band queue is bounded (8), so
hulld never reads arbitrarily far ahead of what it has answered."""
import json

import pytest


def request(i, oob=False):
    key = "exec-oob" if oob else "execute"
    return json.dumps({key: "query-status", "id": i}).encode()


def test_pipelined_replies_in_order(qmp):
    n = 2000
    qmp.send_raw(b"".join(request(i) for i in range(n)))
    assert [qmp.reply()["id"] for _ in range(n)] == list(range(n))


def test_exec_oob_needs_the_capability(qmp):
    resp = qmp.execute("query-status", id="o", oob=True)
    assert resp["error"] == {"class": "GenericError",
                             "desc": "QMP input member 'exec-oob' is unexpected"}


def test_oob_overtakes_queued_in_band_requests(hulld):
    c = hulld.client().negotiate(oob=True)
    # Four in-band requests and one out-of-band request in one write: the in-band ones are
    # queued for the dispatcher, the exec-oob one runs as soon as it is read.
    c.send_raw(b"".join(request(i) for i in range(4)) + request("oob", oob=True))
    ids = [c.reply()["id"] for _ in range(5)]
    assert ids == ["oob", 0, 1, 2, 3]


def test_oob_cannot_overtake_more_than_the_queue(hulld):
    c = hulld.client().negotiate(oob=True)
    # Behind 20 in-band requests: hulld holds at most 8 in its queue and frames no further
    # input until one is answered, so the exec-oob request is read (and answered) only
    # after the first 13 in-band replies.
    c.send_raw(b"".join(request(i) for i in range(20)) + request("oob", oob=True))
    ids = [c.reply()["id"] for _ in range(21)]
    assert ids == list(range(13)) + ["oob"] + list(range(13, 20))


def test_oob_rejected_for_in_band_only_command(hulld):
    c = hulld.client().negotiate(oob=True)
    resp = c.execute("quit", id="q", oob=True)
    assert resp["id"] == "q"
    assert resp["error"]["desc"] == "The command quit does not support OOB"
    assert hulld.alive()


def test_in_band_replies_stay_ordered_with_oob_enabled(hulld):
    c = hulld.client().negotiate(oob=True)
    c.send_raw(b"".join(request(i) for i in range(100)))
    assert [c.reply()["id"] for _ in range(100)] == list(range(100))


def test_reply_of_departed_client_is_dropped(hulld):
    for _ in range(3):
        c = hulld.client().negotiate()
        c.send_raw(b"".join(request(i) for i in range(500)))
        c.close()
    hulld.wait_log("client 4 disconnected")  # 1 was the fixture's probe
    fresh = hulld.client().negotiate()
    assert fresh.cmd("query-status")["status"] == "no-machine"
