/* Virtual memory: Sv39, Sv48 and Sv57 walks, A/D updates, page-fault causes and tval,
 * permission rules (R/W/X, U with SUM, MXR), superpages (aligned and misaligned),
 * non-canonical addresses, MPRV, delegated page faults, and code whose mapping changes
 * (sfence.vma) running the new code. */
#include "test.h"
#include "priv.h"

#define PTE_V 0x01
#define PTE_R 0x02
#define PTE_W 0x04
#define PTE_X 0x08
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80
#define SATP_SV39 (8 << 60)
#define SATP_SV48 (9 << 60)
#define SATP_SV57 (10 << 60)

/* table[idx] = PTE for the physical address of symbol `phys` (a page) with flags. */
#define SET_PTE(table, idx, phys, flags) \
    la t0, table; la t1, phys; srli t1, t1, 12; slli t1, t1, 10; ori t1, t1, flags; \
    sd t1, (idx) * 8(t0)

/* Runs `code` in S mode; checks what it left in a0 after its ecall. */
#define IN_S(code, expect) ENTER(MODE_S, code, 1f); 1: CHECK(s2, 9); CHECK(a0, expect)
/* Runs `code` in `mode`, expecting it to fault with cause and tval. */
#define FAULTS(mode, code, cause, tval) ENTER(mode, code, 1f); 1: CHECK(s2, cause); CHECK(s3, tval)

    .data
    .align 12
root:  .fill 512, 8, 0
l1:    .fill 512, 8, 0
l0:    .fill 512, 8, 0
root48: .fill 512, 8, 0
root57: .fill 512, 8, 0
data0: .dword 0x1122334455667788
       .dword 0
       .fill 510, 8, 0
data1: .dword 0x5a5a5a5a
       .fill 511, 8, 0
magic: .dword 0x0123456789abcdef

    .text
    .globl run_tests
run_tests:
    mv s0, ra
    PRIV_SETUP
    /* root[2]: 1 GiB identity map of 0x80000000 (S, RWX, A, D): the test's own code. */
    la t0, root
    li t1, (0x80000000 >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    sd t1, 2 * 8(t0)
    SET_PTE(root, 1, l1, PTE_V)          /* 0x40000000: through l1 */
    SET_PTE(l1, 0, l0, PTE_V)            /* 0x40000000 - 0x401fffff: through l0 */
    SET_PTE(l0, 0, data0, PTE_V | PTE_R | PTE_W)           /* A, D clear */
    SET_PTE(l0, 2, data1, PTE_V | PTE_R | PTE_A)           /* read-only */
    SET_PTE(l0, 3, data0, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)
    SET_PTE(l0, 4, code_a, PTE_V | PTE_X | PTE_A)          /* execute-only */
    SET_PTE(l0, 5, code_a, PTE_V | PTE_X | PTE_U | PTE_A)  /* user code */
    SET_PTE(l0, 6, code_a, PTE_V | PTE_X | PTE_A)          /* remapped later */
    SET_PTE(l0, 7, code_u, PTE_V | PTE_X | PTE_U | PTE_A)
    SET_PTE(l1, 1, data0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D) /* misaligned 2 MiB */
    la t0, l1                                               /* 2 MiB at 0x80000000 */
    li t1, (0x80000000 >> 12) << 10 | PTE_V | PTE_R | PTE_A
    sd t1, 2 * 8(t0)
    SET_PTE(root48, 0, root, PTE_V)
    SET_PTE(root48, 1, root, PTE_V)
    SET_PTE(root48, 128, root, PTE_V) /* placeholder, moved to entry 256 below */
    ld t1, 128 * 8(t0)                /* entry 256 is beyond a 12-bit offset */
    sd zero, 128 * 8(t0)
    addi t0, t0, 1024
    sd t1, 1024(t0)                   /* root48[256]: only reachable in Sv57 (VA bit 47) */
    SET_PTE(root57, 0, root48, PTE_V)
    la t0, root
    srli t0, t0, 12
    li t1, SATP_SV39
    or t0, t0, t1
    csrw satp, t0
    sfence.vma

    /* A load sets A only; a store sets D. */
    TEST(1)
    IN_S(s_load_0, 0x1122334455667788)
    la t0, l0
    ld a1, 0(t0)
    andi a2, a1, PTE_A
    CHECK(a2, PTE_A)
    andi a2, a1, PTE_D
    CHECK(a2, 0)
    TEST(2)
    IN_S(s_store_0, 0)
    la t0, data0
    ld a1, 8(t0)
    CHECK(a1, 0x77)
    la t0, l0
    ld a1, 0(t0)
    andi a2, a1, PTE_D
    CHECK(a2, PTE_D)

    /* Faults: unmapped, store to read-only, with the virtual address in mtval. */
    TEST(3)
    FAULTS(MODE_S, s_load_unmapped, 13, 0x40001000)
    TEST(4)
    FAULTS(MODE_S, s_store_ro, 15, 0x40002004)
    IN_S(s_load_ro, 0x5a5a5a5a)

    /* U pages from S: only with SUM, and never executable. */
    TEST(5)
    FAULTS(MODE_S, s_load_user, 13, 0x40003000)
    li t0, MSTATUS_SUM
    csrs mstatus, t0
    IN_S(s_load_user, 0x1122334455667788)
    TEST(6)
    FAULTS(MODE_S, s_call_user_code, 12, 0x40005000)
    li t0, MSTATUS_SUM
    csrc mstatus, t0

    /* U runs user code, and cannot touch S pages. */
    TEST(7)
    ENTER(MODE_U, 0x40005000, 1f)
1:  CHECK(s2, 8)
    CHECK(a0, 0xa)
    TEST(8)
    FAULTS(MODE_U, 0x40007000, 13, 0x40000000)

    /* Execute-only: loads fault unless MXR; fetches work. */
    TEST(9)
    FAULTS(MODE_S, s_load_xonly, 13, 0x40004000)
    li t0, MSTATUS_MXR
    csrs mstatus, t0
    la t0, code_a
    lw a3, 0(t0)
    ENTER(MODE_S, s_load_xonly, 1f)
1:  CHECK(s2, 9)
    bne a0, a3, fail
    li t0, MSTATUS_MXR
    csrc mstatus, t0
    TEST(10)
    IN_S(s_call_xonly, 0xa)

    /* A page remapped to other code: after sfence.vma the new code runs. */
    TEST(11)
    IN_S(s_call_alias, 0xa)
    SET_PTE(l0, 6, code_b, PTE_V | PTE_X | PTE_A)
    IN_S(s_sfence_call_alias, 0xb)
    SET_PTE(l0, 6, code_a, PTE_V | PTE_X | PTE_A)
    IN_S(s_sfence_call_alias, 0xa)

    /* Superpages: a misaligned one faults, an aligned 2 MiB one maps. */
    TEST(12)
    FAULTS(MODE_S, s_load_misaligned_super, 13, 0x40200000)
    TEST(13)
    la t0, magic
    li t1, 0x80000000
    sub a4, t0, t1
    IN_S(s_load_super, 0x0123456789abcdef)

    /* MPRV: M-mode loads and stores translated as MPP's. */
    TEST(14)
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, (MODE_S << 11) | MSTATUS_MPRV
    csrs mstatus, t0
    li t1, 0x40000000
    ld a0, 0(t1)
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK(a0, 0x1122334455667788)
    /* MPP = U: the S page faults, in M. */
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV
    csrs mstatus, t0
    CLEAR_RECORD
    la s5, 1f
    li t1, 0x40000000
    ld a0, 0(t1)
1:  li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK(s2, 13)
    CHECK(s3, 0x40000000)

    /* Sv39 addresses must be sign-extended from bit 38. */
    TEST(15)
    FAULTS(MODE_S, s_load_noncanonical, 13, 0x8040000000)

    /* Page faults delegated to S: scause/stval. */
    TEST(16)
    li t0, 1 << 13
    csrw medeleg, t0
    ENTER(MODE_S, s_load_unmapped, 1f)
1:  CHECK(s7, 13)
    CHECK(s8, 0x40001000)
    csrw medeleg, zero

    /* Sv48: the same tables one level down; 0x8040000000 is now canonical. */
    TEST(17)
    la t0, root48
    srli t0, t0, 12
    li t1, SATP_SV48
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    IN_S(s_load_0, 0x1122334455667788)
    IN_S(s_load_noncanonical, 0x1122334455667788)
    FAULTS(MODE_S, s_load_unmapped, 13, 0x40001000)
    li t0, 0x0000800000000000 /* bit 47 set, upper clear: not canonical */
    mv a4, t0
    FAULTS(MODE_S, s_load_a4, 13, 0x0000800000000000)

    /* Sv57: one more level; bit 47 is an index bit now, bit 56 the sign. */
    TEST(18)
    la t0, root57
    srli t0, t0, 12
    li t1, SATP_SV57
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
    IN_S(s_load_0, 0x1122334455667788)
    li a4, 0x0000800040000000
    IN_S(s_load_a4, 0x1122334455667788)
    li a4, 0x0100000000000000 /* bit 56 set, upper clear: not canonical */
    FAULTS(MODE_S, s_load_a4, 13, 0x0100000000000000)

    /* Bare again: S sees physical memory. */
    TEST(19)
    csrw satp, zero
    la a4, magic
    IN_S(s_load_a4, 0x0123456789abcdef)

    la t0, unexpected
    csrw mtvec, t0
    li t0, MSTATUS_MPP
    csrs mstatus, t0
    mv ra, s0
    ret

unexpected:
    li t0, 0x8000
    or gp, gp, t0
    j fail

    PRIV_HANDLERS

/* ---- S and U code ---- */
s_load_0:
    li t1, 0x40000000
    ld a0, 0(t1)
    ecall
s_store_0:
    li t1, 0x40000000
    li t2, 0x77
    sd t2, 8(t1)
    li a0, 0
    ecall
s_load_unmapped:
    li t1, 0x40001000
    ld a0, 0(t1)
    ecall
s_store_ro:
    li t1, 0x40002000
    sw t1, 4(t1)
    ecall
s_load_ro:
    li t1, 0x40002000
    lw a0, 0(t1)
    ecall
s_load_user:
    li t1, 0x40003000
    ld a0, 0(t1)
    ecall
s_call_user_code:
    li t1, 0x40005000
    jr t1
s_load_xonly:
    li t1, 0x40004000
    lw a0, 0(t1)
    ecall
s_call_xonly:
    li t1, 0x40004000
    jr t1
s_call_alias:
    li t1, 0x40006000
    jr t1
s_sfence_call_alias:
    sfence.vma
    li t1, 0x40006000
    jr t1
s_load_misaligned_super:
    li t1, 0x40200000
    ld a0, 0(t1)
    ecall
s_load_super:
    li t1, 0x40400000
    add t1, t1, a4
    ld a0, 0(t1)
    ecall
s_load_noncanonical:
    li t1, 0x8040000000
    ld a0, 0(t1)
    ecall
s_load_a4:
    ld a0, 0(a4)
    ecall

    .align 12
code_a:
    li a0, 0xa
    ecall
    .align 12
code_b:
    li a0, 0xb
    ecall
    .align 12
code_u: /* at 0x40007000 for U: loads from an S page */
    li t1, 0x40000000
    ld a0, 0(t1)
    ecall
    .align 12
