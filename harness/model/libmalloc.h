/*
 * libmalloc.h - the malloc of an iOS app as the xnu backend models it (not
 * installed): the magazine allocator's nano, tiny and small racks, large
 * blocks, the entropic hint and the recirculation depot (libmalloc.c), or
 * xzone malloc's segments, chunks and bins (xzone.c), over the vm_map of
 * xnu.c.
 */
#ifndef VMEX_LIBMALLOC_H
#define VMEX_LIBMALLOC_H

#include "model/sim.h"

/* A size class's regions and the free block space inside them. */
typedef struct vmex_rack {
    uint64_t quantum, max, region_size, usable;
    uint8_t tag;
    int fixed;                /* nano: one pre-reserved region, never released */
    vmex_ivtree free;         /* free block space */
    vmex_ivtree regions;      /* [base, base + region_size), attr = live bytes */
    uint32_t empty;           /* empty regions retained in the depot */
} vmex_rack;

/* xzone malloc (xzone.c): a segment group's 4 MiB segments and their
 * free slices; the size classes' (bins') free block space. */
#define VMEX_XZ_BINS 40
typedef struct vmex_xzpool {
    vmex_ivtree segs;         /* [base, base + 4 MiB), attr = slices in use */
    vmex_ivtree free;         /* free slices */
    uint64_t next, skip, skip_to, end;   /* split map, pointer group: the bump front of its range */
} vmex_xzpool;
typedef struct vmex_xzone {
    vmex_xzpool ptr, data;    /* tiny and small chunks; large chunks */
    vmex_ivtree bins[VMEX_XZ_BINS];
} vmex_xzone;
/* Slot classes of xzone blocks (vmex_slot.cls): bins from here, then large, huge */
#define VMEX_XZ_CLS 64

typedef struct vmex_libmalloc {
    vmex_rack racks[3];       /* nano, tiny, small (_vmex_malloc_classes) */
    uint64_t entropic_address, entropic_limit, entropic_base;
    vmex_xzone xz;
} vmex_libmalloc;

void _vmex_libmalloc_init(vmex_libmalloc *z);
void _vmex_libmalloc_free(vmex_libmalloc *z);
/* Empty, for the pristine layout L (its nano region, its entropy) */
void _vmex_libmalloc_reset(vmex_libmalloc *z, const vmex_layout *L);

/* The xnu backend's malloc, realloc and free (vmex_sim_rules); the
 * libmalloc is s->ext. */
int  _vmex_libmalloc_malloc(vmex_sim *s, uint64_t n, vmex_slot *out, uint64_t *req, uint64_t *align);
int  _vmex_libmalloc_realloc(vmex_sim *s, const vmex_slot *old, uint64_t n, vmex_slot *out, uint64_t *req,
                             uint64_t *align);
void _vmex_libmalloc_release(vmex_sim *s, const vmex_slot *b);

/* libmalloc.c: mvm_allocate_pages(): a mapping placed with the entropic
 * hint (0, or -1 no space) */
int  _vmex_malloc_map(vmex_sim *s, uint64_t size, uint64_t align, uint8_t tag, uint64_t *out);

/* xzone.c: the same for xzone malloc (s->L->xzone); cls of its blocks >= VMEX_XZ_CLS */
void _vmex_xzone_init(vmex_xzone *z);
void _vmex_xzone_free(vmex_xzone *z);
void _vmex_xzone_reset(vmex_xzone *z, const vmex_layout *L);
int  _vmex_xzone_malloc(vmex_sim *s, uint64_t n, vmex_slot *out, uint64_t *req, uint64_t *align);
int  _vmex_xzone_realloc(vmex_sim *s, const vmex_slot *old, uint64_t n, vmex_slot *out, uint64_t *req,
                         uint64_t *align);
void _vmex_xzone_release(vmex_sim *s, const vmex_slot *b);

/* What libmalloc asks of the vm_map (xnu.c): first fit at or above a hint
 * in the range its VM tag goes to; whether [addr, addr + size) is free
 * and may be mapped fixed; entering an anonymous mapping. */
int  _vmex_xnu_place(vmex_sim *s, uint64_t hint, uint64_t size, uint64_t align, int tag, uint64_t *addr);
int  _vmex_xnu_fixed_ok(vmex_sim *s, uint64_t addr, uint64_t size);
void _vmex_xnu_enter(vmex_sim *s, uint64_t addr, uint64_t size, uint32_t attr);

#endif
