/*
 * xzone.c - xzone malloc, as the xnu backend models it (docs/xnu-model.md
 * §8; libmalloc-792.41.1 src/xzone_malloc/xzone_malloc.h, xzone_malloc.c,
 * xzone_segment.c and doc/xzone_malloc.md, the first tag that publishes
 * it):
 *   - memory comes in 4 MiB segments (XZM_SEGMENT_SIZE), 4 MiB aligned,
 *     tagged MALLOC_SMALL, cut into 16 KiB slices;
 *   - tiny blocks (<= 4 KiB) live in 16 KiB chunks, small ones (<= 32 KiB)
 *     in 64 KiB chunks; each chunk serves one size class (a bin of
 *     _xzm_bin_sizes[]: 16 B steps to 128 B, then four steps per power of
 *     two) and stays with it once made (type isolation keeps empty chunks);
 *   - large blocks (<= 2 MiB, XZM_LARGE_BLOCK_SIZE_MAX) are spans of whole
 *     slices, given back to their segment when freed; a segment whose
 *     slices are all free is unmapped;
 *   - a huge block (more) is a mapping of its own, rounded to 16 KiB,
 *     4 MiB aligned, tagged MALLOC_LARGE, unmapped when freed (the huge
 *     cache is off on iOS: XZM_HUGE_CACHE_SIZE_DEFAULT 0);
 *   - tiny and small chunks come from the pointer segment group, large
 *     chunks from the data group (use_data_for_large), each with its own
 *     segments.  Segments and huge blocks are placed with the entropic
 *     hint of libmalloc (src/vm.c); in a map with split user ranges the
 *     data group's go anywhere in the data range (hint 0), the pointer
 *     group's are bumped up from the middle of its pointer range
 *     (_xzm_main_malloc_zone_init_ptr_fronts, the increasing front).
 * What is not modelled: type buckets and allocation fronts (every block of
 * a bin shares its chunks), the early allocator, thread caches, the
 * span queues' smallest-fit (slices go first fit by address), metadata
 * (kept outside the segments), probabilistic guard pages, MTE.  realloc
 * follows _xzm_realloc_inner(): large and huge blocks grow or shrink in
 * place when the space allows, any block stays when the new size is at
 * least half of it and no larger, else it moves.
 */
#include "model/libmalloc.h"
#include "model/model.h"

#define MiB (1ull << 20)
#define SEGMENT   (4 * MiB)           /* XZM_SEGMENT_SIZE */
#define SLICE     (16384ull)          /* XZM_SEGMENT_SLICE_SIZE */
#define TINY_MAX  4096ull             /* XZM_TINY_BLOCK_SIZE_MAX */
#define SMALL_MAX 32768ull            /* XZM_SMALL_BLOCK_SIZE_MAX */
#define LARGE_MAX (2 * MiB)           /* XZM_LARGE_BLOCK_SIZE_MAX */
#define TINY_CHUNK  (16384ull)        /* XZM_TINY_CHUNK_SIZE */
#define SMALL_CHUNK (65536ull)        /* XZM_SMALL_CHUNK_SIZE */
#define CLS_LARGE (VMEX_XZ_CLS + VMEX_XZ_BINS)
#define CLS_HUGE  (CLS_LARGE + 1)

/* ------------------------------------------------------------ lifecycle */
static void pool_init(vmex_xzpool *p)
{
    _vmex_ivt_init(&p->segs);
    _vmex_ivt_init(&p->free);
}

void _vmex_xzone_init(vmex_xzone *z)
{
    pool_init(&z->ptr);
    pool_init(&z->data);
    for (int i = 0; i < VMEX_XZ_BINS; i++) _vmex_ivt_init(&z->bins[i]);
}

void _vmex_xzone_free(vmex_xzone *z)
{
    vmex_xzpool *p[2] = {&z->ptr, &z->data};
    for (int k = 0; k < 2; k++) {
        _vmex_ivt_free(&p[k]->segs);
        _vmex_ivt_free(&p[k]->free);
    }
    for (int i = 0; i < VMEX_XZ_BINS; i++) _vmex_ivt_free(&z->bins[i]);
}

/* The increasing front of the pointer range group (xzone_segment.c
 * _xzm_main_malloc_zone_init_ptr_fronts): from the middle of the range's
 * span, rounded up to a 32 MiB granule, plus half a granule; across the
 * data range when the range is in two pieces. */
static void ptr_front(vmex_xzpool *p, const vmex_layout *L)
{
    const uint64_t G = VMEX_RANGE_ALIGN;
    uint64_t total = 0;
    for (uint32_t i = 0; i < L->nptr; i++) total += L->ptr_max[i] - L->ptr_min[i];
    uint64_t off = VMEX_ALIGN_UP(total / 2, G);
    if (L->ptr_min[0] + off >= L->ptr_max[0] && L->nptr == 2) off += L->ptr_min[1] - L->ptr_max[0];
    p->next = L->ptr_min[0] + off + G / 2;
    p->skip = p->skip_to = 0;
    if (L->nptr == 2 && p->next < L->ptr_max[0]) {
        p->skip = L->ptr_max[0];
        p->skip_to = L->ptr_min[1];
    }
    p->end = L->ptr_max[L->nptr - 1];
}

void _vmex_xzone_reset(vmex_xzone *z, const vmex_layout *L)
{
    vmex_xzpool *p[2] = {&z->ptr, &z->data};
    for (int k = 0; k < 2; k++) {
        _vmex_ivt_clear(&p[k]->segs);
        _vmex_ivt_clear(&p[k]->free);
        p[k]->next = p[k]->end = 0;
    }
    for (int i = 0; i < VMEX_XZ_BINS; i++) _vmex_ivt_clear(&z->bins[i]);
    if (L->ranges && L->nptr) ptr_front(&z->ptr, L);
}

/* ------------------------------------------------------------ size classes */
/* The bin of n bytes and its block size (_xzm_bin_sizes[]). */
static int bin_of(uint64_t n, uint64_t *size)
{
    if (n == 0) n = 1;
    if (n <= 128) {
        *size = VMEX_ALIGN_UP(n, 16);
        return (int)(*size / 16) - 1;
    }
    int k = 63 - __builtin_clzll(n - 1);   /* 2^k < n <= 2^(k+1), k >= 7 */
    uint64_t step = 1ull << (k - 2);
    *size = VMEX_ALIGN_UP(n, step);
    return 8 + (k - 7) * 4 + (int)(*size >> (k - 2)) - 5;
}

/* ------------------------------------------------------------ segments */
static vmex_xzone *xz(vmex_sim *s) { return &((vmex_libmalloc *)s->ext)->xz; }

/* A new 4 MiB segment for a pool: 0, or -1 (the VA request failed). */
static int segment_map(vmex_sim *s, vmex_xzpool *p, uint64_t *base)
{
    const vmex_layout *L = s->L;
    uint32_t attr = VMEX_ATTR(VMEX_R_MALLOC, VMEX_TAG_MALLOC_SMALL, VMEX_PROT_RW);
    if (L->ranges && p == &xz(s)->ptr) {
        /* _xzm_range_group_bump_alloc_segment(), then a mach_vm_map
         * overwrite of the reservation */
        if (p->skip && p->next == p->skip) p->next = p->skip_to;
        if (!p->end || p->next + SEGMENT > p->end) return -1;
        *base = p->next;
        p->next += SEGMENT;
        s->vt->remove(s->s, *base, SEGMENT);
        s->vt->insert(s->s, *base, SEGMENT, attr);
        return 0;
    }
    if (L->ranges) {   /* _xzm_range_group_alloc_anywhere_segment(hint 0) */
        if (_vmex_xnu_place(s, 0, SEGMENT, SEGMENT, VMEX_TAG_MALLOC_SMALL, base)) return -1;
        _vmex_xnu_enter(s, *base, SEGMENT, attr);
        return 0;
    }
    return _vmex_malloc_map(s, SEGMENT, SEGMENT, VMEX_TAG_MALLOC_SMALL, base);
}

/* size bytes of slices from a pool, first fit, a new segment when none
 * fits: 0, or -1 with the segment request that failed. */
static int slices_alloc(vmex_sim *s, vmex_xzpool *p, uint64_t size, uint64_t *addr, uint64_t *req, uint64_t *align)
{
    if (!_vmex_ivt_fit(&p->free, 0, size, SLICE, addr)) {
        uint64_t base;
        if (segment_map(s, p, &base)) {
            *req = SEGMENT;
            *align = SEGMENT;
            return -1;
        }
        _vmex_ivt_insert(&p->segs, base, base + SEGMENT, 0);
        _vmex_ivt_unite(&p->free, base, base + SEGMENT);
        *addr = base;
    }
    _vmex_ivt_cut(&p->free, *addr, *addr + size, NULL, NULL);
    p->segs.v[_vmex_ivt_find(&p->segs, *addr)].attr += (uint32_t)(size / SLICE);
    return 0;
}

/* Give slices back; a segment left with none in use is unmapped
 * (_xzm_segment_group_segment_free: deferred reclaim is off on iOS). */
static void slices_free(vmex_sim *s, vmex_xzpool *p, uint64_t addr, uint64_t size)
{
    uint32_t g = _vmex_ivt_find(&p->segs, addr);
    _vmex_ivt_unite(&p->free, addr, addr + size);
    p->segs.v[g].attr -= (uint32_t)(size / SLICE);
    if (p->segs.v[g].attr) return;
    uint64_t base = p->segs.v[g].lo;
    _vmex_ivt_cut(&p->free, base, base + SEGMENT, NULL, NULL);
    _vmex_ivt_cut(&p->segs, base, base + SEGMENT, NULL, NULL);
    s->vt->remove(s->s, base, SEGMENT);
}

/* ------------------------------------------------------------ malloc, free, realloc */
static int huge_alloc(vmex_sim *s, uint64_t size, uint64_t *addr)
{
    if (s->L->ranges) {
        if (_vmex_xnu_place(s, 0, size, SEGMENT, VMEX_TAG_MALLOC_LARGE, addr)) return -1;
        _vmex_xnu_enter(s, *addr, size, VMEX_ATTR(VMEX_R_MALLOC, VMEX_TAG_MALLOC_LARGE, VMEX_PROT_RW));
        return 0;
    }
    return _vmex_malloc_map(s, size, SEGMENT, VMEX_TAG_MALLOC_LARGE, addr);
}

int _vmex_xzone_malloc(vmex_sim *s, uint64_t n, vmex_slot *out, uint64_t *req, uint64_t *align)
{
    vmex_xzone *z = xz(s);
    uint64_t bsize, addr;
    *align = VMEX_PAGE;
    if (n > SMALL_MAX) {
        bsize = VMEX_ALIGN_UP(n, SLICE);
        *req = bsize;
        int huge = bsize > LARGE_MAX;
        if (huge ? huge_alloc(s, bsize, &addr) : slices_alloc(s, &z->data, bsize, &addr, req, align)) {
            if (huge) *align = SEGMENT;
            return -1;
        }
        *out = (vmex_slot){VMEX_SLOT_BLOCK, (uint8_t)(huge ? CLS_HUGE : CLS_LARGE), addr, bsize, n};
        return 0;
    }
    int bin = bin_of(n, &bsize);
    vmex_ivtree *t = &z->bins[bin];
    *req = bsize;
    if (!_vmex_ivt_fit(t, 0, bsize, 16, &addr)) {
        uint64_t chunk = bsize <= TINY_MAX ? TINY_CHUNK : SMALL_CHUNK;
        if (slices_alloc(s, &z->ptr, chunk, &addr, req, align)) return -1;
        _vmex_ivt_unite(t, addr, addr + chunk / bsize * bsize);
    }
    _vmex_ivt_cut(t, addr, addr + bsize, NULL, NULL);
    *out = (vmex_slot){VMEX_SLOT_BLOCK, (uint8_t)(VMEX_XZ_CLS + bin), addr, bsize, n};
    return 0;
}

void _vmex_xzone_release(vmex_sim *s, const vmex_slot *b)
{
    vmex_xzone *z = xz(s);
    if (b->cls == CLS_HUGE)
        s->vt->remove(s->s, b->addr, b->size);
    else if (b->cls == CLS_LARGE)
        slices_free(s, &z->data, b->addr, b->size);
    else
        _vmex_ivt_unite(&z->bins[b->cls - VMEX_XZ_CLS], b->addr, b->addr + b->size);
}

/* xzm_segment_group_try_realloc_large_chunk / _huge_chunk: the block
 * grows into what follows it (free slices of its segment; for a huge
 * block free VA, mapped fixed as VM_MEMORY_REALLOC) or gives its tail back. */
static int resize_in_place(vmex_sim *s, const vmex_slot *old, uint64_t size)
{
    vmex_xzpool *p = &xz(s)->data;
    uint64_t end = old->addr + old->size;
    if (size <= old->size) {
        if (old->cls == CLS_HUGE) s->vt->remove(s->s, old->addr + size, old->size - size);
        else if (size < old->size) slices_free(s, p, old->addr + size, old->size - size);
        return 0;
    }
    uint64_t more = size - old->size;
    if (old->cls == CLS_HUGE) {
        if (!_vmex_xnu_fixed_ok(s, end, more)) return -1;
        _vmex_xnu_enter(s, end, more, VMEX_ATTR(VMEX_R_MALLOC, VMEX_TAG_REALLOC, VMEX_PROT_RW));
        return 0;
    }
    uint32_t f = _vmex_ivt_find(&p->free, end);
    uint64_t seg_end = VMEX_ALIGN_DOWN(old->addr, SEGMENT) + SEGMENT;
    if (!f || p->free.v[f].lo != end || p->free.v[f].hi < end + more || end + more > seg_end) return -1;
    _vmex_ivt_cut(&p->free, end, end + more, NULL, NULL);
    p->segs.v[_vmex_ivt_find(&p->segs, old->addr)].attr += (uint32_t)(more / SLICE);
    return 0;
}

int _vmex_xzone_realloc(vmex_sim *s, const vmex_slot *old, uint64_t n, vmex_slot *out, uint64_t *req,
                        uint64_t *align)
{
    if (old->size > SMALL_MAX && n > SMALL_MAX) {
        uint64_t size = VMEX_ALIGN_UP(n, SLICE);
        int huge = size > LARGE_MAX;
        if (huge == (old->cls == CLS_HUGE) && !resize_in_place(s, old, size)) {
            *out = (vmex_slot){VMEX_SLOT_BLOCK, old->cls, old->addr, size, n};
            return 0;
        }
    }
    if (n <= old->size && n >= old->size / 2) {   /* still fits, at most half wasted */
        *out = *old;
        out->req = n;
        return 0;
    }
    if (_vmex_xzone_malloc(s, n, out, req, align)) return -1;
    _vmex_sim_dirty(s, out->addr, old->req < n ? old->req : n);   /* the copy writes the destination */
    _vmex_xzone_release(s, old);
    return 0;
}
