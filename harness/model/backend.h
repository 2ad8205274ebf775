/*
 * backend.h - the backend interface (not installed): what runs the programs
 * of one target.
 *
 * Three implementations, one per enum vmex_target:
 *   xnu          model/xnu.c: the vm_map of an iOS app, with its libmalloc
 *                (model/libmalloc.c) and its footprint;
 *   linux-model  model/linux_model.c: Linux's placement rules in a window,
 *                the kernel as the allocator;
 *   linux        real/linux.c: the real kernel and allocators, through the
 *                executor (real/exec/);
 *   jsc          real/jsc.c: JavaScriptCore and its allocator in a window,
 *                through its executor (real/exec/jsc_executor.c).
 * The two models share the simulated address space of model/sim.c.  The
 * model API of vmex.h (vmex_model_run, _start, _step, _stats, _walk) and
 * vmex_layout_resolve dispatch through the table of the target
 * (model/backend.c, the one list of backends); what a caller needs to know
 * about a target it asks (vmex_target_model_of, vmex_target_real_of,
 * vmex_target_runs_allocator here; vmex_target_has, the capabilities, in
 * core/config.c with the rest of a config's vocabulary), never the
 * target's name.
 */
#ifndef VMEX_BACKEND_H
#define VMEX_BACKEND_H

#include "core/core.h"

typedef struct vmex_backend {
    int      target;              /* enum vmex_target */
    int      model_of, real_of;   /* see vmex_target_model_of, vmex_target_real_of */
    unsigned allocators;          /* bit a: malloc may be served by enum vmex_allocator a */

    /* The pristine layout of a config (profile.c): 0, or -1 with err. */
    int  (*resolve)(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                    vmex_error *err);
    /* Reset to the pristine layout of L with nslots handle slots, making
     * the backend's state on first use: 0, or -1 with the model's error
     * set (or left empty: out of memory). */
    int  (*start)(vmex_model *m, const vmex_layout *L, uint32_t nslots);
    /* One op after start; r is zeroed with r->i set.  Fills the outcome
     * and the class of a failed request; the finding is the caller's. */
    void (*step)(vmex_model *m, const vmex_op *op, vmex_opres *r);
    /* The whole program, each op judged by the oracle (oracle/oracle.h);
     * res is begun and o is never NULL.  0, or -1 with the model's error
     * (and m->unavailable when the backend cannot run on this machine). */
    int  (*run)(vmex_model *m, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                vmex_result *res);
    /* The state after the last run or step. */
    void (*stats)(const vmex_model *m, vmex_stats *st);
    void (*walk)(const vmex_model *m, vmex_entry_fn cb, void *ctx);
    /* Free the backend's state (never NULL). */
    void (*release)(void *state);
} vmex_backend;

struct vmex_model {
    int store_kind;                    /* enum vmex_store_kind, for the models' maps */
    const vmex_backend *bk;            /* of the last run or start; NULL before the first */
    void *state[VMEX_TARGET__COUNT];   /* each backend's own, made by its start or run */
    int unavailable;                   /* the last run failed: its backend cannot run here */
    char error[320];                   /* why the last run or start failed */
};

/* The table of a target (NULL when there is none) */
const vmex_backend *_vmex_backend(int target);
/* The state of the backend that ran last */
static inline void *_vmex_backend_state(const vmex_model *m) { return m->state[m->bk->target]; }

extern const vmex_backend _vmex_backend_xnu, _vmex_backend_linux_model, _vmex_backend_linux, _vmex_backend_jsc;

#endif
