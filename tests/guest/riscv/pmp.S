/* Physical memory protection: NA4, TOR and NAPOT entries, priority of the lowest-numbered
 * match, S/U refused without a match, M unaffected unless locked, execute permission
 * withdrawn from code that already ran, and a 4-byte entry inside an otherwise writable
 * page. */
#include "test.h"
#include "priv.h"

#define CFG_R 0x01
#define CFG_W 0x02
#define CFG_X 0x04
#define CFG_TOR 0x08
#define CFG_NA4 0x10
#define CFG_NAPOT 0x18
#define CFG_L 0x80

/* entry 0: NA4 on word_ro (R); entry 1: base of entry 2; entry 2: TOR over nox_page with
 * `perm`; entry 3: NAPOT everything RWX. */
#define PMP_CFG(perm) ((CFG_NAPOT | CFG_R | CFG_W | CFG_X) << 24 | (CFG_TOR | (perm)) << 16 | \
    (CFG_NA4 | CFG_R))

    .data
    .align 12
words:
    .dword 0
word_ro:
    .word 0x600d
    .word 0
    .dword 0

    .text
    .globl run_tests
run_tests:
    mv s0, ra
    PRIV_SETUP
    la t0, word_ro
    srli t0, t0, 2
    csrw pmpaddr0, t0
    la t0, nox_page
    srli t0, t0, 2
    csrw pmpaddr1, t0
    la t0, nox_end
    srli t0, t0, 2
    csrw pmpaddr2, t0
    li t0, -1
    csrw pmpaddr3, t0
    li t0, PMP_CFG(CFG_R | CFG_W | CFG_X)
    csrw pmpcfg0, t0
    csrr a0, pmpcfg0
    CHECK(a0, PMP_CFG(CFG_R | CFG_W | CFG_X))

    /* The NA4 word is read-only for S; its neighbours in the page are writable. */
    TEST(1)
    ENTER(MODE_S, s_load_ro, 1f)
1:  CHECK(s2, 9)
    CHECK(a0, 0x600d)
    TEST(2)
    ENTER(MODE_S, s_store_neighbours, 1f)
1:  CHECK(s2, 9)
    la t0, words
    ld a0, 0(t0)
    CHECK(a0, 0x11)
    ld a0, 16(t0)
    CHECK(a0, 0x22)
    TEST(3)
    ENTER(MODE_S, s_store_ro, 1f)
1:  CHECK(s2, 7)
    la t0, word_ro
    bne s3, t0, fail
    lw a0, 0(t0)
    CHECK(a0, 0x600d)
    /* A doubleword covering the NA4 word only partly matches it: refused. */
    ENTER(MODE_S, s_load_across, 1f)
1:  CHECK(s2, 5)

    /* M is not bound by unlocked entries. */
    TEST(4)
    la t0, word_ro
    li t1, 0x600d
    sw t1, 0(t0)

    /* Code in the TOR range runs while X is granted, and faults once it is withdrawn. */
    TEST(5)
    ENTER(MODE_S, s_call_nox, 1f)
1:  CHECK(s2, 9)
    CHECK(a0, 0x42)
    li t0, PMP_CFG(CFG_R | CFG_W)
    csrw pmpcfg0, t0
    la a1, nox_page
    ENTER(MODE_S, s_call_nox, 1f)
1:  CHECK(s2, 1)
    bne s3, a1, fail
    /* U too; and U still reads it. */
    ENTER(MODE_U, u_load_nox, 1f)
1:  CHECK(s2, 8)
    la t0, nox_page
    lw a1, 0(t0)
    bne a0, a1, fail

    /* Without a matching entry S and U may do nothing: the first fetch faults. */
    TEST(6)
    li t0, PMP_CFG(CFG_R | CFG_W) & 0xffffff
    csrw pmpcfg0, t0
    ENTER(MODE_S, s_load_ro, 1f)
1:  CHECK(s2, 1)
    la t0, s_load_ro
    bne s3, t0, fail
    li t0, PMP_CFG(CFG_R | CFG_W)
    csrw pmpcfg0, t0

    /* A locked entry binds M too, and ignores later writes. */
    TEST(7)
    li t0, PMP_CFG(CFG_R | CFG_W) | CFG_L
    csrw pmpcfg0, t0
    CLEAR_RECORD
    la s5, 1f
    la t0, word_ro
    sw t0, 0(t0)
1:  CHECK(s2, 7)
    csrw pmpaddr0, zero
    csrr a0, pmpaddr0
    la t0, word_ro
    srli t0, t0, 2
    bne a0, t0, fail
    csrw pmpcfg0, zero
    csrr a0, pmpcfg0
    CHECK(a0, CFG_L | CFG_NA4 | CFG_R)

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

s_load_ro:
    la t1, word_ro
    lw a0, 0(t1)
    ecall
s_store_neighbours:
    la t1, words
    li t2, 0x11
    sd t2, 0(t1)
    li t2, 0x22
    sd t2, 16(t1)
    ecall
s_store_ro:
    la t1, word_ro
    sw t1, 0(t1)
    ecall
s_load_across:
    la t1, word_ro
    ld a0, -4(t1)
    ecall
s_call_nox:
    la t1, nox_page
    jr t1
u_load_nox:
    la t1, nox_page
    lw a0, 0(t1)
    ecall

    .align 12
nox_page:
    li a0, 0x42
    ecall
    .align 12
nox_end:
