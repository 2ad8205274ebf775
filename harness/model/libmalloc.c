/*
 * libmalloc.c - the malloc of an iOS app, as the xnu backend models it
 * (docs/xnu-model.md §5):
 *   - nano (<= 256 B, 16 B quantum) inside the fixed 512 MiB nano region;
 *     when it is full (or nano is off) requests go to tiny;
 *   - tiny (<= 1008 B, 16 B quantum): 1 MiB regions aligned to 1 MiB, of
 *     which NUM_TINY_BLOCKS (64520) x 16 B are usable (libmalloc
 *     magazine_zone.h; the rest is the region's metadata);
 *   - small (<= 15 KiB, 512 B quantum): 8 MiB regions aligned to 8 MiB,
 *     NUM_SMALL_BLOCKS (16319) x 512 B usable;
 *   - large (> 15 KiB): its own page-rounded mapping, freed at once (iOS
 *     has no large cache: LARGE_CACHE is off on embedded targets).
 * Inside a class, blocks are placed first fit by address over the free
 * space of all its regions (libmalloc's segregated free lists are not
 * modelled; the regions' VA footprint is).  A region whose blocks are all
 * free goes to the recirculation depot; the depot retains
 * DEFAULT_RECIRC_RETAINED_REGIONS (2) empty regions per class and a region
 * that empties while two are retained is deallocated.  Retained regions are
 * reused first fit like any other.
 * Every malloc mapping is placed with the entropic hint of
 * mvm_allocate_pages_securely() (libmalloc src/vm.c), through the vm_map
 * rules of xnu.c.  realloc that moves a block copies it, which dirties the
 * copied bytes of the destination.
 */
#include "model/libmalloc.h"
#include "model/model.h"

#define MiB (1ull << 20)
#define ENTROPIC_KABILLION 0x10000000ull /* 256 MiB, libmalloc src/vm.c */
#define ENTROPIC_SHIFT 25                /* iOS 64-bit: 32 MiB steps */
#define MAXSSIZ (1 * MiB)                /* §5: entropic_limit = USRSTACK64 - 1 MiB - (r << 25) */
#define USRSTACK64 0x16FE00000ull
#define RECIRC_RETAINED 2                /* DEFAULT_RECIRC_RETAINED_REGIONS */
#define LARGE_THRESHOLD VMEX_MALLOC_LARGE /* §5: > 15 KiB is large */

enum { CLS_NANO = 0, CLS_TINY, CLS_SMALL, CLS_LARGE };

const vmex_malloc_class _vmex_malloc_classes[3] = {
    {"nano", VMEX_TAG_MALLOC_NANO, 16, 256, 0, 0},
    {"tiny", VMEX_TAG_MALLOC_TINY, 16, 1008, 1 * MiB, 64520ull * 16},          /* NUM_TINY_BLOCKS x 16 B */
    {"small", VMEX_TAG_MALLOC_SMALL, 512, LARGE_THRESHOLD, 8 * MiB, 16319ull * 512}, /* NUM_SMALL_BLOCKS x 512 B */
};

/* ------------------------------------------------------------ lifecycle */
void _vmex_libmalloc_init(vmex_libmalloc *z)
{
    for (int i = 0; i < 3; i++) {
        const vmex_malloc_class *c = &_vmex_malloc_classes[i];
        vmex_rack *r = &z->racks[i];
        r->quantum = c->quantum;
        r->max = c->max;
        r->region_size = c->region;
        r->usable = c->usable;
        r->tag = c->tag;
        r->fixed = i == CLS_NANO;
        _vmex_ivt_init(&r->free);
        _vmex_ivt_init(&r->regions);
    }
}

void _vmex_libmalloc_free(vmex_libmalloc *z)
{
    for (int i = 0; i < 3; i++) {
        _vmex_ivt_free(&z->racks[i].free);
        _vmex_ivt_free(&z->racks[i].regions);
    }
}

void _vmex_libmalloc_reset(vmex_libmalloc *z, const vmex_layout *L)
{
    for (int i = 0; i < 3; i++) {
        _vmex_ivt_clear(&z->racks[i].free);
        _vmex_ivt_clear(&z->racks[i].regions);
        z->racks[i].empty = 0;
    }
    for (uint32_t i = 0; i < L->nregions; i++)
        if (L->regions[i].kind == VMEX_R_NANO)
            _vmex_ivt_insert(&z->racks[CLS_NANO].free, L->regions[i].start, L->regions[i].end, 0);
    z->entropic_limit = USRSTACK64 - MAXSSIZ - ((uint64_t)L->malloc_entropy << ENTROPIC_SHIFT);
    z->entropic_address = z->entropic_limit - ENTROPIC_KABILLION;
}

/* ------------------------------------------------------------ mappings */
/* mvm_allocate_pages_securely(): the entropic range (libmalloc src/vm.c). */
static int malloc_map(vmex_sim *s, uint64_t size, uint64_t align, uint8_t tag, uint64_t *out)
{
    vmex_libmalloc *z = s->ext;
    uint64_t addr;
    for (;;) {
        if (_vmex_xnu_place(s, z->entropic_address, size, align, &addr) &&
            _vmex_xnu_place(s, VMEX_PAGE, size, align, &addr))   /* KERN_NO_SPACE: retry from the bottom */
            return -1;
        if (addr + size > z->entropic_limit) {          /* exhausted the current range? */
            uint64_t t = z->entropic_address, u = t - ENTROPIC_KABILLION;
            if (u < t) {                                /* no wrap: widen and retry */
                z->entropic_address = u;
                continue;
            }
        }
        if (addr < z->entropic_address) {               /* wrapped to find it: widen */
            uint64_t t = z->entropic_address, u = t - ENTROPIC_KABILLION;
            if (u < t) z->entropic_address = u;
        }
        break;
    }
    _vmex_xnu_enter(s, addr, size, VMEX_ATTR(VMEX_R_MALLOC, tag, VMEX_PROT_RW));
    *out = addr;
    return 0;
}

/* ------------------------------------------------------------ racks */
static int malloc_class(const vmex_sim *s, uint64_t n)
{
    const vmex_libmalloc *z = s->ext;
    if (n <= z->racks[CLS_NANO].max && s->L->nano) return CLS_NANO;
    if (n <= z->racks[CLS_TINY].max) return CLS_TINY;
    if (n <= LARGE_THRESHOLD) return CLS_SMALL;
    return CLS_LARGE;
}

static uint64_t block_size(const vmex_sim *s, int cls, uint64_t n)
{
    const vmex_libmalloc *z = s->ext;
    if (n == 0) n = 1;
    uint64_t q = cls == CLS_LARGE ? VMEX_PAGE : z->racks[cls].quantum;
    return VMEX_ALIGN_UP(n, q);
}

static void region_live(vmex_rack *r, uint64_t addr, int64_t delta)
{
    uint32_t g = _vmex_ivt_find(&r->regions, addr);
    if (!g) return;
    uint32_t before = r->regions.v[g].attr;
    r->regions.v[g].attr = (uint32_t)((int64_t)before + delta);
    if (before == 0 && delta > 0) r->empty--;
}

/* Allocate a block of class cls; on failure *req and *align are the VA
 * request that failed. */
static int rack_alloc(vmex_sim *s, int cls, uint64_t bsize, uint64_t *addr, uint64_t *req, uint64_t *align)
{
    vmex_rack *r = &((vmex_libmalloc *)s->ext)->racks[cls];
    uint64_t a;
    if (!_vmex_ivt_fit(&r->free, 0, bsize, r->quantum, &a)) {
        if (r->fixed) return -1;
        uint64_t base;
        if (malloc_map(s, r->region_size, r->region_size, r->tag, &base)) {
            *req = r->region_size;
            *align = r->region_size;
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

static void rack_free(vmex_sim *s, int cls, uint64_t addr, uint64_t bsize)
{
    vmex_rack *r = &((vmex_libmalloc *)s->ext)->racks[cls];
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
    s->vt->remove(s->s, base, r->region_size);
}

/* ------------------------------------------------------------ malloc, free, realloc */
int _vmex_libmalloc_malloc(vmex_sim *s, uint64_t n, vmex_slot *out, uint64_t *req, uint64_t *align)
{
    int cls = malloc_class(s, n);
    uint64_t bsize = block_size(s, cls, n), addr;
    *req = bsize;
    *align = VMEX_PAGE;
    if (cls == CLS_NANO) {
        if (!rack_alloc(s, CLS_NANO, bsize, &addr, req, align)) goto done;
        cls = CLS_TINY;   /* nano full: the helper zone takes it */
        bsize = block_size(s, cls, n);
    }
    if (cls == CLS_LARGE) {
        if (malloc_map(s, bsize, VMEX_PAGE, VMEX_TAG_MALLOC_LARGE, &addr)) return -1;
    } else if (rack_alloc(s, cls, bsize, &addr, req, align))
        return -1;
done:
    *out = (vmex_slot){VMEX_SLOT_BLOCK, (uint8_t)cls, addr, bsize, n};
    return 0;
}

void _vmex_libmalloc_release(vmex_sim *s, const vmex_slot *b)
{
    if (b->cls == CLS_LARGE)
        s->vt->remove(s->s, b->addr, b->size);
    else
        rack_free(s, b->cls, b->addr, b->size);
}

/* realloc: in place when the class stays and the space allows, else move. */
int _vmex_libmalloc_realloc(vmex_sim *s, const vmex_slot *old, uint64_t n, vmex_slot *out, uint64_t *req,
                            uint64_t *align)
{
    int cls = malloc_class(s, n);
    uint64_t bsize = block_size(s, cls, n);
    *req = bsize;
    *align = VMEX_PAGE;
    if (cls == old->cls && cls != CLS_LARGE) {
        vmex_rack *r = &((vmex_libmalloc *)s->ext)->racks[cls];
        if (bsize <= old->size) {   /* shrink in place */
            if (bsize < old->size) {
                _vmex_ivt_unite(&r->free, old->addr + bsize, old->addr + old->size);
                if (!r->fixed) region_live(r, old->addr, -(int64_t)(old->size - bsize));
            }
            *out = (vmex_slot){VMEX_SLOT_BLOCK, (uint8_t)cls, old->addr, bsize, n};
            return 0;
        }
        uint32_t f = _vmex_ivt_find(&r->free, old->addr + old->size);
        if (f && r->free.v[f].lo == old->addr + old->size && r->free.v[f].hi >= old->addr + bsize) {
            _vmex_ivt_cut(&r->free, old->addr + old->size, old->addr + bsize, NULL, NULL);
            if (!r->fixed) region_live(r, old->addr, (int64_t)(bsize - old->size));
            *out = (vmex_slot){VMEX_SLOT_BLOCK, (uint8_t)cls, old->addr, bsize, n};
            return 0;
        }
    } else if (cls == CLS_LARGE && old->cls == CLS_LARGE) {
        if (bsize <= old->size) {   /* large_try_shrink_in_place */
            s->vt->remove(s->s, old->addr + bsize, old->size - bsize);
            *out = (vmex_slot){VMEX_SLOT_BLOCK, CLS_LARGE, old->addr, bsize, n};
            return 0;
        }
        uint64_t tail = old->addr + old->size;   /* large_try_realloc_in_place */
        if (tail + (bsize - old->size) <= s->L->max_offset && s->vt->is_free(s->s, tail, bsize - old->size)) {
            _vmex_xnu_enter(s, tail, bsize - old->size,
                            VMEX_ATTR(VMEX_R_MALLOC, VMEX_TAG_MALLOC_LARGE, VMEX_PROT_RW));
            *out = (vmex_slot){VMEX_SLOT_BLOCK, CLS_LARGE, old->addr, bsize, n};
            return 0;
        }
    }
    if (_vmex_libmalloc_malloc(s, n, out, req, align)) return -1;
    _vmex_sim_dirty(s, out->addr, old->req < n ? old->req : n);   /* the copy writes the destination */
    _vmex_libmalloc_release(s, old);
    return 0;
}
