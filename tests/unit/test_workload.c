/*
 * test_workload.c - tests of stress workloads: the .vmexw parser
 * (lang/workload_parse.c: every field, every error with its line and
 * column), the distributions (core/dist.c), and the op generator
 * (stress/workload.c: determinism, the bounded handle pool, phases,
 * reservations, lifetimes, free orders, caps, touches).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"
#include "stress/workload.h"

/* ---------------------------------------------------------------- helpers */

static vmex_workload *parse_ok(const char *text)
{
    vmex_workload *w = calloc(1, sizeof *w);
    vmex_error e;
    assert_non_null(w);
    if (vmex_workload_parse(text, strlen(text), "t.vmexw", w, &e) != 0)
        fail_msg("does not parse: %d:%d: %s\n%s", e.line, e.col, e.msg, text);
    return w;
}

/* The text must fail at line:col with msg containing `want`; mismatches
 * are printed and counted in *bad. */
static void parse_err_n(const char *text, int line, int col, const char *want, int *bad)
{
    vmex_workload *w = calloc(1, sizeof *w);
    vmex_error e;
    assert_non_null(w);
    if (vmex_workload_parse(text, strlen(text), "t.vmexw", w, &e) == 0) {
        print_error("parses but should fail (%s):\n%s\n", want, text);
        ++*bad;
    } else if (e.line != line || e.col != col || !strstr(e.msg, want) || strcmp(e.file, "t.vmexw")) {
        print_error("got %d:%d: %s\nwant %d:%d: ...%s...\n%s\n", e.line, e.col, e.msg, line, col, want, text);
        ++*bad;
    }
    free(w);
}



/* A model and a generator running together, as `vmex stress` runs them. */
typedef struct pair {
    vmex_workload *w;
    vmex_gen *g;
    vmex_model *m;
    vmex_layout L;
    uint32_t nslots;
    uint64_t i;
} pair;

static void pair_init(pair *p, const char *text, uint64_t seed, uint32_t nslots, uint64_t run_ops)
{
    vmex_error e;
    memset(p, 0, sizeof *p);
    p->w = parse_ok(text);
    p->nslots = nslots;
    assert_int_equal(vmex_layout_resolve(&p->w->cfg, NULL, 0, &p->L, &e), 0);
    p->g = vmex_gen_new(p->w, seed, nslots, run_ops);
    p->m = vmex_model_new(VMEX_STORE_FAST);
    assert_non_null(p->g);
    assert_non_null(p->m);
    assert_int_equal(vmex_model_start(p->m, &p->L, nslots), 0);
}

static void pair_free(pair *p)
{
    vmex_gen_free(p->g);
    vmex_model_free(p->m);
    free(p->w);
}

/* One op through the generator and the model. */
static void pair_step(pair *p, vmex_op *op, vmex_opres *r)
{
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.large = UINT64_MAX;   /* no findings: keep going */
    assert_int_equal(vmex_gen_next(p->g, op), 0);
    if (op->dst >= 0)
        assert_true((uint32_t)op->dst < p->nslots);
    if (op->src >= 0)
        assert_true((uint32_t)op->src < p->nslots);
    vmex_model_step(p->m, op, (uint32_t)p->i++, &o, r);
    vmex_gen_result(p->g, op, r);
}

static uint64_t op_hash(uint64_t h, const vmex_op *op, const vmex_opres *r)
{
    const uint64_t v[] = {op->kind, op->flags, (uint64_t)(int64_t)op->dst, (uint64_t)(int64_t)op->src, op->size,
                          op->off, op->len, op->align, op->tag, op->prot, r->status, r->addr};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
        h = (h ^ v[k]) * 0x100000001b3ull;
    return h;
}

/* ---------------------------------------------------------------- parsing */

static const char full_text[] =
    "# every field\n"
    "workload 1\n"
    "profile ios17.4-4gb\n"
    "entitlement extended-virtual-addressing\n"
    "entitlement com.apple.developer.kernel.increased-memory-limit\n"
    "\n"
    "phase boot   # reservations only\n"
    "  reserve heap mmap 0x200004000 prot none noreserve halve 256m tag 200 align 64k jit try\n"
    "  reserve arena vm_allocate 64m tag 7 align 1m\n"
    "  reserve blob malloc 3m try\n"
    "phase run ops 12345\n"
    "  stream objs malloc weight 60 size lognormal 96 1.25 lifetime exp 20000 realloc 2.5 max 1000\n"
    "  stream imgs mmap weight 1.5 size uniform 1m 16m free fifo 1.25 tag 88 prot rw align 16k noreserve dirty\n"
    "  stream big vm_allocate weight 0.05 size fixed 16m,32m,64m free lifo 0.04 tag 99 align 2m\n"
    "  stream res mmap weight 0.5 size powerlaw 1.5 16k 4m lifetime uniform 10 100 prot none\n"
    "  stream bounded malloc weight 1 size lognormal 4k 2 16 64k lifetime lognormal 500 0.5 free_ignored_none\n";

static void test_parse_every_field(void **state)
{
    (void)state;
    /* the last line has a junk word: cut it for the positive test */
    char text[sizeof full_text + 256];
    snprintf(text, sizeof text, "%s", full_text);
    *strstr(text, " free_ignored_none") = '\0';
    strcat(text, "\n  touch weight 4 size fixed 16k\n"
                 "phase close share 25%\n"
                 "  release heap\n"
                 "  release imgs\n"
                 "  stream objs malloc weight 5 size exp 64 free random 5\n"
                 "  touch weight 1\n"
                 "phase tail share 0.5\n"
                 "  stream objs malloc weight 1 size fixed 32 lifetime fixed 7\n"
                 "repeat run\n");
    vmex_workload *w = parse_ok(text);
    assert_string_equal(w->name, "t");
    assert_string_equal(w->cfg.profile, "ios17.4-4gb");
    assert_int_equal(w->cfg.ents, VMEX_ENT_EXTENDED_VA | VMEX_ENT_INCREASED_MEM);
    assert_int_equal(w->nphases, 4);
    assert_int_equal(w->repeat, 1);
    assert_int_equal(w->nstreams, 5);
    assert_int_equal(w->nreserves, 3);

    const vmex_wl_phase *boot = &w->phases[0];
    assert_string_equal(boot->name, "boot");
    assert_int_equal(boot->ops, 0);
    assert_int_equal(boot->nactions, 3);
    assert_int_equal(boot->line, 7);
    const vmex_wl_action *a = &boot->actions[0];
    assert_int_equal(a->release, 0);
    assert_int_equal(a->kind, VMEX_OP_MMAP);
    assert_true(a->size == 0x200004000ull);
    assert_true(a->halve == 256ull << 20);
    assert_int_equal(a->prot, VMEX_PROT_NONE);
    assert_int_equal(a->tag, 200);
    assert_true(a->align == 64 << 10);
    assert_int_equal(a->flags, VMEX_F_PROT | VMEX_F_NORESERVE | VMEX_F_TAG | VMEX_F_ALIGN | VMEX_F_JIT | VMEX_F_TRY);
    assert_int_equal(a->line, 8);
    a = &boot->actions[1];
    assert_int_equal(a->kind, VMEX_OP_VM_ALLOCATE);
    assert_int_equal(a->id, 1);
    assert_int_equal(a->flags, VMEX_F_TAG | VMEX_F_ALIGN);
    a = &boot->actions[2];
    assert_int_equal(a->kind, VMEX_OP_MALLOC);
    assert_int_equal(a->flags, VMEX_F_TRY);
    assert_true(a->size == 3ull << 20);

    const vmex_wl_phase *run = &w->phases[1];
    assert_true(run->ops == 12345);
    assert_int_equal(run->nstreams, 5);
    const vmex_wl_stream *s = &run->streams[0];
    assert_int_equal(s->kind, VMEX_OP_MALLOC);
    assert_true(s->weight == 60);
    assert_int_equal(s->size.kind, VMEX_DIST_LOGNORMAL);
    assert_true(s->size.a == 96 && s->size.b == 1.25);
    assert_int_equal(s->has_lifetime, 1);
    assert_int_equal(s->lifetime.kind, VMEX_DIST_EXP);
    assert_true(s->lifetime.a == 20000);
    assert_true(s->realloc_weight == 2.5);
    assert_int_equal(s->max_live, 1000);
    s = &run->streams[1];
    assert_int_equal(s->kind, VMEX_OP_MMAP);
    assert_int_equal(s->size.kind, VMEX_DIST_UNIFORM);
    assert_true(s->size.min == 1u << 20 && s->size.max == 16u << 20);
    assert_int_equal(s->has_lifetime, 0);
    assert_int_equal(s->order, VMEX_WL_FIFO);
    assert_true(s->free_weight == 1.25);
    assert_int_equal(s->tag, 88);
    assert_int_equal(s->prot, VMEX_PROT_RW);
    assert_true(s->align == 16384);
    assert_int_equal(s->flags, VMEX_F_TAG | VMEX_F_PROT | VMEX_F_ALIGN | VMEX_F_NORESERVE);
    assert_int_equal(s->dirty, 1);
    s = &run->streams[2];
    assert_int_equal(s->kind, VMEX_OP_VM_ALLOCATE);
    assert_int_equal(s->size.kind, VMEX_DIST_FIXED);
    assert_int_equal(s->size.n, 3);
    assert_true(s->size.v[0] == 16u << 20 && s->size.v[1] == 32u << 20 && s->size.v[2] == 64u << 20);
    assert_int_equal(s->order, VMEX_WL_LIFO);
    assert_true(s->free_weight == 0.04);
    s = &run->streams[3];
    assert_int_equal(s->size.kind, VMEX_DIST_POWERLAW);
    assert_true(s->size.a == 1.5 && s->size.min == 16384 && s->size.max == 4u << 20);
    assert_int_equal(s->lifetime.kind, VMEX_DIST_UNIFORM);
    assert_int_equal(w->streams[s->id].untouchable, 1);   /* prot none */
    s = &run->streams[4];
    assert_true(s->size.min == 16 && s->size.max == 65536);
    assert_int_equal(s->lifetime.kind, VMEX_DIST_LOGNORMAL);
    assert_true(run->touch_weight == 4);
    assert_int_equal(run->touch_sized, 1);
    assert_true(run->touch_size.v[0] == 16384);

    const vmex_wl_phase *close = &w->phases[2];
    assert_true(close->share == 0.25);
    assert_int_equal(close->nactions, 2);
    assert_int_equal(close->actions[0].release, 1);
    assert_int_equal(close->actions[0].is_stream, 0);
    assert_int_equal(close->actions[1].is_stream, 1);
    assert_int_equal(close->streams[0].id, 0);   /* the same stream as in 'run' */
    assert_int_equal(close->streams[0].order, VMEX_WL_RANDOM);
    assert_int_equal(close->streams[0].size.kind, VMEX_DIST_EXP);
    assert_int_equal(close->touch_sized, 0);
    assert_true(w->phases[3].share == 0.5);
    assert_true(vmex_workload_phase_len(w, 2, 1000) == 250);
    assert_true(vmex_workload_phase_len(w, 3, 1000) == 500);
    assert_true(vmex_workload_phase_len(w, 1, 1000) == 12345);
    assert_true(vmex_workload_phase_len(w, 0, 1000) == 0);
    assert_true(vmex_workload_phase_len(w, 2, 1) == 1);   /* at least one op */
    free(w);
}

static void test_parse_minimal(void **state)
{
    (void)state;
    vmex_workload *w = parse_ok("workload 1\nphase p ops 1\n stream s malloc weight 1 size fixed 1 free random 0\n");
    assert_int_equal(w->nphases, 1);
    assert_string_equal(w->cfg.profile, "");
    assert_int_equal(w->repeat, 0);
    free(w);
    /* tabs, trailing comments, UTF-8 in comments */
    w = parse_ok("# größe\nworkload 1\t# v1\nphase\tp\tops\t5 # ü\n\tstream s mmap weight 1 size fixed 16k free fifo 1#x\n");
    assert_true(w->phases[0].ops == 5);
    free(w);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const char P[] = "workload 1\nphase p ops 10\n";
    char t[1024];
    int bad = 0;
    static const struct { const char *tail; int line, col; const char *msg; } cases[] = {
        /* streams */
        {"stream\n", 3, 7, "stream needs a NAME"},
        {"stream Bad malloc\n", 3, 8, "bad name"},
        {"stream s\n", 3, 9, "needs a KIND"},
        {"stream s brk weight 1\n", 3, 10, "unknown kind 'brk'"},
        {"stream s malloc size fixed 1 free fifo 1\n", 3, 41, "needs 'weight W'"},
        {"stream s malloc weight 1 free fifo 1\n", 3, 37, "needs 'size DIST'"},
        {"stream s malloc weight 1 size fixed 1\n", 3, 38, "needs 'lifetime DIST' or 'free"},
        {"stream s malloc weight x size fixed 1 free fifo 1\n", 3, 24, "bad weight 'x'"},
        {"stream s malloc weight -1 size fixed 1 free fifo 1\n", 3, 24, "bad weight"},
        {"stream s malloc weight 1e99 size fixed 1 free fifo 1\n", 3, 24, "bad weight"},
        {"stream s malloc weight 2000000000 size fixed 1 free fifo 1\n", 3, 24, "out of range"},
        {"stream s malloc weight 1 weight 2 size fixed 1 free fifo 1\n", 3, 26, "duplicate 'weight'"},
        {"stream s malloc weight 1 size fixed 1 size fixed 2 free fifo 1\n", 3, 39, "duplicate 'size'"},
        {"stream s malloc weight 1 size fixed 1 lifetime exp 5 free fifo 1\n", 3, 54, "one of 'lifetime' and 'free'"},
        {"stream s malloc weight 1 size fixed 1 free oldest 1\n", 3, 44, "unknown free order 'oldest'"},
        {"stream s malloc weight 1 size fixed 1 free fifo\n", 3, 48, "needs a WEIGHT"},
        {"stream s malloc weight 1 size fixed 1 free fifo 1 tag 3\n", 3, 51, "'tag' does not apply to malloc streams"},
        {"stream s malloc weight 1 size fixed 1 free fifo 1 prot r\n", 3, 51, "'prot' does not apply"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 realloc 1\n", 3, 49, "'realloc' does not apply to mmap"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 try\n", 3, 49, "'try' does not apply"},
        {"stream s vm_allocate weight 1 size fixed 1 free fifo 1 prot r\n", 3, 56, "'prot' does not apply to vm_allocate"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 tag 256\n", 3, 53, "tag '256' is too large"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 align 3m\n", 3, 55, "power of two"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 prot rwx\n", 3, 54, "unknown prot 'rwx'"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 tag\n", 3, 52, "tag needs a value"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 max 0\n", 3, 53, "greater than 0"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 dirty dirty\n", 3, 55, "duplicate 'dirty'"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 prot none dirty\n", 3, 1, "cannot be 'dirty'"},
        {"stream s mmap weight 1 size fixed 1 free fifo 1 bogus\n", 3, 49, "unexpected 'bogus'"},
        {"stream s malloc weight 1 size fixed 1 free fifo 1\nstream s malloc weight 1 size fixed 1 free fifo 1\n", 4,
         8, "duplicate stream 's'"},
        /* distributions */
        {"stream s malloc weight 1 size gauss 1 free fifo 1\n", 3, 31, "unknown distribution 'gauss'"},
        {"stream s malloc weight 1 size\n", 3, 30, "'size' needs a distribution"},
        {"stream s malloc weight 1 size fixed free fifo 1\n", 3, 37, "bad value 'free'"},
        {"stream s malloc weight 1 size fixed 1,,2 free fifo 1\n", 3, 39, "bad value ''"},
        {"stream s malloc weight 1 size fixed 1,0 free fifo 1\n", 3, 39, "greater than 0"},
        {"stream s malloc weight 1 size fixed 1,2x free fifo 1\n", 3, 39, "bad value '2x'"},
        {"stream s malloc weight 1 size fixed 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17 free fifo 1\n", 3, 76,
         "at most 16 values"},
        {"stream s malloc weight 1 size fixed 300t free fifo 1\n", 3, 37, "too large"},
        {"stream s malloc weight 1 size uniform 8 free fifo 1\n", 3, 41, "bad maximum 'free'"},
        {"stream s malloc weight 1 size uniform 8 4 free fifo 1\n", 3, 41, "maximum is below the minimum"},
        {"stream s malloc weight 1 size uniform 0 4 free fifo 1\n", 3, 39, "minimum must be greater than 0"},
        {"stream s malloc weight 1 size lognormal 0 1 free fifo 1\n", 3, 41, "median must be greater than 0"},
        {"stream s malloc weight 1 size lognormal 64 free fifo 1\n", 3, 44, "bad sigma 'free'"},
        {"stream s malloc weight 1 size lognormal 64 11 free fifo 1\n", 3, 44, "out of range"},
        {"stream s malloc weight 1 size lognormal 64 1 128 256 free fifo 1\n", 3, 41, "median is outside"},
        {"stream s malloc weight 1 size lognormal 64 1 16 8 free fifo 1\n", 3, 49, "maximum is below"},
        {"stream s malloc weight 1 size powerlaw 1.5 16 free fifo 1\n", 3, 47, "bad maximum"},
        {"stream s malloc weight 1 size powerlaw x 16 32 free fifo 1\n", 3, 40, "bad alpha"},
        {"stream s malloc weight 1 size powerlaw 12 16 32 free fifo 1\n", 3, 40, "out of range"},
        {"stream s malloc weight 1 size exp free fifo 1\n", 3, 35, "bad mean 'free'"},
        {"stream s malloc weight 1 size exp 0 free fifo 1\n", 3, 35, "mean must be greater than 0"},
        {"stream s malloc weight 1 size fixed 1 lifetime\n", 3, 47, "'lifetime' needs a distribution"},
        /* reserve, release, touch */
        {"reserve\n", 3, 8, "reserve needs a NAME"},
        {"reserve r\n", 3, 10, "needs a KIND"},
        {"reserve r sbrk 1m\n", 3, 11, "unknown kind 'sbrk'"},
        {"reserve r mmap\n", 3, 15, "needs a SIZE"},
        {"reserve r mmap 0\n", 3, 16, "size must be greater than 0"},
        {"reserve r mmap 1m shared\n", 3, 19, "unexpected 'shared'"},
        {"reserve r malloc 1m tag 1\n", 3, 21, "'tag' does not apply to malloc"},
        {"reserve r mmap 1m halve\n", 3, 24, "halve needs a MIN size"},
        {"reserve r mmap 1m halve 2m\n", 3, 25, "too large"},
        {"reserve r mmap 1m halve 1m halve 1m\n", 3, 28, "duplicate 'halve'"},
        {"reserve r mmap 1m\nreserve r mmap 2m\n", 4, 9, "duplicate reservation 'r'"},
        {"stream s malloc weight 1 size fixed 1 free fifo 1\nreserve s mmap 1m\n", 4, 9, "already a stream"},
        {"reserve r mmap 1m\nstream r malloc weight 1 size fixed 1 free fifo 1\n", 4, 8, "already a reservation"},
        {"release nope\n", 3, 9, "unknown reservation or stream 'nope'"},
        {"reserve r mmap 1m\nrelease r r\n", 4, 11, "unexpected 'r'"},
        {"touch 5\n", 3, 7, "expected 'weight'"},
        {"touch weight\n", 3, 13, "weight needs a decimal"},
        {"touch weight 1 size\n", 3, 20, "'size' needs a distribution"},
        {"touch weight 1 size fixed 1 extra\n", 3, 29, "unexpected 'extra'"},
        {"touch weight 1\ntouch weight 2\n", 4, 1, "duplicate 'touch'"},
        /* phases and the file */
        {"phase p ops 5\n", 3, 7, "duplicate phase 'p'"},
        {"phase q ops\n", 3, 12, "ops needs a count"},
        {"phase q ops 0\n", 3, 13, "op count must be greater than 0"},
        {"phase q ops 5x\n", 3, 13, "bad op count '5x'"},
        {"phase q share 0\n", 3, 15, "share must be greater than 0"},
        {"phase q share 1.5\n", 3, 15, "out of range"},
        {"phase q share 120%\n", 3, 15, "out of range"},
        {"phase q for 5\n", 3, 9, "expected 'ops N' or 'share F'"},
        {"phase q ops 5 now\n", 3, 15, "unexpected 'now'"},
        {"profile ios16-3gb\n", 3, 1, "must come before the first phase"},
        {"frobnicate\n", 3, 1, "unknown line 'frobnicate'"},
        {"workload 1\n", 3, 1, "duplicate 'workload' line"},
        {"stream s malloc weight 1 size fixed 1 free fifo 1\nrepeat nowhere\n", 4, 8, "unknown phase 'nowhere'"},
        {"repeat p\nrepeat p\n", 4, 1, "duplicate 'repeat'"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        snprintf(t, sizeof t, "%s%s", P, cases[k].tail);
        /* most cases need a stream for the phase to be valid: the error
         * comes first anyway, as it is on an earlier line */
        parse_err_n(t, cases[k].line, cases[k].col, cases[k].msg, &bad);
    }

    /* the header and whole-file checks */
#define parse_err(t, l, c, m) parse_err_n(t, l, c, m, &bad)
    parse_err("", 1, 1, "empty workload");
    parse_err("# nothing\n\n", 1, 1, "empty workload");
    parse_err("vmex 1\n", 1, 1, "expected 'workload 1'");
    parse_err("workload\n", 1, 9, "workload needs a version");
    parse_err("workload 2\n", 1, 10, "unsupported version 2");
    parse_err("workload 1 x\n", 1, 12, "unexpected 'x'");
    parse_err("workload 1\n", 1, 1, "no phase");
    parse_err("workload 1\nprofile ios99-3gb\n", 2, 9, "unknown profile 'ios99-3gb'");
    parse_err("workload 1\nprofile ios16-3gb\nprofile ios16-3gb\n", 3, 1, "duplicate 'profile'");
    parse_err("workload 1\nentitlement jumbo\n", 2, 13, "unknown entitlement 'jumbo'");
    parse_err("workload 1\nstream s malloc weight 1 size fixed 1 free fifo 1\n", 2, 1, "outside a phase");
    parse_err("workload 1\nreserve r mmap 1m\n", 2, 1, "'reserve' outside a phase");
    parse_err("workload 1\nphase p ops 5\n", 2, 1, "op mix is empty");
    parse_err("workload 1\nphase p ops 5\nstream s malloc weight 0 size fixed 1 lifetime exp 5\n", 2, 1,
              "op mix is empty");
    parse_err("workload 1\nphase p\n", 2, 1, "does nothing");
    parse_err("workload 1\nphase p\nstream s malloc weight 1 size fixed 1 free fifo 1\n", 2, 1, "has streams but no length");
    parse_err("workload 1\nphase p\nreserve r mmap 1m\n", 2, 1, "the phases that repeat");
    parse_err("workload 1\nphase p ops 1\nstream s malloc weight 1 size fixed 1 free fifo 1\nphase q\n"
              "reserve r mmap 1m\nrepeat q\n",
              6, 8, "run no ops");
    parse_err("workload 1\nphase p ops 1\nstream s malloc weight 1 size fixed 1 free fifo 1\nphase p2\n"
              "stream s mmap weight 1 size fixed 1 free fifo 1\n",
              5, 10, "stream 's' is malloc on line 3");
    /* a phase whose only draw is a touch has nothing to touch (issue "Hard to break", D11): said at its
     * touch line, even when an earlier phase's stream has live handles (they may all be gone) */
    parse_err("workload 1\nphase a ops 100\n  touch weight 1 size fixed 16k\n", 3, 3, "phase 'a' only touches");
    parse_err("workload 1\nphase p ops 5\nstream s mmap weight 1 size fixed 1m free fifo 1\nphase q ops 5\n"
              "touch weight 2\n",
              5, 1, "phase 'q' only touches: a touch dirties a live handle of a stream");
    /* ... and when its streams can never draw: weight 0, no realloc, freed by lifetime (found by
     * fuzz_workload under ci/gate: the generator had nothing to draw and stopped) */
    parse_err("workload 1\nphase churn ops 1000\n  stream b malloc weight 0 size fixed 16 lifetime exp 50 realloc 0\n"
              "  touch weight 1.2 size fixed 16k\n",
              4, 3, "phase 'churn' only touches: a touch dirties a live handle of a stream, and the phase makes none "
                    "(every stream's weights are 0)");
    parse_err("workload 1\r\n", 1, 11, "CRLF");
    parse_err("workload 1\nphase p\x01 ops 1\n", 2, 8, "invalid byte 0x01");
    parse_err("workload 1\nphase \xc3\xa9 ops 1\n", 2, 7, "invalid byte 0xc3");

    /* a line too long */
    char *big = malloc(6000);
    memset(big, 'a', 5000);
    memcpy(big, "workload 1\n", 11);
    big[5000] = '\n';
    big[5001] = '\0';
    parse_err(big, 2, 4097, "line too long");
    free(big);
#undef parse_err
    assert_int_equal(bad, 0);

    /* a workload file that cannot be read */
    vmex_workload *w = calloc(1, sizeof *w);
    vmex_error e;
    assert_int_equal(vmex_workload_parse_file("/nonexistent/x.vmexw", w, &e), -1);
    assert_string_equal(e.file, "/nonexistent/x.vmexw");
    assert_int_equal(e.line, 0);
    assert_non_null(strstr(e.msg, "cannot read"));
    assert_int_equal(e.code, VMEX_E_IO);
    free(w);
}

/* Every shipped workload parses. */
static void test_shipped_workloads_parse(void **state)
{
    (void)state;
    static const char *const names[] = {"jsc-flutter-app", "browser-session", "powerlaw-malloc", "game-streamer"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/corpora/workloads/%s.vmexw", VMEX_SOURCE_DIR, names[k]);
        vmex_workload *w = calloc(1, sizeof *w);
        vmex_error e;
        if (vmex_workload_parse_file(path, w, &e) != 0)
            fail_msg("%s:%d:%d: %s", path, e.line, e.col, e.msg);
        assert_string_equal(w->name, names[k]);
        assert_string_equal(w->cfg.profile, "ios16-3gb");
        free(w);
    }
}

/* ---------------------------------------------------------------- distributions */

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

#define NDRAW 100000

/* NDRAW draws, sorted */
static uint64_t *draws(vmex_dist *d, uint64_t seed)
{
    vmex_rng r;
    vmex_rng_seed(&r, seed);
    vmex_dist_prepare(d);
    uint64_t *v = malloc(NDRAW * sizeof *v);
    assert_non_null(v);
    for (int i = 0; i < NDRAW; i++)
        v[i] = vmex_dist_sample(d, &r);
    qsort(v, NDRAW, sizeof *v, cmp_u64);
    return v;
}

static void test_dist_fixed_uniform(void **state)
{
    (void)state;
    vmex_dist d = {0};
    d.kind = VMEX_DIST_FIXED;
    d.n = 3;
    d.v[0] = 16384;
    d.v[1] = 1 << 20;
    d.v[2] = 7;
    uint64_t *v = draws(&d, 1);
    unsigned c[3] = {0};
    for (int i = 0; i < NDRAW; i++) {
        int k = v[i] == 16384 ? 0 : v[i] == (1 << 20) ? 1 : v[i] == 7 ? 2 : -1;
        if (k < 0)
            fail_msg("fixed produced %llu", (unsigned long long)v[i]);
        c[k]++;
    }
    for (int k = 0; k < 3; k++)   /* each about a third */
        assert_true(c[k] > NDRAW / 3 - 1500 && c[k] < NDRAW / 3 + 1500);
    free(v);
    d.n = 1;
    v = draws(&d, 2);
    assert_true(v[0] == 16384 && v[NDRAW - 1] == 16384);
    free(v);

    memset(&d, 0, sizeof d);
    d.kind = VMEX_DIST_UNIFORM;
    d.min = 1 << 20;
    d.max = 16 << 20;
    v = draws(&d, 3);
    assert_true(v[0] >= d.min && v[NDRAW - 1] <= d.max);
    double mean = 0;
    for (int i = 0; i < NDRAW; i++)
        mean += (double)v[i] / NDRAW;
    assert_true(fabs(mean / (8.5 * (1 << 20)) - 1) < 0.01);
    assert_true(v[0] < d.min + (64 << 10) && v[NDRAW - 1] > d.max - (64 << 10));   /* reaches both ends */
    free(v);
}

static void test_dist_lognormal(void **state)
{
    (void)state;
    static const struct { double median, sigma; } cases[] = {{96, 1.2}, {4096, 0.5}, {2 << 20, 2.0}, {1000, 0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        vmex_dist d = {0};
        d.kind = VMEX_DIST_LOGNORMAL;
        d.a = cases[k].median;
        d.b = cases[k].sigma;
        uint64_t *v = draws(&d, 10 + k);
        double med = (double)v[NDRAW / 2];
        if (fabs(med / d.a - 1) > 0.03)
            fail_msg("lognormal %g %g: median %g", d.a, d.b, med);
        /* the quartiles: median * e^(+-0.674 sigma) */
        if (d.b > 0) {
            double q3 = (double)v[NDRAW * 3 / 4], want = d.a * exp(0.6745 * d.b);
            if (fabs(q3 / want - 1) > 0.05)
                fail_msg("lognormal %g %g: third quartile %g, want %g", d.a, d.b, q3, want);
        }
        free(v);
    }
    /* bounds: every draw inside, the median kept when the bounds are wide */
    vmex_dist d = {0};
    d.kind = VMEX_DIST_LOGNORMAL;
    d.a = 96;
    d.b = 1.5;
    d.min = 16;
    d.max = 4096;
    uint64_t *v = draws(&d, 20);
    assert_true(v[0] >= 16 && v[NDRAW - 1] <= 4096);
    /* out-of-bounds draws are drawn again: the median is that of the
     * truncated distribution, at the normal quantile (F(lo) + F(hi)) / 2 */
    double flo = 0.5 * erfc(-log(16.0 / 96) / 1.5 / sqrt(2)), fhi = 0.5 * erfc(-log(4096.0 / 96) / 1.5 / sqrt(2));
    double q = (flo + fhi) / 2, z = 0, step = 4;
    for (int it = 0; it < 60; it++, step /= 2)   /* invert the normal CDF by bisection */
        z += 0.5 * erfc(-z / sqrt(2)) < q ? step : -step;
    double want = 96 * exp(1.5 * z);
    if (fabs((double)v[NDRAW / 2] / want - 1) > 0.04)
        fail_msg("bounded lognormal: median %llu, want %g", (unsigned long long)v[NDRAW / 2], want);
    free(v);
}

static void test_dist_powerlaw_exp(void **state)
{
    (void)state;
    static const double alphas[] = {1.0, 1.5, 2.5, 0.5};
    for (size_t k = 0; k < sizeof alphas / sizeof alphas[0]; k++) {
        vmex_dist d = {0};
        d.kind = VMEX_DIST_POWERLAW;
        d.a = alphas[k];
        d.min = 16;
        d.max = 1 << 30;
        uint64_t *v = draws(&d, 30 + k);
        assert_true(v[0] >= d.min && v[NDRAW - 1] <= d.max);
        /* the analytic median of the truncated power law */
        double lo = 16, hi = (double)(1 << 30), want;
        if (d.a == 1.0)
            want = sqrt(lo * hi);
        else {
            double e = 1 - d.a;
            want = pow((pow(lo, e) + pow(hi, e)) / 2, 1 / e);
        }
        double med = (double)v[NDRAW / 2];
        if (fabs(med / want - 1) > 0.05 && fabs(med - want) > 1.5)
            fail_msg("powerlaw alpha %g: median %g, want %g", d.a, med, want);
        /* heavy tail: with alpha 1.5 some draws are above 1m */
        if (d.a == 1.5)
            assert_true(v[NDRAW - 1] > (1 << 20));
        free(v);
    }
    vmex_dist d = {0};
    d.kind = VMEX_DIST_POWERLAW;
    d.a = 2;
    d.min = d.max = 4096;
    uint64_t *v = draws(&d, 40);
    assert_true(v[0] == 4096 && v[NDRAW - 1] == 4096);
    free(v);

    memset(&d, 0, sizeof d);
    d.kind = VMEX_DIST_EXP;
    d.a = 20000;
    v = draws(&d, 41);
    double mean = 0;
    for (int i = 0; i < NDRAW; i++)
        mean += (double)v[i] / NDRAW;
    assert_true(fabs(mean / 20000 - 1) < 0.02);
    assert_true(v[0] >= 1);
    assert_true(fabs((double)v[NDRAW / 2] / (20000 * log(2)) - 1) < 0.03);
    free(v);
}

/* ---------------------------------------------------------------- the generator */

static const char churn_text[] =
    "workload 1\n"
    "profile ios16-16gb\n"
    "entitlement extended-virtual-addressing\n"
    "phase boot\n"
    "  reserve jsc mmap 128m prot none noreserve tag 63\n"
    "phase run ops 4000\n"
    "  stream objs malloc weight 50 size lognormal 96 1.2 lifetime exp 500 realloc 3\n"
    "  stream imgs mmap weight 2 size uniform 1m 16m free fifo 1.9 max 30 tag 88 dirty\n"
    "  stream bufs vm_allocate weight 1 size powerlaw 1.5 16k 8m free random 0.9\n"
    "  stream lifo mmap weight 1 size fixed 64k,128k free lifo 1\n"
    "  touch weight 5 size uniform 16k 256k\n"
    "repeat run\n";

static uint64_t run_hash(uint64_t seed, uint64_t n)
{
    pair p;
    pair_init(&p, churn_text, seed, 1 << 12, 100000);
    uint64_t h = 0xcbf29ce484222325ull;
    vmex_op op;
    vmex_opres r;
    for (uint64_t i = 0; i < n; i++) {
        pair_step(&p, &op, &r);
        h = op_hash(h, &op, &r);
    }
    pair_free(&p);
    return h;
}

static void test_gen_determinism(void **state)
{
    (void)state;
    uint64_t a = run_hash(7, 30000), b = run_hash(7, 30000), c = run_hash(8, 30000);
    assert_true(a == b);
    assert_true(a != c);
    /* op by op: the first ops of two seeds differ early */
    pair p, q;
    pair_init(&p, churn_text, 1, 1 << 12, 100000);
    pair_init(&q, churn_text, 2, 1 << 12, 100000);
    vmex_op o1, o2;
    vmex_opres r1, r2;
    int differ = 0;
    for (int i = 0; i < 200; i++) {
        pair_step(&p, &o1, &r1);
        pair_step(&q, &o2, &r2);
        differ |= o1.size != o2.size || o1.kind != o2.kind;
    }
    assert_true(differ);
    pair_free(&p);
    pair_free(&q);
}

/* Every op is well formed and the generator's handle table follows the
 * model: releases and touches name live handles of the right kind. */
static void test_gen_consistent(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, churn_text, 3, 1 << 12, 100000);
    vmex_op op;
    vmex_opres r;
    unsigned kinds[VMEX_OP__COUNT] = {0};
    vmex_gen_handle *live = calloc(1 << 12, sizeof *live);   /* the test's own table */
    uint8_t *is_live = calloc(1 << 12, 1);
    assert_non_null(live);
    assert_non_null(is_live);
    for (int i = 0; i < 50000; i++) {
        vmex_gen_handle h;
        assert_int_equal(vmex_gen_next(p.g, &op), 0);
        if (op.src >= 0) {
            h = live[op.src];
            if (!is_live[op.src])
                fail_msg("op %d (%s) uses slot %d, which is not live", i, vmex_opkind_name(op.kind), op.src);
            if (op.kind == VMEX_OP_FREE || op.kind == VMEX_OP_REALLOC)
                assert_int_equal(h.kind, VMEX_OP_MALLOC);
            if (op.kind == VMEX_OP_MUNMAP)
                assert_int_not_equal(h.kind, VMEX_OP_MALLOC);
            if (op.kind == VMEX_OP_TOUCH && (op.flags & VMEX_F_RANGE))
                assert_true(op.off % VMEX_PAGE == 0 && op.off + op.len <= h.size);
        }
        if (op.dst >= 0)   /* a slot being bound is not live */
            assert_int_equal(vmex_gen_handle_info(p.g, (uint32_t)op.dst, &h), -1);
        vmex_runopts o;
        vmex_runopts_init(&o);
        o.large = UINT64_MAX;
        vmex_model_step(p.m, &op, (uint32_t)i, &o, &r);
        vmex_gen_result(p.g, &op, &r);
        if (r.status != VMEX_ST_OK && op.kind != VMEX_OP_MMAP && op.kind != VMEX_OP_VM_ALLOCATE &&
            op.kind != VMEX_OP_MALLOC && op.kind != VMEX_OP_REALLOC)
            fail_msg("op %d (%s) failed: %s", i, vmex_opkind_name(op.kind), vmex_reason_text(r.why));
        if (r.status == VMEX_ST_OK && (op.kind == VMEX_OP_FREE || op.kind == VMEX_OP_MUNMAP || op.kind == VMEX_OP_REALLOC))
            is_live[op.src] = 0;
        if (r.status == VMEX_ST_OK && op.dst >= 0) {
            assert_int_equal(vmex_gen_handle_info(p.g, (uint32_t)op.dst, &h), 0);
            assert_true(h.addr == r.addr && h.size == r.size && h.req == op.size);
            live[op.dst] = h;
            is_live[op.dst] = 1;
        }
        kinds[op.kind]++;
    }
    /* the generator's live handles are the test's */
    for (uint32_t s = 0; s < 1 << 12; s++) {
        vmex_gen_handle h;
        assert_int_equal(vmex_gen_handle_info(p.g, s, &h) == 0, is_live[s]);
    }
    free(live);
    free(is_live);
    /* every kind of op the workload asks for shows up */
    for (int k = VMEX_OP_MMAP; k <= VMEX_OP_TOUCH; k++)
        if (!kinds[k])
            fail_msg("no %s op", vmex_opkind_name(k));
    assert_true(vmex_gen_count(p.g) == 50000);
    pair_free(&p);
}

/* The pool bounds the live handles: a stream that only grows keeps
 * running, its allocations turning into releases. */
static void test_gen_bounded_pool(void **state)
{
    (void)state;
    pair p;
    pair_init(&p, "workload 1\nprofile ios16-16gb\nentitlement extended-virtual-addressing\n"
                  "phase p ops 100\n stream a malloc weight 1 size fixed 100 free random 0\n"
                  " stream b mmap weight 1 size fixed 16k free fifo 0\n",
              5, 64, 100);
    vmex_op op;
    vmex_opres r;
    unsigned releases = 0;
    for (int i = 0; i < 5000; i++) {
        pair_step(&p, &op, &r);
        assert_true(vmex_gen_live(p.g) <= 64);
        releases += op.kind == VMEX_OP_FREE || op.kind == VMEX_OP_MUNMAP;
    }
    assert_int_equal(vmex_gen_live(p.g), 64);
    assert_true(releases > 2000);
    pair_free(&p);

    /* slots of released handles are reused: with lifetimes, a small pool
     * serves a long run */
    pair_init(&p, "workload 1\nphase p ops 10\n stream a malloc weight 1 size fixed 100 lifetime fixed 20\n", 5, 32,
              10);
    for (int i = 0; i < 10000; i++)
        pair_step(&p, &op, &r);
    assert_true(vmex_gen_live(p.g) <= 21);
    pair_free(&p);
}

/* Phases start and end where declared, reservations and releases happen at
 * their phase's start, the run cycles from the repeat phase. */
static void test_gen_phases(void **state)
{
    (void)state;
    pair p;
    pair_init(&p,
              "workload 1\n"
              "profile ios16-3gb\n"
              "phase boot\n"
              "  reserve dart mmap 8589950976 prot none noreserve halve 256m\n"
              "  reserve jsc mmap 128m prot none tag 63\n"
              "phase a ops 100\n"
              "  stream s malloc weight 1 size fixed 64 lifetime fixed 1000\n"
              "phase b share 0.1\n"
              "  release jsc\n"
              "  release s\n"
              "  reserve jsc mmap 64m\n"
              "  stream t mmap weight 1 size fixed 16k free fifo 1\n"
              "repeat a\n",
              1, 1 << 12, 1000);
    vmex_op op;
    vmex_opres r;
    /* boot: the Dart reservation halves: 8g+16k, 4g+16k, 2g+16k, 1g+16k (fits) */
    static const uint64_t sizes[] = {8589950976ull, 4294983680ull, 2147500032ull, 1073758208ull};
    for (int k = 0; k < 4; k++) {
        pair_step(&p, &op, &r);
        assert_int_equal(op.kind, VMEX_OP_MMAP);
        assert_true(op.size == sizes[k]);
        assert_int_equal(!!(op.flags & VMEX_F_TRY), 1);   /* 512m+16k would still come: every one is try */
        assert_int_equal(r.status, k < 3 ? VMEX_ST_FAILED : VMEX_ST_OK);
        assert_int_equal(vmex_gen_phase(p.g), 0);
        assert_string_equal(vmex_gen_origin(p.g), "dart");
    }
    pair_step(&p, &op, &r);   /* jsc */
    assert_true(op.size == 128u << 20 && op.tag == 63 && op.prot == VMEX_PROT_NONE);
    assert_int_equal(r.status, VMEX_ST_OK);
    int32_t jsc_slot = op.dst;
    assert_int_equal(vmex_gen_live(p.g), 2);
    /* a: 100 mallocs, no releases (lifetime 1000) */
    for (int k = 0; k < 100; k++) {
        pair_step(&p, &op, &r);
        assert_int_equal(op.kind, VMEX_OP_MALLOC);
        assert_int_equal(vmex_gen_phase(p.g), 1);
    }
    /* b: release jsc, then every live s (oldest first), then the new jsc */
    pair_step(&p, &op, &r);
    assert_int_equal(op.kind, VMEX_OP_MUNMAP);
    assert_int_equal(op.src, jsc_slot);
    assert_int_equal(vmex_gen_phase(p.g), 2);
    int32_t prev = -1;
    for (int k = 0; k < 100; k++) {
        pair_step(&p, &op, &r);
        assert_int_equal(op.kind, VMEX_OP_FREE);
        assert_true(op.src > prev);   /* slots were taken in order: fifo */
        prev = op.src;
    }
    pair_step(&p, &op, &r);
    assert_true(op.kind == VMEX_OP_MMAP && op.size == 64u << 20);
    assert_string_equal(vmex_gen_origin(p.g), "jsc");
    /* then 100 ops (10% of the run's 1000) of t */
    for (int k = 0; k < 100; k++) {
        pair_step(&p, &op, &r);
        assert_true(op.kind == VMEX_OP_MMAP || op.kind == VMEX_OP_MUNMAP);
        assert_int_equal(vmex_gen_phase(p.g), 2);
    }
    /* repeat a: not boot */
    pair_step(&p, &op, &r);
    assert_int_equal(op.kind, VMEX_OP_MALLOC);
    assert_int_equal(vmex_gen_phase(p.g), 1);
    for (int k = 0; k < 99; k++)
        pair_step(&p, &op, &r);
    /* b again: jsc (the 64m one) is live, so it is released first */
    pair_step(&p, &op, &r);
    assert_int_equal(op.kind, VMEX_OP_MUNMAP);
    assert_string_equal(vmex_gen_origin(p.g), "jsc");
    assert_int_equal(vmex_gen_phase(p.g), 2);
    pair_free(&p);

    /* a reservation that never fits: the last attempt is not try */
    pair_init(&p, "workload 1\nphase boot\n reserve big mmap 64g halve 16g\nphase p ops 1\n"
                  " stream s malloc weight 1 size fixed 1 free fifo 1\n",
              1, 64, 10);
    pair_step(&p, &op, &r);
    assert_true(op.size == 64ull << 30 && (op.flags & VMEX_F_TRY));
    pair_step(&p, &op, &r);
    assert_true(op.size == 32ull << 30 && (op.flags & VMEX_F_TRY));
    pair_step(&p, &op, &r);
    assert_true(op.size == 16ull << 30 && !(op.flags & VMEX_F_TRY));
    assert_int_equal(r.status, VMEX_ST_FAILED);
    pair_step(&p, &op, &r);
    assert_int_equal(op.kind, VMEX_OP_MALLOC);
    pair_free(&p);
}

/* Lifetimes, free orders, caps, dirty and touch choices. */
static void test_gen_releases(void **state)
{
    (void)state;
    pair p;
    vmex_op op;
    vmex_opres r;
    /* lifetime fixed 10: every handle is freed exactly 10 ops after it was made */
    pair_init(&p, "workload 1\nphase p ops 10\n stream s malloc weight 1 size fixed 100 lifetime fixed 10\n", 1, 64,
              10);
    int64_t born[64];
    for (int k = 0; k < 64; k++)
        born[k] = -1;
    for (int64_t i = 0; i < 1000; i++) {
        pair_step(&p, &op, &r);
        if (op.kind == VMEX_OP_MALLOC) {
            born[op.dst] = i;
        } else {
            assert_int_equal(op.kind, VMEX_OP_FREE);
            assert_true(born[op.src] >= 0);
            assert_int_equal(i - born[op.src], 10);
            born[op.src] = -1;
        }
    }
    pair_free(&p);

    /* fifo frees the oldest, lifo the newest */
    for (int lifo = 0; lifo < 2; lifo++) {
        char t[256];
        snprintf(t, sizeof t, "workload 1\nphase p ops 10\n stream s mmap weight 1 size fixed 16k free %s 1\n",
                 lifo ? "lifo" : "fifo");
        pair_init(&p, t, 9, 256, 10);
        uint64_t order[256], seq = 0;
        for (int i = 0; i < 20000; i++) {
            pair_step(&p, &op, &r);
            if (op.kind == VMEX_OP_MMAP) {
                order[op.dst] = ++seq;
                continue;
            }
            /* the released one is the oldest (newest) live one */
            uint64_t best = order[op.src];
            for (uint32_t s = 0; s < 256; s++) {
                vmex_gen_handle h;
                if ((int32_t)s == op.src || vmex_gen_handle_info(p.g, s, &h))
                    continue;
                assert_true(lifo ? order[s] < best : order[s] > best);
            }
        }
        pair_free(&p);
    }

    /* max: the stream never has more live handles; dirty: a whole touch
     * of the new handle comes next */
    pair_init(&p, "workload 1\nphase p ops 10\n stream s mmap weight 1 size fixed 1m free random 0.2 max 5 dirty\n"
                  " stream u mmap weight 1 size fixed 1m free random 1 prot none\n touch weight 3 size fixed 16k\n",
              4, 256, 10);
    int32_t want_touch = -1;
    unsigned touches = 0;
    for (int i = 0; i < 20000; i++) {
        pair_step(&p, &op, &r);
        if (want_touch >= 0) {
            assert_int_equal(op.kind, VMEX_OP_TOUCH);
            assert_int_equal(op.src, want_touch);
            assert_int_equal(op.flags & VMEX_F_RANGE, 0);
            want_touch = -1;
            continue;
        }
        assert_true(vmex_gen_stream_live(p.g, 0) <= 5);
        if (op.kind == VMEX_OP_MMAP && r.status == VMEX_ST_OK && !strcmp(vmex_gen_origin(p.g), "s"))
            want_touch = op.dst;
        if (op.kind == VMEX_OP_TOUCH) {   /* never the prot none stream */
            assert_string_equal(vmex_gen_origin(p.g), "s");
            touches++;
        }
    }
    assert_true(touches > 1000);
    pair_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_every_field),
        cmocka_unit_test(test_parse_minimal),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_shipped_workloads_parse),
        cmocka_unit_test(test_dist_fixed_uniform),
        cmocka_unit_test(test_dist_lognormal),
        cmocka_unit_test(test_dist_powerlaw_exp),
        cmocka_unit_test(test_gen_determinism),
        cmocka_unit_test(test_gen_consistent),
        cmocka_unit_test(test_gen_bounded_pool),
        cmocka_unit_test(test_gen_phases),
        cmocka_unit_test(test_gen_releases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
