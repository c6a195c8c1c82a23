/*
 * Guest memory: the region tree, its rendering into flat views, listener notification,
 * and dispatch of guest and DMA accesses through a flat view.
 */
#include "engine/memory.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/lock.h"
#include "util/error.h"

/* Bounce buffers of address_space_map() for MMIO are at most this big. */
#define MEMORY_BOUNCE_MAX (64 * 1024)
/* Region trees deeper than this (containers and aliases) are refused when rendering. */
#define MEMORY_RENDER_DEPTH_MAX 64
#define MEMORY_HUGETLB_PAGE_SIZE (2 * 1024 * 1024)

typedef __int128 MemoryAddr128;

struct MemoryRegion {
    gint refcount;
    char *name;
    MemoryRegionKind kind;
    uint64_t size;

    /* RAM and ROM */
    uint8_t *host;
    size_t map_size;
    int fd;
    bool readonly;

    /* MMIO */
    const MemoryRegionOps *ops;
    void *opaque;

    /* alias */
    MemoryRegion *alias;
    uint64_t alias_offset;

    /* container: highest priority first, later additions before equal priorities */
    GPtrArray *subregions;

    /* as a subregion */
    MemoryRegion *container;
    uint64_t addr;
    int priority;
    bool enabled;

    void *owner;
    GDestroyNotify owner_release;
};

struct FlatView {
    gint refcount;
    GArray *sections; /* MemorySection, sorted by gpa, non-overlapping */
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    /* Guards the current pointer against a reader taking a reference while it is swapped. */
    GMutex view_lock;
    FlatView *current;
    GPtrArray *listeners;
};

/*
 * The topology is one per process and only changes under the engine lock, so these need
 * no lock of their own: the address spaces that must be
 * re-rendered after a change, and the transaction nesting state.
 */
static GPtrArray *memory_address_spaces;
static unsigned memory_transaction_depth;
static bool memory_topology_dirty;

static void memory_update_all(void);

/* ---------------------------------------------------------------------------------------
 * Regions
 */

static MemoryRegion *memory_region_alloc(const char *name, MemoryRegionKind kind, uint64_t size)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);

    mr->refcount = 1;
    mr->name = g_strdup(name ? name : "anonymous");
    mr->kind = kind;
    mr->size = size;
    mr->fd = -1;
    mr->enabled = true;
    return mr;
}

MemoryRegion *memory_region_new_container(const char *name, uint64_t size)
{
    MemoryRegion *mr = memory_region_alloc(name, MEMORY_REGION_CONTAINER, size);

    mr->subregions = g_ptr_array_new();
    return mr;
}

static bool memory_region_map_host(MemoryRegion *mr, MemoryRamFlags flags, GError **errp)
{
    long page = sysconf(_SC_PAGESIZE);
    uint64_t align = (flags & MEMORY_RAM_HUGEPAGES) && (flags & MEMORY_RAM_MEMFD)
                         ? MEMORY_HUGETLB_PAGE_SIZE
                         : (uint64_t)page;
    int mmap_flags = MAP_PRIVATE | MAP_ANONYMOUS;
    void *host;

    if (mr->size == 0) {
        return hull_error_setg(errp, "memory region '%s': size must not be zero", mr->name);
    }
    if (mr->size > SIZE_MAX - align) {
        return hull_error_setg(errp, "memory region '%s': size 0x%" G_GINT64_MODIFIER
                               "x is too large", mr->name, mr->size);
    }
    mr->map_size = (mr->size + align - 1) & ~(align - 1);

    if (flags & MEMORY_RAM_MEMFD) {
        unsigned mfd_flags = MFD_CLOEXEC | ((flags & MEMORY_RAM_HUGEPAGES) ? MFD_HUGETLB : 0);

        mr->fd = memfd_create(mr->name, mfd_flags);
        if (mr->fd < 0) {
            return hull_error_setg_errno(errp, errno, "memory region '%s': memfd_create",
                                         mr->name);
        }
        if (ftruncate(mr->fd, (off_t)mr->map_size) < 0) {
            return hull_error_setg_errno(errp, errno, "memory region '%s': cannot size the "
                                         "memfd to %zu bytes", mr->name, mr->map_size);
        }
        mmap_flags = MAP_SHARED;
    }

    host = mmap(NULL, mr->map_size, PROT_READ | PROT_WRITE, mmap_flags, mr->fd, 0);
    if (host == MAP_FAILED) {
        return hull_error_setg_errno(errp, errno, "memory region '%s': cannot allocate %"
                                     G_GUINT64_FORMAT " bytes", mr->name, mr->size);
    }
    mr->host = host;
    if ((flags & MEMORY_RAM_HUGEPAGES) && !(flags & MEMORY_RAM_MEMFD)) {
        /* Transparent huge pages are a hint; a kernel without them still gives RAM. */
        (void)madvise(host, mr->map_size, MADV_HUGEPAGE);
    }
    /* Guest RAM in a core dump is rarely wanted and can be huge. */
    (void)madvise(host, mr->map_size, MADV_DONTDUMP);
    return true;
}

MemoryRegion *memory_region_new_ram(const char *name, uint64_t size, MemoryRamFlags flags,
                                    GError **errp)
{
    g_autoptr(MemoryRegion) mr = memory_region_alloc(name, MEMORY_REGION_RAM, size);

    if (!memory_region_map_host(mr, flags, errp)) {
        return NULL;
    }
    return g_steal_pointer(&mr);
}

MemoryRegion *memory_region_new_rom(const char *name, uint64_t size, GError **errp)
{
    g_autoptr(MemoryRegion) mr = memory_region_alloc(name, MEMORY_REGION_ROM, size);

    if (!memory_region_map_host(mr, MEMORY_RAM_DEFAULT, errp)) {
        return NULL;
    }
    mr->readonly = true;
    return g_steal_pointer(&mr);
}

MemoryRegion *memory_region_new_mmio(const char *name, uint64_t size, const MemoryRegionOps *ops,
                                     void *opaque)
{
    MemoryRegion *mr = memory_region_alloc(name, MEMORY_REGION_MMIO, size);

    g_assert(ops);
    mr->ops = ops;
    mr->opaque = opaque;
    return mr;
}

MemoryRegion *memory_region_new_alias(const char *name, MemoryRegion *target, uint64_t offset,
                                      uint64_t size, GError **errp)
{
    MemoryRegion *mr;

    if (offset > target->size || size > target->size - offset) {
        hull_error_setg(errp, "alias '%s': window 0x%" G_GINT64_MODIFIER "x+0x%"
                        G_GINT64_MODIFIER "x is outside region '%s' (size 0x%"
                        G_GINT64_MODIFIER "x)", name, offset, size, target->name,
                        target->size);
        return NULL;
    }
    mr = memory_region_alloc(name, MEMORY_REGION_ALIAS, size);
    mr->alias = memory_region_ref(target);
    mr->alias_offset = offset;
    return mr;
}

MemoryRegion *memory_region_ref(MemoryRegion *mr)
{
    g_atomic_int_inc(&mr->refcount);
    return mr;
}

void memory_region_unref(MemoryRegion *mr)
{
    if (!mr || !g_atomic_int_dec_and_test(&mr->refcount)) {
        return;
    }
    /* A region still in a container is referenced by it, so it cannot get here. */
    g_assert(!mr->container);
    if (mr->subregions) {
        for (unsigned i = 0; i < mr->subregions->len; i++) {
            MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);

            sub->container = NULL;
            memory_region_unref(sub);
        }
        g_ptr_array_free(mr->subregions, true);
    }
    memory_region_unref(mr->alias);
    if (mr->host) {
        munmap(mr->host, mr->map_size);
    }
    if (mr->fd >= 0) {
        close(mr->fd);
    }
    if (mr->owner_release) {
        mr->owner_release(mr->owner);
    }
    g_free(mr->name);
    g_free(mr);
}

void memory_region_set_owner(MemoryRegion *mr, void *owner, GDestroyNotify release)
{
    g_assert(!mr->owner_release);
    mr->owner = owner;
    mr->owner_release = release;
}

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}

uint64_t memory_region_size(const MemoryRegion *mr)
{
    return mr->size;
}

MemoryRegionKind memory_region_kind(const MemoryRegion *mr)
{
    return mr->kind;
}

void *memory_region_get_ram_ptr(const MemoryRegion *mr)
{
    return mr->host;
}

int memory_region_get_fd(const MemoryRegion *mr)
{
    return mr->fd;
}

/* Whether `to` is `from` or lies below it through subregions or alias targets. */
static bool memory_region_reaches(const MemoryRegion *from, const MemoryRegion *to)
{
    if (from == to) {
        return true;
    }
    if (from->alias && memory_region_reaches(from->alias, to)) {
        return true;
    }
    if (from->subregions) {
        for (unsigned i = 0; i < from->subregions->len; i++) {
            if (memory_region_reaches(g_ptr_array_index(from->subregions, i), to)) {
                return true;
            }
        }
    }
    return false;
}

static void memory_topology_changed(void)
{
    memory_region_transaction_begin();
    memory_topology_dirty = true;
    memory_region_transaction_commit();
}

bool memory_region_add_subregion(MemoryRegion *container, uint64_t offset, MemoryRegion *sub,
                                 int priority, GError **errp)
{
    unsigned pos;

    if (container->kind != MEMORY_REGION_CONTAINER) {
        return hull_error_setg(errp, "memory region '%s' is not a container", container->name);
    }
    if (sub->container) {
        return hull_error_setg(errp, "memory region '%s' is already mapped in '%s'", sub->name,
                               sub->container->name);
    }
    if (memory_region_reaches(sub, container)) {
        return hull_error_setg(errp, "mapping '%s' into '%s' would make a cycle", sub->name,
                               container->name);
    }
    if (offset > container->size || sub->size > container->size - offset) {
        return hull_error_setg(errp, "memory region '%s' (size 0x%" G_GINT64_MODIFIER
                               "x) at 0x%" G_GINT64_MODIFIER "x does not fit in '%s' (size 0x%"
                               G_GINT64_MODIFIER "x)", sub->name, sub->size, offset,
                               container->name, container->size);
    }

    sub->container = container;
    sub->addr = offset;
    sub->priority = priority;
    for (pos = 0; pos < container->subregions->len; pos++) {
        MemoryRegion *other = g_ptr_array_index(container->subregions, pos);

        if (priority >= other->priority) {
            break;
        }
    }
    g_ptr_array_insert(container->subregions, (int)pos, memory_region_ref(sub));
    memory_topology_changed();
    return true;
}

void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub)
{
    g_assert(sub->container == container);
    sub->container = NULL;
    g_assert(g_ptr_array_remove(container->subregions, sub));
    memory_topology_changed();
    memory_region_unref(sub);
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled == enabled) {
        return;
    }
    mr->enabled = enabled;
    memory_topology_changed();
}

bool memory_region_set_address(MemoryRegion *mr, uint64_t offset, GError **errp)
{
    MemoryRegion *container = mr->container;
    int priority = mr->priority;
    bool ok;

    if (!container) {
        mr->addr = offset;
        return true;
    }
    if (offset > container->size || mr->size > container->size - offset) {
        return hull_error_setg(errp, "memory region '%s' does not fit in '%s' at 0x%"
                               G_GINT64_MODIFIER "x", mr->name, container->name, offset);
    }
    memory_region_transaction_begin();
    memory_region_ref(mr);
    memory_region_del_subregion(container, mr);
    ok = memory_region_add_subregion(container, offset, mr, priority, errp);
    memory_region_unref(mr);
    memory_region_transaction_commit();
    return ok;
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    g_assert(mr->kind == MEMORY_REGION_RAM);
    if (mr->readonly == readonly) {
        return;
    }
    mr->readonly = readonly;
    memory_topology_changed();
}

void memory_region_transaction_begin(void)
{
    memory_transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    g_assert(memory_transaction_depth > 0);
    if (--memory_transaction_depth == 0 && memory_topology_dirty) {
        memory_topology_dirty = false;
        memory_update_all();
    }
}

/* ---------------------------------------------------------------------------------------
 * Flat views
 */

static void flatview_section_clear(gpointer data)
{
    MemorySection *section = data;

    memory_region_unref(section->mr);
}

static FlatView *flatview_new(void)
{
    FlatView *fv = g_new0(FlatView, 1);

    fv->refcount = 1;
    fv->sections = g_array_new(false, false, sizeof(MemorySection));
    g_array_set_clear_func(fv->sections, flatview_section_clear);
    return fv;
}

void flatview_unref(FlatView *fv)
{
    if (fv && g_atomic_int_dec_and_test(&fv->refcount)) {
        g_array_free(fv->sections, true);
        g_free(fv);
    }
}

unsigned flatview_nr_sections(const FlatView *fv)
{
    return fv->sections->len;
}

const MemorySection *flatview_section(const FlatView *fv, unsigned i)
{
    g_assert(i < fv->sections->len);
    return &g_array_index(fv->sections, MemorySection, i);
}

const MemorySection *flatview_lookup(const FlatView *fv, uint64_t addr)
{
    unsigned lo = 0, hi = fv->sections->len;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const MemorySection *s = &g_array_index(fv->sections, MemorySection, mid);

        if (addr < s->gpa) {
            hi = mid;
        } else if (addr - s->gpa >= s->size) {
            lo = mid + 1;
        } else {
            return s;
        }
    }
    return NULL;
}

/* The first section starting above addr, as an index (len if none). */
static unsigned flatview_next_index(const FlatView *fv, uint64_t addr)
{
    unsigned lo = 0, hi = fv->sections->len;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if (g_array_index(fv->sections, MemorySection, mid).gpa <= addr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static MemorySection flatview_make_section(MemoryRegion *mr, uint64_t start, uint64_t end,
                                           MemoryAddr128 base)
{
    MemorySection s = {
        .gpa = start,
        .size = end - start,
        .mr = memory_region_ref(mr),
        .offset = (uint64_t)(start - base),
        .readonly = mr->readonly,
        .fd = mr->fd,
    };

    if (mr->host) {
        s.host = mr->host + s.offset;
    }
    return s;
}

/*
 * Fills the parts of [start, end) not yet claimed in `sections` with `mr`, whose byte 0
 * sits at `base`. Regions are rendered from highest to lowest priority, so whatever is
 * already there wins.
 */
static void flatview_fill_gaps(GArray *sections, MemoryRegion *mr, MemoryAddr128 base,
                               uint64_t start, uint64_t end)
{
    uint64_t cur = start;
    unsigned i = 0;

    while (cur < end) {
        const MemorySection *s = i < sections->len
                                     ? &g_array_index(sections, MemorySection, i)
                                     : NULL;
        uint64_t piece_end;
        MemorySection piece;

        if (s && s->gpa + s->size <= cur) {
            i++;
            continue;
        }
        if (s && s->gpa <= cur) {
            cur = s->gpa + s->size;
            i++;
            continue;
        }
        piece_end = s && s->gpa < end ? s->gpa : end;
        piece = flatview_make_section(mr, cur, piece_end, base);
        g_array_insert_val(sections, i, piece);
        i++;
        cur = piece_end;
    }
}

static bool flatview_render(GArray *sections, MemoryRegion *mr, MemoryAddr128 base,
                            uint64_t clip_start, uint64_t clip_end, unsigned depth)
{
    MemoryAddr128 start = MAX(base, (MemoryAddr128)clip_start);
    MemoryAddr128 end = MIN(base + (MemoryAddr128)mr->size, (MemoryAddr128)clip_end);

    if (!mr->enabled || start >= end) {
        return true;
    }
    if (depth > MEMORY_RENDER_DEPTH_MAX) {
        g_warning("memory region '%s' is nested too deeply; not mapped", mr->name);
        return false;
    }
    switch (mr->kind) {
    case MEMORY_REGION_CONTAINER:
        for (unsigned i = 0; i < mr->subregions->len; i++) {
            MemoryRegion *sub = g_ptr_array_index(mr->subregions, i);

            if (!flatview_render(sections, sub, base + sub->addr, (uint64_t)start,
                                 (uint64_t)end, depth + 1)) {
                return false;
            }
        }
        return true;
    case MEMORY_REGION_ALIAS:
        return flatview_render(sections, mr->alias, base - (MemoryAddr128)mr->alias_offset,
                               (uint64_t)start, (uint64_t)end, depth + 1);
    default:
        flatview_fill_gaps(sections, mr, base, (uint64_t)start, (uint64_t)end);
        return true;
    }
}

/* Joins neighbours that are one contiguous piece of one region, to save KVM slots. */
static void flatview_simplify(GArray *sections)
{
    unsigned i = 1;

    while (i < sections->len) {
        MemorySection *prev = &g_array_index(sections, MemorySection, i - 1);
        MemorySection *cur = &g_array_index(sections, MemorySection, i);

        if (prev->mr == cur->mr && prev->readonly == cur->readonly &&
            prev->gpa + prev->size == cur->gpa && prev->offset + prev->size == cur->offset) {
            prev->size += cur->size;
            g_array_remove_index(sections, i);
        } else {
            i++;
        }
    }
}

static FlatView *flatview_from_root(MemoryRegion *root)
{
    FlatView *fv = flatview_new();

    if (!flatview_render(fv->sections, root, 0, 0, root->size, 0)) {
        g_array_set_size(fv->sections, 0);
    }
    flatview_simplify(fv->sections);
    return fv;
}

static bool memory_section_equal(const MemorySection *a, const MemorySection *b)
{
    return a->gpa == b->gpa && a->size == b->size && a->mr == b->mr && a->offset == b->offset &&
           a->readonly == b->readonly;
}

static bool flatview_has_section(const FlatView *fv, const MemorySection *s)
{
    const MemorySection *found = flatview_lookup(fv, s->gpa);

    return found && memory_section_equal(found, s);
}

/* ---------------------------------------------------------------------------------------
 * Address spaces and listeners
 */

static void address_space_notify(AddressSpace *as, FlatView *old, FlatView *new)
{
    bool changed = false;

    for (unsigned i = 0; i < old->sections->len; i++) {
        const MemorySection *s = &g_array_index(old->sections, MemorySection, i);

        if (flatview_has_section(new, s)) {
            continue;
        }
        changed = true;
        for (unsigned l = 0; l < as->listeners->len; l++) {
            MemoryListener *listener = g_ptr_array_index(as->listeners, l);

            if (listener->region_del) {
                listener->region_del(listener, s);
            }
        }
    }
    for (unsigned i = 0; i < new->sections->len; i++) {
        const MemorySection *s = &g_array_index(new->sections, MemorySection, i);

        if (flatview_has_section(old, s)) {
            continue;
        }
        changed = true;
        for (unsigned l = 0; l < as->listeners->len; l++) {
            MemoryListener *listener = g_ptr_array_index(as->listeners, l);

            if (listener->region_add) {
                listener->region_add(listener, s);
            }
        }
    }
    if (!changed) {
        return;
    }
    for (unsigned l = 0; l < as->listeners->len; l++) {
        MemoryListener *listener = g_ptr_array_index(as->listeners, l);

        if (listener->commit) {
            listener->commit(listener);
        }
    }
}

static void address_space_update(AddressSpace *as)
{
    FlatView *new = flatview_from_root(as->root);
    FlatView *old;

    g_mutex_lock(&as->view_lock);
    old = as->current;
    as->current = new;
    g_mutex_unlock(&as->view_lock);

    address_space_notify(as, old, new);
    flatview_unref(old);
}

static void memory_update_all(void)
{
    if (!memory_address_spaces) {
        return;
    }
    for (unsigned i = 0; i < memory_address_spaces->len; i++) {
        address_space_update(g_ptr_array_index(memory_address_spaces, i));
    }
}

AddressSpace *address_space_new(const char *name, MemoryRegion *root)
{
    AddressSpace *as = g_new0(AddressSpace, 1);

    as->name = g_strdup(name);
    as->root = memory_region_ref(root);
    g_mutex_init(&as->view_lock);
    as->current = flatview_from_root(root);
    as->listeners = g_ptr_array_new();
    if (!memory_address_spaces) {
        memory_address_spaces = g_ptr_array_new();
    }
    g_ptr_array_add(memory_address_spaces, as);
    return as;
}

void address_space_free(AddressSpace *as)
{
    if (!as) {
        return;
    }
    while (as->listeners->len) {
        address_space_remove_listener(as, g_ptr_array_index(as->listeners, 0));
    }
    g_ptr_array_remove(memory_address_spaces, as);
    if (memory_address_spaces->len == 0) {
        g_ptr_array_free(memory_address_spaces, true);
        memory_address_spaces = NULL;
    }
    g_ptr_array_free(as->listeners, true);
    flatview_unref(as->current);
    memory_region_unref(as->root);
    g_mutex_clear(&as->view_lock);
    g_free(as->name);
    g_free(as);
}

const char *address_space_name(const AddressSpace *as)
{
    return as->name;
}

void address_space_add_listener(AddressSpace *as, MemoryListener *listener)
{
    g_ptr_array_add(as->listeners, listener);
    for (unsigned i = 0; i < as->current->sections->len; i++) {
        if (listener->region_add) {
            listener->region_add(listener, &g_array_index(as->current->sections,
                                                          MemorySection, i));
        }
    }
    if (listener->commit) {
        listener->commit(listener);
    }
}

void address_space_remove_listener(AddressSpace *as, MemoryListener *listener)
{
    if (!g_ptr_array_remove(as->listeners, listener)) {
        return;
    }
    for (unsigned i = 0; i < as->current->sections->len; i++) {
        if (listener->region_del) {
            listener->region_del(listener, &g_array_index(as->current->sections,
                                                          MemorySection, i));
        }
    }
    if (listener->commit) {
        listener->commit(listener);
    }
}

FlatView *address_space_get_flatview(AddressSpace *as)
{
    FlatView *fv;

    g_mutex_lock(&as->view_lock);
    fv = as->current;
    g_atomic_int_inc(&fv->refcount);
    g_mutex_unlock(&as->view_lock);
    return fv;
}

/* ---------------------------------------------------------------------------------------
 * MMIO dispatch
 */

static void memory_constraints(const MemoryRegionOps *ops, MemoryAccessConstraints *valid,
                               MemoryAccessConstraints *impl)
{
    *valid = ops->valid;
    valid->min_size = valid->min_size ? valid->min_size : 1;
    valid->max_size = valid->max_size ? valid->max_size : 8;
    if (!ops->impl.min_size && !ops->impl.max_size && !ops->impl.unaligned) {
        *impl = *valid;
        return;
    }
    *impl = ops->impl;
    impl->min_size = impl->min_size ? impl->min_size : 1;
    impl->max_size = impl->max_size ? impl->max_size : 8;
}

static uint64_t memory_bytes_to_value(const uint8_t *bytes, unsigned size, MemoryEndian endian)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < size; i++) {
        unsigned idx = endian == MEMORY_ENDIAN_LITTLE ? size - 1 - i : i;

        v = (v << 8) | bytes[idx];
    }
    return v;
}

static void memory_value_to_bytes(uint64_t v, uint8_t *bytes, unsigned size, MemoryEndian endian)
{
    for (unsigned i = 0; i < size; i++) {
        unsigned idx = endian == MEMORY_ENDIAN_LITTLE ? i : size - 1 - i;

        bytes[idx] = (uint8_t)(v >> (8 * i));
    }
}

/* One access as the bus sees it: size is 1, 2, 4 or 8 and lies inside the region. */
static MemTxResult mmio_access(MemoryRegion *mr, uint64_t offset, uint8_t *buf, unsigned size,
                               bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;
    MemoryAccessConstraints valid, impl;
    MemTxResult res = MEMTX_OK;
    uint64_t end = offset + size;
    uint64_t piece;
    unsigned width;
    bool locked;

    memory_constraints(ops, &valid, &impl);
    if (size < valid.min_size || size > valid.max_size || (size & (size - 1)) ||
        (!valid.unaligned && (offset & (size - 1))) ||
        (is_write ? !ops->write : !ops->read)) {
        if (!is_write) {
            memset(buf, 0xff, size);
        }
        return MEMTX_ERROR;
    }

    width = MIN(MAX(size, impl.min_size), impl.max_size);
    piece = impl.unaligned ? offset : offset & ~(uint64_t)(width - 1);
    locked = engine_lock_acquire_if_needed();
    for (; piece < end; piece += width) {
        uint64_t lo = MAX(piece, offset), hi = MIN(piece + width, end);
        uint8_t bytes[8] = {0};
        uint64_t value = 0;

        if (is_write) {
            memcpy(bytes + (lo - piece), buf + (lo - offset), hi - lo);
            value = memory_bytes_to_value(bytes, width, ops->endianness);
            res |= ops->write(mr->opaque, piece, width, value);
            continue;
        }
        if (ops->read(mr->opaque, piece, width, &value) != MEMTX_OK) {
            res |= MEMTX_ERROR;
            value = UINT64_MAX;
        }
        memory_value_to_bytes(value, bytes, width, ops->endianness);
        memcpy(buf + (lo - offset), bytes + (lo - piece), hi - lo);
    }
    engine_lock_release_if_taken(locked);
    return res;
}

/* A buffer of any length into one MMIO region: cut into the biggest valid accesses. */
static MemTxResult mmio_access_buffer(MemoryRegion *mr, uint64_t offset, uint8_t *buf,
                                      uint64_t len, bool is_write)
{
    MemoryAccessConstraints valid, impl;
    MemTxResult res = MEMTX_OK;

    memory_constraints(mr->ops, &valid, &impl);
    while (len > 0) {
        unsigned size = 8;

        while (size > len || size > valid.max_size) {
            size >>= 1;
        }
        while (!valid.unaligned && (offset & (size - 1))) {
            size >>= 1;
        }
        if (size < valid.min_size) {
            /* No valid access covers these bytes: a bus error, byte by byte. */
            size = 1;
            if (!is_write) {
                *buf = 0xff;
            }
            res |= MEMTX_ERROR;
        } else {
            res |= mmio_access(mr, offset, buf, size, is_write);
        }
        offset += size;
        buf += size;
        len -= size;
    }
    return res;
}

/* ---------------------------------------------------------------------------------------
 * Accesses through a flat view
 */

typedef enum MemoryAccessMode {
    MEMORY_ACCESS_READ,
    MEMORY_ACCESS_WRITE,
    MEMORY_ACCESS_WRITE_ROM,
} MemoryAccessMode;

static MemTxResult section_access(const MemorySection *s, uint64_t addr, uint8_t *buf,
                                  uint64_t len, MemoryAccessMode mode)
{
    uint64_t offset = s->offset + (addr - s->gpa);

    if (s->mr->kind == MEMORY_REGION_MMIO) {
        if (mode == MEMORY_ACCESS_WRITE_ROM) {
            return MEMTX_ERROR;
        }
        return mmio_access_buffer(s->mr, offset, buf, len, mode == MEMORY_ACCESS_WRITE);
    }
    if (mode == MEMORY_ACCESS_READ) {
        memcpy(buf, s->mr->host + offset, len);
    } else if (mode == MEMORY_ACCESS_WRITE_ROM || !s->readonly) {
        memcpy(s->mr->host + offset, buf, len);
    }
    /* A guest write to ROM is dropped, as a real ROM chip ignores it. */
    return MEMTX_OK;
}

static MemTxResult flatview_access(FlatView *fv, uint64_t addr, uint8_t *buf, uint64_t len,
                                   MemoryAccessMode mode)
{
    MemTxResult res = MEMTX_OK;
    /* Bytes past the top of the address space do not wrap around to 0: nothing is there. */
    uint64_t below_top = addr == 0 ? len : MIN(len, 0 - addr);
    uint64_t past_top = len - below_top;

    len = below_top;
    while (len > 0) {
        const MemorySection *s = flatview_lookup(fv, addr);
        uint64_t chunk = len;

        if (s) {
            chunk = MIN(chunk, s->size - (addr - s->gpa));
            res |= section_access(s, addr, buf, chunk, mode);
        } else {
            unsigned next = flatview_next_index(fv, addr);

            if (next < fv->sections->len) {
                chunk = MIN(chunk, g_array_index(fv->sections, MemorySection, next).gpa - addr);
            }
            if (mode == MEMORY_ACCESS_READ) {
                memset(buf, 0xff, chunk);
            }
            res |= MEMTX_DECODE_ERROR;
        }
        buf += chunk;
        len -= chunk;
        addr += chunk;
    }
    if (past_top) {
        if (mode == MEMORY_ACCESS_READ) {
            memset(buf, 0xff, past_top);
        }
        res |= MEMTX_DECODE_ERROR;
    }
    return res;
}

static MemTxResult address_space_rw(AddressSpace *as, uint64_t addr, uint8_t *buf, uint64_t len,
                                    MemoryAccessMode mode)
{
    g_autoptr(FlatView) fv = address_space_get_flatview(as);

    return flatview_access(fv, addr, buf, len, mode);
}

MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len)
{
    return address_space_rw(as, addr, buf, len, MEMORY_ACCESS_READ);
}

MemTxResult address_space_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len)
{
    /* The buffer is only read from in write mode. */
    return address_space_rw(as, addr, (uint8_t *)buf, len, MEMORY_ACCESS_WRITE);
}

MemTxResult address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf,
                                    uint64_t len)
{
    return address_space_rw(as, addr, (uint8_t *)buf, len, MEMORY_ACCESS_WRITE_ROM);
}

MemTxResult address_space_access(AddressSpace *as, uint64_t addr, void *buf, unsigned size,
                                 bool is_write)
{
    g_autoptr(FlatView) fv = address_space_get_flatview(as);
    MemoryAccessMode mode = is_write ? MEMORY_ACCESS_WRITE : MEMORY_ACCESS_READ;
    const MemorySection *s = flatview_lookup(fv, addr);

    g_assert(size == 1 || size == 2 || size == 4 || size == 8);
    if (s && s->mr->kind == MEMORY_REGION_MMIO && s->size - (addr - s->gpa) >= size) {
        return mmio_access(s->mr, s->offset + (addr - s->gpa), buf, size, is_write);
    }
    /* RAM, unassigned, or straddling sections: byte-exact buffer semantics. */
    return flatview_access(fv, addr, buf, size, mode);
}

#define DEFINE_LOAD(name, type, size, endian)                                                  \
    type name(AddressSpace *as, uint64_t addr, MemTxResult *res)                               \
    {                                                                                          \
        uint8_t bytes[size];                                                                   \
        MemTxResult r = address_space_access(as, addr, bytes, size, false);                    \
                                                                                               \
        if (res) {                                                                             \
            *res = r;                                                                          \
        }                                                                                      \
        return (type)memory_bytes_to_value(bytes, size, endian);                               \
    }

#define DEFINE_STORE(name, type, size, endian)                                                 \
    void name(AddressSpace *as, uint64_t addr, type val, MemTxResult *res)                     \
    {                                                                                          \
        uint8_t bytes[size];                                                                   \
        MemTxResult r;                                                                         \
                                                                                               \
        memory_value_to_bytes(val, bytes, size, endian);                                       \
        r = address_space_access(as, addr, bytes, size, true);                                 \
        if (res) {                                                                             \
            *res = r;                                                                          \
        }                                                                                      \
    }

DEFINE_LOAD(address_space_ldub, uint8_t, 1, MEMORY_ENDIAN_LITTLE)
DEFINE_LOAD(address_space_lduw_le, uint16_t, 2, MEMORY_ENDIAN_LITTLE)
DEFINE_LOAD(address_space_lduw_be, uint16_t, 2, MEMORY_ENDIAN_BIG)
DEFINE_LOAD(address_space_ldl_le, uint32_t, 4, MEMORY_ENDIAN_LITTLE)
DEFINE_LOAD(address_space_ldl_be, uint32_t, 4, MEMORY_ENDIAN_BIG)
DEFINE_LOAD(address_space_ldq_le, uint64_t, 8, MEMORY_ENDIAN_LITTLE)
DEFINE_LOAD(address_space_ldq_be, uint64_t, 8, MEMORY_ENDIAN_BIG)
DEFINE_STORE(address_space_stb, uint8_t, 1, MEMORY_ENDIAN_LITTLE)
DEFINE_STORE(address_space_stw_le, uint16_t, 2, MEMORY_ENDIAN_LITTLE)
DEFINE_STORE(address_space_stw_be, uint16_t, 2, MEMORY_ENDIAN_BIG)
DEFINE_STORE(address_space_stl_le, uint32_t, 4, MEMORY_ENDIAN_LITTLE)
DEFINE_STORE(address_space_stl_be, uint32_t, 4, MEMORY_ENDIAN_BIG)
DEFINE_STORE(address_space_stq_le, uint64_t, 8, MEMORY_ENDIAN_LITTLE)
DEFINE_STORE(address_space_stq_be, uint64_t, 8, MEMORY_ENDIAN_BIG)

/* ---------------------------------------------------------------------------------------
 * Host pointers and DMA
 */

void *address_space_translate(AddressSpace *as, uint64_t addr, uint64_t *plen, bool is_write)
{
    g_autoptr(FlatView) fv = address_space_get_flatview(as);
    const MemorySection *s = flatview_lookup(fv, addr);

    if (!s || !s->host || (is_write && s->readonly)) {
        return NULL;
    }
    *plen = MIN(*plen, s->size - (addr - s->gpa));
    return (uint8_t *)s->host + (addr - s->gpa);
}

void *address_space_map(AddressSpace *as, uint64_t addr, uint64_t *plen, bool is_write,
                        MemoryMapping *map)
{
    g_autoptr(FlatView) fv = address_space_get_flatview(as);
    const MemorySection *s = flatview_lookup(fv, addr);
    uint64_t avail;

    memset(map, 0, sizeof(*map));
    if (!s || *plen == 0) {
        *plen = 0;
        return NULL;
    }
    avail = s->size - (addr - s->gpa);
    map->addr = addr;
    map->is_write = is_write;
    if (s->host && !(is_write && s->readonly)) {
        map->len = *plen = MIN(*plen, avail);
        map->mr = memory_region_ref(s->mr);
        return (uint8_t *)s->host + (addr - s->gpa);
    }
    /* MMIO or ROM being written: through a bounce buffer, with MMIO/ROM semantics. */
    map->len = *plen = MIN(MIN(*plen, avail), MEMORY_BOUNCE_MAX);
    map->bounce = g_malloc(map->len);
    if (!is_write) {
        flatview_access(fv, addr, map->bounce, map->len, MEMORY_ACCESS_READ);
    }
    return map->bounce;
}

void address_space_unmap(AddressSpace *as, MemoryMapping *map, uint64_t access_len)
{
    if (map->bounce) {
        if (map->is_write) {
            address_space_write(as, map->addr, map->bounce, MIN(access_len, map->len));
        }
        g_free(map->bounce);
    }
    memory_region_unref(map->mr);
    memset(map, 0, sizeof(*map));
}
