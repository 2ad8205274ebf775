/*
 * libmalloc.h - the malloc of an iOS app as the xnu backend models it (not
 * installed): nano, tiny and small racks, large blocks, the entropic hint
 * and the recirculation depot (libmalloc.c), over the vm_map of xnu.c.
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

typedef struct vmex_libmalloc {
    vmex_rack racks[3];       /* nano, tiny, small (_vmex_malloc_classes) */
    uint64_t entropic_address, entropic_limit;
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

/* What libmalloc asks of the vm_map (xnu.c): first fit at or above a hint,
 * and entering an anonymous mapping. */
int  _vmex_xnu_place(vmex_sim *s, uint64_t hint, uint64_t size, uint64_t align, uint64_t *addr);
void _vmex_xnu_enter(vmex_sim *s, uint64_t addr, uint64_t size, uint32_t attr);

#endif
