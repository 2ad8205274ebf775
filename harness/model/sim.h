/*
 * sim.h - the simulated address space the two model backends share (not
 * installed): the map (a store), the handle slots, and every op whose
 * meaning does not depend on the kernel being modelled.  What does (where
 * a mapping lands, what malloc, realloc and free do) is the backend's
 * vmex_sim_rules: xnu.c with libmalloc.c, linux_model.c.
 */
#ifndef VMEX_SIM_H
#define VMEX_SIM_H

#include "model/backend.h"
#include "model/model.h"
#include "model/store.h"


/* What a handle names. */
typedef struct vmex_slot {
    uint8_t kind;             /* VMEX_SLOT_* */
    uint8_t cls;              /* malloc block: the allocator's size class */
    uint64_t addr, size;      /* mapping: rounded size; block: rounded block size */
    uint64_t req;             /* malloc: the requested bytes */
} vmex_slot;
enum { VMEX_SLOT_NONE = 0, VMEX_SLOT_MAP, VMEX_SLOT_BLOCK };

typedef struct vmex_sim vmex_sim;

/* The rules of the kernel (and allocator) a model backend models. */
typedef struct vmex_sim_rules {
    /* mmap and vm_allocate: the outcome in r (a failed request classified,
     * _vmex_sim_nospace) and, when it mapped, the slot in *out */
    void (*map)(vmex_sim *s, const vmex_op *op, vmex_opres *r, vmex_slot *out);
    /* malloc(n): 0 and the block, or -1 with the VA request that failed
     * and its alignment */
    int  (*malloc)(vmex_sim *s, uint64_t n, vmex_slot *out, uint64_t *req, uint64_t *align);
    /* realloc of the live block *old to n bytes: 0 and the new block (old
     * released), -1 no space (req, align as for malloc), -2 the copy read
     * a page that is not readable any more (nothing changed) */
    int  (*realloc)(vmex_sim *s, const vmex_slot *old, uint64_t n, vmex_slot *out, uint64_t *req,
                    uint64_t *align);
    /* free of a live block */
    void (*free)(vmex_sim *s, const vmex_slot *b);
    /* a write to a page without PROT_WRITE faults (Linux: the executor
     * reports it as not mapped); XNU's model counts the pages of any mapping */
    int write_faults;
} vmex_sim_rules;

struct vmex_sim {
    const vmex_sim_rules *rules;
    const vmex_store_vt *vt;
    vmex_store *s;
    const vmex_layout *L;
    vmex_slot *slots;
    uint32_t slots_cap;
    int warned;               /* the footprint reached the warning level */
    void *ext;                /* the backend's own state beside the map (xnu: its libmalloc) */
    /* xnu, split user ranges: the range the last failed placement searched,
     * which the oracle judges it against ([0, 0): the whole map) */
    uint64_t room_lo, room_hi;
    /* xnu, iOS 11 - 13: a JIT mapping exists (the map's jit_entry_exists,
     * never cleared), and the random picks drawn so far */
    int jit_used;
    uint64_t jit_draws;
};

/* A model backend's state is a vmex_sim: made by _vmex_sim_get on its
 * first start (NULL out of memory), freed by _vmex_sim_free. */
vmex_sim *_vmex_sim_get(vmex_model *m, const vmex_backend *bk, const vmex_sim_rules *rules);
void      _vmex_sim_free(vmex_sim *s);
/* The pristine layout of L (its regions mapped) and nslots empty slots:
 * 0, or -1 out of memory. */
int       _vmex_sim_reset(vmex_sim *s, const vmex_layout *L, uint32_t nslots);

/* A failed request of req bytes at alignment align: status, reason and
 * the oracle's class (its ceiling: oracle/ceiling.c; free space is the
 * room: of the map, or in a split map of the range the request searched,
 * room_lo and room_hi). */
void      _vmex_sim_nospace(vmex_sim *s, uint64_t req, uint64_t align, vmex_opres *r);
/* Dirty the physical pages of [a, a + n) (a copy's destination). */
void      _vmex_sim_dirty(vmex_sim *s, uint64_t a, uint64_t n);

/* The backend table's entries a model backend shares (start is its own). */
void _vmex_sim_step(vmex_model *m, const vmex_op *op, vmex_opres *r);
int  _vmex_sim_run(vmex_model *m, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                   vmex_result *res);
void _vmex_sim_stats(const vmex_model *m, vmex_stats *st);
void _vmex_sim_walk(const vmex_model *m, vmex_entry_fn cb, void *ctx);

#endif
