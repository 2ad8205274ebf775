/*
 * linux.c - target linux: programs on the real kernel and allocators.
 *
 * The linux backend (model/backend.h).  A model that runs a linux program
 * starts an executor (vmex-exec, vmex-exec-jemalloc or vmex-exec-mimalloc)
 * once per window and allocator, and keeps it (the session, session.c):
 * the executor confines itself to the window once and resets per run by
 * the measured recipe of its allocator (docs/linux-real.md).
 *
 * The executor reports what happened; the oracle (oracle/classify.c)
 * judges it: a failed request (ENOMEM) is classified against the window
 * minus what the program holds (the bytes of its live mappings that are
 * still mapped plus its live malloc blocks), and is map-count when the
 * process is at vm.max_map_count.  A run whose executor dies is a crash at
 * the op it was running; one whose op does not finish within the hang
 * limit (vmex_run_env: VMEX_HANG_MS, default 10000, per op) is a hang.  Both are findings
 * without a hunt, and under a hunt that names them.
 *
 * Target linux runs whole programs: it has no steps (vmex_model_start
 * says so); its stats and map are those the executor reported at the end
 * of the last run.
 */
#include "core/core.h"
#include "model/backend.h"
#include "model/model.h"
#include "oracle/oracle.h"
#include "real/session.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ------------------------------------------------------------ the THP probe */
int vmex_linux_thp_probe(void)
{
    static int cached = -1;
    if (cached >= 0) return cached;
    const size_t two = 2u << 20;
    void *a = mmap(NULL, two, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *b = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    void *c = mmap(NULL, two, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    /* without the rule the second 2 MiB map sits right below the 4 KiB one,
     * so both cannot be 2 MiB aligned */
    int ok = a != MAP_FAILED && b != MAP_FAILED && c != MAP_FAILED;
    cached = ok && (uintptr_t)a % two == 0 && (uintptr_t)c % two == 0;
    if (a != MAP_FAILED) munmap(a, two);
    if (b != MAP_FAILED) munmap(b, 4096);
    if (c != MAP_FAILED) munmap(c, two);
    return cached;
}

/* ------------------------------------------------------------ the executor */
static const char *exec_name(int allocator)
{
    return allocator == VMEX_ALLOC_JEMALLOC ? "vmex-exec-jemalloc"
         : allocator == VMEX_ALLOC_MIMALLOC ? "vmex-exec-mimalloc" : "vmex-exec";
}

/* ------------------------------------------------------------ runs */
static void judge(void *ctx, const vmex_xsession *x, const vmex_op *op, const vmex_xres *q, vmex_opres *r)
{
    _vmex_xs_classify(ctx, x, op, q, r);
}

/* ------------------------------------------------------------ the backend */
static int linux_run(vmex_model *m, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                     vmex_result *res)
{
    char a[4][32];
    snprintf(a[0], sizeof a[0], "%d", L->allocator);
    snprintf(a[1], sizeof a[1], "%llu", (unsigned long long)L->window);
    snprintf(a[2], sizeof a[2], "%llu", (unsigned long long)L->mmap_threshold);
    snprintf(a[3], sizeof a[3], "%d", L->retain);
    vmex_xspec sp = {"linux", exec_name(L->allocator),
                     L->allocator == VMEX_ALLOC_JEMALLOC ? "libjemalloc-dev" :
                     L->allocator == VMEX_ALLOC_MIMALLOC ? "libmimalloc-dev" : "executor",
                     {a[0], a[1], a[2], a[3], NULL}, VMEX_XSHM_SIZE};
    vmex_xjudge j = {judge, NULL, (void *)L};
    int rc = _vmex_xs_run_judged((vmex_xsession **)&m->state[_vmex_backend_linux.target], &sp, L, p, o, &j, res,
                                 m->error, sizeof m->error);
    m->unavailable = rc == -2;
    return rc ? -1 : 0;
}


const vmex_backend _vmex_backend_linux = {
    .target = VMEX_TARGET_LINUX,
    .model_of = VMEX_TARGET_LINUX_MODEL,
    .real_of = VMEX_TARGET_LINUX,
    .allocators = (1u << VMEX_ALLOC__COUNT) - 1,   /* the kernel and every allocator library */
    .resolve = _vmex_resolve_window,
    .start = _vmex_xs_start,
    .step = _vmex_xs_step,
    .run = linux_run,
    .stats = _vmex_xs_stats,
    .walk = _vmex_xs_walk,
    .release = _vmex_xs_release,
};
