/*
 * bench_jsc.c - `vmex bench --jsc`: executions per second of target jsc
 * (JavaScriptCore in a 1 GiB window, a fork of the started executor per
 * run), for programs of 0, 1 and 100 ops, every op run.
 *
 *   fixed     the empty program: the fork, the child's context (its
 *             prelude evaluated), the end-of-run scan of the window and
 *             the front end's round trip: the cost every run pays;
 *   1 op      `arraybuffer 4m`;
 *   100 ops   a random mix (seeded): ArrayBuffers of 64 KiB-4 MiB,
 *             strings of 1-256 KiB, arrays of 8-64 KiB, 100-1000 objects,
 *             10-100 property names, evals of 1-16 KiB, releases, a
 *             collection now and then, and the program's own mmap/munmap
 *             of 64 KiB-4 MiB; with a 1 GiB window nothing fails.
 * Wall time over --seconds per row (8 programs run in turn), as `vmex
 * bench --linux` measures it.
 */
#include "core/core.h"
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 0x15C0000u;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define NAMES 32

/* a program of nops ops (0: empty; 1: one 4 MiB ArrayBuffer; else the mix) */
static int build(vmex_program *p, uint32_t nops)
{
    vmex_program_reset(p);
    p->cfg.target = VMEX_TARGET_JSC;
    p->cfg.set[VMEX_SET_WINDOW] = 1ull << 30;
    p->cfg.set_mask = 1u << VMEX_SET_WINDOW;
    char nm[16];
    uint8_t live[NAMES] = {0};   /* 0 free, 1 a mapping, 2 a JavaScript value */
    for (int i = 0; i < NAMES; i++) {
        snprintf(nm, sizeof nm, "h%d", i);
        if (vmex_program_name(p, nm) < 0) return -1;
    }
    vmex_op op;
    if (nops == 1) {
        vmex_op_init(&op, VMEX_OP_ARRAYBUFFER);
        op.dst = 0;
        op.size = 4ull << 20;
        return vmex_program_add(p, &op) < 0 ? -1 : 0;
    }
    static const uint8_t kinds[] = {VMEX_OP_ARRAYBUFFER, VMEX_OP_STRING, VMEX_OP_ARRAY, VMEX_OP_OBJECTS,
                                    VMEX_OP_PROPS, VMEX_OP_EVAL, VMEX_OP_MMAP};
    for (uint32_t i = 0; i < nops; i++) {
        int h = (int)(rnd() % NAMES);
        if (live[h]) {
            vmex_op_init(&op, live[h] == 1 ? VMEX_OP_MUNMAP : VMEX_OP_RELEASE);
            op.src = h;
            live[h] = 0;
        } else if (rnd() % 20 == 0) {
            vmex_op_init(&op, VMEX_OP_GC);
        } else {
            int k = kinds[rnd() % sizeof kinds];
            vmex_op_init(&op, k);
            op.dst = h;
            op.size = k == VMEX_OP_ARRAYBUFFER || k == VMEX_OP_MMAP ? (64ull << 10) << (rnd() % 7)
                    : k == VMEX_OP_STRING ? 1024ull << (rnd() % 9)
                    : k == VMEX_OP_ARRAY ? (8ull << 10) << (rnd() % 4)
                    : k == VMEX_OP_OBJECTS ? 100 + rnd() % 901
                    : k == VMEX_OP_PROPS ? 10 + rnd() % 91 : 1024ull << (rnd() % 5);
            live[h] = k == VMEX_OP_MMAP ? 1 : 2;
        }
        if (vmex_program_add(p, &op) < 0) return -1;
    }
    return 0;
}

int _vmex_bench_jsc(int json, double seconds)
{
    static const uint32_t sizes[] = {0, 1, 100};
    static const char *const rows[] = {"fixed", "1 op", "100 ops"};
    vmex_program progs[VMEX_BENCH_NPROGS];
    for (int k = 0; k < VMEX_BENCH_NPROGS; k++) vmex_program_init(&progs[k]);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    int rc = m ? 0 : 2;
    if (!json && m) printf("%-8s %10s %10s %12s\n", "program", "exec/s", "ms/exec", "ops/s");
    for (size_t r = 0; r < sizeof sizes / sizeof sizes[0] && !rc; r++) {
        for (int k = 0; k < VMEX_BENCH_NPROGS && !rc; k++)
            if (build(&progs[k], sizes[r])) rc = 2;
        if (rc) break;
        const char *why = "out of memory";
        double x = _vmex_bench_measure(m, progs, VMEX_TARGET_JSC, seconds, &why);
        if (json) {
            printf("{\"program\":\"%s\",\"ops\":%u", rows[r], sizes[r]);
            if (x > 0) printf(",\"exec_per_s\":%.1f,\"ms_per_exec\":%.3f}\n", x, 1000 / x);
            else printf(",\"skipped\":\"%s\"}\n", why);
        } else if (x > 0) {
            printf("%-8s %10.1f %10.3f %12.0f\n", rows[r], x, 1000 / x, x * sizes[r]);
        } else {
            printf("%-8s skipped: %s\n", rows[r], why);
        }
        fflush(stdout);
    }
    if (rc) fprintf(stderr, "vmex: error: bench: out of memory\n");
    vmex_model_free(m);
    for (int k = 0; k < VMEX_BENCH_NPROGS; k++) vmex_program_free(&progs[k]);
    return rc;
}
