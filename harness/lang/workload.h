/*
 * workload.h - the .vmexw format of stress workloads: what a workload file
 * says (vmex_workload) and its parser (workload_parse.c).  The generator
 * that runs a workload is stress/workload.h; the README ("Stress runs")
 * shows examples.
 *
 * ---------------------------------------------------------------- format
 * A workload is a small declarative text file, version 1.  Line-based, LF
 * line endings, `#` starts a comment (comments may hold UTF-8; code is
 * ASCII), tokens are separated by blanks, indentation means nothing.  The
 * first non-comment line is `workload 1`.  Numbers (sizes, op counts) are
 * written as in .vmex: decimal or 0x hex with an optional binary suffix
 * k m g t (so 16k = 16384).  Weights, SIGMA, ALPHA and shares are decimals
 * (0.05, 60).  Names match [a-z_][a-z0-9_]* with at most 23 characters.
 *
 *   workload 1
 *   profile ios16-3gb              # optional; --profile overrides it
 *   entitlement NAME               # optional, repeatable (as in .vmex)
 *
 *   phase NAME [ops N | share F]
 *     reserve NAME KIND SIZE [tag N] [prot none|r|rw|rx] [align A] [noreserve] [jit] [try] [halve MIN]
 *     release NAME
 *     stream NAME KIND weight W size DIST (lifetime DIST | free fifo|lifo|random W)
 *            [max N] [realloc W] [dirty] [tag N] [prot P] [align A] [noreserve]
 *     touch weight W [size DIST]
 *
 *   repeat PHASE                   # optional; after the last phase the run goes
 *                                  # back to PHASE (default: the first phase)
 *
 *   KIND: malloc, mmap or vm_allocate.
 *   DIST: fixed SIZE[,SIZE...]           one of the values, equally likely (at most 16)
 *         uniform MIN MAX                an integer in [MIN, MAX]
 *         lognormal MEDIAN SIGMA [MIN MAX]  MEDIAN * e^(SIGMA * N(0,1)); outside the
 *                                        optional bounds it is drawn again
 *         powerlaw ALPHA MIN MAX         density proportional to x^-ALPHA on [MIN, MAX]
 *         exp MEAN                       exponential with this mean
 *
 * Phases run in file order, then from the `repeat` phase to the last one
 * again and again, so a run can go on for billions of ops.  When a phase
 * starts, its `reserve` and `release` lines are done first, in order, one
 * op each (a `release` of a stream frees every live handle of it, oldest
 * first; a `reserve` of a name that is still live releases it first);
 * then the phase runs N ops (`ops N`; `share F`, 0 < F <= 1 or a percent,
 * is F times the run's --ops, or 1000000 with --seconds).  A phase without
 * a length runs only its reserve and release lines and has no streams.
 *
 * A `reserve` is one big mapping or block under a workload-wide name; it
 * lives until a `release` of the name.  `halve MIN` retries a failed
 * reservation with half the size (rounded up to a page) while that is at
 * least MIN, as the Dart VM does for its heap; all attempts but the last
 * are `try` (a failure the app handles is not a finding).
 *
 * A `stream` is a population of handles made by one kind of op.  Each op
 * of a phase is drawn from its op mix: every stream's `weight` (allocate),
 * `free ... W` (release: free or munmap) and `realloc W` (malloc streams),
 * and the phase's `touch weight W`, all in proportion.  Sizes come from
 * `size DIST`.  Handles are released in one of two ways: `free ORDER W`
 * releases one handle per draw, chosen by ORDER (fifo: the oldest, lifo:
 * the newest, random); `lifetime DIST` gives every handle a lifetime in
 * ops at its birth, and the generator releases it when that many ops have
 * passed (such releases come before the mix; they count as ops of the
 * phase).  `max N` caps the stream's live handles: at the cap an
 * allocation draw releases one instead (fifo with a lifetime).  `dirty`
 * touches every new handle whole right after it is made (decoded images,
 * written buffers).  `realloc W` resizes a random live block to a new size
 * from DIST.  `touch weight W` dirties SIZE bytes (default the whole
 * handle) at a random page of a random live handle, of any stream that is
 * never `prot none`.  A stream keeps its name, kind and live handles
 * across phases; a phase that does not mention it leaves its handles alone
 * (lifetimes still expire).  The mapping options tag, prot, align and
 * noreserve are those of .vmex.
 *
 * A draw that cannot be done turns into the nearest one that can: a
 * release with nothing live allocates instead, an allocation with the
 * handle pool full releases instead, and a touch with nothing to touch
 * takes the next entry of the mix.
 *
 * Every field is validated; errors are FILE:LINE:COL: error: ... at the
 * offending token.
 */
#ifndef VMEX_LANG_WORKLOAD_H
#define VMEX_LANG_WORKLOAD_H

#include "vmex.h"
#include "core/dist.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- limits */
#define VMEX_WL_MAX_STREAMS  16    /* distinct stream names in a workload */
#define VMEX_WL_MAX_PHASES   32
#define VMEX_WL_MAX_ACTIONS  16    /* reserve and release lines in a phase */
#define VMEX_WL_MAX_RESERVES 32    /* distinct reservation names */
#define VMEX_WL_NAME_MAX     24    /* stream, reservation and phase names: at most 23 chars */

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

#ifdef __cplusplus
}
#endif
#endif
