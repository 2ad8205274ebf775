/*
 * test_snapshot.c - tests of the stress reproducer's program (snapshot.c):
 * a hand-made state and window give the program worked out by hand below
 * (blockers, the used mapping at its address, the window renamed), the
 * footprint of a jetsam state spread over the used handle and the
 * blockers, a window op on a handle that does not exist is an internal
 * error, and a short stress run with a finding gives a reproducer that
 * reproduces it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"
#include "stress/snapshot.h"
#include "stress/stress.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define A   0x200000000ull    /* inside ios16-3gb's map, 0x100000000-0x2d8000000 */
#define B   0x280000000ull

static const char workload_text[] =
    "workload 1\n"
    "profile ios16-3gb\n"
    "phase p ops 10\n"
    "  stream bufs mmap weight 1 size fixed 64k free fifo 1\n";

typedef struct fixture {
    vmex_workload w;
    vmex_layout L;
    vmex_snap S;
    vmex_program P;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    vmex_error err = {0};
    assert_non_null(f);
    assert_int_equal(vmex_workload_parse(workload_text, strlen(workload_text), "t.vmexw", &f->w, &err), 0);
    assert_int_equal(vmex_layout_resolve(&f->w.cfg, NULL, 0, &f->L, &err), 0);
    vmex_program_init(&f->P);
    /* the state: two adjacent mappings of stream bufs (slots 3 and 5),
     * coalesced into one occupied range as the model walk gives them, and
     * a lone 1m mapping of no handle at B */
    vmex_rangev_push(&f->S.occ, A, A + 64 * KiB);
    vmex_rangev_push(&f->S.occ, A + 64 * KiB, A + 192 * KiB);
    vmex_rangev_push(&f->S.occ, B, B + MiB);
    assert_int_equal(f->S.occ.n, 2);
    static vmex_gen_handle live[2] = {
        {.slot = 3, .kind = VMEX_OP_MMAP, .stream = 0, .reserve = -1, .addr = A, .size = 64 * KiB, .req = 64 * KiB},
        {.slot = 5, .kind = VMEX_OP_MMAP, .stream = 0, .reserve = -1, .addr = A + 64 * KiB, .size = 128 * KiB,
         .req = 128 * KiB},
    };
    f->S.live.v = live;
    f->S.live.n = 2;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    free(f->S.occ.v);
    vmex_program_free(&f->P);
    free(f);
    return 0;
}

/* the window: munmap slot 3, map slot 3 again (32k), touch it */
static void window(vmex_wop ops[3])
{
    memset(ops, 0, 3 * sizeof *ops);
    vmex_op_init(&ops[0].op, VMEX_OP_MUNMAP);
    ops[0].op.src = 3;
    vmex_op_init(&ops[1].op, VMEX_OP_MMAP);
    ops[1].op.dst = 3;
    ops[1].op.size = 32 * KiB;
    vmex_op_init(&ops[2].op, VMEX_OP_TOUCH);
    ops[2].op.src = 3;
    for (int i = 0; i < 3; i++)
        strcpy(ops[i].origin, "bufs");
}

static void assert_text(const vmex_program *P, const char *want)
{
    vmex_buf b = {0};
    assert_int_equal(vmex_print(P, &b, NULL, NULL, NULL), 0);
    const char *body = strstr(b.p, "\n\n");   /* after the header lines */
    assert_non_null(body);
    if (strcmp(body + 2, want))
        fail_msg("got:\n%s\nwant:\n%s", body + 2, want);
    vmex_buf_free(&b);
}

/* The window uses slot 3 (made before it) and rebinds it.  Worked by hand:
 *   re-created ranges: slot 3's mapping [A, A+64k)
 *   blockers: occupied minus re-created = [A+64k, A+192k) (slot 5, unused
 *     by the window: a blocker, not a handle) and [B, B+1m)
 *   then slot 3 at its address, named STREAM_SLOT = bufs_3, and the
 *   window with its slots renamed the same way. */
static void test_program(void **state)
{
    fixture *f = *state;
    vmex_wop ops[3];
    vmex_snap_info info;
    vmex_error err = {0};
    window(ops);
    assert_int_equal(vmex_snap_program(&f->w, &f->L, &f->S, ops, 3, &f->P, &info, &err), 0);
    assert_int_equal(info.blockers, 2);
    assert_int_equal(info.used, 1);
    assert_int_equal(info.regions, 0);
    assert_int_equal(f->P.nops, 6);
    assert_string_equal(f->P.cfg.profile, "ios16-3gb");
    assert_text(&f->P,
                "mmap 128k fixed 0x200010000\n"
                "mmap 1m fixed 0x280000000\n"
                "bufs_3 = mmap 64k fixed 0x200000000\n"
                "munmap bufs_3\n"
                "bufs_3 = mmap 32k\n"
                "touch bufs_3\n");
}

/* Jetsam: 100k of footprint, 16k of it slot 3's own.  Slot 3 gets a touch
 * of its first 16k; the other 84k go on the blockers in address order:
 * the first blocker (128k) is named pre0 and takes all 84k. */
static void test_footprint(void **state)
{
    fixture *f = *state;
    vmex_wop ops[3];
    vmex_snap_info info;
    vmex_error err = {0};
    uint64_t dirty[2] = {16 * KiB, 0};
    window(ops);
    f->S.dirty = dirty;
    f->S.footprint = 100 * KiB;
    int rc = vmex_snap_program(&f->w, &f->L, &f->S, ops, 3, &f->P, &info, &err);
    f->S.dirty = NULL;
    f->S.footprint = 0;
    assert_int_equal(rc, 0);
    assert_text(&f->P,
                "pre0 = mmap 128k fixed 0x200010000\n"
                "mmap 1m fixed 0x280000000\n"
                "bufs_3 = mmap 64k fixed 0x200000000\n"
                "touch bufs_3 0 16k\n"
                "touch pre0 0 84k\n"
                "munmap bufs_3\n"
                "bufs_3 = mmap 32k\n"
                "touch bufs_3\n");
}

/* A window op on slot 9, which the state does not have: a bug, said so. */
static void test_unknown_handle(void **state)
{
    fixture *f = *state;
    vmex_wop ops[1];
    vmex_snap_info info;
    vmex_error err = {0};
    memset(ops, 0, sizeof ops);
    vmex_op_init(&ops[0].op, VMEX_OP_MUNMAP);
    ops[0].op.src = 9;
    assert_int_equal(vmex_snap_program(&f->w, &f->L, &f->S, ops, 1, &f->P, &info, &err), -1);
    assert_int_equal(err.code, VMEX_E_INTERNAL);
    assert_non_null(strstr(err.msg, "window op 0 uses a handle that does not exist"));
}

/* A workload that must fail: 512m mappings kept until the map is full.
 * The reproducer is made, reproduces the finding and is minimized. */
static void test_run_reproduces(void **state)
{
    (void)state;
    static const char text[] =
        "workload 1\n"
        "profile ios16-3gb\n"
        "phase p ops 1000\n"
        "  stream big mmap weight 1 size uniform 96m 512m free random 0.2\n";
    vmex_workload *w = calloc(1, sizeof *w);
    vmex_stress *S = calloc(1, sizeof *S);
    vmex_error err = {0};
    assert_non_null(w);
    assert_non_null(S);
    assert_int_equal(vmex_workload_parse(text, strlen(text), "t.vmexw", w, &err), 0);
    assert_int_equal(vmex_layout_resolve(&w->cfg, NULL, 0, &S->L, &err), 0);
    assert_int_equal(vmex_hunt_parse("frag;exhausted", &S->hunt, &err), 0);
    S->w = w;
    S->seed = 1;
    S->ops = 1000;
    S->window = 50;
    strcpy(S->dir, "d");
    assert_int_equal(vmex_stress_start(S, &err), 0);
    assert_int_equal(vmex_stress_run(S, &err), 0);
    assert_true(S->f.found);
    assert_int_equal(S->ops_run, S->f.at + 1);
    assert_int_equal(vmex_stress_reproducer(S, &err), 0);
    assert_true(S->rp.made && S->rp.reproduces);
    assert_string_equal(S->rp.path, "d/finding.vmex");
    assert_true(S->rp.ops_after <= S->rp.ops_before);
    /* the minimized text replays to the finding's class */
    vmex_program P;
    vmex_layout L;
    vmex_program_init(&P);
    assert_int_equal(vmex_parse(S->rp.finding.p, S->rp.finding.len, "f.vmex", &P, &err), 0);
    assert_int_equal(vmex_layout_resolve(&P.cfg, NULL, 0, &L, &err), 0);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_runopts o;
    vmex_result res;
    vmex_runopts_init(&o);
    assert_int_equal(vmex_model_run(m, &L, &P, &o, &res), 0);
    assert_true(vmex_result_matches(&P, &res));
    assert_int_equal(res.verdict, S->f.r.cls);
    vmex_model_free(m);
    vmex_program_free(&P);
    vmex_stress_free(S);
    free(S);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_program, setup, teardown),
        cmocka_unit_test_setup_teardown(test_footprint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_handle, setup, teardown),
        cmocka_unit_test(test_run_reproduces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
