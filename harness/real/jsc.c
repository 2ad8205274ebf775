/*
 * jsc.c - target jsc: JavaScriptCore's own allocator (libpas, bmalloc) and
 * the program's mmaps in one confined window (linux-real.md §7).
 *
 * The jsc backend (model/backend.h), on the session of session.c with the
 * executor vmex-exec-jsc (exec/jsc_executor.c, built where pkg-config finds
 * javascriptcoregtk-4.1; without it the target is unavailable and says
 * why).  Every run is a fork of a started, warmed-up, confined
 * JavaScriptCore.  The executor reports; the oracle's classes come from
 * here:
 *   range-error  an op threw a RangeError (out of memory): JavaScript can
 *                catch it, so it is recorded like a failed `try` and is a
 *                finding only under a hunt that names it;
 *   pas-panic    the child died of SIGILL or SIGTRAP with
 *                pas_panic_on_out_of_memory_error at or above the faulting
 *                address, or with the faulting address in another libpas
 *                function after an mmap of that op failed with ENOMEM:
 *                libpas could not map the memory it needed;
 *   gc-abort     the child died of SIGABRT in
 *                JSC::LocalAllocator::allocateSlowCase: the GC heap could
 *                not get a block;
 *   crash        any other death.
 * Each carries what the window held: the bytes the program holds as vmex
 * counts them (opres.live: its mappings, malloc blocks and JavaScript
 * values at their nominal sizes), free and largest hole as the kernel sees
 * them, and libpas's own counters.  The margin is the room (window minus
 * live) over the request; a RangeError's request is the op's bytes, a
 * panic's is libpas's chunk, which is what it asked the kernel for.  A
 * mapping or malloc that fails with ENOMEM is classified as on target
 * linux.  Signatures carry the crash's top frame (oracle/find.c).
 */
#include "core/core.h"
#include "model/backend.h"
#include "model/model.h"
#include "oracle/oracle.h"
#include "real/exec/jsc_proto.h"
#include "real/session.h"

#include <signal.h>
#include <string.h>

/* the frames of libpas's and the C library's own machinery: the top frame
 * is the first frame that is none of these (the one that asked) */
static const char *const machinery[] = {"pas_", "bmalloc_", "abort", "raise", "__", "gsignal", "WTF::fastMalloc",
                                        "WTF::tryFastMalloc", "bmalloc::", "?"};

static int is_machinery(const char *f)
{
    for (size_t i = 0; i < sizeof machinery / sizeof machinery[0]; i++)
        if (!strncmp(f, machinery[i], strlen(machinery[i]))) return 1;
    return 0;
}

static int any_frame(const vmex_jcrash *c, const char *what)
{
    if (strstr(c->sym, what)) return 1;
    for (uint32_t i = 0; i < c->nframes && i < VMEX_J_FRAMES; i++)
        if (strstr(c->frames[i], what)) return 1;
    return 0;
}

/* A JavaScriptCore outcome's request and margin: room is the window's
 * free bytes as the kernel sees them (JavaScriptCore never unmaps, and
 * libpas keeps what it mapped to the heap that had it, so what is not
 * mapped is all any heap could still get) over the request, the mapping
 * that failed.  A margin of 1 or more: the bytes were free but no hole
 * held the request (fragmentation); below 1: exhaustion. */
static void room(uint64_t live, uint64_t kfree, uint64_t req, vmex_opres *r)
{
    r->live = live;
    r->req = req;
    r->margin = req ? (double)kfree / (double)req : 0;
}

static void judge(void *ctx, const vmex_xsession *x, const vmex_op *op, const vmex_xres *q, vmex_opres *r)
{
    const vmex_layout *L = ctx;
    if (q->status != VMEX_ST_FAILED) return;
    if (q->why != VMEX_WHY_RANGEERROR) {
        _vmex_xs_classify(L, x, op, q, r);
        return;
    }
    const vmex_jres *j = (const vmex_jres *)(x->shm + VMEX_JRES_OFF) + r->i;
    r->cls = VMEX_RANGE_ERROR;
    room(q->live, j->kfree, q->req, r);
    r->kfree = j->kfree;
    r->klargest = j->klargest;
    r->pas_free = j->pas_free;
    r->pas_mapped = j->pas_mapped;
}

static void died(void *ctx, const vmex_xsession *x, const vmex_op *op, vmex_opres *r)
{
    const vmex_jcrash *c = (const vmex_jcrash *)(x->shm + VMEX_JCRASH_OFF);
    if (r->cls != VMEX_CRASH || !c->sig || c->op != r->i) return;
    /* the first named frame that is not machinery, else the first frame of
     * a function the library does not export ("lib...so.0+0x1a2b": stable
     * for one build of the library) */
    for (int named = 1; named >= 0 && !r->frame[0]; named--)
        for (uint32_t i = 0; i < c->nframes && i < VMEX_J_FRAMES; i++)
            if (!is_machinery(c->frames[i]) && (strstr(c->frames[i], "+0x") == NULL) == named) {
                snprintf(r->frame, sizeof r->frame, "%s", c->frames[i]);
                break;
            }
    r->kfree = c->kfree;
    r->klargest = c->klargest;
    r->pas_mapped = c->pas_mapped;
    /* libpas traps where an allocation cannot fail: in
     * pas_panic_on_out_of_memory_error, or in its utility heap's own
     * allocator (pas_large_utility_free_heap_allocate_with_alignment, seen
     * with a full window) after an mmap failed with ENOMEM */
    int in_pas = !strncmp(c->sym, "pas_", 4) || !strncmp(c->sym, "bmalloc_", 8);
    if ((c->sig == SIGILL || c->sig == SIGTRAP) &&
        (any_frame(c, "pas_panic_on_out_of_memory_error") || (in_pas && c->req))) {
        r->cls = VMEX_PAS_PANIC;
        room(c->live, c->kfree, c->req, r);
    } else if (c->sig == SIGABRT && any_frame(c, "allocateSlowCase")) {
        r->cls = VMEX_GC_ABORT;
        room(c->live, c->kfree, c->req, r);
    } else {
        r->live = c->live;
    }
}

/* ------------------------------------------------------------ the backend */
static int jsc_resolve(const vmex_config *cfg, const char *profile, uint32_t extra_ents, vmex_layout *L,
                       vmex_error *err)
{
    if (_vmex_resolve_window(cfg, profile, extra_ents, L, err)) return -1;
    char win[32];
    vmex_format_size(L->window, win, sizeof win);
    snprintf(L->profile, sizeof L->profile, "jsc-%.12s", win);
    L->allocator = VMEX_ALLOC_GLIBC;   /* malloc ops: glibc, beside JavaScriptCore */
    L->thp = 0;
    return 0;
}

static int jsc_run(vmex_model *m, const vmex_layout *L, const vmex_program *p, const vmex_runopts *o,
                   vmex_result *res)
{
    char win[32];
    snprintf(win, sizeof win, "%llu", (unsigned long long)L->window);
    vmex_xspec sp = {"jsc", "vmex-exec-jsc", "libjavascriptcoregtk-4.1-dev", {win, NULL}, VMEX_JSHM_SIZE};
    vmex_xjudge j = {judge, died, (void *)L};
    int rc = _vmex_xs_run_judged((vmex_xsession **)&m->state[_vmex_backend_jsc.target], &sp, L, p, o, &j, res,
                                 m->error, sizeof m->error);
    m->unavailable = rc == -2;
    return rc ? -1 : 0;
}

size_t vmex_jsc_calls(const vmex_model *m, vmex_jsc_call *out, size_t max)
{
    const vmex_xsession *x = m ? m->state[VMEX_TARGET_JSC] : NULL;
    if (!x || !x->shm || x->shm_size < VMEX_JSHM_SIZE) return 0;
    const vmex_jcalls *jc = (const vmex_jcalls *)(x->shm + VMEX_JCALLS_OFF);
    size_t n = jc->n < VMEX_J_MAX_CALLS ? jc->n : VMEX_J_MAX_CALLS;
    for (size_t i = 0; i < n && i < max; i++) {
        const vmex_jcall *c = &jc->c[i];
        out[i] = (vmex_jsc_call){c->op == VMEX_JCALL_STARTUP   ? VMEX_JSC_STARTUP
                                 : c->op == VMEX_JCALL_CONTEXT ? VMEX_JSC_CONTEXT
                                                               : (int32_t)c->op,
                                 (int)c->unmap, c->prot, c->flags, c->err, c->len, c->addr};
    }
    return n;
}

const vmex_backend _vmex_backend_jsc = {
    .target = VMEX_TARGET_JSC,
    .model_of = VMEX_TARGET_LINUX_MODEL,   /* the mutator's holes: the program's own mappings */
    .real_of = -1,                         /* no model predicts it op by op: vmex diff --target jsc
                                              compares its calls with a scenario (oracle/diff_jsc.c) */
    .allocators = 1u << VMEX_ALLOC_KERNEL,  /* the window's default; malloc is glibc's (jsc_resolve) */
    .resolve = jsc_resolve,
    .start = _vmex_xs_start,
    .step = _vmex_xs_step,
    .run = jsc_run,
    .stats = _vmex_xs_stats,
    .walk = _vmex_xs_walk,
    .release = _vmex_xs_release,
};
