/*
 * A harness for the KVM tests: one VM with 4 MiB of RAM and vCPU 0, a guest from
 * tests/guest/x86 loaded into it, and the tiny devices those guests talk to (serial
 * output at 0x3f8, isa-debug-exit at 0x501, an IRQ trigger port, an MMIO scratch area).
 */
#ifndef HULL_TESTS_UNIT_KVM_GUEST_HARNESS_H
#define HULL_TESTS_UNIT_KVM_GUEST_HARNESS_H

#include "kvm/kvm-vcpu.h"
#include "kvm/kvm.h"

#include <glib.h>

#define GUEST_RAM_SIZE  (4u << 20)
#define UART_THR        0x3f8
#define UART_LSR        0x3fd
#define LSR_THR_EMPTY   0x60
#define DEBUG_EXIT_PORT 0x501
#define RAISE_IRQ_PORT  0x510 /* ioapic-irq.S: a write pulses GSI 4 */
#define RAISE_IRQ_GSI   4
#define MMIO_BASE       0xd0000000u /* mmio.S */
#define MMIO_READ_VALUE 0xcafe0042u
#define ROM_BASE        0xe0000000u
#define ROM_SIZE        0x1000u

typedef struct MmioWrite {
    uint64_t addr;
    unsigned len;
    uint64_t value;
} MmioWrite;

typedef struct Guest {
    KvmVm *vm;
    KvmVcpu *vcpu;
    uint8_t *ram;
    GString *out;
    int exit_code;       /* -1 until the guest writes the exit port */
    unsigned stray_pio;  /* accesses to ports no device here decodes */
    GArray *mmio_writes; /* MmioWrite */
    unsigned mmio_reads;
    KvmVcpu *aps[3]; /* vCPUs 1.. (reset state: waiting for INIT-SIPI) */
    unsigned n_aps;
    GMutex lock; /* serial output written by several vCPU threads */
} Guest;

/* Skips the current test (saying why) unless /dev/kvm makes VMs. */
bool kvm_usable_or_skip(void);

/* A guest program built by tests/unit/kvm/meson.build; NULL (test skipped) if missing. */
GBytes *read_guest(const char *name);

/* Creates the VM, its RAM and vCPU 0, loads `image` with `cmdline` and sets the entry. */
void guest_start(Guest *g, GBytes *image, const char *cmdline);
/* The same with `cpus` vCPUs (one socket of `cpus` cores); the entry is set on vCPU 0. */
void guest_start_cpus(Guest *g, GBytes *image, const char *cmdline, unsigned cpus);
void guest_stop(Guest *g);

/* Runs until the guest exits through the debug port or stops for another reason. */
KvmVcpuExit guest_run(Guest *g, GError **errp);

#endif
