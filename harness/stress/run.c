/*
 * run.c - a stress run (stress.h): the loop, its samples, and the series
 * and summary it leaves.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fmt.h"
#include "core/json.h"
#include "stress/stress.h"

#define PUTS(b, lit) vmex_buf_put((b), (lit), sizeof(lit) - 1)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void nomem(vmex_error *err)
{
    err->code = VMEX_E_NOMEM;
    vmex_error_set(err, 0, 0, "out of memory");
}

double vmex_stress_frag(uint64_t free, uint64_t largest)
{
    return free ? 1.0 - (double)largest / (double)free : 0.0;
}

int vmex_stress_start(vmex_stress *S, vmex_error *err)
{
    S->run_ops = S->seconds > 0 ? VMEX_STRESS_DEFAULT_OPS : S->ops;
    /* samples: every S->sample ops; by default every op at first, and the
     * spacing doubles (every other sample dropped) whenever there are
     * 2 x VMEX_STRESS_SAMPLES: 1000 to 2000 samples, whatever the length */
    S->every = S->sample ? S->sample : 1;
    S->adaptive = !S->sample;
    if (S->adaptive || S->seconds <= 0) {   /* the samples, allocated up front */
        S->cap = S->adaptive ? 2 * VMEX_STRESS_SAMPLES + 2 : (size_t)(S->ops / S->every + 3);
        if (!(S->s = malloc(S->cap * sizeof *S->s))) {
            nomem(err);
            return -1;
        }
    }
    S->m = vmex_model_new(VMEX_STORE_FAST);
    S->g = vmex_gen_new(S->w, S->seed, VMEX_GEN_DEFAULT_SLOTS, S->run_ops);
    if (!S->m || !S->g || vmex_model_start(S->m, &S->L, VMEX_GEN_DEFAULT_SLOTS)) {
        nomem(err);
        return -1;
    }
    vmex_runopts_init(&S->ro);
    S->ro.hunt = &S->hunt;
    return 0;
}

void vmex_stress_free(vmex_stress *S)
{
    vmex_gen_free(S->g);
    vmex_model_free(S->m);
    free(S->s);
    vmex_buf_free(&S->rp.finding);
    vmex_buf_free(&S->rp.window);
    S->g = NULL;
    S->m = NULL;
    S->s = NULL;
}

/* A sample at `ops`; last: the run's final state, kept off the grid too. */
static int add_sample(vmex_stress *S, uint64_t ops, const vmex_stats *st, int last)
{
    if (S->adaptive && S->ns >= 2 * VMEX_STRESS_SAMPLES) {
        /* keep the samples on the doubled grid */
        size_t k = 0;
        for (size_t i = 0; i < S->ns; i++)
            if (S->s[i].ops % (2 * S->every) == 0)
                S->s[k++] = S->s[i];
        S->ns = k;
        S->every *= 2;
        if (!last && ops % S->every)
            return 0;
    }
    if (S->ns == S->cap) {
        size_t cap = S->cap ? S->cap * 2 : 1024;
        vmex_stress_sample *ns = realloc(S->s, cap * sizeof *ns);
        if (!ns)
            return -1;
        S->s = ns;
        S->cap = cap;
    }
    S->s[S->ns++] = (vmex_stress_sample){ops, st->free, st->largest, st->mapped, st->footprint, st->entries};
    return 0;
}

static void take_finding(vmex_stress *S, uint64_t i, const vmex_op *op, const vmex_opres *r, const vmex_stats *st)
{
    vmex_stress_finding *f = &S->f;
    f->found = 1;
    f->at = i;
    f->op = *op;
    f->r = *r;
    f->st = *st;
    f->phase = vmex_gen_phase(S->g);
    snprintf(f->origin, sizeof f->origin, "%s", vmex_gen_origin(S->g));
    vmex_signature(r->cls, op->kind, r->req, S->L.profile, f->sig, sizeof f->sig);
}

int vmex_stress_run(vmex_stress *S, vmex_error *err)
{
    vmex_op op;
    vmex_opres r;
    vmex_stats st;
    const uint64_t limit = S->seconds > 0 ? UINT64_MAX : S->ops;
    const double t0 = now(), deadline = t0 + S->seconds;
    double next_progress = t0 + 1, last_t = t0;
    uint64_t last_ops = 0, i = 0;

    vmex_model_stats(S->m, &st);
    if (add_sample(S, 0, &st, 0))
        goto oom;
    uint64_t next_sample = S->every;
    S->worst = -1;
    while (i < limit) {
        if (vmex_gen_next(S->g, &op)) {
            err->code = VMEX_E_INPUT;
            vmex_error_set(err, 0, 0,
                           "the workload is stuck at op %" PRIu64 ": the handle pool (%u) is full and phase '%s' "
                           "cannot release a handle",
                           i, VMEX_GEN_DEFAULT_SLOTS, S->w->phases[vmex_gen_phase(S->g)].name);
            return -1;
        }
        vmex_model_step(S->m, &op, (uint32_t)i, &S->ro, &r);
        vmex_gen_result(S->g, &op, &r);
        i++;
        vmex_model_stats(S->m, &st);
        double fr = vmex_stress_frag(st.free, st.largest);
        if (fr > S->worst) {
            S->worst = fr;
            S->worst_at = i - 1;
            S->worst_st = st;
        }
        if (r.status == VMEX_ST_FAILED) {
            S->failed++;
            if (r.finding) {
                take_finding(S, i - 1, &op, &r, &st);
                break;
            }
        }
        if (i == next_sample) {
            if (add_sample(S, i, &st, 0))
                goto oom;
            next_sample = (i / S->every + 1) * S->every;
        }
        if ((i & 1023) == 0) {
            double t = now();
            if (S->seconds > 0 && t >= deadline)
                break;
            if (S->stop && *S->stop) {
                S->interrupted = 1;
                break;
            }
            if (t >= next_progress && S->progress) {
                S->progress(S->ctx, S, i, (double)(i - last_ops) / (t - last_t), &st);
                last_ops = i;
                last_t = t;
                next_progress = t + 1;
            }
        }
    }
    S->elapsed = now() - t0;
    S->ops_run = i;
    S->final = st;
    S->live = vmex_gen_live(S->g);
    if (S->s[S->ns - 1].ops != i && add_sample(S, i, &st, 1))
        goto oom;
    return 0;
oom:
    nomem(err);
    return -1;
}

uint64_t vmex_stress_window_start(const vmex_stress *S)
{
    return S->f.at + 1 > S->window ? S->f.at + 1 - S->window : 0;
}

/* ---------------------------------------------------------------- outputs */

int vmex_stress_series(const vmex_stress *S, vmex_buf *b)
{
    int rc = PUTS(b, "ops,free,largest,frag,entries,mapped,footprint\n");
    for (size_t i = 0; i < S->ns && !rc; i++) {
        const vmex_stress_sample *s = &S->s[i];
        rc = vmex_buf_printf(b, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6f,%" PRIu32 ",%" PRIu64 ",%" PRIu64 "\n",
                             s->ops, s->free, s->largest, vmex_stress_frag(s->free, s->largest), s->entries,
                             s->mapped, s->footprint);
    }
    return rc ? -1 : 0;
}

static int json_stats(vmex_buf *b, const vmex_stats *st)
{
    int rc = vmex_buf_printf(b, "{\"free\":%" PRIu64 ",\"largest\":%" PRIu64 ",\"frag\":", st->free, st->largest);
    rc |= vmex_json_double(b, vmex_stress_frag(st->free, st->largest));
    rc |= vmex_buf_printf(b, ",\"holes\":%" PRIu32 ",\"entries\":%" PRIu32 ",\"mapped\":%" PRIu64
                             ",\"footprint\":%" PRIu64 "}",
                          st->holes, st->entries, st->mapped, st->footprint);
    return rc;
}

static int json_finding(const vmex_stress *S, vmex_buf *b)
{
    const vmex_stress_finding *f = &S->f;
    if (!f->found)
        return PUTS(b, "null");
    int rc = vmex_buf_printf(b, "{\"op\":%" PRIu64 ",\"class\":", f->at);
    rc |= vmex_json_str(b, vmex_class_name(f->r.cls));
    rc |= PUTS(b, ",\"kind\":");
    rc |= vmex_json_str(b, vmex_opkind_name(f->op.kind));
    rc |= PUTS(b, ",\"stream\":");
    rc |= vmex_json_str(b, f->origin);
    rc |= PUTS(b, ",\"phase\":");
    rc |= vmex_json_str(b, S->w->phases[f->phase].name);
    rc |= vmex_buf_printf(b, ",\"request\":%" PRIu64 ",\"margin\":", f->r.req);
    rc |= vmex_json_double(b, f->r.margin);
    rc |= PUTS(b, ",\"signature\":");
    rc |= vmex_json_str(b, f->sig);
    rc |= PUTS(b, ",\"state\":");
    rc |= json_stats(b, &f->st);
    return rc | PUTS(b, "}");
}

static int json_repro(const vmex_stress *S, vmex_buf *b)
{
    const vmex_stress_repro *rp = &S->rp;
    if (!rp->made)
        return PUTS(b, "null");
    int rc = PUTS(b, "{\"file\":");
    rc |= vmex_json_str(b, rp->path);
    rc |= PUTS(b, ",\"window_file\":");
    rc |= vmex_json_str(b, rp->wpath);
    rc |= vmex_buf_printf(b,
                          ",\"window\":%" PRIu64 ",\"from_op\":%" PRIu64 ",\"to_op\":%" PRIu64
                          ",\"kind\":\"%s\",\"reproduces\":%s,\"minimized\":%s,\"blockers\":%" PRIu32
                          ",\"handles_used\":%" PRIu32 ",\"ops_before\":%" PRIu32 ",\"ops_after\":%" PRIu32 "}",
                          S->window, rp->from, S->f.at, rp->state_only ? "state" : "window",
                          rp->reproduces ? "true" : "false", rp->minimized ? "true" : "false", rp->blockers,
                          rp->used, rp->ops_before, rp->ops_after);
    return rc;
}

int vmex_stress_summary(const vmex_stress *S, vmex_buf *b)
{
    int rc = PUTS(b, "{\"workload\":");
    rc |= vmex_json_str(b, S->w->name);
    rc |= PUTS(b, ",\"file\":");
    rc |= vmex_json_str(b, S->wpath);
    rc |= PUTS(b, ",\"target\":\"xnu\",\"profile\":");
    rc |= vmex_json_str(b, S->L.profile);
    rc |= PUTS(b, ",\"entitlements\":[");
    for (int i = 0, first = 1; i < VMEX_ENT__COUNT; i++)
        if (S->L.ents & (1u << i)) {
            rc |= first ? 0 : PUTS(b, ",");
            rc |= vmex_json_str(b, vmex_ent_name(i));
            first = 0;
        }
    rc |= vmex_buf_printf(b, "],\"seed\":%" PRIu64 ",\"hunt\":", S->seed);
    rc |= vmex_json_str(b, S->hunt_text);
    if (S->seconds > 0) {
        rc |= PUTS(b, ",\"ops_limit\":null,\"seconds_limit\":");
        rc |= vmex_json_double(b, S->seconds);
    } else {
        rc |= vmex_buf_printf(b, ",\"ops_limit\":%" PRIu64 ",\"seconds_limit\":null", S->ops);
    }
    rc |= vmex_buf_printf(b, ",\"ops_run\":%" PRIu64 ",\"interrupted\":%s,\"elapsed_s\":", S->ops_run,
                          S->interrupted ? "true" : "false");
    rc |= vmex_json_double(b, S->elapsed);
    rc |= PUTS(b, ",\"ops_per_s\":");
    rc |= vmex_json_double(b, S->elapsed > 0 ? (double)S->ops_run / S->elapsed : 0);
    rc |= vmex_buf_printf(b, ",\"ops_failed\":%" PRIu64 ",\"samples\":%zu,\"sample_every\":%" PRIu64, S->failed, S->ns,
                          S->every);
    rc |= PUTS(b, ",\"finding\":");
    rc |= json_finding(S, b);
    rc |= PUTS(b, ",\"worst_frag\":{\"frag\":");
    rc |= vmex_json_double(b, S->worst < 0 ? 0 : S->worst);
    rc |= vmex_buf_printf(b, ",\"op\":%" PRIu64 ",\"state\":", S->worst_at);
    rc |= json_stats(b, &S->worst_st);
    rc |= PUTS(b, "},\"final\":");
    rc |= json_stats(b, &S->final);
    rc |= vmex_buf_printf(b, ",\"live_handles\":%" PRIu32, S->live);
    rc |= PUTS(b, ",\"reproducer\":");
    rc |= json_repro(S, b);
    rc |= PUTS(b, ",\"dir\":");
    rc |= vmex_json_str(b, S->dir);
    rc |= PUTS(b, "}\n");
    return rc ? -1 : 0;
}
