/*
 * xnu.c - the xnu backend: the vm_map of an iOS app (its libmalloc is
 * libmalloc.c, the ops they share are sim.c).
 *
 * Placement follows docs/xnu-model.md §3 (vm_map_enter,
 * vm_map_store): first fit, bottom-up, from a hint, never wrapping, over
 * the holes of [max(min_offset, page), max_offset).  Anonymous maps above
 * 128 MiB span several entries.  `fixed` mmap replaces what is there
 * (MAP_FIXED), but not the pristine regions or malloc's memory: a real app
 * doing that crashes, the model refuses.  MAP_JIT needs the
 * dynamic-codesigning entitlement.
 */
#include "model/libmalloc.h"
#include "model/model.h"

#include <stdlib.h>

#define ANON_CHUNK (128ull << 20)   /* §3: anonymous maps > 128 MiB span several entries */

/* ------------------------------------------------------------ vm_map */
/* First fit at or above a hint (§3): below the floor starts at the floor,
 * at or above max fails. */
int _vmex_xnu_place(vmex_sim *s, uint64_t hint, uint64_t size, uint64_t align, uint64_t *addr)
{
    const vmex_layout *L = s->L;
    if (hint >= L->max_offset || size > L->max_offset - L->floor) return -1;
    return s->vt->fit(s->s, hint < L->floor ? L->floor : hint, size, align, addr);
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
        if (is_mmap ? !overwritable(s, addr, size) : !s->vt->is_free(s->s, addr, size)) {
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_OCCUPIED;
            return;
        }
        if (is_mmap) s->vt->remove(s->s, addr, size);   /* MAP_FIXED overwrites atomically */
    } else {
        uint64_t hint = is_mmap && (op->flags & VMEX_F_HINT) ? op->addr : 0;
        if (_vmex_xnu_place(s, hint, size, align, &addr) &&
            (hint == 0 || _vmex_xnu_place(s, 0, size, align, &addr))) {
            _vmex_sim_nospace(s, size, align, r);
            return;
        }
    }
    int tag = op->flags & VMEX_F_TAG ? op->tag : 0;
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
    .caps = VMEX_CAP_DEVICE | VMEX_CAP_STEPS,
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
