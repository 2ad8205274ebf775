/*
 * workload.h - running stress workloads: the generator that turns a
 * workload (its format and parser: lang/workload.h) and a seed into an
 * endless, deterministic stream of ops for vmex_model_step(), drawing from
 * the distributions of core/dist.h.
 *
 * The generator owns a bounded pool of handle slots: an op's dst and src
 * are slot ids below nslots, so a model started with
 * vmex_model_start(m, L, nslots) runs the ops as they come.  Slots of
 * released handles are reused.  After every op the generator must be told
 * how it went (vmex_gen_result): a failed allocation binds nothing.  Nothing
 * is allocated per op; the same workload, seed, pool size and run length
 * give the same ops against the same model.
 */
#ifndef VMEX_WORKLOAD_H
#define VMEX_WORKLOAD_H

#include "vmex.h"
#include "lang/workload.h"   /* vmex_workload, its parser, and the distributions */

#ifdef __cplusplus
extern "C" {
#endif

#define VMEX_GEN_DEFAULT_SLOTS (1u << 20)

/* A phase's length in ops for a run of run_ops ops. */
uint64_t vmex_workload_phase_len(const vmex_workload *w, uint32_t phase, uint64_t run_ops);

/* ---------------------------------------------------------------- generator */
typedef struct vmex_gen vmex_gen;

/* A generator for workload w (which must outlive it), seeded, with nslots
 * handle slots; run_ops sizes the phases given as shares.  NULL when out
 * of memory. */
vmex_gen *vmex_gen_new(const vmex_workload *w, uint64_t seed, uint32_t nslots, uint64_t run_ops);
void      vmex_gen_free(vmex_gen *g);
/* The next op.  Returns 0, or -1 when no op is possible (the pool is full
 * and nothing in the phase can release a handle). */
int       vmex_gen_next(vmex_gen *g, vmex_op *op);
/* How the op just generated went; must follow every vmex_gen_next(). */
void      vmex_gen_result(vmex_gen *g, const vmex_op *op, const vmex_opres *r);

/* A live handle. */
typedef struct vmex_gen_handle {
    uint32_t slot;
    uint8_t  kind;            /* VMEX_OP_MMAP, VMEX_OP_VM_ALLOCATE or VMEX_OP_MALLOC */
    int16_t  stream;          /* stream id, or -1 */
    int16_t  reserve;         /* reservation id, or -1 */
    uint8_t  tag, prot;
    uint16_t flags;           /* the mapping options it was made with */
    uint64_t addr, size;      /* where it landed; its size as the model rounded it */
    uint64_t req;             /* bytes requested */
} vmex_gen_handle;

uint64_t vmex_gen_count(const vmex_gen *g);        /* ops generated so far */
uint32_t vmex_gen_live(const vmex_gen *g);         /* live handles */
uint32_t vmex_gen_stream_live(const vmex_gen *g, uint32_t stream);
uint32_t vmex_gen_phase(const vmex_gen *g);        /* the phase of the last op */
/* The stream or reservation name of the last op's handle ("" if none). */
const char *vmex_gen_origin(const vmex_gen *g);
/* 0 and *h when slot holds a live handle, else -1. */
int  vmex_gen_handle_info(const vmex_gen *g, uint32_t slot, vmex_gen_handle *h);
/* Every live handle, in slot order. */
void vmex_gen_walk(const vmex_gen *g, void (*cb)(void *ctx, const vmex_gen_handle *h), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
