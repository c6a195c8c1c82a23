"""Booting the virt board as firmware expects: the reset ROM (a0 = hart id, a1 = device
tree, a2 = fw_dynamic_info), the generated device tree (dumpdtb), firmware + kernel with
the kernel handed on as the next stage, initrd and command line, the CLINT timer; and the
refusals."""
import os
import struct

from test_isa import image_path, run_to_shutdown
from test_virt import DRAM, elf64, error_of, insns, write_file

KERNEL_BASE = DRAM + 0x200000


def exit_with(code):
    """Raw RISC-V code that reports `code` through the test device."""
    # lui t0,0x100; li t1,(code<<16)|0x3333 (lui+addi); sw t1,0(t0); j .
    value = (code << 16) | 0x3333
    hi = (value + 0x800) >> 12
    lo = value - (hi << 12)
    return insns(0x001002b7, (hi << 12) | (6 << 7) | 0x37,
                 ((lo & 0xfff) << 20) | (6 << 15) | (6 << 7) | 0x13, 0x0062a023, 0x0000006f)


# ld t0, 16(a2) (fw_dynamic_info.next_addr); jr t0
JUMP_TO_NEXT = insns(0x01063283, 0x00028067)


def fdt_props(blob):
    """{node path: {property: bytes}} of a flattened device tree (big-endian)."""
    magic, total, off_struct, off_strings = struct.unpack(">IIII", blob[:16])
    assert magic == 0xd00dfeed
    assert total == len(blob)
    strings = blob[off_strings:]
    nodes, path, pos = {}, [], off_struct
    while True:
        (tag,) = struct.unpack(">I", blob[pos:pos + 4])
        pos += 4
        if tag == 1:  # BEGIN_NODE
            end = blob.index(b"\0", pos)
            path.append(blob[pos:end].decode())
            nodes["/" + "/".join(p for p in path if p)] = {}
            pos = (end + 4) & ~3
        elif tag == 2:  # END_NODE
            path.pop()
        elif tag == 3:  # PROP
            length, nameoff = struct.unpack(">II", blob[pos:pos + 8])
            name = strings[nameoff:strings.index(b"\0", nameoff)].decode()
            nodes["/" + "/".join(p for p in path if p)][name] = blob[pos + 8:pos + 8 + length]
            pos = (pos + 8 + length + 3) & ~3
        elif tag == 9:  # END
            return nodes


def test_reset_rom_device_tree_and_clint(qmp):
    ev, st = run_to_shutdown(qmp, image_path("boot"), cpus=2)
    assert st["guest-exit-code"] == 0, f"boot check {st['guest-exit-code'] & 0x7fff} failed"


def test_dumpdtb(qmp, workdir):
    initrd = write_file(workdir, "initrd.img", b"\x5a" * 5000)
    kernel = write_file(workdir, "k.bin", exit_with(0))
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": kernel, "cpus": 3,
                               "memory": 256 << 20, "initrd": initrd,
                               "cmdline": "console=ttyS0 root=/dev/ram"})
    err = error_of(qmp.execute("dumpdtb", {"filename": os.path.join(workdir, "x.dtb")}))
    assert "configuring" in err["desc"]
    qmp.cmd("machine-start", {"paused": True})
    dtb = os.path.join(workdir, "virt.dtb")
    qmp.cmd("dumpdtb", {"filename": dtb})
    nodes = fdt_props(open(dtb, "rb").read())
    chosen = nodes["/chosen"]
    assert chosen["bootargs"] == b"console=ttyS0 root=/dev/ram\0"
    assert chosen["stdout-path"] == b"/soc/serial@10000000\0"
    start, = struct.unpack(">Q", chosen["linux,initrd-start"])
    end, = struct.unpack(">Q", chosen["linux,initrd-end"])
    assert end - start == 5000 and DRAM < start < DRAM + (256 << 20)
    assert len(chosen["rng-seed"]) == 32
    assert sorted(n for n in nodes if n.startswith("/cpus/cpu@") and n.count("/") == 2) == \
        ["/cpus/cpu@0", "/cpus/cpu@1", "/cpus/cpu@2"]
    assert nodes["/cpus/cpu@1"]["riscv,isa"].startswith(b"rv64imafdc")
    assert struct.unpack(">IIII", nodes["/memory@80000000"]["reg"]) == (0, DRAM, 0, 256 << 20)
    for dev in ["/soc/clint@2000000", "/soc/plic@c000000", "/soc/rtc@101000",
                "/soc/test@100000", "/poweroff", "/reboot"]:
        assert dev in nodes, dev
    # the initrd's bytes are in guest RAM where the tree says (read through a guest-visible
    # path: the tree itself is in RAM too, checked by the boot test)
    err = error_of(qmp.execute("dumpdtb", {"filename": "/nonexistent/dir/x.dtb"}))
    assert "x.dtb" in err["desc"]


def test_dumpdtb_refused_without_device_tree(qmp, workdir):
    qmp.cmd("machine-create", {"type": "test", "accel": "qtest"})
    qmp.cmd("machine-start")
    err = error_of(qmp.execute("dumpdtb", {"filename": os.path.join(workdir, "t.dtb")}))
    assert "no device tree" in err["desc"]
    assert not os.path.exists(os.path.join(workdir, "t.dtb"))


def test_firmware_hands_on_to_kernel(qmp, workdir):
    # raw firmware at DRAM jumps to fw_dynamic_info.next_addr: the kernel at 0x80200000
    fw = write_file(workdir, "fw.bin", JUMP_TO_NEXT)
    kernel = write_file(workdir, "k.bin", exit_with(7))
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "firmware": fw,
                               "kernel": kernel})
    qmp.cmd("machine-start")
    qmp.wait_event("SHUTDOWN", timeout=30)
    assert qmp.cmd("query-status")["guest-exit-code"] == 7
    qmp.cmd("machine-destroy")
    # an ELF kernel is handed on at its entry
    kelf = write_file(workdir, "k.elf", elf64([(KERNEL_BASE + 0x1000, exit_with(9))],
                                              KERNEL_BASE + 0x1000))
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "firmware": fw,
                               "kernel": kelf})
    qmp.cmd("machine-start")
    qmp.wait_event("SHUTDOWN", timeout=30)
    assert qmp.cmd("query-status")["guest-exit-code"] == 9


def test_refusals_leave_configuring(qmp, workdir):
    fw = write_file(workdir, "fw.bin", JUMP_TO_NEXT)
    # a kernel ELF overlapping the firmware
    kelf = write_file(workdir, "k.elf", elf64([(DRAM, exit_with(1))], DRAM))
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "firmware": fw,
                               "kernel": kelf})
    err = error_of(qmp.execute("machine-start"))
    assert "overlaps firmware" in err["desc"]
    assert qmp.cmd("query-status")["status"] == "configuring"
    qmp.cmd("machine-destroy")
    # an initrd that does not fit between the kernel and the device tree
    big = os.path.join(workdir, "big.img")
    with open(big, "wb") as f:
        f.truncate(30 << 20)
    kernel = write_file(workdir, "k.bin", exit_with(0))
    qmp.cmd("machine-create", {"type": "virt", "accel": "tcg", "kernel": kernel,
                               "initrd": big, "memory": 16 << 20})
    err = error_of(qmp.execute("machine-start"))
    assert "initrd" in err["desc"]
    assert qmp.cmd("query-status")["status"] == "configuring"
