/*
 * xnu.c - the model of an iOS app's vm_map, its libmalloc, its footprint,
 * and the oracle that classifies failed requests.
 *
 * Placement follows ../shared/docs/xnu-model.md §3 (vm_map_enter,
 * vm_map_store): first fit, bottom-up, from a hint, never wrapping, over
 * the holes of [max(min_offset, page), max_offset).  The store (fast or
 * naive) only answers "where is the first fit" and keeps the map; every
 * rule of XNU and libmalloc lives here, shared by both stores.
 *
 * libmalloc (§5), as modelled:
 *   - nano (<= 256 B, 16 B quantum) inside the fixed 512 MiB nano region;
 *     when it is full (or nano is off) requests go to tiny;
 *   - tiny (<= 1008 B, 16 B quantum): 1 MiB regions aligned to 1 MiB, of
 *     which NUM_TINY_BLOCKS (64520) x 16 B are usable (libmalloc
 *     magazine_zone.h; the rest is the region's metadata);
 *   - small (<= 15 KiB, 512 B quantum): 8 MiB regions aligned to 8 MiB,
 *     NUM_SMALL_BLOCKS (16319) x 512 B usable;
 *   - large (> 15 KiB): its own page-rounded mapping, freed at once (iOS
 *     has no large cache: LARGE_CACHE is off on embedded targets).
 *   Inside a class, blocks are placed first fit by address over the free
 *   space of all its regions (libmalloc's segregated free lists are not
 *   modelled; the regions' VA footprint is).  A region whose blocks are all
 *   free goes to the recirculation depot; the depot retains
 *   DEFAULT_RECIRC_RETAINED_REGIONS (2) empty regions per class and a
 *   region that empties while two are retained is deallocated.  Retained
 *   regions are reused first fit like any other.
 *   Every malloc mapping is placed with the entropic hint of
 *   mvm_allocate_pages_securely() (libmalloc src/vm.c).
 *
 * Footprint: `touch` dirties pages, each counted once; unmapping forgets
 * them.  realloc that moves a block copies it, which dirties the copied
 * bytes of the destination.
 *
 * Target linux-model (linux-real.md) is the same machinery with Linux's
 * rules: 4 KiB pages; the window [base, base + window) is the whole map;
 * placement is top-down (the highest hole that fits); anonymous maps whose
 * length is a multiple of 2 MiB and that carry no hint are 2 MiB aligned on
 * kernels >= 6.7 (the padded search of mm/huge_memory.c
 * __thp_get_unmapped_area: the highest hole of length >= len + 2 MiB, the
 * address rounded down to 2 MiB from its top; when no hole is that long,
 * the plain search); a hint is used when [hint, hint + len) is free
 * (rounded down to a page, as x86's arch_get_unmapped_area_topdown does),
 * else the plain search; `fixed` never replaces (MAP_FIXED_NOREPLACE);
 * `align` maps len + align - page and trims the head and tail, as user
 * space does.  The allocator is the kernel: malloc is an mmap of whole
 * pages, free an munmap, realloc a new map, a copy and an munmap.  No JIT
 * rule, no jetsam.  Target linux (the real kernel) runs in linux.c.
 */
#include "core/core.h"
#include "model/store.h"
#include "model/model.h"
#include "real/linux.h"
#include "oracle/oracle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1ull << 20)
#define ANON_CHUNK (128 * MiB)           /* §3: anonymous maps > 128 MiB span several entries */
#define ENTROPIC_KABILLION 0x10000000ull /* 256 MiB, libmalloc src/vm.c */
#define ENTROPIC_SHIFT 25                /* iOS 64-bit: 32 MiB steps */
#define MAXSSIZ (1 * MiB)                /* §5: entropic_limit = USRSTACK64 - 1 MiB - (r << 25) */
#define USRSTACK64 0x16FE00000ull
#define RECIRC_RETAINED 2                /* DEFAULT_RECIRC_RETAINED_REGIONS */
#define LARGE_THRESHOLD VMEX_MALLOC_LARGE /* §5: > 15 KiB is large */
#define THP_SIZE (2 * MiB)               /* PMD_SIZE on x86_64 */
#define LINUX_EINVAL 22

/* VM tags (§3) */
enum { TAG_MALLOC_SMALL = 2, TAG_MALLOC_LARGE = 3, TAG_MALLOC_TINY = 7, TAG_MALLOC_NANO = 11,
       TAG_STACK = 30, TAG_DYLD = 60 };

enum { CLS_NANO = 0, CLS_TINY, CLS_SMALL, CLS_LARGE };

typedef struct rack {
    uint64_t quantum, max, region_size, usable;
    uint8_t tag;
    int fixed;                /* nano: one pre-reserved region, never released */
    vmex_ivtree free;         /* free block space */
    vmex_ivtree regions;      /* [base, base + region_size), attr = live bytes */
    uint32_t empty;           /* empty regions retained in the depot */
} rack;

typedef struct slot {
    uint8_t kind;             /* 0 unbound, 1 mapping, 2 malloc block */
    uint8_t cls;              /* malloc class */
    uint64_t addr, size;      /* mapping: rounded size; block: rounded block size */
    uint64_t req;             /* malloc: the requested bytes */
} slot;
enum { SLOT_NONE = 0, SLOT_MAP, SLOT_BLOCK };

struct vmex_model {
    struct vmex_linux *lx;    /* target linux: the executor (linux.c), NULL until used */
    const vmex_store_vt *vt;
    vmex_store *s;
    const vmex_layout *L;
    slot *slots;
    uint32_t slots_cap;
    rack racks[3];
    uint64_t entropic_address, entropic_limit;
    uint64_t fail_align;      /* alignment of the malloc mapping that failed */
    int warned;
    int real;                 /* the last run was on target linux: state lives in lx */
    int unavailable;          /* the last run failed: target linux cannot run here */
    char error[320];          /* why the last run failed */
};

const vmex_malloc_class _vmex_malloc_classes[3] = {
    {"nano", TAG_MALLOC_NANO, 16, 256, 0, 0},
    {"tiny", TAG_MALLOC_TINY, 16, 1008, 1 * MiB, 64520ull * 16},          /* NUM_TINY_BLOCKS x 16 B */
    {"small", TAG_MALLOC_SMALL, 512, LARGE_THRESHOLD, 8 * MiB, 16319ull * 512}, /* NUM_SMALL_BLOCKS x 512 B */
};

/* ------------------------------------------------------------ lifecycle */
vmex_model *vmex_model_new(int store_kind)
{
    vmex_model *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->vt = store_kind == VMEX_STORE_NAIVE ? &vmex_store_naive : &vmex_store_fast;
    m->s = m->vt->create();
    if (!m->s) {
        free(m);
        return NULL;
    }
    for (int i = 0; i < 3; i++) {
        const vmex_malloc_class *c = &_vmex_malloc_classes[i];
        rack *r = &m->racks[i];
        r->quantum = c->quantum;
        r->max = c->max;
        r->region_size = c->region;
        r->usable = c->usable;
        r->tag = c->tag;
        r->fixed = i == CLS_NANO;
        _vmex_ivt_init(&r->free);
        _vmex_ivt_init(&r->regions);
    }
    return m;
}

void vmex_model_free(vmex_model *m)
{
    if (!m) return;
    _vmex_linux_free(m->lx);
    m->vt->destroy(m->s);
    for (int i = 0; i < 3; i++) {
        _vmex_ivt_free(&m->racks[i].free);
        _vmex_ivt_free(&m->racks[i].regions);
    }
    free(m->slots);
    free(m);
}

static void region_attr(const vmex_region *r, uint32_t *attr)
{
    int tag = r->kind == VMEX_R_STACK ? TAG_STACK : r->kind == VMEX_R_DYLD ? TAG_DYLD
            : r->kind == VMEX_R_NANO ? TAG_MALLOC_NANO : 0;
    int prot = r->kind == VMEX_R_BINARY || r->kind == VMEX_R_SHARED ? VMEX_PROT_RX : VMEX_PROT_RW;
    *attr = VMEX_ATTR(r->kind, tag, prot);
}

static int model_reset(vmex_model *m, const vmex_layout *L, uint32_t nnames)
{
    m->L = L;
    m->vt->reset(m->s, L->floor, L->max_offset);
    for (uint32_t i = 0; i < L->nregions; i++) {
        uint32_t attr;
        region_attr(&L->regions[i], &attr);
        m->vt->insert(m->s, L->regions[i].start, L->regions[i].end - L->regions[i].start, attr);
    }
    for (int i = 0; i < 3; i++) {
        _vmex_ivt_clear(&m->racks[i].free);
        _vmex_ivt_clear(&m->racks[i].regions);
        m->racks[i].empty = 0;
    }
    for (uint32_t i = 0; i < L->nregions; i++)
        if (L->regions[i].kind == VMEX_R_NANO)
            _vmex_ivt_insert(&m->racks[CLS_NANO].free, L->regions[i].start, L->regions[i].end, 0);
    m->entropic_limit = USRSTACK64 - MAXSSIZ - ((uint64_t)L->malloc_entropy << ENTROPIC_SHIFT);
    m->entropic_address = m->entropic_limit - ENTROPIC_KABILLION;
    m->warned = 0;
    if (nnames > m->slots_cap) {
        slot *ns = realloc(m->slots, nnames * sizeof *ns);
        if (!ns) return -1;
        m->slots = ns;
        m->slots_cap = nnames;
    }
    if (nnames) memset(m->slots, 0, nnames * sizeof *m->slots);
    return 0;
}

/* ------------------------------------------------------------ vm_map */
/* First fit at or above a hint (§3): below the floor starts at the floor,
 * at or above max fails. */
static int place(vmex_model *m, uint64_t hint, uint64_t size, uint64_t align, uint64_t *addr)
{
    const vmex_layout *L = m->L;
    if (hint >= L->max_offset || size > L->max_offset - L->floor) return -1;
    return m->vt->fit(m->s, hint < L->floor ? L->floor : hint, size, align, addr);
}

/* Enter an anonymous mapping: several entries above 128 MiB (§3); one VMA on Linux. */
static void enter(vmex_model *m, uint64_t addr, uint64_t size, uint32_t attr)
{
    if (m->L->target != VMEX_TARGET_XNU) {
        m->vt->insert(m->s, addr, size, attr);
        return;
    }
    for (uint64_t at = 0; at < size; at += ANON_CHUNK)
        m->vt->insert(m->s, addr + at, size - at < ANON_CHUNK ? size - at : ANON_CHUNK, attr);
}

typedef struct overlap_ctx { uint64_t lo, hi; int bad; } overlap_ctx;
static void overlap_one(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    overlap_ctx *o = c;
    if (lo < o->hi && hi > o->lo && VMEX_ATTR_KIND(attr) != VMEX_R_APP) o->bad = 1;
}

/* May mmap(MAP_FIXED) replace [a, a+size)?  Not over the pristine regions
 * or malloc's memory: a real app doing that crashes; the model refuses. */
static int overwritable(vmex_model *m, uint64_t a, uint64_t size)
{
    if (m->vt->is_free(m->s, a, size)) return 1;
    overlap_ctx o = {a, a + size, 0};
    m->vt->walk(m->s, a, a + size, overlap_one, &o);
    return !o.bad;
}

/* ------------------------------------------------------------ Linux */
/* Top-down placement of an anonymous map of `size` bytes with no hint,
 * with the 2 MiB rule when it applies (see the top of this file).  Shared
 * anonymous maps never take it: mm/mmap.c __get_unmapped_area sends
 * MAP_SHARED to shmem_get_unmapped_area, which with shmem THP off
 * (transparent_hugepage/shmem_enabled = never, the default) is the plain
 * search. */
static int linux_place(vmex_model *m, uint64_t size, int shared, uint64_t *addr)
{
    uint64_t a;
    if (m->L->thp && !shared && size % THP_SIZE == 0 &&
        !m->vt->fit_top(m->s, size + THP_SIZE, m->L->page, &a)) {
        *addr = VMEX_ALIGN_DOWN(a + THP_SIZE, THP_SIZE);   /* rounddown(hole top - size, 2 MiB) */
        return 0;
    }
    return m->vt->fit_top(m->s, size, m->L->page, addr);
}

/* mmap(NULL or hint, size) with align (user space's over-map and trim):
 * 0 and the address, or -1 with *req the request that failed. */
static int linux_map(vmex_model *m, uint64_t size, uint64_t hint, uint64_t align, int shared, uint64_t *addr,
                     uint64_t *req)
{
    const vmex_layout *L = m->L;
    if (align > L->page) {
        uint64_t padded = size + align - L->page, p;
        *req = padded;
        if (linux_place(m, padded, shared, &p)) return -1;
        *addr = VMEX_ALIGN_UP(p, align);
        return 0;
    }
    *req = size;
    if (hint) {
        hint = VMEX_ALIGN_DOWN(hint, L->page);
        if (hint >= L->min_offset && hint < L->max_offset && size <= L->max_offset - hint &&
            m->vt->is_free(m->s, hint, size)) {
            *addr = hint;
            return 0;
        }
        return m->vt->fit_top(m->s, size, L->page, addr);   /* a hint turns the 2 MiB rule off */
    }
    return linux_place(m, size, shared, addr);
}

/* ------------------------------------------------------------ libmalloc */
/* mvm_allocate_pages_securely(): the entropic range (libmalloc src/vm.c). */
static int malloc_map(vmex_model *m, uint64_t size, uint64_t align, uint8_t tag, uint64_t *out)
{
    uint64_t addr;
    for (;;) {
        if (place(m, m->entropic_address, size, align, &addr) &&
            place(m, VMEX_PAGE, size, align, &addr))   /* KERN_NO_SPACE: retry from the bottom */
            return -1;
        if (addr + size > m->entropic_limit) {          /* exhausted the current range? */
            uint64_t t = m->entropic_address, u = t - ENTROPIC_KABILLION;
            if (u < t) {                                /* no wrap: widen and retry */
                m->entropic_address = u;
                continue;
            }
        }
        if (addr < m->entropic_address) {               /* wrapped to find it: widen */
            uint64_t t = m->entropic_address, u = t - ENTROPIC_KABILLION;
            if (u < t) m->entropic_address = u;
        }
        break;
    }
    enter(m, addr, size, VMEX_ATTR(VMEX_R_MALLOC, tag, VMEX_PROT_RW));
    *out = addr;
    return 0;
}

static int malloc_class(const vmex_model *m, uint64_t n)
{
    if (n <= m->racks[CLS_NANO].max && m->L->nano) return CLS_NANO;
    if (n <= m->racks[CLS_TINY].max) return CLS_TINY;
    if (n <= LARGE_THRESHOLD) return CLS_SMALL;
    return CLS_LARGE;
}

static uint64_t block_size(const vmex_model *m, int cls, uint64_t n)
{
    if (n == 0) n = 1;
    uint64_t q = cls == CLS_LARGE ? VMEX_PAGE : m->racks[cls].quantum;
    return VMEX_ALIGN_UP(n, q);
}

static void region_live(rack *r, uint64_t addr, int64_t delta)
{
    uint32_t g = _vmex_ivt_find(&r->regions, addr);
    if (!g) return;
    uint32_t before = r->regions.v[g].attr;
    r->regions.v[g].attr = (uint32_t)((int64_t)before + delta);
    if (before == 0 && delta > 0) r->empty--;
}

/* Allocate a block of class cls; on failure *req is the VA request that failed. */
static int rack_alloc(vmex_model *m, int cls, uint64_t bsize, uint64_t *addr, uint64_t *req)
{
    rack *r = &m->racks[cls];
    uint64_t a;
    if (!_vmex_ivt_fit(&r->free, 0, bsize, r->quantum, &a)) {
        if (r->fixed) return -1;
        uint64_t base;
        if (malloc_map(m, r->region_size, r->region_size, r->tag, &base)) {
            *req = r->region_size;
            m->fail_align = r->region_size;
            return -1;
        }
        _vmex_ivt_insert(&r->regions, base, base + r->region_size, 0);
        r->empty++;
        _vmex_ivt_unite(&r->free, base, base + r->usable);
        a = base;
    }
    _vmex_ivt_cut(&r->free, a, a + bsize, NULL, NULL);
    if (!r->fixed) region_live(r, a, (int64_t)bsize);
    *addr = a;
    return 0;
}

static void rack_free(vmex_model *m, int cls, uint64_t addr, uint64_t bsize)
{
    rack *r = &m->racks[cls];
    _vmex_ivt_unite(&r->free, addr, addr + bsize);
    if (r->fixed) return;
    uint32_t g = _vmex_ivt_find(&r->regions, addr);
    if (!g) return;
    r->regions.v[g].attr -= (uint32_t)bsize;
    if (r->regions.v[g].attr) return;
    if (r->empty < RECIRC_RETAINED) {   /* retained in the depot */
        r->empty++;
        return;
    }
    uint64_t base = r->regions.v[g].lo;
    _vmex_ivt_cut(&r->free, base, base + r->usable, NULL, NULL);
    _vmex_ivt_cut(&r->regions, base, base + r->region_size, NULL, NULL);
    m->vt->remove(m->s, base, r->region_size);
}

static int do_malloc(vmex_model *m, uint64_t n, slot *out, uint64_t *req)
{
    int cls = malloc_class(m, n);
    uint64_t bsize = block_size(m, cls, n), addr;
    *req = bsize;
    m->fail_align = VMEX_PAGE;
    if (cls == CLS_NANO) {
        if (!rack_alloc(m, CLS_NANO, bsize, &addr, req)) goto done;
        cls = CLS_TINY;   /* nano full: the helper zone takes it */
        bsize = block_size(m, cls, n);
    }
    if (cls == CLS_LARGE) {
        if (malloc_map(m, bsize, VMEX_PAGE, TAG_MALLOC_LARGE, &addr)) return -1;
    } else if (rack_alloc(m, cls, bsize, &addr, req))
        return -1;
done:
    *out = (slot){SLOT_BLOCK, (uint8_t)cls, addr, bsize, n};
    return 0;
}

static void do_free(vmex_model *m, const slot *b)
{
    if (b->cls == CLS_LARGE)
        m->vt->remove(m->s, b->addr, b->size);
    else
        rack_free(m, b->cls, b->addr, b->size);
}

static void dirty(vmex_model *m, uint64_t a, uint64_t n)
{
    if (!n) return;
    uint64_t lo = VMEX_ALIGN_DOWN(a, m->L->page), hi = VMEX_ALIGN_UP(a + n, m->L->page);
    m->vt->touch(m->s, lo, hi - lo);
}

/* realloc: in place when the class stays and the space allows, else move. */
static int do_realloc(vmex_model *m, const slot *old, uint64_t n, slot *out, uint64_t *req)
{
    int cls = malloc_class(m, n);
    uint64_t bsize = block_size(m, cls, n);
    *req = bsize;
    m->fail_align = VMEX_PAGE;
    if (cls == old->cls && cls != CLS_LARGE) {
        rack *r = &m->racks[cls];
        if (bsize <= old->size) {   /* shrink in place */
            if (bsize < old->size) {
                _vmex_ivt_unite(&r->free, old->addr + bsize, old->addr + old->size);
                if (!r->fixed) region_live(r, old->addr, -(int64_t)(old->size - bsize));
            }
            *out = (slot){SLOT_BLOCK, (uint8_t)cls, old->addr, bsize, n};
            return 0;
        }
        uint32_t f = _vmex_ivt_find(&r->free, old->addr + old->size);
        if (f && r->free.v[f].lo == old->addr + old->size && r->free.v[f].hi >= old->addr + bsize) {
            _vmex_ivt_cut(&r->free, old->addr + old->size, old->addr + bsize, NULL, NULL);
            if (!r->fixed) region_live(r, old->addr, (int64_t)(bsize - old->size));
            *out = (slot){SLOT_BLOCK, (uint8_t)cls, old->addr, bsize, n};
            return 0;
        }
    } else if (cls == CLS_LARGE && old->cls == CLS_LARGE) {
        if (bsize <= old->size) {   /* large_try_shrink_in_place */
            m->vt->remove(m->s, old->addr + bsize, old->size - bsize);
            *out = (slot){SLOT_BLOCK, CLS_LARGE, old->addr, bsize, n};
            return 0;
        }
        uint64_t tail = old->addr + old->size;   /* large_try_realloc_in_place */
        if (tail + (bsize - old->size) <= m->L->max_offset && m->vt->is_free(m->s, tail, bsize - old->size)) {
            enter(m, tail, bsize - old->size, VMEX_ATTR(VMEX_R_MALLOC, TAG_MALLOC_LARGE, VMEX_PROT_RW));
            *out = (slot){SLOT_BLOCK, CLS_LARGE, old->addr, bsize, n};
            return 0;
        }
    }
    if (do_malloc(m, n, out, req)) return -1;
    dirty(m, out->addr, old->req < n ? old->req : n);   /* the copy writes the destination */
    do_free(m, old);
    return 0;
}

/* ------------------------------------------------------------ the oracle */
static void classify(const vmex_model *m, uint64_t req, uint64_t align, vmex_opres *r)
{
    vmex_stats st;
    m->vt->stats(m->s, &st);
    _vmex_classify(m->L, req, align, st.free, 0, r);
}

/* ------------------------------------------------------------ ops */
static void not_rw(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    if (VMEX_ATTR_PROT(attr) != VMEX_PROT_RW) *(int *)c = 1;
}

static void no_read(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    if (VMEX_ATTR_PROT(attr) == VMEX_PROT_NONE) *(int *)c = 1;
}

/* Linux: may [lo, hi) be read (mapped, and not PROT_NONE)? */
static int readable(const vmex_model *m, uint64_t lo, uint64_t hi)
{
    int bad = 0;
    if (!m->vt->is_mapped(m->s, lo, hi - lo)) return 0;
    m->vt->walk(m->s, lo, hi, no_read, &bad);
    return !bad;
}

/* Linux: a write to a page without PROT_WRITE faults (the executor reports
 * it as not mapped); XNU's model counts the pages of any mapping. */
static int writable(const vmex_model *m, uint64_t lo, uint64_t hi)
{
    int bad = 0;
    m->vt->walk(m->s, lo, hi, not_rw, &bad);
    return !bad;
}

static int op_range(const vmex_op *op, const slot *s, uint64_t *a, uint64_t *n)
{
    if (!(op->flags & VMEX_F_RANGE)) {
        *a = s->addr;
        *n = s->size;
        return 0;
    }
    if (op->off >= s->size || op->len > s->size - op->off || op->len == 0) return -1;
    *a = s->addr + op->off;
    *n = op->len;
    return 0;
}

static void fail_nospace(vmex_model *m, uint64_t req, uint64_t align, vmex_opres *r)
{
    r->status = VMEX_ST_FAILED;
    r->why = VMEX_WHY_NOSPACE;
    classify(m, req, align, r);
}

/* mmap and vm_allocate on linux-model */
static void linux_run_map(vmex_model *m, const vmex_op *op, vmex_opres *r, slot *out)
{
    const vmex_layout *L = m->L;
    uint64_t size = VMEX_ALIGN_UP(op->size, L->page), addr, req;
    uint64_t align = (op->flags & VMEX_F_ALIGN) && op->align > L->page ? op->align : L->page;
    int is_mmap = op->kind == VMEX_OP_MMAP;
    r->size = size;
    if (!size) {
        r->status = VMEX_ST_FAILED;
        r->why = VMEX_WHY_ERRNO;
        r->value = LINUX_EINVAL;
        return;
    }
    if (op->flags & VMEX_F_FIXED) {
        addr = op->addr;
        if (addr % L->page || addr < L->min_offset || addr >= L->max_offset || size > L->max_offset - addr) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_RANGE;
            return;
        }
        if (!m->vt->is_free(m->s, addr, size)) {   /* MAP_FIXED_NOREPLACE: EEXIST */
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_OCCUPIED;
            return;
        }
    } else if (linux_map(m, size, is_mmap && (op->flags & VMEX_F_HINT) ? op->addr : 0, align,
                         is_mmap && (op->flags & VMEX_F_SHARED), &addr, &req)) {
        fail_nospace(m, req, L->page, r);
        return;
    }
    int tag = op->flags & VMEX_F_TAG ? op->tag : 0;
    enter(m, addr, size, VMEX_ATTR(VMEX_R_APP, tag, is_mmap ? op->prot : VMEX_PROT_RW));
    r->addr = addr;
    *out = (slot){SLOT_MAP, 0, addr, size, size};
}

/* malloc with the kernel as the allocator: whole pages of their own */
static int linux_malloc(vmex_model *m, uint64_t n, slot *out, uint64_t *req)
{
    uint64_t size = VMEX_ALIGN_UP(n ? n : 1, m->L->page), addr;
    if (linux_map(m, size, 0, m->L->page, 0, &addr, req)) return -1;
    enter(m, addr, size, VMEX_ATTR(VMEX_R_MALLOC, 0, VMEX_PROT_RW));
    *out = (slot){SLOT_BLOCK, CLS_LARGE, addr, size, n};
    return 0;
}

static void run_map(vmex_model *m, const vmex_op *op, vmex_opres *r, slot *out)
{
    const vmex_layout *L = m->L;
    if (L->target != VMEX_TARGET_XNU) {
        linux_run_map(m, op, r, out);
        return;
    }
    uint64_t size = VMEX_ALIGN_UP(op->size, VMEX_PAGE), addr;
    uint64_t align = (op->flags & VMEX_F_ALIGN) && op->align > VMEX_PAGE ? op->align : VMEX_PAGE;
    int is_mmap = op->kind == VMEX_OP_MMAP;
    r->size = size;
    if (is_mmap && (op->flags & VMEX_F_JIT) && !(L->ents & VMEX_ENT_JIT)) {
        r->status = VMEX_ST_FAILED;
        r->why = VMEX_WHY_JIT;
        return;
    }
    if (op->flags & VMEX_F_FIXED) {
        addr = op->addr;
        if (addr % align || addr < L->min_offset || addr >= L->max_offset || size > L->max_offset - addr) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_RANGE;
            return;
        }
        if (is_mmap ? !overwritable(m, addr, size) : !m->vt->is_free(m->s, addr, size)) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_OCCUPIED;
            return;
        }
        if (is_mmap) m->vt->remove(m->s, addr, size);   /* MAP_FIXED overwrites atomically */
    } else {
        uint64_t hint = is_mmap && (op->flags & VMEX_F_HINT) ? op->addr : 0;
        if (place(m, hint, size, align, &addr) && (hint == 0 || place(m, 0, size, align, &addr))) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_NOSPACE;
            classify(m, size, align, r);
            return;
        }
    }
    int tag = op->flags & VMEX_F_TAG ? op->tag : 0;
    enter(m, addr, size, VMEX_ATTR(VMEX_R_APP, tag, is_mmap ? op->prot : VMEX_PROT_RW));
    r->addr = addr;
    *out = (slot){SLOT_MAP, 0, addr, size, size};
}

static void run_op(vmex_model *m, const vmex_op *op, vmex_opres *r)
{
    int on_linux = m->L->target != VMEX_TARGET_XNU;
    slot *src = op->src >= 0 ? &m->slots[op->src] : NULL;
    slot got = {0};
    if (vmex_op_uses(op->kind) && (!src || src->kind == SLOT_NONE)) {
        r->status = VMEX_ST_SKIPPED;
        r->why = VMEX_WHY_UNBOUND;
        if (op->dst >= 0) m->slots[op->dst].kind = SLOT_NONE;
        return;
    }
    switch (op->kind) {
    case VMEX_OP_MMAP:
    case VMEX_OP_VM_ALLOCATE:
        run_map(m, op, r, &got);
        break;
    case VMEX_OP_MALLOC: {
        uint64_t req;
        if (on_linux && linux_malloc(m, op->size, &got, &req)) {
            fail_nospace(m, req, m->L->page, r);
        } else if (on_linux) {
            r->addr = got.addr;
            r->size = got.size;
        } else if (do_malloc(m, op->size, &got, &req)) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_NOSPACE;
            classify(m, req, m->fail_align, r);
        } else {
            r->addr = got.addr;
            r->size = got.size;
        }
        break;
    }
    case VMEX_OP_REALLOC: {
        uint64_t req;
        if (src->kind != SLOT_BLOCK) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_KIND;
        } else if (on_linux) {   /* a new map, the copy, the old one unmapped */
            uint64_t copy = src->req < op->size ? src->req : op->size;
            if (linux_malloc(m, op->size, &got, &req)) {
                fail_nospace(m, req, m->L->page, r);
            } else if (copy && !readable(m, src->addr, src->addr + VMEX_ALIGN_UP(copy, m->L->page))) {
                /* a munmap over the block's range took its pages: the copy
                 * faults (the executor catches it), the new map goes again */
                m->vt->remove(m->s, got.addr, got.size);
                r->status = VMEX_ST_FAILED;
                r->why = VMEX_WHY_NOTMAPPED;
            } else {
                dirty(m, got.addr, copy);
                m->vt->remove(m->s, src->addr, src->size);
                src->kind = SLOT_NONE;
                r->addr = got.addr;
                r->size = got.size;
            }
        } else if (do_realloc(m, src, op->size, &got, &req)) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_NOSPACE;
            classify(m, req, m->fail_align, r);
        } else {
            src->kind = SLOT_NONE;
            r->addr = got.addr;
            r->size = got.size;
        }
        break;
    }
    case VMEX_OP_FREE:
        if (src->kind != SLOT_BLOCK) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_KIND;
            break;
        }
        r->addr = src->addr;
        r->size = src->size;
        do_free(m, src);
        src->kind = SLOT_NONE;
        break;
    case VMEX_OP_MUNMAP: {
        uint64_t a, n;
        if (src->kind != SLOT_MAP) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_KIND;
        } else if (op_range(op, src, &a, &n) || a % m->L->page) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_BADRANGE;
        } else {
            n = VMEX_ALIGN_UP(n, m->L->page);
            m->vt->remove(m->s, a, n);
            r->addr = a;
            r->size = n;
            if (!(op->flags & VMEX_F_RANGE)) src->kind = SLOT_NONE;
        }
        break;
    }
    case VMEX_OP_TOUCH: {
        uint64_t a, n, lo, hi;
        if (op_range(op, src, &a, &n)) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_BADRANGE;
            break;
        }
        lo = VMEX_ALIGN_DOWN(a, m->L->page);
        hi = VMEX_ALIGN_UP(a + n, m->L->page);
        r->addr = lo;
        r->size = hi - lo;
        if (!m->vt->is_mapped(m->s, lo, hi - lo) || (on_linux && !writable(m, lo, hi))) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_NOTMAPPED;
            break;
        }
        m->vt->touch(m->s, lo, hi - lo);
        vmex_stats st;
        m->vt->stats(m->s, &st);
        r->value = st.footprint;
        if (!m->warned && st.footprint >= m->L->footprint_warn) {
            m->warned = 1;
            r->warn = 1;
        }
        if (st.footprint > m->L->footprint_limit) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_JETSAM;
            r->cls = VMEX_JETSAM;
            r->req = hi - lo;
            r->margin = (double)st.footprint / (double)m->L->footprint_limit;
        }
        break;
    }
    case VMEX_OP_CHECK: {
        vmex_stats st;
        m->vt->stats(m->s, &st);
        uint64_t v = op->metric == VMEX_M_FREE ? st.free : op->metric == VMEX_M_LARGEST ? st.largest
                   : op->metric == VMEX_M_MAPPED ? st.mapped : st.footprint;
        r->value = v;
        if (op->cmp == VMEX_CMP_GE ? v < op->size : v > op->size) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_CHECK;
        }
        break;
    }
    }
    if (op->dst >= 0) m->slots[op->dst] = r->status == VMEX_ST_OK ? got : (slot){0};
}

void vmex_runopts_init(vmex_runopts *o)
{
    memset(o, 0, sizeof *o);
    o->large = VMEX_DEFAULT_LARGE;
}

int vmex_model_start(vmex_model *m, const vmex_layout *L, uint32_t nslots)
{
    m->real = 0;
    if (L->target == VMEX_TARGET_LINUX) {   /* the executor runs whole programs */
        snprintf(m->error, sizeof m->error, "target linux runs whole programs, not op by op: use linux-model");
        return -1;
    }
    return model_reset(m, L, nslots);
}

const char *vmex_model_error(const vmex_model *m) { return m->error[0] ? m->error : "out of memory"; }
int vmex_model_unavailable(const vmex_model *m) { return m->unavailable; }
void _vmex_model_set_error(vmex_model *m, const char *msg, int unavailable)
{
    snprintf(m->error, sizeof m->error, "%s", msg);
    m->unavailable = unavailable;
}

void vmex_model_step(vmex_model *m, const vmex_op *op, uint32_t i, const vmex_runopts *o, vmex_opres *r)
{
    memset(r, 0, sizeof *r);
    r->i = i;
    run_op(m, op, r);
    r->finding = (uint8_t)_vmex_is_finding(op, r, o);
}

int vmex_model_run(vmex_model *m, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                   vmex_result *res)
{
    vmex_runopts def;
    if (!o) {
        vmex_runopts_init(&def);
        o = &def;
    }
    _vmex_result_begin(res);
    m->error[0] = '\0';
    m->real = L->target == VMEX_TARGET_LINUX;
    m->unavailable = 0;
    if (m->real) {
        int rc = _vmex_linux_run(&m->lx, L, p, o, res, m->error, sizeof m->error);
        m->unavailable = rc == -2;
        return rc ? -1 : 0;
    }
    if (model_reset(m, L, p->nnames)) return -1;
    for (uint32_t i = 0; i < p->nops; i++) {
        vmex_opres r;
        vmex_model_step(m, &p->ops[i], i, o, &r);
        if (_vmex_result_add(res, &p->ops[i], &r, o)) break;
    }
    m->vt->stats(m->s, &res->st);
    return 0;
}

void vmex_model_stats(const vmex_model *m, vmex_stats *st)
{
    if (m->real) _vmex_linux_stats(m->lx, st);
    else m->vt->stats(m->s, st);
}

typedef struct walk_ctx { vmex_entry_fn cb; void *ctx; } walk_ctx;
static void walk_one(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    walk_ctx *w = c;
    w->cb(w->ctx, lo, hi, VMEX_ATTR_KIND(attr), VMEX_ATTR_TAG(attr), VMEX_ATTR_PROT(attr));
}

void vmex_model_walk(const vmex_model *m, vmex_entry_fn cb, void *ctx)
{
    if (m->real) {
        _vmex_linux_walk(m->lx, cb, ctx);
        return;
    }
    walk_ctx w = {cb, ctx};
    m->vt->walk(m->s, 0, UINT64_MAX, walk_one, &w);
}
