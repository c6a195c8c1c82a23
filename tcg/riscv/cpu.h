/*
 * RISC-V hart state (RV64IMAFDC + Zicsr + Zifencei, M/S/U modes, Sv39/48/57, PMP), its memory
 * interface and the architectural operations shared by the interpreter and the JIT's helpers.
 */
#ifndef HULL_TCG_RISCV_CPU_H
#define HULL_TCG_RISCV_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcg/jit.h"

/* Privilege levels, as encoded in mstatus.MPP. */
typedef enum RiscvPriv {
    RISCV_PRIV_U = 0,
    RISCV_PRIV_S = 1,
    RISCV_PRIV_M = 3,
} RiscvPriv;

/* misa extension bits ('A' is bit 0). */
#define RISCV_MISA_EXT(c) (UINT64_C(1) << ((c) - 'A'))
#define RISCV_MISA_MXL_64 (UINT64_C(2) << 62)

/* Exception causes (mcause with the interrupt bit clear). */
enum {
    RISCV_EXCP_INSN_MISALIGNED = 0,
    RISCV_EXCP_INSN_ACCESS = 1,
    RISCV_EXCP_ILLEGAL_INSN = 2,
    RISCV_EXCP_BREAKPOINT = 3,
    RISCV_EXCP_LOAD_MISALIGNED = 4,
    RISCV_EXCP_LOAD_ACCESS = 5,
    RISCV_EXCP_STORE_MISALIGNED = 6,
    RISCV_EXCP_STORE_ACCESS = 7,
    RISCV_EXCP_ECALL_U = 8,
    RISCV_EXCP_ECALL_S = 9,
    RISCV_EXCP_ECALL_M = 11,
    RISCV_EXCP_INSN_PAGE_FAULT = 12,
    RISCV_EXCP_LOAD_PAGE_FAULT = 13,
    RISCV_EXCP_STORE_PAGE_FAULT = 15,
};

/* Interrupt numbers: bit positions in mip/mie and the mcause code with bit 63 set. */
enum {
    RISCV_IRQ_S_SOFT = 1,
    RISCV_IRQ_M_SOFT = 3,
    RISCV_IRQ_S_TIMER = 5,
    RISCV_IRQ_M_TIMER = 7,
    RISCV_IRQ_S_EXT = 9,
    RISCV_IRQ_M_EXT = 11,
};
#define RISCV_CAUSE_INTERRUPT (UINT64_C(1) << 63)

#define RISCV_MIP_BIT(irq) (UINT64_C(1) << (irq))
#define RISCV_MIP_M_MASK                                                                       \
    (RISCV_MIP_BIT(RISCV_IRQ_M_SOFT) | RISCV_MIP_BIT(RISCV_IRQ_M_TIMER) |                     \
     RISCV_MIP_BIT(RISCV_IRQ_M_EXT))
#define RISCV_MIP_S_MASK                                                                       \
    (RISCV_MIP_BIT(RISCV_IRQ_S_SOFT) | RISCV_MIP_BIT(RISCV_IRQ_S_TIMER) |                     \
     RISCV_MIP_BIT(RISCV_IRQ_S_EXT))

/* mstatus fields (RV64 layout). */
#define RISCV_MSTATUS_SIE (UINT64_C(1) << 1)
#define RISCV_MSTATUS_MIE (UINT64_C(1) << 3)
#define RISCV_MSTATUS_SPIE (UINT64_C(1) << 5)
#define RISCV_MSTATUS_MPIE (UINT64_C(1) << 7)
#define RISCV_MSTATUS_SPP (UINT64_C(1) << 8)
#define RISCV_MSTATUS_MPP_SHIFT 11
#define RISCV_MSTATUS_MPP (UINT64_C(3) << RISCV_MSTATUS_MPP_SHIFT)
#define RISCV_MSTATUS_FS_SHIFT 13
#define RISCV_MSTATUS_FS (UINT64_C(3) << RISCV_MSTATUS_FS_SHIFT)
#define RISCV_MSTATUS_MPRV (UINT64_C(1) << 17)
#define RISCV_MSTATUS_SUM (UINT64_C(1) << 18)
#define RISCV_MSTATUS_MXR (UINT64_C(1) << 19)
#define RISCV_MSTATUS_TVM (UINT64_C(1) << 20)
#define RISCV_MSTATUS_TW (UINT64_C(1) << 21)
#define RISCV_MSTATUS_TSR (UINT64_C(1) << 22)
#define RISCV_MSTATUS_UXL (UINT64_C(3) << 32)
#define RISCV_MSTATUS_SXL (UINT64_C(3) << 34)
#define RISCV_MSTATUS_SD (UINT64_C(1) << 63)
/* FS values. */
#define RISCV_FS_OFF 0
#define RISCV_FS_DIRTY 3

/* satp (RV64). */
#define RISCV_SATP_MODE_SHIFT 60
#define RISCV_SATP_MODE_BARE 0
#define RISCV_SATP_MODE_SV39 8
#define RISCV_SATP_MODE_SV48 9
#define RISCV_SATP_MODE_SV57 10
#define RISCV_SATP_ASID_SHIFT 44
#define RISCV_SATP_ASID_MASK (UINT64_C(0xffff) << RISCV_SATP_ASID_SHIFT)
#define RISCV_SATP_PPN_MASK ((UINT64_C(1) << 44) - 1)

/* menvcfg/senvcfg. */
#define RISCV_ENVCFG_FIOM (UINT64_C(1) << 0)
#define RISCV_MENVCFG_STCE (UINT64_C(1) << 63)

/* Page-table entry bits. */
#define RISCV_PTE_V (1u << 0)
#define RISCV_PTE_R (1u << 1)
#define RISCV_PTE_W (1u << 2)
#define RISCV_PTE_X (1u << 3)
#define RISCV_PTE_U (1u << 4)
#define RISCV_PTE_G (1u << 5)
#define RISCV_PTE_A (1u << 6)
#define RISCV_PTE_D (1u << 7)

/* PMP: 16 entries; pmpcfg fields. */
#define RISCV_PMP_COUNT 16
#define RISCV_PMP_R 0x01
#define RISCV_PMP_W 0x02
#define RISCV_PMP_X 0x04
#define RISCV_PMP_A_SHIFT 3
#define RISCV_PMP_A_MASK (3 << RISCV_PMP_A_SHIFT)
#define RISCV_PMP_L 0x80
enum { RISCV_PMP_OFF = 0, RISCV_PMP_TOR = 1, RISCV_PMP_NA4 = 2, RISCV_PMP_NAPOT = 3 };

/* CSR numbers implemented by this hart. */
enum {
    RISCV_CSR_FFLAGS = 0x001,
    RISCV_CSR_FRM = 0x002,
    RISCV_CSR_FCSR = 0x003,
    RISCV_CSR_CYCLE = 0xc00,
    RISCV_CSR_TIME = 0xc01,
    RISCV_CSR_INSTRET = 0xc02,
    RISCV_CSR_HPMCOUNTER3 = 0xc03,
    RISCV_CSR_HPMCOUNTER31 = 0xc1f,
    RISCV_CSR_SSTATUS = 0x100,
    RISCV_CSR_SIE = 0x104,
    RISCV_CSR_STVEC = 0x105,
    RISCV_CSR_SCOUNTEREN = 0x106,
    RISCV_CSR_SENVCFG = 0x10a,
    RISCV_CSR_SSCRATCH = 0x140,
    RISCV_CSR_SEPC = 0x141,
    RISCV_CSR_SCAUSE = 0x142,
    RISCV_CSR_STVAL = 0x143,
    RISCV_CSR_SIP = 0x144,
    RISCV_CSR_STIMECMP = 0x14d,
    RISCV_CSR_SATP = 0x180,
    RISCV_CSR_MSTATUS = 0x300,
    RISCV_CSR_MISA = 0x301,
    RISCV_CSR_MEDELEG = 0x302,
    RISCV_CSR_MIDELEG = 0x303,
    RISCV_CSR_MIE = 0x304,
    RISCV_CSR_MTVEC = 0x305,
    RISCV_CSR_MCOUNTEREN = 0x306,
    RISCV_CSR_MENVCFG = 0x30a,
    RISCV_CSR_MCOUNTINHIBIT = 0x320,
    RISCV_CSR_MHPMEVENT3 = 0x323,
    RISCV_CSR_MHPMEVENT31 = 0x33f,
    RISCV_CSR_MSCRATCH = 0x340,
    RISCV_CSR_MEPC = 0x341,
    RISCV_CSR_MCAUSE = 0x342,
    RISCV_CSR_MTVAL = 0x343,
    RISCV_CSR_MIP = 0x344,
    RISCV_CSR_PMPCFG0 = 0x3a0,
    RISCV_CSR_PMPCFG2 = 0x3a2,
    RISCV_CSR_PMPADDR0 = 0x3b0,
    RISCV_CSR_PMPADDR15 = 0x3bf,
    RISCV_CSR_MCYCLE = 0xb00,
    RISCV_CSR_MINSTRET = 0xb02,
    RISCV_CSR_MHPMCOUNTER3 = 0xb03,
    RISCV_CSR_MHPMCOUNTER31 = 0xb1f,
    RISCV_CSR_MVENDORID = 0xf11,
    RISCV_CSR_MARCHID = 0xf12,
    RISCV_CSR_MIMPID = 0xf13,
    RISCV_CSR_MHARTID = 0xf14,
    RISCV_CSR_MCONFIGPTR = 0xf15,
};

/*
 * The memory interface of a hart, until the engine's AddressSpace is the bus: a few RAM
 * windows that loads, stores, fetches and atomics reach directly (the fast path the JIT
 * uses too), and callbacks for everything else (devices, ROM, holes).
 */
#define RISCV_BUS_MAX_WINDOWS 4

typedef struct RiscvRamWindow {
    uint8_t *host;
    uint64_t base;
    uint64_t size;
    bool readonly; /* stores raise an access fault */
} RiscvRamWindow;

typedef struct RiscvBusOps {
    /*
     * A naturally aligned access of 1, 2, 4 or 8 bytes outside the RAM windows. Return
     * false when nothing answers at addr: the hart takes an access fault. Called from the
     * vCPU thread; the implementation takes whatever lock its devices need.
     */
    bool (*read)(void *opaque, uint64_t addr, unsigned size, uint64_t *val);
    bool (*write)(void *opaque, uint64_t addr, unsigned size, uint64_t val);
    /* The platform's real-time counter (mtime) behind the `time` CSR; NULL: `time` is an
     * illegal instruction, which lets M-mode software emulate it. */
    uint64_t (*get_time)(void *opaque);
    /*
     * Optional (Sstc): the hart's stimecmp changed while menvcfg.STCE is set. The
     * platform raises RISCV_IRQ_S_TIMER (riscv_cpu_set_irq) once mtime >= value; the hart
     * itself already updated STIP for the current time. Without it stimecmp still works,
     * but a hart sleeping in wfi is only woken by other interrupts.
     */
    void (*stimecmp_changed)(void *opaque, uint64_t hartid, uint64_t value);
    /*
     * Optional RAM fast path beyond the windows: the host address of [addr, addr + size)
     * when it is contiguous RAM (or ROM, for reads), else NULL. Lets a bus whose map
     * changes at run time (the engine's AddressSpace) serve RAM directly; the JIT asks
     * for whole pages when filling its TLB.
     */
    void *(*host_ptr)(void *opaque, uint64_t addr, uint64_t size, bool write);
} RiscvBusOps;

typedef struct RiscvBus {
    const RiscvBusOps *ops;
    void *opaque;
    RiscvRamWindow ram[RISCV_BUS_MAX_WINDOWS];
    unsigned nr_ram;
} RiscvBus;

/* The architectural state. The JIT addresses these fields by offsetof(). */
typedef struct CPURISCVState {
    uint64_t x[32]; /* x[0] stays 0 */
    uint64_t pc;
    RiscvPriv priv;

    uint64_t mstatus;
    uint64_t misa;
    uint64_t mhartid;
    uint64_t mtvec;
    uint64_t mepc;
    uint64_t mcause;
    uint64_t mtval;
    uint64_t mscratch;
    uint64_t mie;
    /* Updated by other threads: read and write with __atomic builtins. Holds the M bits
     * the platform drives, STIP and the software-writable SSIP/STIP/SEIP bits. */
    uint64_t mip;
    /* The platform's supervisor external interrupt line (PLIC S context); mip.SEIP reads
     * as the OR of it and the software-writable bit. Atomic like mip. */
    uint64_t seip_line;
    uint64_t medeleg;
    uint64_t mideleg;
    uint64_t mcounteren;
    uint64_t menvcfg;

    /* Supervisor CSRs. */
    uint64_t stvec;
    uint64_t sscratch;
    uint64_t sepc;
    uint64_t scause;
    uint64_t stval;
    uint64_t satp;
    uint64_t scounteren;
    uint64_t senvcfg;
    uint64_t stimecmp;

    /* F and D: registers (singles NaN-boxed), accrued exception flags, rounding mode. */
    uint64_t f[32];
    uint64_t fflags;
    uint64_t frm;

    /* Physical memory protection. */
    uint8_t pmpcfg[RISCV_PMP_COUNT];
    uint64_t pmpaddr[RISCV_PMP_COUNT];

    /* One count per retired instruction. mcycle counts the same event from its own
     * origin: it is minstret + mcycle_offset (riscv_cpu_mcycle), so retiring an
     * instruction updates one counter. */
    uint64_t mcycle_offset;
    uint64_t minstret;

    /* LR/SC: the reserved address (RISCV_NO_RESERVATION when none) and the value LR
     * loaded, which SC compares-and-swaps against. */
    uint64_t lr_addr;
    uint64_t lr_val;
    uint64_t lr_size;
} CPURISCVState;

/* The mcycle counter (see CPURISCVState.mcycle_offset). */
static inline uint64_t riscv_cpu_mcycle(const CPURISCVState *env)
{
    return env->minstret + env->mcycle_offset;
}

#define RISCV_NO_RESERVATION UINT64_MAX

typedef struct RiscvCPU RiscvCPU;

struct RiscvCPU {
    CPURISCVState env;
    RiscvBus bus;
    uint64_t reset_pc;
    /* Set by another thread to make the interpreter return (riscv_cpu_kick). */
    int exit_request;
    /*
     * The execution engine running this hart, when it needs to hear of kicks and of
     * interrupt lines changing (the JIT sets it when the hart is attached); NULL for the
     * interpreter, which polls exit_request and mip between instructions.
     */
    void (*notify)(RiscvCPU *cpu, bool interrupt);
    bool halted; /* JIT: stopped in wfi until an enabled interrupt is pending */
    /* JIT: PMP changed; translations made under the old rules must go before the next
     * block runs (done from the execution loop, outside generated code). */
    bool tb_flush_pending;
    /* The JIT's per-vCPU state (soft-MMU TLB, requests, jump cache); unused by the
     * interpreter. Last: generated code reaches the fields above with short offsets. */
    TCGCPUCommon tcg;
};

static inline RiscvCPU *riscv_env_get_cpu(CPURISCVState *env)
{
    return (RiscvCPU *)((char *)env - offsetof(RiscvCPU, env));
}

/* A trap about to be taken: the cause (mcause/scause) and mtval/stval. */
typedef struct RiscvTrap {
    uint64_t cause;
    uint64_t tval;
} RiscvTrap;

/* Sets up an RV64IMAFDC hart with M, S and U modes and the given id; reset enters M mode at
 * reset_pc. The bus is copied; bus->ops may be NULL when every access goes to RAM windows. */
void riscv_cpu_init(RiscvCPU *cpu, uint64_t hartid, uint64_t reset_pc, const RiscvBus *bus);
/* Architectural reset: M mode, mstatus.MIE=0, pc=reset_pc, registers and counters 0. */
void riscv_cpu_reset(RiscvCPU *cpu);

/* Raise or lower one interrupt line (RISCV_IRQ_*: M_SOFT, M_TIMER, M_EXT from the
 * ACLINT/PLIC, S_EXT from the PLIC's S context, S_TIMER from Sstc's timer, S_SOFT);
 * callable from any thread. The JIT is told through cpu->notify; the interpreter sees mip
 * before the next instruction (a thread sleeping after RISCV_EXIT_WFI is the caller's to
 * wake). */
void riscv_cpu_set_irq(RiscvCPU *cpu, unsigned irq, bool level);
/* Ask the running loop (interpreter or JIT) to return at the next instruction boundary. */
void riscv_cpu_kick(RiscvCPU *cpu);

/* The highest-priority interrupt the hart takes now, or -1. */
int riscv_cpu_pending_irq(const CPURISCVState *env);
/* Whether wfi may stop waiting: some interrupt is pending and enabled in mie. */
bool riscv_cpu_wfi_wakeup(const CPURISCVState *env);

/* mip as software reads it (the external SEIP line ORed in). */
uint64_t riscv_cpu_read_mip(const CPURISCVState *env);

/* Trap entry (exception or interrupt): to S mode when delegated (medeleg/mideleg) and the
 * hart is below M, else to M mode; saves pc in xepc and enters at xtvec. */
void riscv_cpu_do_trap(CPURISCVState *env, RiscvTrap trap);
/* mret: returns to mepc in the privilege saved in mstatus.MPP. */
void riscv_cpu_do_mret(CPURISCVState *env);
/* sret: returns to sepc in the privilege saved in mstatus.SPP. */
void riscv_cpu_do_sret(CPURISCVState *env);

/* The privilege loads and stores are performed with (mstatus.MPRV/MPP in M mode). */
RiscvPriv riscv_cpu_data_priv(const CPURISCVState *env);
/* Whether instruction fetches at the current privilege go through page tables. */
bool riscv_cpu_fetch_paged(const CPURISCVState *env);

/* Kinds of access for translation and PMP. */
typedef enum RiscvAccess {
    RISCV_ACCESS_READ,
    RISCV_ACCESS_WRITE,
    RISCV_ACCESS_EXEC,
} RiscvAccess;

/* The access-fault cause (PMP, bus) of an access of this kind. */
static inline uint64_t riscv_access_fault_cause(RiscvAccess access)
{
    switch (access) {
    case RISCV_ACCESS_READ:
        return RISCV_EXCP_LOAD_ACCESS;
    case RISCV_ACCESS_WRITE:
        return RISCV_EXCP_STORE_ACCESS;
    default:
        return RISCV_EXCP_INSN_ACCESS;
    }
}

/*
 * Virtual to physical translation of one access by privilege `priv` (Sv39/48/57 when satp
 * says so and priv is below M), setting the PTE's A (and for writes D) bits. On success
 * *prot gets what the 4 KiB page at vaddr allows at that privilege without touching the
 * PTE again (TCG_PROT_*: READ/EXEC when A is set, WRITE when D is set too). On a fault
 * fills *trap (page fault; access fault when a PTE cannot be read or updated).
 */
bool riscv_cpu_translate(RiscvCPU *cpu, uint64_t vaddr, RiscvAccess access, RiscvPriv priv,
                         uint64_t *paddr, unsigned *prot, RiscvTrap *trap);
/* PMP: whether [paddr, paddr + size) may be accessed by priv. */
bool riscv_pmp_check(const CPURISCVState *env, uint64_t paddr, uint64_t size,
                     RiscvAccess access, RiscvPriv priv);
/* PMP: the TCG_PROT_* bits allowed for the whole 4 KiB page at paddr (0 when the page is
 * not uniformly covered). */
unsigned riscv_pmp_page_prot(const CPURISCVState *env, uint64_t paddr, RiscvPriv priv);

/*
 * Guest memory, by virtual address (translated at the data privilege, PMP-checked). Each
 * returns false with *trap filled on a fault. Regular loads and stores
 * may be misaligned in RAM (performed as one access); a misaligned access outside RAM
 * raises an access fault. size is 1, 2, 4 or 8; loads zero-extend.
 */
bool riscv_mem_load(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t *val, RiscvTrap *trap);
bool riscv_mem_store(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t val, RiscvTrap *trap);
/* Instruction fetch of one 16-bit parcel at addr (2-byte aligned). */
bool riscv_mem_fetch16(RiscvCPU *cpu, uint64_t addr, uint16_t *parcel, RiscvTrap *trap);
/* The physical address of the parcel at addr, checked like a fetch of it. */
bool riscv_mem_fetch_paddr(RiscvCPU *cpu, uint64_t addr, uint64_t *paddr, RiscvTrap *trap);
/* Fetches the instruction at env.pc: 16 or 32 bits (the second parcel only when the
 * first says the instruction is 32-bit). */
bool riscv_cpu_fetch(RiscvCPU *cpu, uint32_t *insn, RiscvTrap *trap);

/* The host address of physical [addr, addr + size) when it is RAM (a window, or the bus's
 * host_ptr), or NULL (also for stores to read-only memory). */
void *riscv_mem_host_ptr(RiscvCPU *cpu, uint64_t addr, uint64_t size, bool store);

/* Translates and PMP-checks a data access (priv from riscv_cpu_data_priv); *paddr is the
 * physical address of its first byte. For the JIT's bookkeeping after an access. */
bool riscv_mem_data_paddr(RiscvCPU *cpu, uint64_t addr, RiscvAccess access, uint64_t *paddr);

/* A-extension operations (size 4 or 8, sign-extended results like the instructions).
 * Misaligned or outside writable RAM: access fault (load fault for LR, store/AMO fault
 * for SC and AMOs). */
typedef enum RiscvAmoOp {
    RISCV_AMO_SWAP,
    RISCV_AMO_ADD,
    RISCV_AMO_XOR,
    RISCV_AMO_AND,
    RISCV_AMO_OR,
    RISCV_AMO_MIN,
    RISCV_AMO_MAX,
    RISCV_AMO_MINU,
    RISCV_AMO_MAXU,
} RiscvAmoOp;

bool riscv_mem_amo(RiscvCPU *cpu, RiscvAmoOp op, uint64_t addr, unsigned size, uint64_t src,
                   uint64_t *old, RiscvTrap *trap);
bool riscv_mem_lr(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t *val, RiscvTrap *trap);
/* *failed is the value SC writes to rd: 0 on success, 1 on failure. */
bool riscv_mem_sc(RiscvCPU *cpu, uint64_t addr, unsigned size, uint64_t val, uint64_t *failed,
                  RiscvTrap *trap);

/* Zicsr. */
typedef enum RiscvCsrOp {
    RISCV_CSR_OP_WRITE, /* csrrw */
    RISCV_CSR_OP_SET,   /* csrrs */
    RISCV_CSR_OP_CLEAR, /* csrrc */
} RiscvCsrOp;

/*
 * One CSR instruction: checks that csrno exists and is accessible at the current
 * privilege, reads the old value, and when `write` computes and stores the new one.
 * Returns false for an illegal instruction (the caller raises it with the instruction
 * bits in mtval). The caller then counts the instruction as retired (minstret
 * += 1) like any other: a write to those counters accounts for it.
 */
bool riscv_csr_access(RiscvCPU *cpu, unsigned csrno, RiscvCsrOp op, uint64_t src, bool write,
                      uint64_t *old);

#endif
