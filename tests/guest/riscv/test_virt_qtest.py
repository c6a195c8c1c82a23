"""The virt board's register files driven from Python with the qtest accelerator (no guest
code): the CLINT (msip, mtime on the virtual clock, mtimecmp), the PLIC (priorities,
enables, thresholds, claim/complete, M and S contexts), the 16550A and the Goldfish RTC,
with their interrupt outputs intercepted as QTEST_IRQ events."""
import pytest

CLINT = 0x2000000
PLIC = 0xc000000
UART = 0x10000000
RTC = 0x101000
TEST = 0x100000


@pytest.fixture
def virt(qmp):
    qmp.cmd("chardev-add", {"id": "con", "backend": {"type": "ringbuf", "data": {}}})
    qmp.cmd("machine-create", {"type": "virt", "accel": "qtest", "cpus": 2,
                               "serial": ["con"]})
    qmp.cmd("machine-start")
    return qmp


def rd(qmp, addr, size=4):
    return qmp.cmd("qtest-read", {"addr": addr, "size": size})["value"]


def wr(qmp, addr, value, size=4):
    qmp.cmd("qtest-write", {"addr": addr, "size": size, "value": value})


def irq_events(qmp):
    """QTEST_IRQ events received so far (after a round trip), consumed."""
    qmp.cmd("query-status")
    evs = [e["data"] for e in qmp.events if e["event"] == "QTEST_IRQ"]
    qmp.events = [e for e in qmp.events if e["event"] != "QTEST_IRQ"]
    return evs


def next_irq(qmp):
    """The next QTEST_IRQ event (events may come after the replies of later commands)."""
    return qmp.wait_event("QTEST_IRQ", timeout=10)["data"]


def device_path(qmp, typename):
    for child in qmp.cmd("qom-list", {"path": "/machine/unattached"}):
        if child["type"] == f"child<{typename}>":
            return "/machine/unattached/" + child["name"]
    raise AssertionError(f"no {typename} on the board")


def test_clint(virt):
    qmp = virt
    clint = device_path(qmp, "riscv.sifive.clint")
    qmp.cmd("qtest-irq-intercept", {"qom-path": clint})
    # msip of hart 1 -> line 0 of hart1
    wr(qmp, CLINT + 4, 1)
    assert next_irq(qmp) == {"qom-path": clint, "name": "hart1", "line": 0, "level": True}
    assert rd(qmp, CLINT + 4) == 1
    wr(qmp, CLINT + 4, 0)
    assert next_irq(qmp)["level"] is False
    # mtime runs at 10 MHz on the virtual clock: 1 ms = 10000 ticks
    t0 = rd(qmp, CLINT + 0xbff8, 8)
    qmp.cmd("qtest-clock-step", {"ns": 1000000})
    assert rd(qmp, CLINT + 0xbff8, 8) == t0 + 10000
    # mtimecmp of hart 0 raises MTIP (line 1 of hart0) when mtime reaches it
    wr(qmp, CLINT + 0x4000, t0 + 10000 + 50, 8)
    qmp.cmd("qtest-clock-step", {"ns": 4900})
    assert not irq_events(qmp)
    qmp.cmd("qtest-clock-step", {"ns": 100})
    assert next_irq(qmp) == {"qom-path": clint, "name": "hart0", "line": 1, "level": True}
    wr(qmp, CLINT + 0x4000, 0x7fffffffffffffff, 8)
    assert next_irq(qmp) == {"qom-path": clint, "name": "hart0", "line": 1, "level": False}


def test_plic(virt):
    qmp = virt
    plic = device_path(qmp, "riscv.sifive.plic")
    qmp.cmd("qtest-irq-intercept", {"qom-path": plic})
    uart = device_path(qmp, "serial")
    # source 10 is the UART: make it interrupt (IER.ETBEI with THR empty)
    wr(qmp, PLIC + 4 * 10, 3)                 # priority 3
    wr(qmp, PLIC + 0x2000 + 0x80 * 1, 1 << 10)  # enable for context 1 (hart 0, S mode)
    wr(qmp, PLIC + 0x200000 + 0x1000 * 1, 2)  # threshold 2 < 3
    wr(qmp, UART + 1, 0x02, 1)                # IER: transmitter empty interrupt
    assert next_irq(qmp) == {"qom-path": plic, "name": "context1", "line": 0, "level": True}
    assert rd(qmp, PLIC + 0x1000) & (1 << 10)  # pending
    # claim returns the source and lowers the output; complete lets it come back
    assert rd(qmp, PLIC + 0x200000 + 0x1000 * 1 + 4) == 10
    assert next_irq(qmp)["level"] is False
    assert rd(qmp, PLIC + 0x200000 + 0x1000 * 1 + 4) == 0  # nothing more to claim
    wr(qmp, PLIC + 0x200000 + 0x1000 * 1 + 4, 10)          # complete: still asserted
    assert next_irq(qmp)["level"] is True
    # a threshold at the priority masks it
    wr(qmp, PLIC + 0x200000 + 0x1000 * 1, 3)
    assert next_irq(qmp)["level"] is False
    # the M context of hart 0 (context 0) never saw it: not enabled there
    assert all(e["name"] == "context1" for e in qmp.events if e["event"] == "QTEST_IRQ")
    assert uart


def test_uart_and_rtc_registers(virt):
    qmp = virt
    assert rd(qmp, UART + 5, 1) == 0x60       # LSR: THR and TX empty
    for ch in b"hi":
        wr(qmp, UART, ch, 1)
    assert qmp.cmd("ringbuf-read", {"device": "con", "size": 10}) == "hi"
    t_lo = rd(qmp, RTC)
    t_hi = rd(qmp, RTC + 4)
    t = t_hi << 32 | t_lo
    assert t > 1_600_000_000 * 10**9           # the host's wall clock, in ns
    qmp.cmd("qtest-clock-step", {"ns": 12345})
    assert (rd(qmp, RTC + 4) << 32 | rd(qmp, RTC)) >= t + 12345
    # the test device powers off (qtest drives it like a guest)
    wr(qmp, TEST, 0x5555)
    ev = qmp.wait_event("SHUTDOWN")
    assert ev["data"] == {"guest": True, "reason": "guest-shutdown"}
