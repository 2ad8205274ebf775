/*
 * xnu.c - the xnu backend: the vm_map of an iOS app (its libmalloc is
 * libmalloc.c and xzone.c, the ops they share are sim.c, the layout is
 * ios.c).
 *
 * Placement follows docs/xnu-model.md §3 (vm_map_enter, vm_map_store):
 * first fit, bottom-up, from a hint, never wrapping, over the holes of
 * [max(min_offset, page), max_offset) - or, in a map with split user
 * ranges (§8), of the range the request's tag and size send it to
 * (ios.c).  Anonymous maps above 128 MiB span several entries.  `fixed`
 * mmap replaces what is there (MAP_FIXED), but not the pristine regions
 * or malloc's memory: a real app doing that crashes, the model refuses;
 * in a split map a fixed address must lie in a range.  MAP_JIT needs the
 * dynamic-codesigning entitlement; on iOS 11 - 13 it goes to a random
 * address and a process gets one (§8).
 */
#include "core/rng.h"
#include "model/libmalloc.h"
#include "model/model.h"

#include <stdlib.h>

#define ANON_CHUNK (128ull << 20)   /* §3: anonymous maps > 128 MiB span several entries */
/* §8 osfmk/vm/vm_map.c (xnu-4570 ... 6153): MAX_TRIES_TO_GET_RANDOM_ADDRESS */
#define JIT_TRIES 1000

/* ------------------------------------------------------------ vm_map */
/* First fit at or above a hint (§3) in [lo, hi): below lo starts at lo,
 * at or above hi fails.  A split map remembers the range for the oracle. */
static int place_in(vmex_sim *s, uint64_t lo, uint64_t hi, uint64_t hint, uint64_t size, uint64_t align,
                    uint64_t *addr)
{
    if (s->L->ranges) {
        s->room_lo = lo;
        s->room_hi = hi;
    }
    if (hint >= hi || size > hi - lo || s->vt->fit(s->s, hint < lo ? lo : hint, size, align, addr)) return -1;
    return *addr + size <= hi ? 0 : -1;
}

/* mach_vm_map and mach_vm_allocate ANYWHERE with a VM tag (libmalloc) */
int _vmex_xnu_place(vmex_sim *s, uint64_t hint, uint64_t size, uint64_t align, int tag, uint64_t *addr)
{
    uint64_t lo, hi;
    _vmex_range_anywhere(s->L, tag, size, 0, &lo, &hi);
    return place_in(s, lo, hi, hint, size, align, addr);
}

int _vmex_xnu_fixed_ok(vmex_sim *s, uint64_t addr, uint64_t size)
{
    uint64_t lo, hi;
    return _vmex_range_fixed(s->L, addr, &lo, &hi) && size <= hi - addr && s->vt->is_free(s->s, addr, size);
}

/* §8 vm_map_random_address_for_size() (xnu-4570 ... 6153 osfmk/vm/vm_map.c):
 * up to 1000 page-aligned picks min + (random() << PAGE_SHIFT) % (max -
 * min); the first that lies in a hole holding size bytes from it wins.
 * The first pick's random() << PAGE_SHIFT is the jit-slide setting, the
 * later ones come from the splitmix64 stream it seeds (a 32-bit random()
 * each). */
static int jit_pick(vmex_sim *s, uint64_t size, uint64_t *pick)
{
    const vmex_layout *L = s->L;
    uint64_t space = L->max_offset - L->min_offset;
    for (int tries = 0; tries < JIT_TRIES; tries++, s->jit_draws++) {
        uint64_t rnd = L->jit_slide;
        if (s->jit_draws) {
            uint64_t x = L->jit_slide + (s->jit_draws - 1) * VMEX_GOLDEN_GAMMA;
            rnd = (vmex_splitmix64(&x) & 0xFFFFFFFFull) << 14;
        }
        uint64_t a = VMEX_ALIGN_DOWN(L->min_offset + rnd % space, VMEX_PAGE);
        if (s->vt->is_free(s->s, a, size)) {
            s->jit_draws++;
            *pick = a;
            return 0;
        }
    }
    return -1;
}

/* A MAP_JIT mmap on iOS 11 - 13: a random pick, then first fit from it;
 * mmap's retry of a hinted request picks again. */
static int place_jit(vmex_sim *s, uint64_t hint, uint64_t size, uint64_t align, uint64_t *addr)
{
    uint64_t pick;
    for (int round = 0; round < (hint ? 2 : 1); round++)
        if (!jit_pick(s, size, &pick) && !place_in(s, s->L->floor, s->L->max_offset, pick, size, align, addr))
            return 0;
    return -1;
}

/* Enter an anonymous mapping: several entries above 128 MiB (§3). */
void _vmex_xnu_enter(vmex_sim *s, uint64_t addr, uint64_t size, uint32_t attr)
{
    for (uint64_t at = 0; at < size; at += ANON_CHUNK)
        s->vt->insert(s->s, addr + at, size - at < ANON_CHUNK ? size - at : ANON_CHUNK, attr);
}

typedef struct overlap_ctx { uint64_t lo, hi; int bad; } overlap_ctx;
static void overlap_one(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    overlap_ctx *o = c;
    if (lo < o->hi && hi > o->lo && VMEX_ATTR_KIND(attr) != VMEX_R_APP) o->bad = 1;
}

/* May mmap(MAP_FIXED) replace [a, a+size)?  Not over the pristine regions
 * or malloc's memory. */
static int overwritable(vmex_sim *s, uint64_t a, uint64_t size)
{
    if (s->vt->is_free(s->s, a, size)) return 1;
    overlap_ctx o = {a, a + size, 0};
    s->vt->walk(s->s, a, a + size, overlap_one, &o);
    return !o.bad;
}

/* mmap and vm_allocate */
static void xnu_map(vmex_sim *s, const vmex_op *op, vmex_opres *r, vmex_slot *out)
{
    const vmex_layout *L = s->L;
    uint64_t size = VMEX_ALIGN_UP(op->size, VMEX_PAGE), addr, lo, hi;
    uint64_t align = (op->flags & VMEX_F_ALIGN) && op->align > VMEX_PAGE ? op->align : VMEX_PAGE;
    int is_mmap = op->kind == VMEX_OP_MMAP, jit = is_mmap && (op->flags & VMEX_F_JIT);
    int tag = op->flags & VMEX_F_TAG ? op->tag : 0;
    r->size = size;
    /* §8: mmap() in bsd/kern/kern_mman.c rejects MAP_JIT with MAP_FIXED or
     * MAP_SHARED (EINVAL) before it asks whether the process may JIT */
    if (jit && (op->flags & (VMEX_F_FIXED | VMEX_F_SHARED))) {
        r->status = VMEX_ST_FAILED;
        r->why = VMEX_WHY_JIT_FLAGS;
        return;
    }
    if (jit && !(L->ents & VMEX_ENT_JIT)) {
        r->status = VMEX_ST_FAILED;
        r->why = VMEX_WHY_JIT;
        return;
    }
    if (op->flags & VMEX_F_FIXED) {
        addr = op->addr;
        if (!_vmex_range_fixed(L, addr, &lo, &hi) || addr % align || addr < lo || size > hi - addr) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_RANGE;
            return;
        }
        if (is_mmap ? !overwritable(s, addr, size) : !s->vt->is_free(s->s, addr, size)) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_OCCUPIED;
            return;
        }
        if (is_mmap) s->vt->remove(s->s, addr, size);   /* MAP_FIXED overwrites atomically */
    } else if (jit && L->jit_random) {
        uint64_t hint = op->flags & VMEX_F_HINT ? op->addr : 0;
        if (s->jit_used) {   /* §8: vm_map_enter: KERN_INVALID_ARGUMENT */
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_JIT_ONCE;
            return;
        }
        if (place_jit(s, hint, size, align, &addr)) {
            _vmex_sim_nospace(s, size, align, r);
            return;
        }
    } else {
        uint64_t hint = is_mmap && (op->flags & VMEX_F_HINT) ? op->addr : 0;
        _vmex_range_anywhere(L, tag, size, is_mmap, &lo, &hi);
        if (place_in(s, lo, hi, hint, size, align, &addr) &&
            (hint == 0 || place_in(s, lo, hi, 0, size, align, &addr))) {
            _vmex_sim_nospace(s, size, align, r);
            return;
        }
    }
    if (jit) s->jit_used = 1;
    _vmex_xnu_enter(s, addr, size, VMEX_ATTR(VMEX_R_APP, tag, is_mmap ? op->prot : VMEX_PROT_RW));
    r->addr = addr;
    *out = (vmex_slot){VMEX_SLOT_MAP, 0, addr, size, size};
}

/* ------------------------------------------------------------ the backend */
static const vmex_sim_rules xnu_rules = {
    .map = xnu_map,
    .malloc = _vmex_libmalloc_malloc,
    .realloc = _vmex_libmalloc_realloc,
    .free = _vmex_libmalloc_release,
    .write_faults = 0,
};

static int xnu_start(vmex_model *m, const vmex_layout *L, uint32_t nslots)
{
    vmex_sim *s = m->state[_vmex_backend_xnu.target];
    if (!s) {
        vmex_libmalloc *z = calloc(1, sizeof *z);
        if (!z || !(s = _vmex_sim_get(m, &_vmex_backend_xnu, &xnu_rules))) {
            free(z);
            return -1;
        }
        _vmex_libmalloc_init(z);
        s->ext = z;
    }
    if (_vmex_sim_reset(s, L, nslots)) return -1;
    _vmex_libmalloc_reset(s->ext, L);
    return 0;
}

static void xnu_release(void *state)
{
    vmex_sim *s = state;
    _vmex_libmalloc_free(s->ext);
    free(s->ext);
    _vmex_sim_free(s);
}

const vmex_backend _vmex_backend_xnu = {
    .target = VMEX_TARGET_XNU,
    .model_of = VMEX_TARGET_XNU,
    .real_of = -1,
    .allocators = 0,   /* libmalloc, not a `set allocator` */
    .resolve = _vmex_resolve_device,
    .start = xnu_start,
    .step = _vmex_sim_step,
    .run = _vmex_sim_run,
    .stats = _vmex_sim_stats,
    .walk = _vmex_sim_walk,
    .release = xnu_release,
};
