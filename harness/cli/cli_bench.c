/*
 * cli_bench.c - `vmex bench`: model throughput at 1k, 10k, 100k and 1M live
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
 *
 * `vmex bench --linux` measures target linux instead: executions per
 * second of random 1000-op programs on the real kernel and each allocator
 * whose executor is there (kernel: mmap/munmap of 4 KiB-4 MiB; the
 * allocators: mostly malloc/free of 16 B-1 MiB, a quarter mmap/munmap),
 * in a 1 GiB window, every op run (no stop at a finding), next to
 * linux-model on the same programs.  Wall time over --seconds per row,
 * the front end's IPC and the per-run reset included.  "bare loop" is the
 * syscall floor: the kernel programs' mmap/munmap calls made directly in a
 * loop by this process, the fastest any executor could run them.
 * `vmex bench --jsc` measures target jsc (bench_jsc.c).
 */
#include "core/core.h"
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* ------------------------------------------------------------ --linux */
#define LNAMES 128   /* names a program cycles through */
#define NPROGS VMEX_BENCH_NPROGS   /* programs per row, run in turn */

static int build_linux(vmex_program *p, int allocator, uint32_t nops)
{
    vmex_program_reset(p);
    p->cfg.target = VMEX_TARGET_LINUX;
    p->cfg.profile[0] = '\0';
    p->cfg.ents = 0;
    p->cfg.set[VMEX_SET_WINDOW] = 1ull << 30;
    p->cfg.set[VMEX_SET_ALLOCATOR] = (uint64_t)allocator;
    p->cfg.set_mask = 1u << VMEX_SET_WINDOW | 1u << VMEX_SET_ALLOCATOR;
    char nm[16];
    uint8_t live[LNAMES] = {0};   /* 0 free, 1 a mapping, 2 a block */
    for (int i = 0; i < LNAMES; i++) {
        snprintf(nm, sizeof nm, "h%d", i);
        if (vmex_program_name(p, nm) < 0) return -1;
    }
    vmex_op op;
    for (uint32_t i = 0; i < nops; i++) {
        int h = (int)(rnd() % LNAMES);
        if (live[h]) {
            vmex_op_init(&op, live[h] == 1 ? VMEX_OP_MUNMAP : VMEX_OP_FREE);
            op.src = h;
            live[h] = 0;
        } else if (allocator == VMEX_ALLOC_KERNEL || rnd() % 4 == 0) {
            vmex_op_init(&op, VMEX_OP_MMAP);
            op.dst = h;
            op.size = (1 + rnd() % 1024) * VMEX_LINUX_PAGE;
            live[h] = 1;
        } else {
            vmex_op_init(&op, VMEX_OP_MALLOC);
            op.dst = h;
            op.size = (16ull << (rnd() % 17)) + rnd() % 16;
            live[h] = 2;
        }
        if (vmex_program_add(p, &op) < 0) return -1;
    }
    return 0;
}

/* executions per second of the programs on target (linux or linux-model;
 * bench_jsc.c: jsc) for about `seconds`; 0 with *why set when the target
 * cannot run */
double _vmex_bench_measure(vmex_model *m, vmex_program *progs, int target, double seconds, const char **why)
{
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = 1;
    vmex_result res;
    vmex_layout L[VMEX_BENCH_NPROGS];
    for (int k = 0; k < VMEX_BENCH_NPROGS; k++) {
        vmex_config cfg = progs[k].cfg;
        cfg.target = target;
        vmex_error err;
        if (vmex_layout_resolve(&cfg, NULL, 0, &L[k], &err)) {
            *why = "bad layout";
            return 0;
        }
    }
    if (vmex_model_run(m, &L[0], &progs[0], &o, &res)) {   /* warm up: the executor starts */
        *why = vmex_model_error(m);
        return 0;
    }
    uint64_t runs = 0;
    double t0 = now(), t;
    do {
        for (int k = 0; k < VMEX_BENCH_NPROGS; k++, runs++)
            if (vmex_model_run(m, &L[k], &progs[k], &o, &res)) {
                *why = vmex_model_error(m);
                return 0;
            }
    } while ((t = now()) - t0 < seconds);
    return (double)runs / (t - t0);
}

/* The syscall floor of a kernel program: its mmap/munmap calls made
 * directly from this process in a loop, no executor, no IPC, no checks;
 * executions per second over about `seconds`. */
static double floor_linux(const vmex_program *progs, double seconds)
{
    uint64_t addr[LNAMES] = {0}, size[LNAMES] = {0}, runs = 0;
    double t0 = now(), t;
    do {
        for (int k = 0; k < NPROGS; k++, runs++) {
            const vmex_program *p = &progs[k];
            for (uint32_t i = 0; i < p->nops; i++) {
                const vmex_op *op = &p->ops[i];
                if (op->kind == VMEX_OP_MMAP) {
                    void *a = mmap(NULL, op->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                    addr[op->dst] = a == MAP_FAILED ? 0 : (uint64_t)a;
                    size[op->dst] = op->size;
                } else if (op->kind == VMEX_OP_MUNMAP && addr[op->src]) {
                    munmap((void *)addr[op->src], size[op->src]);
                    addr[op->src] = 0;
                }
            }
            for (int h = 0; h < LNAMES; h++)
                if (addr[h]) {
                    munmap((void *)addr[h], size[h]);
                    addr[h] = 0;
                }
        }
    } while ((t = now()) - t0 < seconds);
    return (double)runs / (t - t0);
}

static int bench_linux(int json, double seconds, uint32_t nops)
{
    vmex_program progs[NPROGS];
    for (int k = 0; k < NPROGS; k++) vmex_program_init(&progs[k]);
    if (!json)
        printf("%-10s %12s %12s %14s %12s %12s\n", "allocator", "exec/s", "ms/exec", "ops/s", "model exec/s",
               "bare loop/s");
    int rc = 0;
    for (int a = 0; a < VMEX_ALLOC__COUNT && !rc; a++) {
        bench_rng = 0x11A0000u + (uint64_t)a;
        for (int k = 0; k < NPROGS; k++)
            if (build_linux(&progs[k], a, nops)) {
                fprintf(stderr, "vmex: error: bench: out of memory\n");
                rc = 2;
            }
        if (rc) break;
        vmex_model *real = vmex_model_new(VMEX_STORE_FAST), *model = vmex_model_new(VMEX_STORE_FAST);
        const char *why = "out of memory";
        double x = real ? _vmex_bench_measure(real, progs, VMEX_TARGET_LINUX, seconds, &why) : 0;
        double y = 0, fl = 0;
        if (a == VMEX_ALLOC_KERNEL && model) {
            const char *w2 = "";
            y = _vmex_bench_measure(model, progs, VMEX_TARGET_LINUX_MODEL, seconds / 4, &w2);
            fl = floor_linux(progs, seconds / 2);
        }
        if (json) {
            printf("{\"allocator\":\"%s\"", vmex_allocator_name(a));
            if (x > 0) printf(",\"exec_per_s\":%.0f,\"ops_per_s\":%.0f", x, x * nops);
            else printf(",\"skipped\":\"%s\"", why);
            if (y > 0) printf(",\"model_exec_per_s\":%.0f,\"syscall_floor_exec_per_s\":%.0f", y, fl);
            printf(",\"ops\":%u}\n", nops);
        } else if (x > 0) {
            char ys[32] = "-", fs[32] = "-";
            if (y > 0) snprintf(ys, sizeof ys, "%.0f", y);
            if (fl > 0) snprintf(fs, sizeof fs, "%.0f", fl);
            printf("%-10s %12.0f %12.3f %14.0f %12s %12s\n", vmex_allocator_name(a), x, 1000 / x, x * nops, ys, fs);
        } else {
            printf("%-10s skipped: %s\n", vmex_allocator_name(a), why);
        }
        fflush(stdout);
        vmex_model_free(real);
        vmex_model_free(model);
    }
    for (int k = 0; k < NPROGS; k++) vmex_program_free(&progs[k]);
    return rc;
}

enum { O_JSON, O_LIVE, O_LINUX, O_JSC, O_SECONDS, O_OPS };
static const cli_opt opts[] = {
    [O_JSON] = {"json", 0, NULL, "one JSON object per row"},
    [O_LIVE] = {"live", 0, "N", "measure N live entries only (1 to 2000000)"},
    [O_LINUX] = {"linux", 0, NULL, "executions/s of random N-op programs on target linux,\n"
                                   "per allocator, and on linux-model"},
    [O_JSC] = {"jsc", 0, NULL, "runs/s of target jsc: 1-op and 100-op programs, the fixed cost\n"
                               "per run (bench_jsc.c)"},
    [O_SECONDS] = {"seconds", 0, "S", "--linux, --jsc: seconds per row (default 3)"},
    [O_OPS] = {"ops", 0, "N", "--linux: ops per program (default 1000)"},
    {0},
};

CLI_COMMAND(bench, .usage = "bench [--json] [--live N]\nbench --linux [--json] [--seconds S] [--ops N]\nbench --jsc [--json] [--seconds S]",
            .opts = opts,
            .summary = "measure the model's speed: ops/s of the fast and\n"
                       "the naive store at 1k to 1M live entries");

/* A whole number in [lo, hi] for --name.  0 or -1 (reported). */
static int number(const char *name, const char *v, unsigned long lo, unsigned long hi, uint32_t *out)
{
    char *end;
    unsigned long x = strtoul(v, &end, 10);
    if (*end || !*v || x < lo || x > hi) {
        fprintf(stderr, "vmex: error: bench: --%s takes %lu to %lu, not '%s'\n", name, lo, hi, v);
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

static int bench_main(int argc, char **argv)
{
    int json = 0, linux_mode = 0, jsc_mode = 0, k = CLI_DONE;
    double seconds = 3;
    uint32_t nops = 1000;
    uint32_t lives[4] = {1000, 10000, 100000, 1000000}, nlives = 4;
    cli_args a;
    const char *v;
    int bad = cli_args_init(&a, &cli_bench_cmd, argc, argv);
    while (!bad && (k = cli_next(&a, &v)) != CLI_DONE && k != CLI_HELP) {
        char *end;
        if (k == CLI_BAD) {
            bad = 1;
        } else if (k == CLI_ARG) {
            cli_errorf("'vmex bench' takes no arguments ('%s')", v);
            bad = 1;
        } else if (k == O_JSON) {
            json = 1;
        } else if (k == O_LINUX) {
            linux_mode = 1;
        } else if (k == O_JSC) {
            jsc_mode = 1;
        } else if (k == O_SECONDS) {
            seconds = strtod(v, &end);
            if (*end || !(seconds >= 0.1 && seconds <= 3600)) {
                fprintf(stderr, "vmex: error: bench: --seconds takes 0.1 to 3600, not '%s'\n", v);
                bad = 1;
            }
        } else if (k == O_OPS) {
            bad = number("ops", v, 1, 100000, &nops) != 0;
        } else if (k == O_LIVE) {
            bad = number("live", v, 1, 2000000, &lives[0]) != 0;
            nlives = 1;
        }
    }
    cli_args_free(&a);
    if (k == CLI_HELP)
        return cli_help(&cli_bench_cmd);
    if (bad)
        return 2;
    if (linux_mode || jsc_mode) {
        int rc = jsc_mode ? _vmex_bench_jsc(json, seconds) : bench_linux(json, seconds, nops);
        if (!rc && ferror(stdout)) {
            fprintf(stderr, "vmex: error: bench: cannot write the output\n");
            return 2;
        }
        return rc;
    }
    vmex_program p;
    vmex_program_init(&p);
    if (!json) printf("%10s %16s %16s %10s\n", "live", "fast ops/s", "naive ops/s", "ratio");
    for (uint32_t row = 0; row < nlives; row++) {
        uint32_t live = lives[row];
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

/* The rows are printed as they are measured (stdout, not the buffer). */
int cli_cmd_bench(int argc, char **argv)
{
    int rc = bench_main(argc, argv);
    if (rc != 2 && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_errorf("writing standard output: %s", strerror(errno ? errno : EIO));
        return 2;
    }
    return rc;
}
