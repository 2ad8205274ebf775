/*
 * bench.c - `vmex bench`: model throughput at 1k, 10k, 100k and 1M live
 * entries, fast store versus naive store.
 *
 * Each measurement is one random program on ios16-16gb with
 * extended-virtual-addressing (63 GiB, so a million small mappings fit):
 * a setup phase of N mmaps of 1-4 pages (one in eight aligned to 64k-1m),
 * then a measured phase of churn that keeps N entries live: munmap a random
 * handle, map it again with a new size, now and then a whole-hole-sized
 * request and a partial munmap.  Only the measured phase is timed (from the
 * run's per-op callback), so setup cost does not count.  The naive model is
 * skipped at 1M live entries (O(n) per op).  `--live N` measures one size.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t bench_rng;
static uint64_t rnd(void)
{
    uint64_t x = bench_rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return bench_rng = x;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void map_op(vmex_op *op, int name)
{
    vmex_op_init(op, VMEX_OP_MMAP);
    op->dst = name;
    op->size = (1 + rnd() % 4) * VMEX_PAGE;
    if (rnd() % 8 == 0) {
        op->flags |= VMEX_F_ALIGN;
        op->align = (64 * 1024) << (rnd() % 5);
    }
}

static int build(vmex_program *p, uint32_t live, uint32_t churn)
{
    vmex_program_reset(p);
    snprintf(p->cfg.profile, sizeof p->cfg.profile, "ios16-16gb");
    p->cfg.ents = VMEX_ENT_EXTENDED_VA;
    p->cfg.set[VMEX_SET_NANO] = 0;
    p->cfg.set_mask = 1u << VMEX_SET_NANO;
    char nm[16];
    for (uint32_t i = 0; i < live; i++) {
        snprintf(nm, sizeof nm, "h%u", i);
        if (vmex_program_name(p, nm) < 0) return -1;
    }
    vmex_op op;
    for (uint32_t i = 0; i < live; i++) {
        map_op(&op, (int)i);
        if (vmex_program_add(p, &op) < 0) return -1;
    }
    for (uint32_t i = 0; i < churn; i += 2) {
        int h = (int)(rnd() % live);
        vmex_op_init(&op, VMEX_OP_MUNMAP);
        op.src = h;
        if (rnd() % 16 == 0) {   /* punch one page out of it */
            op.flags |= VMEX_F_RANGE;
            op.off = 0;
            op.len = VMEX_PAGE;
        }
        if (vmex_program_add(p, &op) < 0) return -1;
        map_op(&op, h);
        if (rnd() % 64 == 0) op.size = 64 * VMEX_PAGE;  /* a larger request: searches further */
        if (vmex_program_add(p, &op) < 0) return -1;
    }
    return 0;
}

typedef struct { uint32_t mark; double t; } mark_ctx;
static void on_op(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    mark_ctx *m = ctx;
    if (r->i + 1 == m->mark) m->t = now();
}

/* ops/s of the measured phase; 0 on error */
static double measure(int store, vmex_program *p, uint32_t live)
{
    vmex_layout L;
    vmex_error err;
    if (vmex_layout_resolve(&p->cfg, NULL, 0, &L, &err)) return 0;
    vmex_model *m = vmex_model_new(store);
    if (!m) return 0;
    mark_ctx mc = {live, 0};
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = 1;
    o.on_op = on_op;
    o.ctx = &mc;
    vmex_result res;
    vmex_model_run(m, &L, p, &o, &res);
    double end = now();
    vmex_model_free(m);
    return (double)(p->nops - live) / (end - mc.t);
}

int _vmex_bench_main(int argc, char **argv)
{
    int json = 0;
    uint32_t lives[4] = {1000, 10000, 100000, 1000000}, nlives = 4;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--live") && i + 1 < argc) {
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || v < 1 || v > 2000000) {
                fprintf(stderr, "vmex: error: bench: --live takes 1 to 2000000, not '%s'\n", argv[i]);
                return 2;
            }
            lives[0] = (uint32_t)v;
            nlives = 1;
        } else {
            fprintf(stderr, "vmex: error: bench: unknown argument '%s'\nusage: vmex bench [--json] [--live N]\n", argv[i]);
            return 2;
        }
    }
    vmex_program p;
    vmex_program_init(&p);
    if (!json) printf("%10s %16s %16s %10s\n", "live", "fast ops/s", "naive ops/s", "ratio");
    for (uint32_t k = 0; k < nlives; k++) {
        uint32_t live = lives[k];
        bench_rng = 0x5EED0000u + live;
        if (build(&p, live, 90000)) {
            fprintf(stderr, "vmex: error: bench: out of memory\n");
            vmex_program_free(&p);
            return 2;
        }
        double fast = measure(VMEX_STORE_FAST, &p, live), naive = 0;
        if (live <= 100000) {
            /* the naive model gets a shorter churn phase: O(n) per op */
            bench_rng = 0x5EED0000u + live;
            uint32_t churn = live >= 100000 ? 1000 : live >= 10000 ? 8000 : 40000;
            if (build(&p, live, churn) == 0) naive = measure(VMEX_STORE_NAIVE, &p, live);
        }
        if (json) {
            printf("{\"live\":%u,\"fast_ops_per_s\":%.0f", live, fast);
            if (naive > 0) printf(",\"naive_ops_per_s\":%.0f,\"ratio\":%.1f", naive, fast / naive);
            printf("}\n");
        } else if (naive > 0)
            printf("%10u %16.0f %16.0f %9.1fx\n", live, fast, naive, fast / naive);
        else
            printf("%10u %16.0f %16s %10s\n", live, fast, "-", "-");
        fflush(stdout);
    }
    vmex_program_free(&p);
    if (ferror(stdout)) {
        fprintf(stderr, "vmex: error: bench: cannot write the output\n");
        return 2;
    }
    return 0;
}
