/*
 * test_backend.c - the backend interface: what each target answers
 * (vmex_target_has, _model_of, _real_of, _runs_allocator and the `set` keys
 * that follow from them), the model API's dispatch (a model that runs
 * programs of several targets in turn gives what fresh models give; step by
 * step gives what a whole run gives), and the run environment read once at
 * the edge (vmex_run_env).
 *
 * The expected answers are the table of docs/ARCHITECTURE.md's backends:
 *   xnu          device, steps        model xnu          no real kernel
 *   linux-model  window, steps        model linux-model  real linux   kernel only
 *   linux        window, real         model linux-model  real linux   every allocator
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

#define MiB (1ull << 20)

static void parse(const char *text, vmex_program *p, vmex_layout *L)
{
    vmex_error err = {0};
    vmex_program_init(p);
    if (vmex_parse(text, strlen(text), "test", p, &err) || vmex_layout_resolve(&p->cfg, NULL, 0, L, &err)) {
        vmex_error_print(&err, stderr);
        fail_msg("bad test program");
    }
}

/* ------------------------------------------------------------ what a target is */
static void test_caps(void **state)
{
    assert_true(vmex_target_has(VMEX_TARGET_XNU, VMEX_CAP_DEVICE | VMEX_CAP_STEPS));
    assert_false(vmex_target_has(VMEX_TARGET_XNU, VMEX_CAP_WINDOW));
    assert_false(vmex_target_has(VMEX_TARGET_XNU, VMEX_CAP_REAL));
    assert_true(vmex_target_has(VMEX_TARGET_LINUX_MODEL, VMEX_CAP_WINDOW | VMEX_CAP_STEPS));
    assert_false(vmex_target_has(VMEX_TARGET_LINUX_MODEL, VMEX_CAP_DEVICE));
    assert_false(vmex_target_has(VMEX_TARGET_LINUX_MODEL, VMEX_CAP_REAL));
    assert_true(vmex_target_has(VMEX_TARGET_LINUX, VMEX_CAP_WINDOW | VMEX_CAP_REAL));
    assert_false(vmex_target_has(VMEX_TARGET_LINUX, VMEX_CAP_STEPS));
    assert_false(vmex_target_has(VMEX_TARGET_LINUX, VMEX_CAP_DEVICE));
    /* all of the caps asked, not any */
    assert_false(vmex_target_has(VMEX_TARGET_LINUX, VMEX_CAP_WINDOW | VMEX_CAP_STEPS));
    /* no backend, no capability (not even none of them) */
    assert_false(vmex_target_has(VMEX_TARGET__COUNT, 0));
    assert_false(vmex_target_has(-1, VMEX_CAP_STEPS));
}

static void test_twins(void **state)
{
    assert_int_equal(vmex_target_model_of(VMEX_TARGET_XNU), VMEX_TARGET_XNU);
    assert_int_equal(vmex_target_model_of(VMEX_TARGET_LINUX_MODEL), VMEX_TARGET_LINUX_MODEL);
    assert_int_equal(vmex_target_model_of(VMEX_TARGET_LINUX), VMEX_TARGET_LINUX_MODEL);
    assert_int_equal(vmex_target_model_of(VMEX_TARGET__COUNT), -1);
    assert_int_equal(vmex_target_real_of(VMEX_TARGET_XNU), -1);
    assert_int_equal(vmex_target_real_of(VMEX_TARGET_LINUX_MODEL), VMEX_TARGET_LINUX);
    assert_int_equal(vmex_target_real_of(VMEX_TARGET_LINUX), VMEX_TARGET_LINUX);
    assert_int_equal(vmex_target_real_of(-1), -1);
    /* every model runs op by op */
    for (int t = 0; t < VMEX_TARGET__COUNT; t++)
        assert_true(vmex_target_has(vmex_target_model_of(t), VMEX_CAP_STEPS));
}

static void test_allocators(void **state)
{
    for (int a = 0; a < VMEX_ALLOC__COUNT; a++) {
        assert_false(vmex_target_runs_allocator(VMEX_TARGET_XNU, a));   /* libmalloc, not a setting */
        assert_int_equal(vmex_target_runs_allocator(VMEX_TARGET_LINUX_MODEL, a), a == VMEX_ALLOC_KERNEL);
        assert_true(vmex_target_runs_allocator(VMEX_TARGET_LINUX, a));
    }
    assert_false(vmex_target_runs_allocator(VMEX_TARGET_LINUX, VMEX_ALLOC__COUNT));
    assert_false(vmex_target_runs_allocator(VMEX_TARGET_LINUX, -1));
    assert_false(vmex_target_runs_allocator(VMEX_TARGET__COUNT, VMEX_ALLOC_KERNEL));
}

/* `set` keys follow the capabilities: the device's on xnu, the window's on the linux targets */
static void test_set_keys(void **state)
{
    static const int device[] = {VMEX_SET_SLIDE, VMEX_SET_BINARY, VMEX_SET_DYLD, VMEX_SET_NANO,
                                 VMEX_SET_MALLOC_ENTROPY, VMEX_SET_FOOTPRINT_LIMIT};
    static const int window[] = {VMEX_SET_WINDOW, VMEX_SET_ALLOCATOR, VMEX_SET_THP_ALIGN, VMEX_SET_MMAP_THRESHOLD,
                                 VMEX_SET_RETAIN};
    for (int t = 0; t < VMEX_TARGET__COUNT; t++) {
        for (size_t i = 0; i < sizeof device / sizeof device[0]; i++)
            assert_int_equal(vmex_set_applies(device[i], t), t == VMEX_TARGET_XNU);
        for (size_t i = 0; i < sizeof window / sizeof window[0]; i++)
            assert_int_equal(vmex_set_applies(window[i], t), t != VMEX_TARGET_XNU);
    }
    assert_int_equal(sizeof device / sizeof device[0] + sizeof window / sizeof window[0], VMEX_SET__COUNT);
}

static void test_resolve(void **state)
{
    vmex_layout L;
    vmex_error err = {0};
    vmex_config c = {.target = VMEX_TARGET_LINUX_MODEL};
    c.set[VMEX_SET_ALLOCATOR] = VMEX_ALLOC_GLIBC;
    c.set_mask = 1u << VMEX_SET_ALLOCATOR;
    assert_int_equal(vmex_layout_resolve(&c, NULL, 0, &L, &err), -1);
    assert_string_equal(err.msg, "target linux-model models the kernel alone: allocator glibc runs on target linux");
    c.target = VMEX_TARGET_LINUX;
    assert_int_equal(vmex_layout_resolve(&c, NULL, 0, &L, &err), 0);
    assert_string_equal(L.profile, "linux-1g-glibc");
    assert_int_equal(L.target, VMEX_TARGET_LINUX);
    /* a device's key on a window target */
    c = (vmex_config){.target = VMEX_TARGET_LINUX};
    c.set_mask = 1u << VMEX_SET_SLIDE;
    assert_int_equal(vmex_layout_resolve(&c, NULL, 0, &L, &err), -1);
    assert_string_equal(err.msg, "set slide does not apply to target linux");
    c = (vmex_config){.target = VMEX_TARGET__COUNT};
    assert_int_equal(vmex_layout_resolve(&c, NULL, 0, &L, &err), -1);
    assert_string_equal(err.msg, "unknown target 3");
    c = (vmex_config){.target = VMEX_TARGET_XNU};
    assert_int_equal(vmex_layout_resolve(&c, "ios18-8gb", 0, &L, &err), 0);
    assert_string_equal(L.profile, "ios18-8gb");
    assert_int_equal(L.page, VMEX_PAGE);
}

/* ------------------------------------------------------------ dispatch */
static void count_entry(void *ctx, uint64_t start, uint64_t end, int kind, int tag, int prot) { (*(int *)ctx)++; }

static void test_fresh_model(void **state)
{
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_stats st;
    memset(&st, 0xff, sizeof st);
    vmex_model_stats(m, &st);   /* nothing ran: an empty state */
    assert_int_equal(st.free, 0);
    assert_int_equal(st.entries, 0);
    int n = 0;
    vmex_model_walk(m, count_entry, &n);
    assert_int_equal(n, 0);
    vmex_model_free(m);
    vmex_model_free(NULL);
}

static void test_linux_has_no_steps(void **state)
{
    vmex_program p;
    vmex_layout L;
    parse("vmex 1\ntarget linux\na = mmap 1m\n", &p, &L);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    assert_int_equal(vmex_model_start(m, &L, 1), -1);
    assert_non_null(strstr(vmex_model_error(m), "use linux-model"));
    assert_false(vmex_model_unavailable(m));
    vmex_model_free(m);
    vmex_program_free(&p);
}

static const char *const programs[] = {
    "vmex 1\na = mmap 1g\nb = mmap 600m\nmunmap a\nc = malloc 100k\nd = mmap 1200m\nfree c\n",
    "vmex 1\ntarget linux-model\nset window 64m\nset thp-align off\na = mmap 30m\nb = mmap 16k\nmunmap a\n"
    "c = malloc 20m\nd = mmap 20m\ne = mmap 20m\n",
};

static void same_result(const vmex_result *a, const vmex_result *b)
{
    assert_int_equal(a->verdict, b->verdict);
    assert_int_equal(a->at, b->at);
    assert_int_equal(a->ops_run, b->ops_run);
    assert_int_equal(a->ops_failed, b->ops_failed);
    assert_memory_equal(&a->st, &b->st, sizeof a->st);
}

/* one model running programs of two backends in turn = a fresh model for each run */
static void test_alternating_targets(void **state)
{
    vmex_program p[2];
    vmex_layout L[2];
    vmex_result fresh[2], r;
    for (int i = 0; i < 2; i++) {
        parse(programs[i], &p[i], &L[i]);
        vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
        assert_int_equal(vmex_model_run(m, &L[i], &p[i], NULL, &fresh[i]), 0);
        vmex_model_free(m);
    }
    /* d: the largest hole is a's 1g, 2.3g are free */
    assert_int_equal(fresh[0].verdict, VMEX_FRAG);
    assert_int_equal(fresh[0].at, 4);
    /* top down: a [34m, 64m), b 16k below it; c [44m, 64m) in a's hole, d
     * [14m - 16k, 34m - 16k): e finds holes of 14m - 16k and 10m */
    assert_int_equal(fresh[1].verdict, VMEX_FRAG);
    assert_int_equal(fresh[1].at, 5);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    for (int k = 0; k < 5; k++) {
        assert_int_equal(vmex_model_run(m, &L[k & 1], &p[k & 1], NULL, &r), 0);
        same_result(&r, &fresh[k & 1]);
        vmex_stats st;
        vmex_model_stats(m, &st);   /* the state of the backend that ran last */
        assert_memory_equal(&st, &fresh[k & 1].st, sizeof st);
    }
    vmex_model_free(m);
    for (int i = 0; i < 2; i++) vmex_program_free(&p[i]);
}

/* start + step = run, on both models */
static void test_steps_are_runs(void **state)
{
    for (int i = 0; i < 2; i++) {
        vmex_program p;
        vmex_layout L;
        vmex_result whole;
        parse(programs[i], &p, &L);
        vmex_model *a = vmex_model_new(VMEX_STORE_FAST), *b = vmex_model_new(VMEX_STORE_NAIVE);
        vmex_runopts o;
        vmex_runopts_init(&o);
        o.keep_going = 1;
        assert_int_equal(vmex_model_run(a, &L, &p, &o, &whole), 0);
        assert_int_equal(vmex_model_start(b, &L, p.nnames), 0);
        uint32_t findings = 0;
        for (uint32_t k = 0; k < p.nops; k++) {
            vmex_opres r;
            vmex_model_step(b, &p.ops[k], k, &o, &r);
            assert_int_equal(r.i, k);
            findings += r.finding;
        }
        assert_int_equal(findings, whole.findings);
        vmex_stats st;
        vmex_model_stats(b, &st);
        assert_memory_equal(&st, &whole.st, sizeof st);
        vmex_model_free(a);
        vmex_model_free(b);
        vmex_program_free(&p);
    }
}

/* ------------------------------------------------------------ the run environment */
static void test_run_env(void **state)
{
    vmex_run_env e;
    unsetenv("VMEX_EXEC_DIR");
    unsetenv("VMEX_HANG_MS");
    vmex_run_env_read(&e);
    assert_string_equal(e.exec_dir, "");
    assert_int_equal(e.hang_ms, VMEX_DEFAULT_HANG_MS);
    setenv("VMEX_EXEC_DIR", "/opt/vmex/bin", 1);
    setenv("VMEX_HANG_MS", "250", 1);
    vmex_run_env_read(&e);
    assert_string_equal(e.exec_dir, "/opt/vmex/bin");
    assert_int_equal(e.hang_ms, 250);
    static const char *const bad[] = {"0", "-5", "junk", "", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("VMEX_HANG_MS", bad[i], 1);
        vmex_run_env_read(&e);
        assert_int_equal(e.hang_ms, VMEX_DEFAULT_HANG_MS);
    }
    unsetenv("VMEX_EXEC_DIR");
    unsetenv("VMEX_HANG_MS");
}

/* the run's environment is the one in its options, not the process's */
static void test_run_env_in_options(void **state)
{
    vmex_program p;
    vmex_layout L;
    parse("vmex 1\ntarget linux\na = mmap 1m\n", &p, &L);
    vmex_run_env e;
    vmex_run_env_read(&e);
    snprintf(e.exec_dir, sizeof e.exec_dir, "/nonexistent/vmex-test");
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.env = &e;
    vmex_result r;
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    assert_int_equal(vmex_model_run(m, &L, &p, &o, &r), -1);
    assert_true(vmex_model_unavailable(m));
    assert_non_null(strstr(vmex_model_error(m), "is not there"));
    vmex_model_free(m);
    vmex_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caps),           cmocka_unit_test(test_twins),
        cmocka_unit_test(test_allocators),     cmocka_unit_test(test_set_keys),
        cmocka_unit_test(test_resolve),        cmocka_unit_test(test_fresh_model),
        cmocka_unit_test(test_linux_has_no_steps), cmocka_unit_test(test_alternating_targets),
        cmocka_unit_test(test_steps_are_runs), cmocka_unit_test(test_run_env),
        cmocka_unit_test(test_run_env_in_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
