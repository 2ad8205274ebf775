/*
 * stress.h - stress runs, the library side of `vmex stress`: a workload
 * (workload.h) driven through the XNU model at the model's full speed for
 * N ops or S seconds, the address space sampled at regular intervals, the
 * run stopped at the first finding of the hunt policy (run.c); for a
 * finding, a standalone reproducer rebuilt from the model's state
 * (reproduce.c, on snapshot.h); the series as CSV and the run as JSON.
 *
 * The run loop allocates nothing and prints nothing per op: a generator
 * step, a model step and a few loads for the statistics.  The clock is
 * read every 1024 ops, for the progress callback and the --seconds limit,
 * and decides nothing else, so the same workload, seed and profile give the
 * same series byte for byte.
 *
 * Use: fill the settings of a zeroed vmex_stress, vmex_stress_start,
 * vmex_stress_run, vmex_stress_reproducer when S->f.found, then render
 * (vmex_stress_series, vmex_stress_summary, vmex_stress_plot in
 * report/plot.h) and vmex_stress_free.
 */
#ifndef VMEX_STRESS_H
#define VMEX_STRESS_H

#include <signal.h>

#include "vmex.h"
#include "stress/workload.h"

#define VMEX_STRESS_DEFAULT_OPS    1000000ull
#define VMEX_STRESS_DEFAULT_WINDOW 2000ull
#define VMEX_STRESS_MAX_WINDOW     1000000ull
#define VMEX_STRESS_SAMPLES        1000ull      /* about this many samples per run */

typedef struct vmex_stress_sample {
    uint64_t ops, free, largest, mapped, footprint;
    uint32_t entries;
} vmex_stress_sample;

/* The first failure the hunt took. */
typedef struct vmex_stress_finding {
    int found;
    uint64_t at;                       /* 0-based index of the failing op */
    vmex_op op;
    vmex_opres r;
    vmex_stats st;                     /* the state when it failed */
    char sig[128], origin[VMEX_WL_NAME_MAX];
    uint32_t phase;
} vmex_stress_finding;

/* The reproducer of a finding: window.vmex (the window of ops with the
 * state at its start re-created, as built) and finding.vmex (what
 * reproduces, minimized). */
typedef struct vmex_stress_repro {
    int made, reproduces, minimized, state_only;
    uint64_t from;                     /* first op of the window */
    uint32_t ops_before, ops_after, runs, blockers, used;
    char path[4200], wpath[4200];      /* dir/finding.vmex, dir/window.vmex */
    vmex_buf finding, window;          /* their text */
} vmex_stress_repro;

typedef struct vmex_stress {
    /* ---- settings, before vmex_stress_start */
    const vmex_workload *w;
    char wpath[4096];                  /* the workload's file, for the headers */
    char dir[4096];                    /* the output directory, for the paths in the summary */
    vmex_layout L;
    vmex_hunt hunt;
    char hunt_text[256];
    uint64_t seed;
    uint64_t ops;                      /* the run's length, unless seconds > 0 */
    double seconds;
    uint64_t sample;                   /* sample every this many ops; 0: adaptive */
    uint64_t window;                   /* ops in the reproducer's window */
    const volatile sig_atomic_t *stop; /* nonzero ends the run like its end (SIGINT) */
    /* about once a second during the run (may be NULL) */
    void (*progress)(void *ctx, const struct vmex_stress *S, uint64_t ops, double rate, const vmex_stats *st);
    void *ctx;

    /* ---- the run */
    vmex_runopts ro;
    vmex_model *m;
    vmex_gen *g;
    uint64_t run_ops;                  /* the length phase shares are taken of */
    vmex_stress_sample *s;
    size_t ns, cap;
    uint64_t every;                    /* the sample spacing */
    int adaptive;
    uint64_t ops_run, failed;
    uint32_t live;                     /* live handles at the end */
    int interrupted;                   /* *stop ended the run */
    double elapsed;
    vmex_stress_finding f;
    double worst;                      /* the worst fragmentation seen, -1 before any op */
    uint64_t worst_at;
    vmex_stats worst_st;
    vmex_stats final;
    vmex_stress_repro rp;
} vmex_stress;

/* 1 - largest/free: how far the free space is from one hole (0 when none) */
double vmex_stress_frag(uint64_t free, uint64_t largest);

/* Allocate the model, the generator and the samples.  0, or -1 (err). */
int  vmex_stress_start(vmex_stress *S, vmex_error *err);
/* The run.  0, or -1 (err: out of memory, or the workload is stuck). */
int  vmex_stress_run(vmex_stress *S, vmex_error *err);
/* The first op of the reproducer's window. */
uint64_t vmex_stress_window_start(const vmex_stress *S);
/* Rebuild the reproducer of S->f (found) into S->rp, by replaying the run
 * on a second model (it costs as much as the run up to the finding).
 * 0, or -1 (err: out of memory, or the replay diverged: a bug). */
int  vmex_stress_reproducer(vmex_stress *S, vmex_error *err);
void vmex_stress_free(vmex_stress *S);

/* series.csv: ops,free,largest,frag,entries,mapped,footprint */
int  vmex_stress_series(const vmex_stress *S, vmex_buf *b);
/* summary.json: the settings, ops run and their rate, the finding, the
 * worst fragmentation, the final state, the reproducer */
int  vmex_stress_summary(const vmex_stress *S, vmex_buf *b);

#endif
