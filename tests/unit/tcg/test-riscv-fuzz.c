/*
 * Differential fuzzer: random valid RV64IMAFDC sequences (ALU, M, loads/stores and AMOs
 * into a sandbox, forward branches and jumps, short loops (backward branches), calls of
 * (nested) subroutines and returns,
 * CSRs, traps, F/D arithmetic, conversions and FP loads/stores with random rounding
 * modes, reserved ones and FS = Off included), in M
 * mode or in S/U mode under Sv39/48/57 with random sandbox page permissions, SUM/MXR and
 * exception delegation, run on the JIT and on the reference interpreter; integer and FP
 * registers, fflags/frm, counters, privilege, trap CSRs of both levels, memory and page
 * tables (A/D bits) must match. Seeded and
 * reproducible: HULL_FUZZ_SEED=<n> picks the first seed, HULL_FUZZ_LONG=1 runs longer.
 */
#include <glib.h>
#include <string.h>

#include "tcg/riscv/interp.h"
#include "tcg/riscv/translate.h"

#define RAM_BASE 0x80000000u
#define RAM_SIZE 0x10000u
#define CODE_OFF 0x0000u
#define HANDLER_OFF 0x7000u
#define SANDBOX_OFF 0x8000u
#define SANDBOX_SIZE 0x1000u
#define S_HANDLER_OFF 0x7100u
#define PT_OFF 0xa000u /* Sv39 root, L1, L0; then the Sv48 and Sv57 roots */
#define PT_SIZE 0x5000u
#define MAX_INSNS 96
/* Subroutines after the program's end, called with jal and left with jalr: the JIT
 * translates a call, the callee and the return into one block. */
#define NR_SUBS 3
#define SUB_ITEMS 6
#define CODE_MAX (MAX_INSNS + 8 + NR_SUBS * (3 * SUB_ITEMS + 1))

/* x8 holds the sandbox middle and is never written; x9 is the address register of AMOs
 * and the trap handler's scratch. */
#define REG_BASE 8
#define REG_ADDR 9

typedef struct Machine {
    RiscvCPU cpu;
    uint8_t *ram;
} Machine;

typedef struct Fuzz {
    Machine interp, jit;
    RiscvTcg *tcg;
    GRand *rand;
    uint32_t code[CODE_MAX];
    bool landable[CODE_MAX];   /* first instruction of an item: a jump may land there */
    unsigned fixup[MAX_INSNS]; /* control transfers whose target is chosen at the end */
    unsigned len, nr_fixups;
    unsigned limit;     /* emit() stops at this length */
    unsigned main_len;  /* the program and its padding; subroutines follow */
    unsigned sub_link[NR_SUBS]; /* the link register of each subroutine */
    unsigned sub_at[NR_SUBS];
    uint32_t own_mask;  /* link registers and the loop counter: nothing else writes them */
    unsigned loop_reg;
    unsigned call_at[CODE_MAX], call_sub[CODE_MAX], nr_calls;
    bool item_start;
    bool with_fp; /* this case has F/D instructions */
    uint64_t fregs[32];
    uint64_t fcsr;
    uint64_t fs; /* mstatus.FS */
    /* Privileged cases: the mode the program runs in (M: none of the below). */
    RiscvPriv priv;
    uint64_t satp_mode, sandbox_pte, medeleg, status_bits;
} Fuzz;

/* ---- encoders (formats of the unprivileged spec) ---- */

static uint32_t enc_r(unsigned f7, unsigned rs2, unsigned rs1, unsigned f3, unsigned rd,
                      unsigned op)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t enc_i(int32_t imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{
    return (uint32_t)(imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t enc_s(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3, unsigned op)
{
    return (uint32_t)((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           (uint32_t)(imm & 0x1f) << 7 | op;
}

static uint32_t enc_b(int32_t off, unsigned rs2, unsigned rs1, unsigned f3)
{
    uint32_t u = (uint32_t)off;

    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}

static uint32_t enc_j(int32_t off, unsigned rd)
{
    uint32_t u = (uint32_t)off;

    return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
           ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

/* ---- generator ---- */

static unsigned rnd(Fuzz *f, unsigned n)
{
    return (unsigned)g_rand_int_range(f->rand, 0, (gint32)n);
}

/* A destination register: anything but the sandbox base and the link registers. */
static unsigned rd_any(Fuzz *f)
{
    unsigned r;

    do {
        r = rnd(f, 32);
    } while (r == REG_BASE || (f->own_mask >> r & 1));
    return r;
}

static unsigned rs_any(Fuzz *f)
{
    return rnd(f, 32);
}

static int32_t imm12(Fuzz *f)
{
    static const int32_t edges[] = {0, 1, -1, 2047, -2048, 31, 32, 63};

    return rnd(f, 4) == 0 ? edges[rnd(f, G_N_ELEMENTS(edges))] : (int32_t)rnd(f, 4096) - 2048;
}

/* Instructions of one item (an AMO and its address, auipc+jalr) must run together: only
 * the first may be a jump target. */
static void emit(Fuzz *f, uint32_t insn)
{
    if (f->len < f->limit) {
        f->landable[f->len] = f->item_start;
        f->item_start = false;
        f->code[f->len++] = insn;
    }
}

static void gen_alu(Fuzz *f)
{
    static const struct {
        unsigned f7, f3, op;
    } rr[] = {
        {0x00, 0, 0x33}, {0x20, 0, 0x33}, {0x00, 1, 0x33}, {0x00, 2, 0x33}, {0x00, 3, 0x33},
        {0x00, 4, 0x33}, {0x00, 5, 0x33}, {0x20, 5, 0x33}, {0x00, 6, 0x33}, {0x00, 7, 0x33},
        {0x01, 0, 0x33}, {0x01, 1, 0x33}, {0x01, 2, 0x33}, {0x01, 3, 0x33}, {0x01, 4, 0x33},
        {0x01, 5, 0x33}, {0x01, 6, 0x33}, {0x01, 7, 0x33}, {0x00, 0, 0x3b}, {0x20, 0, 0x3b},
        {0x00, 1, 0x3b}, {0x00, 5, 0x3b}, {0x20, 5, 0x3b}, {0x01, 0, 0x3b}, {0x01, 4, 0x3b},
        {0x01, 5, 0x3b}, {0x01, 6, 0x3b}, {0x01, 7, 0x3b},
    };
    unsigned rd = rd_any(f), rs1 = rs_any(f), rs2 = rs_any(f);

    switch (rnd(f, 6)) {
    case 0:
    case 1: {
        unsigned k = rnd(f, G_N_ELEMENTS(rr));
        emit(f, enc_r(rr[k].f7, rs2, rs1, rr[k].f3, rd, rr[k].op));
        break;
    }
    case 2: { /* addi slti sltiu xori ori andi, addiw */
        static const unsigned f3s[] = {0, 2, 3, 4, 6, 7};
        if (rnd(f, 4) == 0) {
            emit(f, enc_i(imm12(f), rs1, 0, rd, 0x1b));
        } else {
            emit(f, enc_i(imm12(f), rs1, f3s[rnd(f, 6)], rd, 0x13));
        }
        break;
    }
    case 3: { /* shifts by immediate */
        unsigned sh = rnd(f, 64), arith = rnd(f, 2);
        switch (rnd(f, 4)) {
        case 0:
            emit(f, enc_i((int32_t)sh, rs1, 1, rd, 0x13));
            break;
        case 1:
            emit(f, enc_i((int32_t)(sh | (arith ? 0x400 : 0)), rs1, 5, rd, 0x13));
            break;
        case 2:
            emit(f, enc_i((int32_t)(sh & 31), rs1, 1, rd, 0x1b));
            break;
        default:
            emit(f, enc_i((int32_t)((sh & 31) | (arith ? 0x400 : 0)), rs1, 5, rd, 0x1b));
            break;
        }
        break;
    }
    case 4: /* lui, auipc */
        emit(f, (g_rand_int(f->rand) & 0xfffff000u) | rd << 7 | (rnd(f, 2) ? 0x37 : 0x17));
        break;
    default: { /* a compressed ALU form (two of them fill one 32-bit slot) */
        uint32_t pair = 0;
        for (unsigned half = 0; half < 2; half++) {
            RiscvInsn insn;
            uint32_t h;
            do {
                h = rnd(f, 0x10000);
            } while ((h & 3) == 3 || !riscv_decode(h, &insn) || insn.rd == REG_BASE ||
                     (f->own_mask >> insn.rd & 1) ||
                     insn.rd == 2 /* sp-relative forms stay out */ || insn.rs1 == 2 ||
                     !(insn.op <= RISCV_OP_AUIPC || (insn.op >= RISCV_OP_ADDI &&
                                                     insn.op <= RISCV_OP_SUBW)));
            pair |= h << (16 * half);
        }
        emit(f, pair);
        break;
    }
    }
}

static void gen_mem(Fuzz *f)
{
    static const unsigned load_f3[] = {0, 1, 2, 3, 4, 5, 6};
    unsigned size_log = rnd(f, 4);
    /* Offsets from the middle of the sandbox, misaligned ones included. */
    int32_t off = (int32_t)rnd(f, SANDBOX_SIZE - 8) - (int32_t)(SANDBOX_SIZE / 2);

    if (rnd(f, 2)) {
        emit(f, enc_i(off, REG_BASE, load_f3[rnd(f, 7)], rd_any(f), 0x03));
    } else {
        emit(f, enc_s(off, rs_any(f), REG_BASE, size_log, 0x23));
    }
}

static void gen_amo(Fuzz *f)
{
    static const unsigned funct5[] = {0x00, 0x01, 0x04, 0x08, 0x0c, 0x10, 0x14, 0x18, 0x1c};
    unsigned dword = rnd(f, 2);
    int32_t off = (int32_t)(rnd(f, SANDBOX_SIZE / 8) * 8) - (int32_t)(SANDBOX_SIZE / 2);
    unsigned aqrl = rnd(f, 4);

    emit(f, enc_i(off, REG_BASE, 0, REG_ADDR, 0x13)); /* addi x9, x8, off */
    switch (rnd(f, 3)) {
    case 0: /* lr ; sc to the same address */
        emit(f, enc_r(0x02 << 2 | aqrl, 0, REG_ADDR, 2 + dword, rd_any(f), 0x2f));
        emit(f, enc_r(0x03 << 2 | aqrl, rs_any(f), REG_ADDR, 2 + dword, rd_any(f), 0x2f));
        break;
    default:
        emit(f, enc_r(funct5[rnd(f, G_N_ELEMENTS(funct5))] << 2 | aqrl, rs_any(f), REG_ADDR,
                      2 + dword, rd_any(f), 0x2f));
        break;
    }
}

/* A call of subroutine 0..n-1 (its offset is filled in at the end). */
static void gen_call(Fuzz *f, unsigned n)
{
    unsigned sub = rnd(f, n);

    if (f->len < f->limit) {
        f->call_at[f->nr_calls] = f->len;
        f->call_sub[f->nr_calls++] = sub;
    }
    emit(f, enc_j(0, f->sub_link[sub]));
}

/* A forward branch or jump, or a call; offsets are filled in by fix_targets(). */
static void gen_control(Fuzz *f)
{
    if (rnd(f, 3) == 0) {
        gen_call(f, NR_SUBS);
        return;
    }
    switch (rnd(f, 4)) {
    case 0:
        emit(f, enc_j(0, rd_any(f)));
        break;
    case 1: /* auipc x9, 0 ; jalr rd, off(x9) */
        emit(f, 0x00000017 | REG_ADDR << 7);
        emit(f, enc_i(0, REG_ADDR, 0, rd_any(f), 0x67));
        break;
    default: {
        static const unsigned f3s[] = {0, 1, 4, 5, 6, 7};
        emit(f, enc_b(0, rs_any(f), rs_any(f), f3s[rnd(f, 6)]));
        break;
    }
    }
    f->fixup[f->nr_fixups++] = f->len - 1;
}

/* Points each control transfer at one of the next few item starts (or the padding). */
static void fix_targets(Fuzz *f)
{
    for (unsigned i = 0; i < f->nr_fixups; i++) {
        unsigned at = f->fixup[i], target = at + 1;
        uint32_t insn = f->code[at];
        int32_t off;

        for (unsigned skip = rnd(f, 6); skip > 0 || !f->landable[target]; target++) {
            if (f->landable[target] && skip > 0) {
                skip--;
            }
            if (target + 1 == f->main_len) {
                break;
            }
        }
        off = (int32_t)(target - at) * 4;
        switch (insn & 0x7f) {
        case 0x6f:
            f->code[at] = enc_j(off, (insn >> 7) & 31);
            break;
        case 0x67: /* relative to the auipc before it */
            f->code[at] = enc_i(off + 4, REG_ADDR, 0, (insn >> 7) & 31, 0x67);
            break;
        default:
            f->code[at] = enc_b(off, (insn >> 20) & 31, (insn >> 15) & 31, (insn >> 12) & 7);
            break;
        }
    }
}

static void gen_system(Fuzz *f)
{
    static const unsigned csrs[] = {RISCV_CSR_MSCRATCH, RISCV_CSR_MINSTRET, RISCV_CSR_SSCRATCH,
                                    RISCV_CSR_SSTATUS};
    unsigned csr = csrs[rnd(f, f->priv == RISCV_PRIV_M ? 2 : 4)];

    switch (rnd(f, 8)) {
    case 0:
        emit(f, 0x00000073); /* ecall */
        break;
    case 1:
        emit(f, 0x00100073); /* ebreak */
        break;
    case 2:
        emit(f, 0xfe000033); /* illegal */
        break;
    case 3: /* a load from nowhere: access fault from the soft-MMU slow path */
        emit(f, enc_i(imm12(f), 0, 3, rd_any(f), 0x03));
        break;
    case 4:
        emit(f, enc_i((int32_t)RISCV_CSR_MCYCLE, 0, 2, rd_any(f), 0x73)); /* csrr mcycle */
        break;
    case 5:
        emit(f, 0x0ff0000f); /* fence */
        break;
    default: /* csrrw/csrrs/csrrc (and immediate forms) on mscratch or minstret */
        emit(f, enc_i((int32_t)csr, rs_any(f), 1 + rnd(f, 3) + 4 * rnd(f, 2), rd_any(f), 0x73));
        break;
    }
}

/* F and D: OP-FP forms with random formats, rounding modes (5 and 6 are reserved: illegal
 * instruction) and registers; fused multiply-adds; FP loads and stores into the sandbox. */
static void gen_fp(Fuzz *f)
{
    static const struct {
        unsigned funct5;
        int rs2;      /* fixed rs2, or -1: a random register, or -2: 0..3 (conversions) */
        int funct3;   /* fixed funct3, or -1: a random rounding mode; -2/-3: 0..2 / 0..1 */
        bool x_rd;    /* the result goes to an integer register */
    } ops[] = {
        {0x00, -1, -1, false}, {0x01, -1, -1, false}, {0x02, -1, -1, false},
        {0x03, -1, -1, false}, {0x0b, 0, -1, false},  {0x04, -1, -2, false},
        {0x05, -1, -3, false}, {0x08, 0, -1, false},  {0x14, -1, -2, true},
        {0x18, -2, -1, true},  {0x1a, -2, -1, false}, {0x1c, 0, -3, true},
        {0x1e, 0, 0, false},
    };
    unsigned fmt = rnd(f, 2);
    unsigned kind = rnd(f, 16);

    if (kind < 2) { /* flw/fld, fsw/fsd */
        int32_t off = (int32_t)rnd(f, SANDBOX_SIZE - 8) - (int32_t)(SANDBOX_SIZE / 2);
        if (rnd(f, 2)) {
            emit(f, enc_i(off, REG_BASE, 2 + fmt, rnd(f, 32), 0x07));
        } else {
            emit(f, enc_s(off, rnd(f, 32), REG_BASE, 2 + fmt, 0x27));
        }
        return;
    }
    if (kind < 4) { /* fmadd, fmsub, fnmsub, fnmadd */
        static const unsigned opc[] = {0x43, 0x47, 0x4b, 0x4f};
        emit(f, rnd(f, 32) << 27 | fmt << 25 | rnd(f, 32) << 20 | rnd(f, 32) << 15 |
                    rnd(f, 8) << 12 | rnd(f, 32) << 7 | opc[rnd(f, 4)]);
        return;
    }
    {
        unsigned i = rnd(f, G_N_ELEMENTS(ops));
        unsigned rs2 = ops[i].rs2 == -1 ? rnd(f, 32) : ops[i].rs2 == -2 ? rnd(f, 4)
                                                                        : (unsigned)ops[i].rs2;
        unsigned f3 = ops[i].funct3 == -1 ? rnd(f, 8)
                      : ops[i].funct3 == -2 ? rnd(f, 3)
                      : ops[i].funct3 == -3 ? rnd(f, 2)
                                            : (unsigned)ops[i].funct3;
        unsigned rd = ops[i].x_rd ? rd_any(f) : rnd(f, 32);
        unsigned rs1 = ops[i].funct5 == 0x1a || ops[i].funct5 == 0x1e ? rs_any(f) : rnd(f, 32);

        if (ops[i].funct5 == 0x08) {
            rs2 = fmt ? 0 : 1; /* fcvt.d.s / fcvt.s.d */
        }
        emit(f, enc_r(ops[i].funct5 << 2 | fmt, rs2, rs1, f3, rd, 0x53));
    }
}

/* One item of a program or subroutine body (not a branch or jump). */
static void gen_item(Fuzz *f, unsigned kind)
{
    if (f->with_fp && rnd(f, 3) == 0) {
        gen_fp(f);
    } else if (kind < 9) {
        gen_alu(f);
    } else if (kind < 13) {
        gen_mem(f);
    } else if (kind < 15) {
        gen_amo(f);
    } else {
        gen_system(f);
    }
}

/*
 * Subroutine k: a few items, calls of lower-numbered subroutines (so calls nest but never
 * recurse), and a return through its link register (jalr, or c.jr padded with c.nop).
 */
static void gen_subroutines(Fuzz *f)
{
    f->limit = CODE_MAX;
    for (unsigned k = 0; k < NR_SUBS; k++) {
        unsigned items = 1 + rnd(f, SUB_ITEMS - 1);

        f->sub_at[k] = f->len;
        for (unsigned i = 0; i < items; i++) {
            f->item_start = true;
            if (k > 0 && rnd(f, 4) == 0) {
                gen_call(f, k);
            } else {
                gen_item(f, rnd(f, 20));
            }
        }
        f->item_start = true;
        if (rnd(f, 3) == 0) {
            emit(f, 0x00018002u | f->sub_link[k] << 7); /* c.jr link ; c.nop */
        } else {
            emit(f, enc_i(0, f->sub_link[k], 0, rnd(f, 2) ? 0 : rd_any(f), 0x67));
        }
    }
    for (unsigned i = 0; i < f->nr_calls; i++) {
        unsigned at = f->call_at[i], sub = f->call_sub[i];

        f->code[at] = enc_j((int32_t)(f->sub_at[sub] - at) * 4, f->sub_link[sub]);
    }
}

/*
 * A loop running its body (items and forward branches, which may leave it) a few times:
 * `li c, k ; body ; addi c, c, -1 ; andi c, c, 7 ; bnez c, body`. The andi bounds the
 * iterations even when a branch from before the loop lands in its body.
 */
static void gen_loop(Fuzz *f)
{
    unsigned c = f->loop_reg, items = 1 + rnd(f, 5), start;

    emit(f, enc_i((int32_t)(1 + rnd(f, 4)), 0, 0, c, 0x13));
    f->item_start = true;
    start = f->len;
    for (unsigned i = 0; i < items; i++) {
        f->item_start = true;
        if (rnd(f, 4) == 0) {
            gen_control(f);
        } else {
            gen_item(f, rnd(f, 20) < 15 ? rnd(f, 15) : 18);
        }
    }
    f->item_start = true;
    emit(f, enc_i(-1, c, 0, c, 0x13));
    emit(f, enc_i(7, c, 7, c, 0x13));
    emit(f, enc_b((int32_t)(start - f->len) * 4, 0, c, 1));
}

static void gen_program(Fuzz *f)
{
    unsigned n = 8 + rnd(f, MAX_INSNS - 16);

    f->len = 0;
    f->nr_fixups = 0;
    f->nr_calls = 0;
    f->limit = MAX_INSNS;
    /* Distinct link registers, ra and t0 (the ABI's) most often. */
    f->own_mask = 0;
    for (unsigned k = 0; k < NR_SUBS; k++) {
        unsigned r;
        do {
            r = rnd(f, 2) ? (rnd(f, 2) ? 1 : 5) : 1 + rnd(f, 31);
        } while (r == REG_BASE || r == REG_ADDR || (f->own_mask >> r & 1));
        f->sub_link[k] = r;
        f->own_mask |= 1u << r;
    }
    do {
        f->loop_reg = 1 + rnd(f, 31);
    } while (f->loop_reg == REG_BASE || f->loop_reg == REG_ADDR ||
             (f->own_mask >> f->loop_reg & 1));
    f->own_mask |= 1u << f->loop_reg;
    while (f->len < n) {
        unsigned kind = rnd(f, 20);

        f->item_start = true;
        if (kind >= 15 && kind < 18 && !(f->with_fp && rnd(f, 3) == 0)) {
            if (rnd(f, 4) == 0) {
                gen_loop(f);
            } else {
                gen_control(f);
            }
        } else {
            gen_item(f, kind < 15 ? kind : kind + 3);
        }
    }
    /* A few nops that jumps may land on, then wfi stops the hart (below M: ecall, which
     * the M handler turns into a wfi in M). */
    for (unsigned i = 0; i < 8; i++) {
        f->item_start = true;
        f->landable[f->len] = true;
        f->code[f->len++] = i < 7 ? 0x00000013
                            : f->priv == RISCV_PRIV_M ? 0x10500073
                                                      : 0x00000073;
    }
    f->main_len = f->len;
    fix_targets(f);
    gen_subroutines(f);
}

/* ---- machines ---- */

static void machine_init(Machine *m)
{
    RiscvBus bus = {.nr_ram = 1};

    m->ram = g_malloc0(RAM_SIZE);
    bus.ram[0] = (RiscvRamWindow){.host = m->ram, .base = RAM_BASE, .size = RAM_SIZE};
    riscv_cpu_init(&m->cpu, 0, RAM_BASE, &bus);
}

/* The M trap handler: step over the (32-bit) trapping instruction and return; an ecall
 * from S or U (the end of a privileged case) instead stops in M with wfi. */
static const uint32_t handler[] = {
    0x342024f3, /* csrr x9, mcause */
    0xff848493, /* addi x9, x9, -8 */
    0x0024b493, /* sltiu x9, x9, 2 */
    0x00049a63, /* bnez x9, stop (+20) */
    0x341024f3, /* csrr x9, mepc */
    0x00448493, /* addi x9, x9, 4 */
    0x34149073, /* csrw mepc, x9 */
    0x30200073, /* mret */
    0x000024b7, /* stop: lui x9, 2 */
    0x80048493, /* addi x9, x9, -2048: MPP = M */
    0x3004a073, /* csrs mstatus, x9 */
    0x00000497, /* auipc x9, 0 */
    0x01048493, /* addi x9, x9, 16 */
    0x34149073, /* csrw mepc, x9 */
    0x30200073, /* mret */
    0x10500073, /* wfi */
};

/* The S trap handler for delegated exceptions: the same step over, with sret. */
static const uint32_t s_handler[] = {
    0x141024f3, /* csrr x9, sepc */
    0x00448493, /* addi x9, x9, 4 */
    0x14149073, /* csrw sepc, x9 */
    0x10200073, /* sret */
};

/* Identity-mapped 4 KiB pages over RAM: code and handlers executable (user code for U),
 * the sandbox with the case's PTE, page tables unmapped. */
static void machine_map(Machine *m, const Fuzz *f)
{
    uint64_t *root = (uint64_t *)(m->ram + PT_OFF), *l1 = root + 512, *l0 = root + 1024;
    uint64_t *root48 = root + 1536, *root57 = root + 2048;
    uint64_t user = f->priv == RISCV_PRIV_U ? RISCV_PTE_U : 0;

    root[2] = ((uint64_t)(RAM_BASE + PT_OFF + 0x1000) >> 12) << 10 | RISCV_PTE_V;
    l1[0] = ((uint64_t)(RAM_BASE + PT_OFF + 0x2000) >> 12) << 10 | RISCV_PTE_V;
    root48[0] = ((uint64_t)(RAM_BASE + PT_OFF) >> 12) << 10 | RISCV_PTE_V;
    root57[0] = ((uint64_t)(RAM_BASE + PT_OFF + 0x3000) >> 12) << 10 | RISCV_PTE_V;
    for (unsigned i = 0; i < RAM_SIZE / 0x1000; i++) {
        uint64_t pa = RAM_BASE + i * 0x1000u, flags;

        if (pa < RAM_BASE + HANDLER_OFF) {
            flags = RISCV_PTE_V | RISCV_PTE_R | RISCV_PTE_X | RISCV_PTE_A | user;
        } else if (pa < RAM_BASE + SANDBOX_OFF) {
            flags = RISCV_PTE_V | RISCV_PTE_R | RISCV_PTE_X | RISCV_PTE_A; /* S handler */
        } else if (pa < RAM_BASE + SANDBOX_OFF + SANDBOX_SIZE) {
            flags = f->sandbox_pte;
        } else {
            continue;
        }
        l0[i] = (pa >> 12) << 10 | flags;
    }
    m->cpu.env.satp = f->satp_mode << RISCV_SATP_MODE_SHIFT |
                      (uint64_t)(RAM_BASE + PT_OFF +
                                 (f->satp_mode == RISCV_SATP_MODE_SV57   ? 0x4000u
                                  : f->satp_mode == RISCV_SATP_MODE_SV48 ? 0x3000u
                                                                         : 0)) >> 12;
}

static void machine_load(Machine *m, const Fuzz *f, const uint64_t *regs, const uint8_t *data)
{
    CPURISCVState *env = &m->cpu.env;

    riscv_cpu_reset(&m->cpu);
    memset(m->ram, 0, RAM_SIZE);
    memcpy(m->ram + CODE_OFF, f->code, f->len * 4);
    memcpy(m->ram + HANDLER_OFF, handler, sizeof(handler));
    memcpy(m->ram + SANDBOX_OFF, data, SANDBOX_SIZE);
    memcpy(env->x, regs, sizeof(env->x));
    memcpy(env->f, f->fregs, sizeof(env->f));
    env->fflags = f->fcsr & 0x1f;
    env->frm = f->fcsr >> 5;
    env->mstatus |= f->fs << RISCV_MSTATUS_FS_SHIFT;
    env->x[0] = 0;
    env->x[REG_BASE] = RAM_BASE + SANDBOX_OFF + SANDBOX_SIZE / 2;
    env->mtvec = RAM_BASE + HANDLER_OFF;
    if (f->priv != RISCV_PRIV_M) {
        memcpy(m->ram + S_HANDLER_OFF, s_handler, sizeof(s_handler));
        machine_map(m, f);
        env->stvec = RAM_BASE + S_HANDLER_OFF;
        env->medeleg = f->medeleg;
        env->mstatus |= f->status_bits;
        env->pmpaddr[0] = UINT64_MAX >> 10; /* NAPOT everything, RWX */
        env->pmpcfg[0] = RISCV_PMP_R | RISCV_PMP_W | RISCV_PMP_X |
                         (RISCV_PMP_NAPOT << RISCV_PMP_A_SHIFT);
        env->priv = f->priv;
    }
}

static void dump_program(const Fuzz *f)
{
    for (unsigned i = 0; i < f->len; i++) {
        RiscvInsn insn;

        riscv_decode(f->code[i], &insn);
        g_test_message("  %08x: %08x %s", RAM_BASE + 4 * i, f->code[i], riscv_op_name(insn.op));
    }
}

static bool compare(const Fuzz *f, guint32 seed)
{
    const CPURISCVState *a = &f->interp.cpu.env, *b = &f->jit.cpu.env;
    bool ok = true;

#define CMP(field, what)                                                                       \
    if (a->field != b->field) {                                                                \
        g_test_message("seed %u: %s: interpreter 0x%" G_GINT64_MODIFIER "x, jit 0x%"          \
                       G_GINT64_MODIFIER "x", seed, what, (uint64_t)a->field,                 \
                       (uint64_t)b->field);                                                   \
        ok = false;                                                                            \
    }
    for (unsigned i = 0; i < 32; i++) {
        g_autofree char *name = g_strdup_printf("x%u", i);
        CMP(x[i], name);
    }
    CMP(pc, "pc");
    CMP(minstret, "minstret");
    CMP(mcycle_offset, "mcycle - minstret");
    CMP(mepc, "mepc");
    CMP(mcause, "mcause");
    CMP(mtval, "mtval");
    CMP(mscratch, "mscratch");
    CMP(mstatus, "mstatus");
    for (unsigned i = 0; i < 32; i++) {
        g_autofree char *name = g_strdup_printf("f%u", i);
        CMP(f[i], name);
    }
    CMP(fflags, "fflags");
    CMP(frm, "frm");
    CMP(priv, "priv");
    CMP(sepc, "sepc");
    CMP(scause, "scause");
    CMP(stval, "stval");
    CMP(sscratch, "sscratch");
#undef CMP
    if (memcmp(f->interp.ram + SANDBOX_OFF, f->jit.ram + SANDBOX_OFF, SANDBOX_SIZE) != 0) {
        g_test_message("seed %u: sandbox memory differs", seed);
        ok = false;
    }
    if (memcmp(f->interp.ram + PT_OFF, f->jit.ram + PT_OFF, PT_SIZE) != 0) {
        g_test_message("seed %u: page tables (A/D bits) differ", seed);
        ok = false;
    }
    return ok;
}

static void run_case(Fuzz *f, guint32 seed)
{
    uint64_t regs[32];
    g_autofree uint8_t *data = g_malloc(SANDBOX_SIZE);
    uint64_t steps;

    g_rand_set_seed(f->rand, seed);
    f->with_fp = rnd(f, 2);
    /* A third of the cases run in S or U mode with paging. */
    f->priv = RISCV_PRIV_M;
    if (rnd(f, 3) == 0) {
        static const uint64_t ptes[] = {
            RISCV_PTE_V | RISCV_PTE_R | RISCV_PTE_W | RISCV_PTE_A | RISCV_PTE_D,
            RISCV_PTE_V | RISCV_PTE_R | RISCV_PTE_W,               /* A/D set by accesses */
            RISCV_PTE_V | RISCV_PTE_R | RISCV_PTE_W | RISCV_PTE_A, /* D set by stores */
            RISCV_PTE_V | RISCV_PTE_R | RISCV_PTE_A,               /* read-only */
            RISCV_PTE_V | RISCV_PTE_X | RISCV_PTE_A,               /* MXR decides */
            RISCV_PTE_V | RISCV_PTE_W,                             /* reserved W without R */
            0,                                                     /* invalid */
        };
        static const uint64_t delegable[] = {1u << 2, 1u << 3, 1u << 5, 1u << 7, 1u << 13,
                                             1u << 15};
        f->priv = rnd(f, 2) ? RISCV_PRIV_S : RISCV_PRIV_U;
        f->satp_mode = RISCV_SATP_MODE_SV39 + rnd(f, 3); /* Sv39, Sv48, Sv57 */
        f->sandbox_pte = ptes[rnd(f, G_N_ELEMENTS(ptes))];
        /* U-mode programs reach the sandbox only through a U page; S ones with SUM. */
        if (rnd(f, 2)) {
            f->sandbox_pte |= RISCV_PTE_U;
        }
        f->medeleg = 0;
        for (unsigned i = 0; i < G_N_ELEMENTS(delegable); i++) {
            f->medeleg |= rnd(f, 2) ? delegable[i] : 0;
        }
        f->status_bits = (rnd(f, 2) ? RISCV_MSTATUS_SUM : 0) | (rnd(f, 2) ? RISCV_MSTATUS_MXR : 0);
    }
    gen_program(f);
    /* FP state: special values of both formats, boxed and unboxed singles; FS mostly on. */
    for (unsigned i = 0; i < 32; i++) {
        static const uint64_t edges[] = {
            UINT64_C(0xffffffff7fc00000), UINT64_C(0xffffffff7f800001),
            UINT64_C(0xffffffff7f800000), UINT64_C(0xffffffff00000001),
            UINT64_C(0xffffffff80000000), UINT64_C(0xffffffff3f800000),
            UINT64_C(0xffffffff4f000000), UINT64_C(0x000000003f800000),
            UINT64_C(0x7ff8000000000000), UINT64_C(0x7ff0000000000001),
            UINT64_C(0x7ff0000000000000), UINT64_C(0x3ff0000000000000),
            UINT64_C(0x0000000000000001), UINT64_C(0x7fefffffffffffff),
            UINT64_C(0x8000000000000000), UINT64_C(0x43e0000000000000),
            /* exact and barely inexact results: small integers, halves, 2^52 + 1, 2^53,
             * the int32 limits (the JIT's exactness checks when NX is clear) */
            UINT64_C(0x4008000000000000), UINT64_C(0xbfe0000000000000),
            UINT64_C(0x4330000000000001), UINT64_C(0x4340000000000000),
            UINT64_C(0xc1e0000000000000), UINT64_C(0x41dfffffffc00000),
            UINT64_C(0xffffffff40400000), UINT64_C(0xffffffffbf000000),
            UINT64_C(0xffffffff4b000001), UINT64_C(0xffffffff4b800000),
        };
        unsigned pick = rnd(f, 4);
        f->fregs[i] = pick == 0   ? edges[rnd(f, G_N_ELEMENTS(edges))]
                      : pick == 1 ? UINT64_C(0xffffffff00000000) | g_rand_int(f->rand)
                                  : (uint64_t)g_rand_int(f->rand) << 32 | g_rand_int(f->rand);
    }
    f->fcsr = rnd(f, 256);
    f->fs = rnd(f, 8) == 0 ? 0 : 1 + rnd(f, 3);
    for (unsigned i = 0; i < 32; i++) {
        static const uint64_t edges[] = {0, 1, UINT64_MAX, INT64_MIN, INT64_MAX, 0x80000000,
                                         0xffffffff, 0x7fffffff, 3, (uint64_t)-5,
                                         (UINT64_C(1) << 53) + 1, UINT64_C(1) << 24 | 1};
        regs[i] = rnd(f, 3) == 0 ? edges[rnd(f, G_N_ELEMENTS(edges))]
                                 : (uint64_t)g_rand_int(f->rand) << 32 | g_rand_int(f->rand);
    }
    for (unsigned i = 0; i < SANDBOX_SIZE; i++) {
        data[i] = (uint8_t)g_rand_int(f->rand);
    }

    machine_load(&f->interp, f, regs, data);
    g_assert_cmpint(riscv_interp_run(&f->interp.cpu, 100000, &steps), ==, RISCV_EXIT_WFI);

    machine_load(&f->jit, f, regs, data);
    tcg_tb_flush(riscv_tcg_jit(f->tcg));
    tcg_tlb_flush(&f->jit.cpu.tcg);
    g_assert_cmpint(riscv_tcg_exec(&f->jit.cpu), ==, TCG_EXEC_HALTED);

    if (!compare(f, seed)) {
        dump_program(f);
        g_error("JIT and interpreter disagree; rerun with HULL_FUZZ_SEED=%u", seed);
    }
}

static void test_differential(void)
{
    const char *seed_env = g_getenv("HULL_FUZZ_SEED");
    bool is_long = g_strcmp0(g_getenv("HULL_FUZZ_LONG"), "1") == 0;
    guint32 first = seed_env ? (guint32)g_ascii_strtoull(seed_env, NULL, 0) : 1;
    unsigned cases = seed_env && !is_long ? 1 : (is_long ? 200000 : 1500);
    g_autoptr(GError) err = NULL;
    Fuzz *f = g_new0(Fuzz, 1);

    g_test_message("differential fuzz: %u cases from seed %u", cases, first);
    machine_init(&f->interp);
    machine_init(&f->jit);
    f->rand = g_rand_new();
    f->tcg = riscv_tcg_new(1, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(riscv_tcg_attach(f->tcg, &f->jit.cpu, &err));

    for (unsigned i = 0; i < cases; i++) {
        run_case(f, first + i);
    }

    riscv_tcg_free(f->tcg);
    g_rand_free(f->rand);
    g_free(f->interp.ram);
    g_free(f->jit.ram);
    g_free(f);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/riscv/fuzz/jit-vs-interp", test_differential);
    return g_test_run();
}
