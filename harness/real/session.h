/*
 * session.h - the front end's half of the executor protocol
 * (real/exec/proto.h), shared by the real backends (not installed): target
 * linux (linux.c, vmex-exec and its allocator builds) and target jsc
 * (jsc.c, vmex-exec-jsc).  A session is one executor process, started with
 * posix_spawn on first use and kept while its arguments stay the same; the
 * program travels in a memfd, a pipe byte starts a run and a pipe byte
 * ends it (linux-real.md §5).
 */
#ifndef VMEX_REAL_SESSION_H
#define VMEX_REAL_SESSION_H

#include <sys/types.h>

#include "core/core.h"
#include "real/exec/proto.h"

typedef struct vmex_xsession {
    pid_t pid;                /* 0: not running */
    int cmd, reply, shm_fd;
    uint8_t *shm;
    uint64_t shm_size;
    vmex_xhdr *hdr;
    char args[256];           /* the executor and its arguments it runs with */
    /* the last run */
    vmex_stats st;
    uint32_t nmaps;
} vmex_xsession;

/* The executor to run: its file name, its arguments, the target that
 * names it in messages and what a build without it lacks. */
typedef struct vmex_xspec {
    const char *target, *exe, *lacks;
    const char *argv[6];      /* the arguments after the program, NULL-terminated */
    uint64_t shm_size;        /* VMEX_XSHM_SIZE or more */
} vmex_xspec;

/* The run environment of o: its own, else the process's (read once). */
const vmex_run_env *_vmex_run_env(const vmex_runopts *o);

/* How a run's ops are judged: op i finished with q (judge), or the
 * executor died in it (died: VMEX_CRASH or VMEX_HANG, sig the signal);
 * r has status, reason, address, size, value and live filled. */
typedef struct vmex_xjudge {
    void (*judge)(void *ctx, const vmex_xsession *x, const vmex_op *op, const vmex_xres *q, vmex_opres *r);
    void (*died)(void *ctx, const vmex_xsession *x, const vmex_op *op, vmex_opres *r);
    void *ctx;
} vmex_xjudge;

/* Run and judge p on the session's executor (started or restarted as
 * spec says): 0, -1 with err, or -2 with err when the executor cannot
 * start on this machine (not built, no memfd, confinement refused). */
int _vmex_xs_run_judged(vmex_xsession **px, const vmex_xspec *spec, const vmex_layout *L, const vmex_program *p,
                        const vmex_runopts *o, const vmex_xjudge *j, vmex_result *res, char *err, size_t errn);

/* The oracle's class of a failed mapping or malloc request (ENOMEM):
 * room is the window minus what the program holds; map-count when the
 * process is at vm.max_map_count (linux-real.md §6). */
void _vmex_xs_classify(const vmex_layout *L, const vmex_xsession *x, const vmex_op *op, const vmex_xres *q,
                       vmex_opres *r);

/* A real backend's table entries (model/backend.h), its state a session:
 * the state and the map at the end of the last run, and its release. */
int  _vmex_xs_start(vmex_model *m, const vmex_layout *L, uint32_t nslots);   /* fails: no steps */
void _vmex_xs_step(vmex_model *m, const vmex_op *op, vmex_opres *r);
void _vmex_xs_stats(const vmex_model *m, vmex_stats *st);
void _vmex_xs_walk(const vmex_model *m, vmex_entry_fn cb, void *ctx);
void _vmex_xs_release(void *state);
void _vmex_xs_free(vmex_xsession *x);

#endif
