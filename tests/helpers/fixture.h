/*
 * fixture.h - what the unit tests share: cmocka's includes, one model per
 * test program (made by fx_setup, freed by fx_teardown, the group fixture
 * of cmocka_run_group_tests), and go(), which parses a .vmex text,
 * resolves its layout and runs it, recording every op's result.
 *
 * Header-only (each test is one program); the functions are static and
 * marked unused so a test takes what it needs.
 */
#ifndef VMEX_TEST_FIXTURE_H
#define VMEX_TEST_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"

#define FX_UNUSED __attribute__((unused))
#define FX_MAX_OPS 512

/* the model every test of the program runs on */
static vmex_model *model;

static FX_UNUSED int fx_setup(void **state)
{
    (void)state;
    model = vmex_model_new(VMEX_STORE_FAST);
    return model ? 0 : -1;
}

static FX_UNUSED int fx_teardown(void **state)
{
    (void)state;
    vmex_model_free(model);
    model = NULL;
    return 0;
}

/* A run of a text program: the program, its layout, the result and the
 * first FX_MAX_OPS ops' results. */
typedef struct run {
    vmex_program p;
    vmex_layout L;
    vmex_result r;
    vmex_opres ops[FX_MAX_OPS];
    uint32_t nops;
} run;

/* go() runs with --keep-going semantics when this is set */
static int fx_keep_going;

static FX_UNUSED void fx_record(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    (void)op;
    run *x = ctx;
    if (x->nops < FX_MAX_OPS) x->ops[x->nops++] = *r;
}

/* Parse text (the test fails on a parse error, printed located), into p,
 * which must be initialized. */
static FX_UNUSED void fx_parse(const char *text, vmex_program *p)
{
    vmex_error err = {0};
    if (vmex_parse(text, strlen(text), "test", p, &err)) {
        vmex_error_print(&err, stderr);
        fail_msg("parse failed");
    }
}

/* Parse, resolve and run text on the model; the run is kept until the next
 * call. */
static FX_UNUSED run *go(const char *text)
{
    static run x;
    vmex_error err = {0};
    vmex_program_free(&x.p);
    memset(&x, 0, sizeof x);
    vmex_program_init(&x.p);
    fx_parse(text, &x.p);
    if (vmex_layout_resolve(&x.p.cfg, NULL, 0, &x.L, &err)) {
        vmex_error_print(&err, stderr);
        fail_msg("resolve failed");
    }
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = fx_keep_going;
    o.on_op = fx_record;
    o.ctx = &x;
    assert_int_equal(vmex_model_run(model, &x.L, &x.p, &o, &x.r), 0);
    return &x;
}

#endif
