/*
 * reproduce.c - the reproducer of a stress run's finding (stress.h).
 *
 * The run is deterministic, so the state at the window start is rebuilt by
 * replaying the generator on a second model up to there (once, after the
 * run).  snapshot.c turns that state and the window's ops into a program.
 * Blocks inside regions and libmalloc's entropic hint are approximations,
 * so the program is run: when its first hunted finding has the run's
 * signature it is minimized (vmex_minimize keeps the signature).  Otherwise
 * the state right before the failing op (the run's own model) and the
 * failing op alone are used, which reproduces a failed mapping request
 * exactly.  Earlier failures that the hunt ignores but `vmex check` would
 * stop at are marked `try`, and the program gets the expect line `vmex
 * check` agrees with.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "oracle/minimize.h"
#include "model/model.h"
#include "core/fmt.h"
#include "core/json.h"
#include "stress/snapshot.h"
#include "stress/stress.h"

static void set_err(vmex_error *err, int code, const char *msg)
{
    err->code = code;
    vmex_error_set(err, 0, 0, "%s", msg);
}

/* Does P's first hunted finding have the run's signature?  *at: its op. */
static int reproduces(const vmex_stress *X, vmex_model *m, const vmex_program *P, int32_t *at)
{
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.hunt = &X->hunt;
    vmex_result res;
    if (vmex_model_run(m, &X->L, P, &o, &res) || !res.findings)
        return 0;
    char sig[128];
    vmex_signature(res.verdict, res.req_kind, res.req, X->L.profile, sig, sizeof sig);
    if (strcmp(sig, X->f.sig))
        return 0;
    if (at)
        *at = res.at;
    return 1;
}

typedef struct tryctx { vmex_program *P; int32_t at; uint32_t marked; } tryctx;

static void mark_try_op(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    tryctx *t = ctx;
    (void)op;
    if ((int32_t)r->i < t->at && r->finding) {
        t->P->ops[r->i].flags |= VMEX_F_TRY;
        t->marked++;
    }
}

/* Mark `try` the failures before op `at` that `vmex check` (no hunt policy)
 * would stop at, and give P its expect line: then `vmex check` agrees with
 * the hunt. */
static void settle_expect(const vmex_stress *X, vmex_model *m, vmex_program *P, int32_t at)
{
    tryctx t = {P, at, 0};
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = 1;
    o.on_op = mark_try_op;
    o.ctx = &t;
    vmex_result res;
    if (vmex_model_run(m, &X->L, P, &o, &res) == 0) {
        P->expect = (int8_t)X->f.r.cls;
        P->expect_at = at;
        /* check it: the default run must now stop at `at` with the class */
        vmex_runopts_init(&o);
        if (vmex_model_run(m, &X->L, P, &o, &res) != 0 || !vmex_result_matches(P, &res)) {
            P->expect = res.verdict;
            P->expect_at = res.verdict != VMEX_OK ? res.at : -1;
        }
    }
}

/* The expect line of whatever P does (a window that does not reproduce). */
static void plain_expect(const vmex_stress *X, vmex_model *m, vmex_program *P)
{
    vmex_runopts o;
    vmex_runopts_init(&o);
    vmex_result res;
    if (vmex_model_run(m, &X->L, P, &o, &res) == 0) {
        P->expect = (int8_t)res.verdict;
        P->expect_at = res.verdict != VMEX_OK ? res.at : -1;
    }
}

/* A generator and a model replaying the run from its start. */
static int replay_start(const vmex_stress *X, vmex_gen **g, vmex_model **m)
{
    *g = vmex_gen_new(X->w, X->seed, VMEX_GEN_DEFAULT_SLOTS, X->run_ops);
    *m = vmex_model_new(VMEX_STORE_FAST);
    return *g && *m && vmex_model_start(*m, &X->L, VMEX_GEN_DEFAULT_SLOTS) == 0 ? 0 : -1;
}

/* One op of the replay; -1 when the generator cannot go on. */
static int replay_step(const vmex_stress *X, vmex_gen *g, vmex_model *m, uint64_t i, vmex_op *op, vmex_opres *r)
{
    if (vmex_gen_next(g, op))
        return -1;
    vmex_model_step(m, op, (uint32_t)i, &X->ro, r);
    vmex_gen_result(g, op, r);
    return 0;
}

/* Replay the run up to the finding: the state at op `from` and the ops
 * from there to the finding.  0, -1 no memory, -2 the replay diverged. */
static int replay(const vmex_stress *X, uint64_t from, vmex_snap *S, vmex_wop **opsp, size_t *nopsp)
{
    vmex_gen *g;
    vmex_model *m;
    size_t n = (size_t)(X->f.at - from + 1);
    vmex_wop *ops = calloc(n, sizeof *ops);
    int rc = -1;
    if (replay_start(X, &g, &m) || !ops)
        goto done;
    vmex_op op;
    vmex_opres r;
    for (uint64_t i = 0; i < from; i++)
        if (replay_step(X, g, m, i, &op, &r) || r.finding)
            goto diverged;
    if (vmex_snap_take(S, m, g))
        goto done;
    for (uint64_t i = from; i <= X->f.at; i++) {
        if (vmex_gen_next(g, &op))
            goto diverged;
        ops[i - from].op = op;
        snprintf(ops[i - from].origin, sizeof ops[i - from].origin, "%s", vmex_gen_origin(g));
        vmex_model_step(m, &op, (uint32_t)i, &X->ro, &r);
        vmex_gen_result(g, &op, &r);
        if (r.finding != (i == X->f.at))
            goto diverged;
    }
    if (r.cls != X->f.r.cls || r.req != X->f.r.req)
        goto diverged;
    *opsp = ops;
    *nopsp = n;
    ops = NULL;
    rc = 0;
    goto done;
diverged:
    rc = -2;
done:
    free(ops);
    vmex_gen_free(g);
    vmex_model_free(m);
    return rc;
}

/* Jetsam: the dirty bytes of each live handle the window uses, measured on
 * another replay to the window start by unmapping the handles one by one
 * (small blocks own no pages: 0).  0, -1 no memory, -2 diverged. */
static int measure_dirty(const vmex_stress *X, uint64_t from, vmex_snap *S, const vmex_wop *ops, size_t nops)
{
    vmex_gen *g;
    vmex_model *m;
    uint8_t *seen = calloc(VMEX_GEN_DEFAULT_SLOTS, 1);
    int rc = -1;
    S->dirty = calloc(S->live.n + 1, sizeof *S->dirty);
    if (replay_start(X, &g, &m) || !seen || !S->dirty)
        goto done;
    vmex_op op;
    vmex_opres r;
    for (uint64_t i = 0; i < from; i++)
        if (replay_step(X, g, m, i, &op, &r)) {
            rc = -2;
            goto done;
        }
    for (size_t i = 0; i < nops; i++) {
        if (ops[i].op.src >= 0 && !(seen[ops[i].op.src] & 1))
            seen[ops[i].op.src] |= 2;
        if (ops[i].op.dst >= 0)
            seen[ops[i].op.dst] |= 1;
    }
    for (size_t k = 0; k < S->live.n; k++) {
        const vmex_gen_handle *h = &S->live.v[k];
        if (!(seen[h->slot] & 2) || (h->kind == VMEX_OP_MALLOC && h->req <= VMEX_MALLOC_LARGE))
            continue;
        vmex_stats before, after;
        vmex_model_stats(m, &before);
        vmex_op_init(&op, h->kind == VMEX_OP_MALLOC ? VMEX_OP_FREE : VMEX_OP_MUNMAP);
        op.src = (int32_t)h->slot;
        vmex_model_step(m, &op, 0, &X->ro, &r);
        vmex_model_stats(m, &after);
        S->dirty[k] = before.footprint > after.footprint ? before.footprint - after.footprint : 0;
    }
    rc = 0;
done:
    free(seen);
    vmex_gen_free(g);
    vmex_model_free(m);
    return rc;
}

/* The state right before the failing op (the run's own model) and the
 * failing op alone, into Q.  0, or -1 (err). */
static int state_program(const vmex_stress *X, vmex_program *Q, vmex_error *err)
{
    vmex_snap T;
    vmex_wop one = {X->f.op, ""};
    vmex_snap_info info;
    snprintf(one.origin, sizeof one.origin, "%s", X->f.origin);
    if (vmex_snap_take(&T, X->m, X->g)) {
        vmex_snap_free(&T);
        set_err(err, VMEX_E_NOMEM, "out of memory");
        return -1;
    }
    /* before a failing touch: its footprint less the range it dirtied */
    T.footprint = X->f.r.cls != VMEX_JETSAM ? 0 : X->f.r.value > X->f.r.req ? X->f.r.value - X->f.r.req : 0;
    int rc = vmex_snap_program(X->w, &X->L, &T, &one, 1, Q, &info, err);
    vmex_snap_free(&T);
    return rc;
}

static int print_program(const vmex_stress *X, const vmex_program *P, const char *header, int annotated,
                         vmex_buf *out)
{
    out->len = 0;
    return annotated ? vmex_print_annotated(P, &X->L, &X->hunt, header, out) : vmex_print(P, out, header, NULL, NULL);
}

/* The header comment both files start with. */
/* state_only: 1 the window did not reproduce, 2 xzone (no window) */
static void header_text(const vmex_stress *X, char *header, size_t n, int state_only, int wrep)
{
    const vmex_stress_repro *rp = &X->rp;
    char line2[1024], ents[160], mg[32], req[32];
    vmex_ents_text(X->L.ents, ents, sizeof ents);
    vmex_human_size(X->f.r.req, req, sizeof req);
    snprintf(mg, sizeof mg, "%.2f", X->f.r.margin);
    snprintf(line2, sizeof line2, "%s at op %" PRIu64 ": %s %s from '%s' in phase '%s', margin %s (%s)",
             vmex_class_name(X->f.r.cls), X->f.at, vmex_opkind_name(X->f.op.kind), req, X->f.origin,
             X->w->phases[X->f.phase].name, mg, X->f.sig);
    if (state_only)
        snprintf(header, n,
                 "vmex stress: workload %s (%s), seed %" PRIu64 ", profile %s, entitlements %s\n%s\n"
                 "the state right before the failing op (blockers at their addresses), then that op;\n%s",
                 X->w->name, X->wpath, X->seed, X->L.profile, ents, line2,
                 state_only == 2 ? "xzone malloc: no window of ops before it (its rebuild knows libmalloc's regions, "
                                   "not xzone's segments)"
                                 : "the window of ops before it (window.vmex) did not reproduce the signature");
    else
        snprintf(header, n,
                 "vmex stress: workload %s (%s), seed %" PRIu64 ", profile %s, entitlements %s\n%s\n"
                 "ops %" PRIu64 "-%" PRIu64 " of the run as a standalone program: the live state at op %" PRIu64
                 "\nre-created first (%" PRIu32 " blockers at their addresses, %" PRIu32
                 " handles the window uses)%s",
                 X->w->name, X->wpath, X->seed, X->L.profile, ents, line2, rp->from, X->f.at, rp->from, rp->blockers,
                 rp->used,
                 wrep ? "" : "\nthis window does not reproduce the signature on the model (libmalloc's inner state\n"
                             "is approximated); see finding.vmex");
}

/* Minimize C (which reproduces) into out, with its expect line; the
 * minimized header into header.  0, or -1 out of memory. */
static int minimize(vmex_stress *X, vmex_model *m, const vmex_program *C, vmex_program *out, int32_t at,
                    char *header, size_t n)
{
    vmex_stress_repro *rp = &X->rp;
    vmex_minimize_stats ms;
    int mr = vmex_minimize(C, &X->L, &X->hunt, out, &ms);
    if (mr < 0)
        return -1;
    if (mr == 1 || !reproduces(X, m, out, &at)) {   /* cannot happen: C reproduces */
        if (vmex_program_copy(out, C))
            return -1;
        out->expect = -1;
        out->expect_at = -1;
    } else {
        rp->minimized = 1;
        rp->runs = ms.runs;
    }
    settle_expect(X, m, out, at);
    rp->ops_after = out->nops;
    size_t hl = strlen(header);
    snprintf(header + hl, n - hl, "\nminimized: %u ops -> %u ops (%u runs); 'vmex check' replays it",
             rp->ops_before, rp->ops_after, rp->runs);
    return 0;
}

/* xzone malloc: the state right before the failing op (every entry of the
 * map at its address) and that op, when the op names no handle; minimized
 * when it reproduces the signature, which an op that asks the map for
 * space (a mapping, or a block xzone maps a segment for) does exactly.
 * window.vmex is that program as built.  Nothing is made (rp->made 0) when
 * the failing op names a handle.  0, or -1 (err). */
static int xzone_reproducer(vmex_stress *X, vmex_model *m, char *header, size_t n, vmex_program *Q,
                            vmex_program *out, vmex_error *err)
{
    vmex_stress_repro *rp = &X->rp;
    int32_t at = -1;
    if (X->f.op.src >= 0)
        return 0;
    if (state_program(X, Q, err))
        return -1;
    rp->made = rp->state_only = 1;
    snprintf(rp->wpath, sizeof rp->wpath, "%s/window.vmex", X->dir);
    snprintf(rp->path, sizeof rp->path, "%s/finding.vmex", X->dir);
    rp->reproduces = reproduces(X, m, Q, &at);
    rp->ops_before = rp->ops_after = Q->nops;
    header_text(X, header, n, 2, 0);
    if (!rp->reproduces) {
        plain_expect(X, m, Q);
        size_t hl = strlen(header);
        snprintf(header + hl, n - hl, "\nit does not reproduce the signature on the model (xzone's inner state is "
                                      "not re-created)");
        if (print_program(X, Q, header, 0, &rp->window) || print_program(X, Q, header, 1, &rp->finding))
            goto oom;
        return 0;
    }
    settle_expect(X, m, Q, at);
    if (print_program(X, Q, header, 0, &rp->window) || minimize(X, m, Q, out, at, header, n) ||
        print_program(X, out, header, 1, &rp->finding))
        goto oom;
    return 0;
oom:
    set_err(err, VMEX_E_NOMEM, "out of memory");
    return -1;
}

int vmex_stress_reproducer(vmex_stress *X, vmex_error *err)
{
    vmex_stress_repro *rp = &X->rp;
    uint64_t from = vmex_stress_window_start(X);
    vmex_snap S;
    vmex_wop *ops = NULL;
    size_t nops = 0;
    vmex_program P, Q, out;
    vmex_program_init(&P);
    vmex_program_init(&Q);
    vmex_program_init(&out);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_snap_info bi;
    int32_t at = -1;
    int rc = -1, r;
    char header[6144];
    memset(&S, 0, sizeof S);
    if (!m)
        goto oom;
    if ((r = replay(X, from, &S, &ops, &nops)) == -2) {
        set_err(err, VMEX_E_INTERNAL, "internal error: the replay of the run diverged (the run is not deterministic)");
        goto done;
    }
    if (r)
        goto oom;
    rp->from = from;
    if (X->L.xzone) {   /* the window's rebuild knows libmalloc's regions, not xzone's segments */
        rc = xzone_reproducer(X, m, header, sizeof header, &Q, &out, err);
        goto done;
    }
    if (X->f.r.cls != VMEX_JETSAM) {
        S.footprint = 0;   /* dirty pages matter to jetsam only */
    } else if ((r = measure_dirty(X, from, &S, ops, nops)) == -2) {
        set_err(err, VMEX_E_INTERNAL, "internal error: the replay of the run diverged");
        goto done;
    } else if (r) {
        goto oom;
    }
    if (vmex_snap_program(X->w, &X->L, &S, ops, nops, &P, &bi, err))
        goto done;
    rp->blockers = bi.blockers;
    rp->used = bi.used;
    rp->made = 1;
    snprintf(rp->wpath, sizeof rp->wpath, "%s/window.vmex", X->dir);
    snprintf(rp->path, sizeof rp->path, "%s/finding.vmex", X->dir);
    int32_t wat = -1;
    int wrep = reproduces(X, m, &P, &wat);
    const vmex_program *C = &P;   /* the program to minimize */
    if (wrep) {
        at = wat;
    } else {
        if (state_program(X, &Q, err))
            goto done;
        if (reproduces(X, m, &Q, &at)) {
            C = &Q;
            rp->state_only = 1;
        }
    }
    rp->reproduces = wrep || rp->state_only;

    /* window.vmex: the window program as built, with the expect line
     * `vmex check` agrees with */
    if (wrep)
        settle_expect(X, m, &P, wat);
    else
        plain_expect(X, m, &P);
    rp->ops_before = C->nops;
    header_text(X, header, sizeof header, 0, wrep);
    if (print_program(X, &P, header, 0, &rp->window))
        goto oom;
    if (!rp->reproduces) {   /* nothing to minimize: the window as it is */
        rp->ops_after = P.nops;
        rc = print_program(X, &P, header, 1, &rp->finding) ? -1 : 0;
        if (rc)
            goto oom;
        goto done;
    }
    if (rp->state_only)
        header_text(X, header, sizeof header, 1, wrep);
    if (minimize(X, m, C, &out, at, header, sizeof header) || print_program(X, &out, header, 1, &rp->finding))
        goto oom;
    rc = 0;
    goto done;
oom:
    set_err(err, VMEX_E_NOMEM, "out of memory");
done:
    vmex_snap_free(&S);
    free(ops);
    vmex_program_free(&P);
    vmex_program_free(&Q);
    vmex_program_free(&out);
    vmex_model_free(m);
    return rc;
}
