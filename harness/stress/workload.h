/*
 * workload.h - stress workloads: the .vmexw format (phases of allocation
 * streams with size distributions, lifetimes or free orders, and one-off
 * reservations), a seeded PRNG with the distributions, and the generator
 * that turns a workload and a seed into an endless, deterministic stream of
 * ops for vmex_model_step().  The format is documented at the top of
 * workload.c and in the README ("Stress runs").
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
#include "core/rng.h"   /* vmex_rng: every random choice of a run */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- limits */
#define VMEX_WL_MAX_STREAMS  16    /* distinct stream names in a workload */
#define VMEX_WL_MAX_PHASES   32
#define VMEX_WL_MAX_ACTIONS  16    /* reserve and release lines in a phase */
#define VMEX_WL_MAX_RESERVES 32    /* distinct reservation names */
#define VMEX_WL_NAME_MAX     24    /* stream, reservation and phase names: at most 23 chars */
#define VMEX_DIST_MAX_FIXED  16    /* values in `fixed A,B,...` */
#define VMEX_GEN_DEFAULT_SLOTS (1u << 20)

/* ---------------------------------------------------------------- distributions */
enum vmex_dist_kind {
    VMEX_DIST_FIXED = 0,   /* fixed A[,B...]: one of the values, equally likely */
    VMEX_DIST_UNIFORM,     /* uniform MIN MAX: integers in [MIN, MAX] */
    VMEX_DIST_LOGNORMAL,   /* lognormal MEDIAN SIGMA [MIN MAX]: MEDIAN * e^(SIGMA * N(0,1)) */
    VMEX_DIST_POWERLAW,    /* powerlaw ALPHA MIN MAX: density ~ x^-ALPHA on [MIN, MAX] */
    VMEX_DIST_EXP,         /* exp MEAN: exponential with this mean */
    VMEX_DIST__COUNT
};
const char *vmex_dist_name(int kind);

typedef struct vmex_dist {
    uint8_t  kind;          /* enum vmex_dist_kind */
    uint8_t  n;             /* fixed: number of values */
    double   a, b;          /* lognormal: median, sigma; powerlaw: alpha; exp: mean */
    uint64_t min, max;      /* uniform, powerlaw: the bounds; lognormal: optional bounds (0 0: none) */
    uint64_t v[VMEX_DIST_MAX_FIXED];
    double   c0, c1, c2;    /* precomputed by vmex_dist_prepare() */
} vmex_dist;
/* Precompute constants after filling a vmex_dist by hand (the parser does it). */
void     vmex_dist_prepare(vmex_dist *d);
/* One value, rounded to an integer, at least 1 and below VMEX_MAX_VALUE;
 * lognormal values outside given bounds are drawn again (at most 16 times,
 * then clamped). */
uint64_t vmex_dist_sample(const vmex_dist *d, vmex_rng *r);

/* ---------------------------------------------------------------- workloads */
enum vmex_wl_order { VMEX_WL_RANDOM = 0, VMEX_WL_FIFO, VMEX_WL_LIFO };

/* A stream's settings in one phase (a `stream` line). */
typedef struct vmex_wl_stream {
    uint8_t  id;              /* index into vmex_workload.streams */
    uint8_t  kind;            /* VMEX_OP_MALLOC, VMEX_OP_MMAP or VMEX_OP_VM_ALLOCATE */
    uint8_t  order;           /* enum vmex_wl_order (free mode) */
    uint8_t  has_lifetime;    /* releases come from lifetimes, not from draws */
    uint8_t  dirty;           /* touch every new handle whole, as the next op */
    uint8_t  tag, prot;       /* mmap options (flags say which are given) */
    uint16_t flags;           /* VMEX_F_TAG, VMEX_F_PROT, VMEX_F_ALIGN, VMEX_F_NORESERVE */
    uint64_t align;
    double   weight;          /* allocation weight in the phase's op mix */
    double   free_weight;     /* release weight (free mode) */
    double   realloc_weight;  /* malloc streams: realloc weight */
    uint32_t max_live;        /* at most this many live handles (0: no cap) */
    vmex_dist size, lifetime; /* lifetime in ops */
    int      line;
} vmex_wl_stream;

/* A `reserve` or `release` line: done in order when its phase starts. */
typedef struct vmex_wl_action {
    uint8_t  release;         /* 0 reserve NAME ..., 1 release NAME */
    uint8_t  is_stream;       /* release: NAME is a stream (all its live handles) */
    uint8_t  id;              /* reservation (or stream) id */
    uint8_t  kind;            /* reserve: VMEX_OP_MMAP, VMEX_OP_VM_ALLOCATE or VMEX_OP_MALLOC */
    uint8_t  tag, prot;
    uint16_t flags;           /* VMEX_F_TAG, _PROT, _ALIGN, _NORESERVE, _JIT, _TRY */
    uint64_t size, align;
    uint64_t halve;           /* retry with half the size while it stays >= this (0: no retry) */
    int      line;
} vmex_wl_action;

typedef struct vmex_wl_phase {
    char     name[VMEX_WL_NAME_MAX];
    uint64_t ops;             /* length in ops after the actions (with share: 0) */
    double   share;           /* > 0: length = share x the run's ops */
    uint32_t nstreams, nactions;
    vmex_wl_stream streams[VMEX_WL_MAX_STREAMS];
    vmex_wl_action actions[VMEX_WL_MAX_ACTIONS];
    double   touch_weight;    /* `touch weight W [size DIST]` */
    int      touch_sized;     /* 0: a touch dirties the whole handle */
    vmex_dist touch_size;
    int      line;
} vmex_wl_phase;

typedef struct vmex_workload {
    char        file[256];                 /* as given to the parser */
    char        name[64];                  /* the file's base name without .vmexw */
    vmex_config cfg;                       /* profile and entitlements given in the file */
    uint32_t    nphases;
    uint32_t    repeat;                    /* the phase the run cycles back to after the last */
    vmex_wl_phase phases[VMEX_WL_MAX_PHASES];
    uint32_t    nstreams;
    struct { char name[VMEX_WL_NAME_MAX]; uint8_t kind, untouchable; } streams[VMEX_WL_MAX_STREAMS];
    uint32_t    nreserves;
    char        reserves[VMEX_WL_MAX_RESERVES][VMEX_WL_NAME_MAX];
} vmex_workload;

/* Parse .vmexw text into *w (large: allocate it).  Returns 0, or -1 with
 * err holding FILE:LINE:COL of the offending token. */
int vmex_workload_parse(const char *text, size_t len, const char *file, vmex_workload *w, vmex_error *err);
int vmex_workload_parse_file(const char *path, vmex_workload *w, vmex_error *err);
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
