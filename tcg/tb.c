/*
 * The translation-block cache: JIT instances, TB allocation in the code buffer, lookup by
 * (physical pc, pc, flags), direct chaining, invalidation by physical page, and flush.
 */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tcg/jit.h"
#include "tcg/tcg-internal.h"
#include "util/error.h"
#include "util/log.h"

#define TB_ALIGN 16
#define TB_HASH_MIN_BITS 10
#define TB_DEFAULT_MAX_INSNS 512

struct TCGJit {
    TCGFrontend fe;
    TCGJitOptions opts;
    TCGCodeBuffer cb;
    TCGRuntime rt;
    uintptr_t (*prologue)(void *env, const void *code);
    size_t code_start; /* first byte after the prologue */

    GMutex lock; /* TB cache, code buffer, chaining, page lists, cpu list */
    TranslationBlock **hash;
    uint32_t hash_bits;
    uint32_t nb_tbs;
    TranslationBlock **tbs; /* in code-buffer order: host pc -> TB */
    uint32_t nb_tbs_ordered, tbs_cap;
    GHashTable *pages;      /* physical page -> tagged head of its TB list */
    GPtrArray *cpus;        /* TCGCPUCommon * */
    TCGJitStats stats;

    /* Flush protocol (see tcg_tb_flush): vCPUs in generated code, and a generation that
     * changes with every flush. */
    int running;
    int flush_pending;
    uint64_t flush_gen;

    /* Translation log (tcg_jit_set_log): checked without the lock through log_on. */
    GMutex log_lock;
    int log_on;
    FILE *log;
    uint64_t log_start, log_end;
    unsigned log_items;
};

const TCGRuntime *tcg_jit_runtime(TCGJit *jit)
{
    return &jit->rt;
}

unsigned tcg_jit_max_insns(TCGJit *jit)
{
    return jit->opts.max_insns;
}

const TCGFrontend *tcg_jit_frontend(TCGJit *jit)
{
    return &jit->fe;
}

static uint32_t tb_hash(uint64_t phys_pc, uint64_t pc, uint32_t flags)
{
    uint64_t h = phys_pc * UINT64_C(0x9e3779b97f4a7c15);
    h ^= (pc + flags) * UINT64_C(0xc2b2ae3d27d4eb4f);
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static void jit_reset_cache(TCGJit *jit)
{
    memset(jit->hash, 0, sizeof(TranslationBlock *) << jit->hash_bits);
    jit->nb_tbs = 0;
    g_hash_table_remove_all(jit->pages);
    jit->cb.used = jit->code_start;
    jit->stats.code_buffer_used = jit->cb.used;
    /* Each vCPU empties its own jump cache when it sees the new flush generation. */
}

TCGJit *tcg_jit_new(const TCGFrontend *fe, const TCGJitOptions *opts, GError **errp)
{
    g_autofree TCGJit *jit = g_new0(TCGJit, 1);
    size_t epilogue, lookup_miss;

    jit->fe = *fe;
    if (opts) {
        jit->opts = *opts;
    }
    if (!jit->opts.max_insns) {
        jit->opts.max_insns = TB_DEFAULT_MAX_INSNS;
    }
    if (fe->common_offset > INT32_MAX / 2) {
        hull_error_setg(errp, "front end %s: CPU state offset too large", fe->name);
        return NULL;
    }
    if (!tcg_code_buffer_init(&jit->cb, jit->opts.code_size, errp)) {
        return NULL;
    }
    int n = tcg_backend_gen_prologue(jit->cb.rw, jit->cb.rx, jit->cb.size,
                                     fe->has_pinned_global ? fe->pinned_global_offset : -1,
                                     &epilogue, &lookup_miss);
    g_assert(n > 0);
    jit->prologue = (uintptr_t(*)(void *, const void *))(uintptr_t)jit->cb.rx;
    jit->rt.epilogue_rx = jit->cb.rx + epilogue;
    jit->rt.lookup_miss_rx = jit->cb.rx + lookup_miss;
    jit->rt.lookup_tb_ptr = (const void *)tcg_helper_lookup_tb_ptr;
    jit->rt.load_slow = (const void *)fe->load_slow;
    jit->rt.store_slow = (const void *)fe->store_slow;
    jit->code_start = ((size_t)n + TB_ALIGN - 1) & ~(size_t)(TB_ALIGN - 1);

    g_mutex_init(&jit->lock);
    g_mutex_init(&jit->log_lock);
    jit->hash_bits = TB_HASH_MIN_BITS;
    jit->hash = g_new0(TranslationBlock *, (size_t)1 << jit->hash_bits);
    jit->pages = g_hash_table_new(g_int64_hash, g_int64_equal);
    jit->cpus = g_ptr_array_new();
    jit->stats.code_buffer_size = jit->cb.size;
    jit_reset_cache(jit);
    hull_debug("tcg", "JIT for %s: %zu MiB code buffer", fe->name, jit->cb.size >> 20);
    return g_steal_pointer(&jit);
}

void tcg_jit_free(TCGJit *jit)
{
    if (!jit) {
        return;
    }
    g_assert(jit->cpus->len == 0);
    tcg_code_buffer_destroy(&jit->cb);
    g_hash_table_destroy(jit->pages);
    g_ptr_array_free(jit->cpus, true);
    g_free(jit->hash);
    g_free(jit->tbs);
    g_mutex_clear(&jit->lock);
    if (jit->log) {
        fclose(jit->log);
    }
    g_mutex_clear(&jit->log_lock);
    g_free(jit);
}

bool tcg_jit_set_log(TCGJit *jit, const char *path, uint64_t start, uint64_t end,
                     unsigned items, GError **errp)
{
    FILE *f = NULL;

    if (path) {
        if (start >= end) {
            return hull_error_setg(errp, "the log range 0x%" G_GINT64_MODIFIER "x..0x%"
                                   G_GINT64_MODIFIER "x is empty", start, end);
        }
        f = fopen(path, "ae");
        if (!f) {
            return hull_error_setg(errp, "%s: %s", path, g_strerror(errno));
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    g_mutex_lock(&jit->log_lock);
    if (jit->log) {
        fclose(jit->log);
    }
    jit->log = f;
    jit->log_start = start;
    jit->log_end = end;
    jit->log_items = items;
    __atomic_store_n(&jit->log_on, f != NULL, __ATOMIC_RELEASE);
    g_mutex_unlock(&jit->log_lock);
    return true;
}

void tcg_jit_log_tb(TCGJit *jit, TCGContext *s, void *env, const TranslationBlock *tb)
{
    if (!__atomic_load_n(&jit->log_on, __ATOMIC_ACQUIRE)) {
        return;
    }
    g_mutex_lock(&jit->log_lock);
    if (jit->log && tb->pc - tb->below < jit->log_end && tb->pc + tb->size > jit->log_start) {
        FILE *f = jit->log;

        fprintf(f, "---- TB pc 0x%" PRIx64 " (phys 0x%" PRIx64 ") flags 0x%x: %u guest "
                "instructions, %u bytes -> %u host bytes\n", tb->pc, tb->phys_pc, tb->flags,
                tb->nb_insns, tb->below + tb->size, tb->tc_size);
        if (jit->log_items & TCG_LOG_IN_ASM) {
            /* In translation order, one instruction at a time: a block that followed
             * jumps is not one contiguous range. */
            fprintf(f, "IN:\n");
            for (uint32_t i = 0; i < s->nb_insns; i++) {
                g_autofree char *text = jit->fe.disas_guest
                                            ? jit->fe.disas_guest(env, s->insn_data[i][0], 1)
                                            : NULL;

                fputs(text ? text : "  (no guest disassembler)\n", f);
                if (!jit->fe.disas_guest) {
                    break;
                }
            }
        }
        if (jit->log_items & TCG_LOG_OP) {
            g_autofree char *text = tcg_dump_ops(s);

            fprintf(f, "OP (after optimization):\n%s", text);
        }
        if (jit->log_items & TCG_LOG_OUT_ASM) {
            g_autofree char *text = tcg_tb_disas(tb);

            fprintf(f, "OUT:\n%s", text);
        }
        fputc('\n', f);
        fflush(f);
    }
    g_mutex_unlock(&jit->log_lock);
}

void tcg_jit_get_stats(TCGJit *jit, TCGJitStats *stats)
{
    g_mutex_lock(&jit->lock);
    *stats = jit->stats;
    g_mutex_unlock(&jit->lock);
}

/* ---- lookup ---- */

static TranslationBlock *tb_lookup_locked(TCGJit *jit, uint64_t pc, uint64_t phys_pc,
                                          uint32_t flags)
{
    uint32_t h = tb_hash(phys_pc, pc, flags) & ((1u << jit->hash_bits) - 1);

    for (TranslationBlock *tb = jit->hash[h]; tb; tb = tb->hash_next) {
        if (tb->pc == pc && tb->phys_pc == phys_pc && tb->flags == flags) {
            return tb;
        }
    }
    return NULL;
}

TranslationBlock *tcg_tb_lookup(TCGJit *jit, uint64_t pc, uint64_t phys_pc, uint32_t flags)
{
    g_mutex_lock(&jit->lock);
    TranslationBlock *tb = tb_lookup_locked(jit, pc, phys_pc, flags);
    g_mutex_unlock(&jit->lock);
    return tb;
}

static void tb_hash_insert(TCGJit *jit, TranslationBlock *tb)
{
    if (jit->nb_tbs + 1 > (2u << jit->hash_bits)) {
        /* Keep chains short: rehash into twice the buckets. */
        uint32_t old_size = 1u << jit->hash_bits;
        TranslationBlock **old = jit->hash;
        jit->hash_bits++;
        jit->hash = g_new0(TranslationBlock *, (size_t)1 << jit->hash_bits);
        for (uint32_t i = 0; i < old_size; i++) {
            TranslationBlock *t = old[i];
            while (t) {
                TranslationBlock *next = t->hash_next;
                uint32_t h = tb_hash(t->phys_pc, t->pc, t->flags) & ((1u << jit->hash_bits) - 1);
                t->hash_next = jit->hash[h];
                jit->hash[h] = t;
                t = next;
            }
        }
        g_free(old);
    }
    uint32_t h = tb_hash(tb->phys_pc, tb->pc, tb->flags) & ((1u << jit->hash_bits) - 1);
    tb->hash_next = jit->hash[h];
    jit->hash[h] = tb;
    jit->nb_tbs++;
}

static void tb_hash_remove(TCGJit *jit, TranslationBlock *tb)
{
    uint32_t h = tb_hash(tb->phys_pc, tb->pc, tb->flags) & ((1u << jit->hash_bits) - 1);

    for (TranslationBlock **p = &jit->hash[h]; *p; p = &(*p)->hash_next) {
        if (*p == tb) {
            *p = tb->hash_next;
            jit->nb_tbs--;
            return;
        }
    }
}

TranslationBlock *tcg_tb_find_by_host_pc(TCGJit *jit, uintptr_t host_pc)
{
    TranslationBlock *found = NULL;

    g_mutex_lock(&jit->lock);
    /* TBs are laid out in increasing address order until the next flush. */
    uint32_t lo = 0, hi = jit->nb_tbs_ordered;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        TranslationBlock *tb = jit->tbs[mid];
        uintptr_t start = (uintptr_t)tb->tc_ptr;
        if (host_pc < start) {
            hi = mid;
        } else if (host_pc >= start + tb->tc_size) {
            lo = mid + 1;
        } else {
            found = tb;
            break;
        }
    }
    g_mutex_unlock(&jit->lock);
    return found;
}

/* ---- physical pages ---- */

static uintptr_t page_list_head(TCGJit *jit, uint64_t page)
{
    return (uintptr_t)g_hash_table_lookup(jit->pages, &page);
}

static void page_list_set(TCGJit *jit, uint64_t *key, uintptr_t head)
{
    if (head) {
        g_hash_table_insert(jit->pages, key, (gpointer)head);
    } else {
        g_hash_table_remove(jit->pages, key);
    }
}

/* Keys live in the TB (phys_pc and phys_page2 masked copies). */
static uint64_t *tb_page_key(TranslationBlock *tb, unsigned k)
{
    return k == 0 ? &tb->page_addr[0] : &tb->page_addr[1];
}

static void tb_page_add(TCGJit *jit, TranslationBlock *tb, unsigned k)
{
    uint64_t *key = tb_page_key(tb, k);
    uintptr_t head = page_list_head(jit, *key);

    if (!head && jit->fe.code_page_added) {
        jit->fe.code_page_added(jit->fe.opaque, *key);
    }
    tb->page_next[k] = head;
    /* The table keeps a pointer to the key: re-insert with this TB's copy. */
    g_hash_table_remove(jit->pages, key);
    page_list_set(jit, key, (uintptr_t)tb | k);
}

static void tb_page_remove(TCGJit *jit, TranslationBlock *tb, unsigned k)
{
    uint64_t page = *tb_page_key(tb, k);
    uintptr_t head = page_list_head(jit, page);
    uintptr_t *link = &head;

    while (*link) {
        TranslationBlock *t = (TranslationBlock *)(*link & ~(uintptr_t)1);
        unsigned tk = *link & 1;
        if (t == tb && tk == k) {
            *link = tb->page_next[k];
            break;
        }
        link = &t->page_next[tk];
    }
    g_hash_table_remove(jit->pages, &page);
    if (head) {
        TranslationBlock *first = (TranslationBlock *)(head & ~(uintptr_t)1);
        page_list_set(jit, tb_page_key(first, head & 1), head);
    }
}

bool tcg_tb_page_has_code(TCGJit *jit, uint64_t phys_addr)
{
    uint64_t page = phys_addr & TCG_PAGE_MASK;

    g_mutex_lock(&jit->lock);
    bool has = page_list_head(jit, page) != 0;
    g_mutex_unlock(&jit->lock);
    return has;
}

/* ---- chaining ---- */

static void tb_reset_jump(TCGJit *jit, TranslationBlock *tb, unsigned slot)
{
    const uint8_t *rx = tb->tc_ptr;
    tcg_backend_patch_jump(tcg_code_rw(&jit->cb, rx + tb->jmp_insn_offset[slot]),
                           rx + tb->jmp_insn_offset[slot], rx + tb->jmp_reset_offset[slot]);
    tb->jmp_dest[slot] = NULL;
}

void tcg_tb_add_jump(TCGJit *jit, TranslationBlock *tb, unsigned slot, TranslationBlock *dest)
{
    tcg_tb_add_jump_gen(jit, tb, slot, dest, tcg_jit_flush_gen(jit));
}

void tcg_tb_add_jump_gen(TCGJit *jit, TranslationBlock *tb, unsigned slot,
                         TranslationBlock *dest, uint64_t gen)
{
    g_assert(slot < 2);
    if (jit->opts.no_chaining || tb->jmp_insn_offset[slot] == UINT16_MAX) {
        return;
    }
    if (!((tb->flags & TCG_TB_FLAG_PHYS) && (dest->flags & TCG_TB_FLAG_PHYS)) &&
        (tb->pc & TCG_PAGE_MASK) != (dest->pc & TCG_PAGE_MASK)) {
        return;
    }
    /* A self-loop slot keeps globals in registers: it may only jump to its own loop head. */
    if (tb->jmp_loop_offset[slot] != UINT16_MAX && dest != tb) {
        return;
    }
    g_mutex_lock(&jit->lock);
    /* A flush since the caller found both blocks would make them dangling. */
    if (jit->flush_gen == gen && !tb->invalid && !dest->invalid && !tb->jmp_dest[slot]) {
        const uint8_t *rx = tb->tc_ptr;
        const uint8_t *target = tb->jmp_loop_offset[slot] != UINT16_MAX
                                    ? rx + tb->jmp_loop_offset[slot]
                                    : dest->tc_ptr;
        tcg_backend_patch_jump(tcg_code_rw(&jit->cb, rx + tb->jmp_insn_offset[slot]),
                               rx + tb->jmp_insn_offset[slot], target);
        tb->jmp_dest[slot] = dest;
        tb->jmp_next[slot] = dest->jmp_list_head;
        dest->jmp_list_head = (uintptr_t)tb | slot;
        jit->stats.chained_jumps++;
    }
    g_mutex_unlock(&jit->lock);
}

/* Removes (tb, slot) from dest's list of incoming jumps. */
static void tb_remove_incoming(TranslationBlock *dest, TranslationBlock *tb, unsigned slot)
{
    uintptr_t *link = &dest->jmp_list_head;

    while (*link) {
        TranslationBlock *t = (TranslationBlock *)(*link & ~(uintptr_t)1);
        unsigned ts = *link & 1;
        if (t == tb && ts == slot) {
            *link = tb->jmp_next[slot];
            return;
        }
        link = &t->jmp_next[ts];
    }
}

static void tb_invalidate_locked(TCGJit *jit, TranslationBlock *tb)
{
    if (tb->invalid) {
        return;
    }
    tb->invalid = true;
    tb_hash_remove(jit, tb);
    tb_page_remove(jit, tb, 0);
    if (tb->phys_page2 != UINT64_MAX) {
        tb_page_remove(jit, tb, 1);
    }
    for (guint i = 0; i < jit->cpus->len; i++) {
        TCGCPUCommon *cpu = g_ptr_array_index(jit->cpus, i);
        TranslationBlock **slot = &cpu->jmp_cache[tcg_jmp_cache_hash(tb->pc)];
        if (__atomic_load_n(slot, __ATOMIC_RELAXED) == tb) {
            __atomic_store_n(slot, NULL, __ATOMIC_RELAXED);
        }
    }
    /* Blocks jumping here fall back to their exit path. */
    uintptr_t in = tb->jmp_list_head;
    while (in) {
        TranslationBlock *src = (TranslationBlock *)(in & ~(uintptr_t)1);
        unsigned slot = in & 1;
        in = src->jmp_next[slot];
        tb_reset_jump(jit, src, slot);
    }
    tb->jmp_list_head = 0;
    for (unsigned slot = 0; slot < 2; slot++) {
        if (tb->jmp_dest[slot]) {
            tb_remove_incoming(tb->jmp_dest[slot], tb, slot);
            tb->jmp_dest[slot] = NULL;
        }
    }
    jit->stats.invalidations++;
}

static bool tb_overlaps(const TranslationBlock *tb, unsigned k, uint64_t start, uint64_t end)
{
    uint64_t first_len = MIN((uint64_t)tb->size, TCG_PAGE_SIZE - (tb->pc & ~TCG_PAGE_MASK));
    uint64_t lo, hi;

    if (k == 0) {
        lo = tb->phys_pc - tb->below;
        hi = tb->phys_pc + first_len;
    } else {
        lo = tb->phys_page2;
        hi = lo + (tb->size - first_len);
    }
    return lo < end && start < hi;
}

void tcg_tb_invalidate_phys_range(TCGJit *jit, uint64_t start, uint64_t end)
{
    if (end <= start) {
        return;
    }
    g_mutex_lock(&jit->lock);
    for (uint64_t page = start & TCG_PAGE_MASK; page < end; page += TCG_PAGE_SIZE) {
        uintptr_t it = page_list_head(jit, page);
        while (it) {
            TranslationBlock *tb = (TranslationBlock *)(it & ~(uintptr_t)1);
            unsigned k = it & 1;
            it = tb->page_next[k];
            if (tb_overlaps(tb, k, start, end)) {
                tb_invalidate_locked(jit, tb);
            }
        }
        if (page + TCG_PAGE_SIZE < page) {
            break; /* wrapped at the top of the address space */
        }
    }
    g_mutex_unlock(&jit->lock);
}

/* ---- flush ---- */

uint64_t tcg_jit_flush_gen(TCGJit *jit)
{
    return __atomic_load_n(&jit->flush_gen, __ATOMIC_SEQ_CST);
}

bool tcg_jit_enter_exec(TCGJit *jit, uint64_t gen)
{
    __atomic_add_fetch(&jit->running, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&jit->flush_pending, __ATOMIC_SEQ_CST) ||
        __atomic_load_n(&jit->flush_gen, __ATOMIC_SEQ_CST) != gen) {
        __atomic_sub_fetch(&jit->running, 1, __ATOMIC_SEQ_CST);
        while (__atomic_load_n(&jit->flush_pending, __ATOMIC_SEQ_CST)) {
            g_usleep(20);
        }
        return false;
    }
    return true;
}

void tcg_jit_leave_exec(TCGJit *jit)
{
    __atomic_sub_fetch(&jit->running, 1, __ATOMIC_SEQ_CST);
}

/*
 * A flush needs every vCPU out of generated code: mark it pending (vCPUs stop entering),
 * kick them, wait until none runs, then reset. Callers are outside generated code (the
 * execution loop, or a monitor thread).
 */
void tcg_tb_flush(TCGJit *jit)
{
    g_mutex_lock(&jit->lock);
    __atomic_store_n(&jit->flush_pending, 1, __ATOMIC_SEQ_CST);
    for (guint i = 0; i < jit->cpus->len; i++) {
        TCGCPUCommon *cpu = g_ptr_array_index(jit->cpus, i);
        __atomic_store_n(&cpu->exit_request, 1, __ATOMIC_SEQ_CST);
    }
    while (__atomic_load_n(&jit->running, __ATOMIC_SEQ_CST) > 0) {
        g_mutex_unlock(&jit->lock);
        g_usleep(20);
        g_mutex_lock(&jit->lock);
    }
    jit_reset_cache(jit);
    jit->nb_tbs_ordered = 0;
    jit->stats.flushes++;
    __atomic_add_fetch(&jit->flush_gen, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&jit->flush_pending, 0, __ATOMIC_SEQ_CST);
    g_mutex_unlock(&jit->lock);
}

/* ---- compilation ---- */

static size_t put_uleb(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        p[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

static size_t put_sleb(uint8_t *p, int64_t v)
{
    size_t n = 0;
    bool more;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        more = !((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40)));
        p[n++] = b | (more ? 0x80 : 0);
    } while (more);
    return n;
}

static uint64_t get_uleb(const uint8_t **p)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    return v;
}

static int64_t get_sleb(const uint8_t **p)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b;
    do {
        b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) {
        v |= ~UINT64_C(0) << shift;
    }
    return (int64_t)v;
}

TranslationBlock *tcg_tb_compile_ex(TCGContext *s, uint64_t pc, uint64_t phys_pc,
                                    uint64_t phys_page2, uint32_t flags, uint32_t guest_size,
                                    int *why)
{
    TCGJit *jit = s->jit;
    TCGCodeGenOut out;

    *why = TB_FAIL_NONE;
    if (!jit->opts.no_optimize) {
        tcg_optimize(s);
        tcg_memgroup(s);
    }
    tcg_liveness(s);

    g_mutex_lock(&jit->lock);
    /* Another vCPU may have translated the same block meanwhile: use its copy. */
    TranslationBlock *existing = tb_lookup_locked(jit, pc, phys_pc, flags);
    if (existing) {
        g_mutex_unlock(&jit->lock);
        return existing;
    }
    size_t tb_at = (jit->cb.used + TB_ALIGN - 1) & ~(size_t)(TB_ALIGN - 1);
    size_t code_at = (tb_at + sizeof(TranslationBlock) + TB_ALIGN - 1) & ~(size_t)(TB_ALIGN - 1);
    if (code_at + 4096 > jit->cb.size || jit->nb_tbs_ordered == UINT32_MAX) {
        g_mutex_unlock(&jit->lock);
        *why = TB_FAIL_BUFFER_FULL;
        return NULL;
    }
    TranslationBlock *tb = (TranslationBlock *)(jit->cb.rw + tb_at);
    memset(tb, 0, sizeof(*tb));
    size_t avail = jit->cb.size - code_at;
    out.pc = pc;
    int size = tcg_backend_gen_code(s, jit->cb.rw + code_at, jit->cb.rx + code_at, avail,
                                    (uintptr_t)tb, &out);
    if (size < 0) {
        g_mutex_unlock(&jit->lock);
        /* Near the end of the buffer a flush helps; otherwise the block is too big. */
        *why = avail < (size_t)64 * 1024 ? TB_FAIL_BUFFER_FULL : TB_FAIL_TOO_BIG;
        return NULL;
    }
    /* The insn_start table: per instruction, host end offset, pc and data deltas. */
    size_t search_at = code_at + (size_t)size;
    size_t worst = (size_t)s->nb_insns * 30;
    if (search_at + worst > jit->cb.size) {
        g_mutex_unlock(&jit->lock);
        *why = TB_FAIL_BUFFER_FULL;
        return NULL;
    }
    uint8_t *p = jit->cb.rw + search_at;
    uint64_t prev_end = 0, prev_pc = pc, prev_data = 0, lowest = pc;
    for (uint32_t i = 0; i < s->nb_insns; i++) {
        lowest = MIN(lowest, s->insn_data[i][0]);
        p += put_uleb(p, s->insn_end_off[i] - prev_end);
        p += put_sleb(p, (int64_t)(s->insn_data[i][0] - prev_pc));
        p += put_sleb(p, (int64_t)(s->insn_data[i][1] - prev_data));
        prev_end = s->insn_end_off[i];
        prev_pc = s->insn_data[i][0];
        prev_data = s->insn_data[i][1];
    }

    tb->pc = pc;
    tb->phys_pc = phys_pc;
    tb->phys_page2 = phys_page2;
    tb->page_addr[0] = phys_pc & TCG_PAGE_MASK;
    tb->page_addr[1] = phys_page2 == UINT64_MAX ? UINT64_MAX : phys_page2 & TCG_PAGE_MASK;
    tb->flags = flags;
    tb->size = guest_size;
    /* Code translated below pc, after a backward jump within pc's page. */
    g_assert((lowest & TCG_PAGE_MASK) == (pc & TCG_PAGE_MASK));
    tb->below = (uint32_t)(pc - lowest);
    tb->tc_ptr = jit->cb.rx + code_at;
    tb->tc_size = (uint32_t)size;
    tb->nb_insns = s->nb_insns;
    tb->search_data = jit->cb.rx + search_at;
    for (unsigned k = 0; k < 2; k++) {
        tb->jmp_insn_offset[k] = out.jmp_insn_offset[k];
        tb->jmp_reset_offset[k] = out.jmp_reset_offset[k];
        tb->jmp_loop_offset[k] = out.jmp_loop_offset[k];
    }
    jit->cb.used = (size_t)(p - jit->cb.rw);

    if (jit->nb_tbs_ordered == jit->tbs_cap) {
        jit->tbs_cap = jit->tbs_cap ? jit->tbs_cap * 2 : 1024;
        jit->tbs = g_renew(TranslationBlock *, jit->tbs, jit->tbs_cap);
    }
    jit->tbs[jit->nb_tbs_ordered++] = tb;
    tb_hash_insert(jit, tb);
    tb_page_add(jit, tb, 0);
    if (phys_page2 != UINT64_MAX) {
        tb_page_add(jit, tb, 1);
    }
    jit->stats.tbs_translated++;
    jit->stats.host_code_bytes += (uint64_t)size;
    jit->stats.guest_code_bytes += (uint64_t)tb->below + guest_size;
    jit->stats.code_buffer_used = jit->cb.used;
    g_mutex_unlock(&jit->lock);
    return tb;
}

TranslationBlock *tcg_tb_compile(TCGContext *s, uint64_t pc, uint64_t phys_pc,
                                 uint64_t phys_page2, uint32_t flags, uint32_t guest_size)
{
    int why;
    return tcg_tb_compile_ex(s, pc, phys_pc, phys_page2, flags, guest_size, &why);
}

bool tcg_tb_search_insn(const TranslationBlock *tb, uintptr_t host_pc, uint64_t data[2])
{
    uintptr_t off = host_pc - (uintptr_t)tb->tc_ptr;
    const uint8_t *p = tb->search_data;
    uint64_t end = 0, pc = tb->pc, word = 0;

    for (uint32_t i = 0; i < tb->nb_insns; i++) {
        end += get_uleb(&p);
        pc += (uint64_t)get_sleb(&p);
        word += (uint64_t)get_sleb(&p);
        /* A return address points just past the call, which belongs to this insn. */
        if (off <= end) {
            data[0] = pc;
            data[1] = word;
            return true;
        }
    }
    return false;
}

uintptr_t tcg_exec_tb(TCGJit *jit, void *env, const TranslationBlock *tb)
{
    return jit->prologue(env, tb->tc_ptr);
}

/* ---- vCPU registration ---- */

bool tcg_cpu_init(TCGJit *jit, void *env, GError **errp)
{
    TCGCPUCommon *cpu = tcg_env_common(&jit->fe, env);

    memset(cpu, 0, sizeof(*cpu));
    cpu->jit = jit;
    cpu->env = env;
    cpu->jmp_cache_gen = tcg_jit_flush_gen(jit);
    tcg_tlb_flush(cpu);
    cpu->ctx = tcg_context_new(jit, jit->fe.common_offset);
    if (jit->fe.init_context) {
        jit->fe.init_context(cpu->ctx, jit->fe.opaque);
    }
    g_mutex_lock(&jit->lock);
    g_ptr_array_add(jit->cpus, cpu);
    g_mutex_unlock(&jit->lock);
    (void)errp;
    return true;
}

void tcg_cpu_finalize(TCGJit *jit, void *env)
{
    TCGCPUCommon *cpu = tcg_env_common(&jit->fe, env);

    g_mutex_lock(&jit->lock);
    g_ptr_array_remove(jit->cpus, cpu);
    g_mutex_unlock(&jit->lock);
    if (cpu->ctx && jit->fe.free_context) {
        jit->fe.free_context(cpu->ctx, jit->fe.opaque);
    }
    tcg_context_free(cpu->ctx);
    cpu->ctx = NULL;
}
