/*
 * linux_model.c - the linux-model backend: Linux's placement rules with the
 * kernel as the allocator (docs/linux-real.md), on the simulated address space
 * of sim.c.  The real kernel is the linux backend (real/linux.c); vmex diff
 * holds the two against each other.
 *
 * 4 KiB pages; the window [base, base + window) is the whole map;
 * placement is top-down (the highest hole that fits); anonymous maps whose
 * length is a multiple of 2 MiB and that carry no hint are 2 MiB aligned on
 * kernels >= 6.7 (the padded search of mm/huge_memory.c
 * __thp_get_unmapped_area: the highest hole of length >= len + 2 MiB, the
 * address rounded down to 2 MiB from its top; when no hole is that long,
 * the plain search); a hint is used when [hint, hint + len) is free
 * (rounded down to a page, as x86's arch_get_unmapped_area_topdown does),
 * else the plain search; `fixed` never replaces (MAP_FIXED_NOREPLACE);
 * `align` maps len + align - page and trims the head and tail, as user
 * space does.  A mapping is one VMA whatever its size.  The allocator is
 * the kernel: malloc is an mmap of whole pages, free an munmap, realloc a
 * new map, a copy and an munmap.  A write to a page without PROT_WRITE
 * faults.  No JIT rule, no jetsam.
 */
#include "model/sim.h"
#include "model/model.h"

#define THP_SIZE (2ull << 20)   /* PMD_SIZE on x86_64 */
#define LINUX_EINVAL 22

/* ------------------------------------------------------------ placement */
/* Top-down placement of an anonymous map of `size` bytes with no hint,
 * with the 2 MiB rule when it applies.  Shared anonymous maps never take
 * it: mm/mmap.c __get_unmapped_area sends MAP_SHARED to
 * shmem_get_unmapped_area, which with shmem THP off
 * (transparent_hugepage/shmem_enabled = never, the default) is the plain
 * search. */
static int place(vmex_sim *s, uint64_t size, int shared, uint64_t *addr)
{
    uint64_t a;
    if (s->L->thp && !shared && size % THP_SIZE == 0 &&
        !s->vt->fit_top(s->s, size + THP_SIZE, s->L->page, &a)) {
        *addr = VMEX_ALIGN_DOWN(a + THP_SIZE, THP_SIZE);   /* rounddown(hole top - size, 2 MiB) */
        return 0;
    }
    return s->vt->fit_top(s->s, size, s->L->page, addr);
}

/* mmap(NULL or hint, size) with align (user space's over-map and trim):
 * 0 and the address, or -1 with *req the request that failed. */
static int map_anon(vmex_sim *s, uint64_t size, uint64_t hint, uint64_t align, int shared, uint64_t *addr,
                    uint64_t *req)
{
    const vmex_layout *L = s->L;
    if (align > L->page) {
        uint64_t padded = size + align - L->page, p;
        *req = padded;
        if (place(s, padded, shared, &p)) return -1;
        *addr = VMEX_ALIGN_UP(p, align);
        return 0;
    }
    *req = size;
    if (hint) {
        hint = VMEX_ALIGN_DOWN(hint, L->page);
        if (hint >= L->min_offset && hint < L->max_offset && size <= L->max_offset - hint &&
            s->vt->is_free(s->s, hint, size)) {
            *addr = hint;
            return 0;
        }
        return s->vt->fit_top(s->s, size, L->page, addr);   /* a hint turns the 2 MiB rule off */
    }
    return place(s, size, shared, addr);
}

static void no_read(void *c, uint64_t lo, uint64_t hi, uint32_t attr)
{
    if (VMEX_ATTR_PROT(attr) == VMEX_PROT_NONE) *(int *)c = 1;
}

/* may [lo, hi) be read (mapped, and not PROT_NONE)? */
static int readable(const vmex_sim *s, uint64_t lo, uint64_t hi)
{
    int bad = 0;
    if (!s->vt->is_mapped(s->s, lo, hi - lo)) return 0;
    s->vt->walk(s->s, lo, hi, no_read, &bad);
    return !bad;
}

/* ------------------------------------------------------------ ops */
/* mmap and vm_allocate */
static void lm_map(vmex_sim *s, const vmex_op *op, vmex_opres *r, vmex_slot *out)
{
    const vmex_layout *L = s->L;
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
        if (!s->vt->is_free(s->s, addr, size)) {   /* MAP_FIXED_NOREPLACE: EEXIST */
            r->status = VMEX_ST_FAILED;
            r->why = VMEX_WHY_OCCUPIED;
            return;
        }
    } else if (map_anon(s, size, is_mmap && (op->flags & VMEX_F_HINT) ? op->addr : 0, align,
                        is_mmap && (op->flags & VMEX_F_SHARED), &addr, &req)) {
        _vmex_sim_nospace(s, req, L->page, r);
        return;
    }
    int tag = op->flags & VMEX_F_TAG ? op->tag : 0;
    s->vt->insert(s->s, addr, size, VMEX_ATTR(VMEX_R_APP, tag, is_mmap ? op->prot : VMEX_PROT_RW));
    r->addr = addr;
    *out = (vmex_slot){VMEX_SLOT_MAP, 0, addr, size, size};
}

/* malloc with the kernel as the allocator: whole pages of their own */
static int lm_malloc(vmex_sim *s, uint64_t n, vmex_slot *out, uint64_t *req, uint64_t *align)
{
    uint64_t size = VMEX_ALIGN_UP(n ? n : 1, s->L->page), addr;
    *align = s->L->page;
    if (map_anon(s, size, 0, s->L->page, 0, &addr, req)) return -1;
    s->vt->insert(s->s, addr, size, VMEX_ATTR(VMEX_R_MALLOC, 0, VMEX_PROT_RW));
    *out = (vmex_slot){VMEX_SLOT_BLOCK, 0, addr, size, n};
    return 0;
}

static void lm_free(vmex_sim *s, const vmex_slot *b)
{
    s->vt->remove(s->s, b->addr, b->size);
}

/* a new map, the copy, the old one unmapped */
static int lm_realloc(vmex_sim *s, const vmex_slot *old, uint64_t n, vmex_slot *out, uint64_t *req,
                      uint64_t *align)
{
    uint64_t copy = old->req < n ? old->req : n;
    if (lm_malloc(s, n, out, req, align)) return -1;
    if (copy && !readable(s, old->addr, old->addr + VMEX_ALIGN_UP(copy, s->L->page))) {
        /* a munmap over the block's range took its pages: the copy faults
         * (the executor catches it), the new map goes again */
        s->vt->remove(s->s, out->addr, out->size);
        return -2;
    }
    _vmex_sim_dirty(s, out->addr, copy);
    lm_free(s, old);
    return 0;
}

/* ------------------------------------------------------------ the backend */
static const vmex_sim_rules linux_rules = {
    .map = lm_map,
    .malloc = lm_malloc,
    .realloc = lm_realloc,
    .free = lm_free,
    .write_faults = 1,
};

static int lm_start(vmex_model *m, const vmex_layout *L, uint32_t nslots)
{
    vmex_sim *s = _vmex_sim_get(m, &_vmex_backend_linux_model, &linux_rules);
    return s ? _vmex_sim_reset(s, L, nslots) : -1;
}

static void lm_release(void *state) { _vmex_sim_free(state); }

const vmex_backend _vmex_backend_linux_model = {
    .target = VMEX_TARGET_LINUX_MODEL,
    .model_of = VMEX_TARGET_LINUX_MODEL,
    .real_of = VMEX_TARGET_LINUX,
    .allocators = 1u << VMEX_ALLOC_KERNEL,
    .resolve = _vmex_resolve_window,
    .start = lm_start,
    .step = _vmex_sim_step,
    .run = _vmex_sim_run,
    .stats = _vmex_sim_stats,
    .walk = _vmex_sim_walk,
    .release = lm_release,
};
