/*
 * snapshot.h - the model's state at one moment of a stress run, and the
 * standalone program that re-creates it and then runs a window of the
 * run's ops (the reproducer of `vmex stress`, stress.h).
 *
 * A window's ops use handles made before it, and mean the same thing only
 * on the state at the window start.  vmex_snap_program writes that state as
 * .vmex ops, in this order:
 *   1. every mapped range the window does not use, as `mmap SIZE fixed
 *      ADDR` blockers (adjacent ranges as one);
 *   2. the mappings the window uses, at their addresses (`fixed`);
 *   3. libmalloc's memory through libmalloc: temporary fixed fillers over
 *      every hole and every range to re-create; then each large block the
 *      window uses gets its range unmapped and is malloc'd into it (from the
 *      top down, as the entropic hint moves), and per class enough of the
 *      tiny and small regions of the snapshot (those holding used blocks
 *      first) are unmapped for a keeper block and the used blocks, which
 *      libmalloc maps there; the hole fillers go last;
 *   4. blocks in the nano region (no VA of their own), by malloc;
 *   5. for a jetsam finding (dirty known), each used handle's dirty bytes
 *      and the rest of the footprint on blockers;
 *   6. the window's ops.
 * Blocks inside regions are packed, not at their old offsets, and
 * libmalloc's entropic hint is approximated: the caller runs the program to
 * see whether it reproduces what it should (reproduce.c).
 */
#ifndef VMEX_SNAPSHOT_H
#define VMEX_SNAPSHOT_H

#include "vmex.h"
#include "stress/workload.h"

/* Address ranges [s, e), in the order pushed. */
typedef struct vmex_range { uint64_t s, e; } vmex_range;
typedef struct vmex_rangev { vmex_range *v; size_t n, cap; int err; } vmex_rangev;
/* Append [s, e); a range adjacent to the last one extends it.  err is set
 * (and stays) when out of memory; empty ranges are ignored. */
void vmex_rangev_push(vmex_rangev *rv, uint64_t s, uint64_t e);
/* Append [s, e) as a range of its own, never fused with its neighbour. */
void vmex_rangev_push_apart(vmex_rangev *rv, uint64_t s, uint64_t e);

typedef struct vmex_handlev { vmex_gen_handle *v; size_t n, cap; int err; } vmex_handlev;

/* The state a window starts from. */
typedef struct vmex_snap {
    vmex_rangev occ;            /* app and malloc memory, coalesced, by address */
    vmex_rangev regions[2];     /* libmalloc's tiny and small regions, by address */
    vmex_handlev live;          /* the generator's live handles, by slot */
    uint64_t *dirty;            /* dirty bytes of each live handle (NULL: unknown, not re-created) */
    uint64_t footprint;         /* dirty bytes to re-create (0: none) */
} vmex_snap;

/* The state of model m and generator g.  0, or -1 out of memory. */
int  vmex_snap_take(vmex_snap *s, const vmex_model *m, const vmex_gen *g);
void vmex_snap_free(vmex_snap *s);

/* A window op and the stream or reservation its handle belongs to. */
typedef struct vmex_wop {
    vmex_op op;                 /* src and dst are generator slots */
    char origin[VMEX_WL_NAME_MAX];
} vmex_wop;

typedef struct vmex_snap_info {
    uint32_t blockers;          /* ranges of step 1 */
    uint32_t used;              /* live handles the window uses */
    uint32_t regions;           /* tiny and small regions re-opened */
} vmex_snap_info;

/* The program re-creating S on layout L (workload w names the handles:
 * a reservation by its name, a stream's handle as STREAM_SLOT), then the
 * window's ops.  0, or -1 with err set (out of memory, or an op of the
 * window that uses a handle the snapshot does not have: a bug). */
int vmex_snap_program(const vmex_workload *w, const vmex_layout *L, const vmex_snap *S, const vmex_wop *ops,
                      size_t nops, vmex_program *P, vmex_snap_info *info, vmex_error *err);

/* Where a live block of libmalloc's lives: 0 tiny, 1 small, 2 large, -1
 * nano (in the nano region of L). */
int vmex_snap_block_class(const vmex_layout *L, const vmex_gen_handle *h);

#endif
