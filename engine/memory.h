/*
 * Guest memory: regions (RAM, ROM, MMIO, alias, container) arranged in a tree, address
 * spaces that flatten the tree into sorted ranges, listeners, and access dispatch.
 */
#ifndef HULL_ENGINE_MEMORY_H
#define HULL_ENGINE_MEMORY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * The outcome of a guest access. Bits accumulate over a multi-part access; a CPU or DMA
 * engine turns any non-zero result into its bus error.
 */
typedef uint32_t MemTxResult;
#define MEMTX_OK           0u
#define MEMTX_ERROR        (1u << 0) /* the device refused it, or its size/alignment */
#define MEMTX_DECODE_ERROR (1u << 1) /* nothing is mapped at the address */

typedef enum MemoryRegionKind {
    MEMORY_REGION_CONTAINER,
    MEMORY_REGION_RAM,
    MEMORY_REGION_ROM,
    MEMORY_REGION_MMIO,
    MEMORY_REGION_ALIAS,
} MemoryRegionKind;

/* How a device register's value is laid out in the bytes of guest memory. */
typedef enum MemoryEndian {
    MEMORY_ENDIAN_LITTLE,
    MEMORY_ENDIAN_BIG,
} MemoryEndian;

/* Access sizes in bytes (1, 2, 4 or 8). Zero min/max mean 1 and 8. */
typedef struct MemoryAccessConstraints {
    unsigned min_size;
    unsigned max_size;
    bool unaligned;
} MemoryAccessConstraints;

/*
 * An MMIO region's behaviour. `valid` says which accesses the bus accepts: others fail
 * with MEMTX_ERROR (reads then see all-ones). `impl` says which accesses the callbacks
 * handle: a valid access of another size is split into several callbacks or widened to
 * one (a widened write carries zeros in the bytes outside the access), and an unaligned
 * one is split into aligned callbacks unless impl.unaligned. An impl left all-zero is
 * the same as valid. A NULL callback makes that direction fail with MEMTX_ERROR.
 *
 * Callbacks run with the engine lock held (dispatch takes it when the accessing thread
 * does not hold it), at offsets relative to the region.
 */
typedef struct MemoryRegionOps {
    MemTxResult (*read)(void *opaque, uint64_t offset, unsigned size, uint64_t *value);
    MemTxResult (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
    MemoryEndian endianness;
    MemoryAccessConstraints valid;
    MemoryAccessConstraints impl;
} MemoryRegionOps;

typedef enum MemoryRamFlags {
    MEMORY_RAM_DEFAULT = 0,
    /* Back the RAM with a memfd (shareable: vhost-user, migration to a new process). */
    MEMORY_RAM_MEMFD = 1 << 0,
    /*
     * Ask for huge pages: with MEMORY_RAM_MEMFD, hugetlbfs pages (creation fails when
     * none are reserved); otherwise transparent huge pages (advisory).
     */
    MEMORY_RAM_HUGEPAGES = 1 << 1,
} MemoryRamFlags;

typedef struct MemoryRegion MemoryRegion;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;

/*
 * Regions are reference counted; the constructors return one reference. A region in an
 * address space's current or in-flight view is kept alive by that view, so a vCPU thread
 * still dispatching into it after it was removed touches valid memory.
 */
MemoryRegion *memory_region_new_container(const char *name, uint64_t size);
MemoryRegion *memory_region_new_ram(const char *name, uint64_t size, MemoryRamFlags flags,
                                    GError **errp);
/* ROM: read-only to the guest (writes ignored), writable by loaders via the host pointer
 * or address_space_write_rom(). */
MemoryRegion *memory_region_new_rom(const char *name, uint64_t size, GError **errp);
MemoryRegion *memory_region_new_mmio(const char *name, uint64_t size, const MemoryRegionOps *ops,
                                     void *opaque);
/* A window of `size` bytes into `target` starting at `offset`; holds a reference on it. */
MemoryRegion *memory_region_new_alias(const char *name, MemoryRegion *target, uint64_t offset,
                                      uint64_t size, GError **errp);

MemoryRegion *memory_region_ref(MemoryRegion *mr);
void memory_region_unref(MemoryRegion *mr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MemoryRegion, memory_region_unref)

/*
 * Ties the lifetime of whatever `opaque` points to (usually the device) to the region:
 * `release(owner)` runs when the region is finally freed, i.e. after the last view that
 * could dispatch into it is gone. The device passes a reference it owns.
 */
void memory_region_set_owner(MemoryRegion *mr, void *owner, GDestroyNotify release);

const char *memory_region_name(const MemoryRegion *mr);
uint64_t memory_region_size(const MemoryRegion *mr);
MemoryRegionKind memory_region_kind(const MemoryRegion *mr);
/* Host memory of a RAM or ROM region (NULL for other kinds), valid while referenced. */
void *memory_region_get_ram_ptr(const MemoryRegion *mr);
/* The memfd behind a RAM/ROM region, or -1. */
int memory_region_get_fd(const MemoryRegion *mr);

/*
 * Topology. Each change recomputes the flat view of every address space (once per
 * outermost transaction) and tells listeners. Changes happen under the engine lock (on
 * the main thread, or on a vCPU thread in a device's MMIO callback, e.g. a BAR being
 * moved); other vCPU threads keep using the old view until they take a new one.
 *
 * Among overlapping subregions the higher priority wins; between equal priorities the
 * one added later wins. Holes in a container are unassigned.
 */
bool memory_region_add_subregion(MemoryRegion *container, uint64_t offset, MemoryRegion *sub,
                                 int priority, GError **errp);
void memory_region_del_subregion(MemoryRegion *container, MemoryRegion *sub);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
/* Moves a mapped region within its container (or sets where it will go when added). */
bool memory_region_set_address(MemoryRegion *mr, uint64_t offset, GError **errp);
/* RAM only: make it read-only to the guest (e.g. flash in read-array mode). */
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

/* One range of a flat view as listeners see it. */
typedef struct MemorySection {
    uint64_t gpa;        /* guest physical start */
    uint64_t size;
    MemoryRegion *mr;    /* the terminal region (RAM, ROM or MMIO), aliases resolved */
    uint64_t offset;     /* of gpa within mr */
    void *host;          /* RAM/ROM: host address of gpa; MMIO: NULL */
    bool readonly;       /* the guest may not write (ROM, read-only RAM) */
    int fd;              /* RAM/ROM backed by a memfd: its fd (else -1) */
} MemorySection;

/*
 * Called under the engine lock, on the thread that committed, after each commit that
 * changed the view: first region_del for every range that went away or changed, then region_add
 * for every new one, then commit. Adding a listener replays region_add for the current
 * view; removing it sends region_del for each range.
 */
typedef struct MemoryListener {
    void (*region_add)(struct MemoryListener *l, const MemorySection *section);
    void (*region_del)(struct MemoryListener *l, const MemorySection *section);
    void (*commit)(struct MemoryListener *l);
    void *opaque;
} MemoryListener;

AddressSpace *address_space_new(const char *name, MemoryRegion *root);
void address_space_free(AddressSpace *as);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AddressSpace, address_space_free)
const char *address_space_name(const AddressSpace *as);
void address_space_add_listener(AddressSpace *as, MemoryListener *listener);
void address_space_remove_listener(AddressSpace *as, MemoryListener *listener);

/*
 * The current view with a reference, for a burst of accesses or to keep host pointers
 * valid. Safe from any thread.
 */
FlatView *address_space_get_flatview(AddressSpace *as);
void flatview_unref(FlatView *fv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlatView, flatview_unref)
unsigned flatview_nr_sections(const FlatView *fv);
const MemorySection *flatview_section(const FlatView *fv, unsigned i);
/* The section containing addr, or NULL when unassigned. */
const MemorySection *flatview_lookup(const FlatView *fv, uint64_t addr);

/*
 * Buffer accesses of any length, split across ranges and into sizes each device
 * accepts. Unassigned bytes read as 0xff and writes to them are dropped; the result
 * says so. Safe from any thread.
 */
MemTxResult address_space_read(AddressSpace *as, uint64_t addr, void *buf, uint64_t len);
MemTxResult address_space_write(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len);
/* A loader's write: also writes ROM and read-only RAM; never MMIO (MEMTX_ERROR). */
MemTxResult address_space_write_rom(AddressSpace *as, uint64_t addr, const void *buf,
                                    uint64_t len);

/* Single accesses as a CPU does them: one access of that size, checked against the
 * device's valid constraints. `res` may be NULL. */
uint8_t address_space_ldub(AddressSpace *as, uint64_t addr, MemTxResult *res);
uint16_t address_space_lduw_le(AddressSpace *as, uint64_t addr, MemTxResult *res);
uint16_t address_space_lduw_be(AddressSpace *as, uint64_t addr, MemTxResult *res);
uint32_t address_space_ldl_le(AddressSpace *as, uint64_t addr, MemTxResult *res);
uint32_t address_space_ldl_be(AddressSpace *as, uint64_t addr, MemTxResult *res);
uint64_t address_space_ldq_le(AddressSpace *as, uint64_t addr, MemTxResult *res);
uint64_t address_space_ldq_be(AddressSpace *as, uint64_t addr, MemTxResult *res);
void address_space_stb(AddressSpace *as, uint64_t addr, uint8_t val, MemTxResult *res);
void address_space_stw_le(AddressSpace *as, uint64_t addr, uint16_t val, MemTxResult *res);
void address_space_stw_be(AddressSpace *as, uint64_t addr, uint16_t val, MemTxResult *res);
void address_space_stl_le(AddressSpace *as, uint64_t addr, uint32_t val, MemTxResult *res);
void address_space_stl_be(AddressSpace *as, uint64_t addr, uint32_t val, MemTxResult *res);
void address_space_stq_le(AddressSpace *as, uint64_t addr, uint64_t val, MemTxResult *res);
void address_space_stq_be(AddressSpace *as, uint64_t addr, uint64_t val, MemTxResult *res);

/* The general single access: `size` bytes (1, 2, 4 or 8) in guest memory order. */
MemTxResult address_space_access(AddressSpace *as, uint64_t addr, void *buf, unsigned size,
                                 bool is_write);

/*
 * RAM fast path: the host address of addr if it is RAM (or ROM for reads), with *plen
 * (in: wanted, out: contiguous bytes available) never shortened to zero. NULL when the
 * address is MMIO, unassigned, or read-only and is_write. The pointer stays valid while
 * the region is mapped; hold a FlatView reference (or keep vCPUs paused across topology
 * changes) to use it longer.
 */
void *address_space_translate(AddressSpace *as, uint64_t addr, uint64_t *plen, bool is_write);

/*
 * DMA mapping. Returns a host buffer for [addr, addr + *plen) with *plen possibly
 * shortened: guest RAM directly, or a bounce buffer for MMIO (read on map, written on
 * unmap). NULL (with *plen = 0) when nothing at addr can be mapped. Always pair with
 * address_space_unmap(), passing how many bytes were actually accessed.
 */
typedef struct MemoryMapping {
    MemoryRegion *mr;
    uint64_t addr;
    uint64_t len;
    bool is_write;
    void *bounce;
} MemoryMapping;

void *address_space_map(AddressSpace *as, uint64_t addr, uint64_t *plen, bool is_write,
                        MemoryMapping *map);
void address_space_unmap(AddressSpace *as, MemoryMapping *map, uint64_t access_len);

#endif
