/*
 * test_encode.c - tests of encode.c, the fuzzer's byte encoding v1.
 *
 * Golden inputs pin the encoding: hand-assembled byte strings and the exact
 * text they decode to, and a hand-written program and its exact bytes; any
 * change to the encoding breaks them (and needs a new version).  Then the
 * properties: decoding is total (random and truncated inputs, also under
 * ASan), bytes -> program -> bytes is the identity on canonical encodings,
 * the printed text parses back, the compact size codes cover their range,
 * and text programs (the shipped reproducers and random ones) run on the
 * model exactly as their encodings do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "fuzz/fuzz.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return n ? rng_next(s) % n : 0;
}

/* "01 0a ff" -> bytes; returns the count */
static size_t unhex(const char *h, uint8_t *out, size_t max)
{
    size_t n = 0;
    while (*h) {
        if (*h == ' ' || *h == '\n' || *h == '|') {
            h++;
            continue;
        }
        unsigned v;
        assert_int_equal(sscanf(h, "%2x", &v), 1);
        assert_true(n < max);
        out[n++] = (uint8_t)v;
        h += 2;
    }
    return n;
}

static char *tohex(const uint8_t *b, size_t n)
{
    char *s = malloc(3 * n + 1);
    s[0] = '\0';
    for (size_t i = 0; i < n; i++)
        sprintf(s + 3 * i, i + 1 < n ? "%02x " : "%02x", b[i]);
    return s;
}

static void assert_bytes(const void *got, size_t ng, const uint8_t *want, size_t nw)
{
    if (ng != nw || memcmp(got, want, nw)) {
        char *a = tohex(got, ng), *b = tohex(want, nw);
        print_error("bytes differ\n got: %s\nwant: %s\n", a, b);
        free(a);
        free(b);
        fail();
    }
}

/* decode with the layout the fuzz target would choose (no environment) */
static void decode_any(const uint8_t *b, size_t n, vmex_layout *L, vmex_program *p)
{
    assert_int_equal(vmex_decode_layout(b, n, NULL, 0, L), 0);
    /* an exact-size heap copy, so ASan sees any over-read */
    uint8_t *copy = malloc(n ? n : 1);
    if (n)
        memcpy(copy, b, n);
    assert_int_equal(vmex_decode(copy, n, L, p), 0);
    free(copy);
}

static char *print_prog(const vmex_program *p)
{
    vmex_buf t = {0};
    assert_int_equal(vmex_print(p, &t, NULL, NULL, NULL), 0);
    return t.p;
}

static void encode_into(const vmex_program *p, const vmex_layout *L, vmex_buf *b)
{
    b->len = 0;
    assert_int_equal(vmex_encode(p, L, b), 0);
}

static void parse_text(const char *text, vmex_program *p)
{
    vmex_error err;
    if (vmex_parse(text, strlen(text), "test", p, &err)) {
        vmex_error_print(&err, stderr);
        fail();
    }
}

/* ---------------------------------------------------------------- model runs */

typedef struct trace {
    vmex_opres *r;
    uint32_t n, cap;
} trace;

static void on_op(void *ctx, const vmex_op *op, const vmex_opres *r)
{
    trace *t = ctx;
    (void)op;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->r = realloc(t->r, t->cap * sizeof *t->r);
        assert_non_null(t->r);
    }
    t->r[t->n++] = *r;
}

static void run_trace(vmex_model *m, const vmex_layout *L, const vmex_program *p, trace *t, vmex_result *res)
{
    vmex_runopts o;
    vmex_runopts_init(&o);
    o.keep_going = 1;
    o.on_op = on_op;
    o.ctx = t;
    t->n = 0;
    assert_int_equal(vmex_model_run(m, L, p, &o, res), 0);
}

/* Target linux on a machine where it cannot run: said, and the run checks
 * skipped (the encoding checks do not need it). */
static int backend_missing(vmex_model *m, const vmex_layout *L, const vmex_program *p, const char *name)
{
    vmex_runopts o;
    vmex_result r;
    vmex_runopts_init(&o);
    if (L->target != VMEX_TARGET_LINUX || vmex_model_run(m, L, p, &o, &r) == 0 || !vmex_model_unavailable(m))
        return 0;
    printf("skip running %s: %s\n", name, vmex_model_error(m));
    return 1;
}

/* Both programs run identically: every op's status, reason, class and
 * placement, and the run's result. */
static void assert_same_run(vmex_model *m, const vmex_layout *L, const vmex_program *a, const vmex_program *b)
{
    trace ta = {0}, tb = {0};
    vmex_result ra, rb;
    run_trace(m, L, a, &ta, &ra);
    run_trace(m, L, b, &tb, &rb);
    assert_int_equal(ta.n, tb.n);
    for (uint32_t i = 0; i < ta.n; i++) {
        const vmex_opres *x = &ta.r[i], *y = &tb.r[i];
        if (x->i != y->i || x->status != y->status || x->why != y->why || x->cls != y->cls ||
            x->finding != y->finding || x->addr != y->addr || x->size != y->size || x->req != y->req ||
            x->value != y->value) {
            print_error("op %u differs: status %d/%d why %d/%d addr %llx/%llx\n", i, x->status, y->status,
                        x->why, y->why, (unsigned long long)x->addr, (unsigned long long)y->addr);
            fail();
        }
    }
    assert_int_equal(ra.verdict, rb.verdict);
    assert_int_equal(ra.at, rb.at);
    assert_int_equal(ra.findings, rb.findings);
    assert_int_equal(ra.checks_failed, rb.checks_failed);
    assert_int_equal(ra.st.free, rb.st.free);
    assert_int_equal(ra.st.mapped, rb.st.mapped);
    assert_int_equal(ra.st.footprint, rb.st.footprint);
    assert_int_equal(vmex_result_matches(a, &ra), vmex_result_matches(b, &rb));
    free(ta.r);
    free(tb.r);
}

/* For each op that uses a name: the index of the op that bound it (static
 * scan, as the encoder sees it), -1 for other ops. */
static int32_t *binders(const vmex_program *p)
{
    int32_t *cur = malloc((p->nnames + 1) * sizeof *cur), *out = malloc((p->nops + 1) * sizeof *out);
    for (uint32_t i = 0; i < p->nnames; i++)
        cur[i] = -1;
    for (uint32_t i = 0; i < p->nops; i++) {
        const vmex_op *op = &p->ops[i];
        out[i] = vmex_op_uses(op->kind) && op->src >= 0 ? cur[op->src] : -1;
        if (vmex_op_binds(op->kind) && op->dst >= 0)
            cur[op->dst] = (int32_t)i;
    }
    free(cur);
    return out;
}

/* equal for every purpose of a replay, names aside */
static void assert_equal_up_to_names(const vmex_program *a, const vmex_program *b)
{
    assert_int_equal(a->nops, b->nops);
    assert_int_equal(a->expect, b->expect);
    assert_int_equal(a->expect_at, b->expect_at);
    assert_int_equal(a->cfg.ents, b->cfg.ents);
    assert_int_equal(a->cfg.set_mask, b->cfg.set_mask);
    assert_string_equal(a->cfg.profile, b->cfg.profile);
    int32_t *ba = binders(a), *bb = binders(b);
    for (uint32_t i = 0; i < a->nops; i++) {
        const vmex_op *x = &a->ops[i], *y = &b->ops[i];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->flags, y->flags);
        assert_int_equal(x->prot, y->prot);
        assert_int_equal(x->tag, y->tag);
        assert_int_equal(x->metric, y->metric);
        assert_int_equal(x->cmp, y->cmp);
        assert_int_equal(x->size, y->size);
        assert_int_equal(x->addr, y->addr);
        assert_int_equal(x->align, y->align);
        assert_int_equal(x->off, y->off);
        assert_int_equal(x->len, y->len);
        assert_int_equal(x->dst >= 0, y->dst >= 0);
        assert_int_equal(ba[i], bb[i]);
    }
    free(ba);
    free(bb);
}

/* ---------------------------------------------------------------- golden */

/* test_code_values_pinned: the hashes of v1's code values (as the first
 * shipped encode.c computed them; the corpora are encoded with them) */
#define HASH_IOS12  0x53ed6a8a13be34f3ull
#define HASH_IOS16  0x8d282000a22174f3ull
#define HASH_JUMBO  0x7b106533d57c74f3ull
#define HASH_IOS174 0xc25079c7629b74f3ull
#define HASH_MALLOC 0x61e2fb8b742fd279ull

typedef struct golden {
    const char *bytes;      /* hand-assembled */
    const char *text;       /* exactly what it decodes to */
    const char *canonical;  /* its canonical encoding; NULL: the bytes themselves */
} golden;

static const golden goldens[] = {
    /* the empty input: the default program */
    {"", "vmex 1\ntarget xnu\n", "01 09 00 ff 00 00 ff ff ff ff ff"},
    /* every op kind and option; ios16-3gb (42) with extended-virtual-addressing:
     * max_offset 0xFC0000000 (63g), floor 0x100000000 */
    {"01 19 | 00 2a 02 12 | 00 00 00 04 00 00 00 00 | 05 00 00 00 00 00 00 00 | 01 03 00 00 00"
     "| 00 00 00"                                           /* mmap, code 0: one page */
     "| 00 fe ff"                                           /* mmap, code 0xfffe: max_offset */
     "| d8 7d ff ff 01 40 00 00 00 00 00 00 00 00 06 58"    /* every mmap option, exact size */
     "| a0 80 01 00 ff ff 00 60 45 23 01 00 00 00"          /* anonymous, exact hint */
     "| 79 00 00 01 00 00 00"                               /* vm_allocate with every option */
     "| 81 00 40"                                           /* anonymous vm_allocate: 2^(0.25 x log2 M) pages */
     "| 02 00 00 | 0a 01 00 | 12 fe ff"                     /* malloc 0, 1 try, 64m anonymous */
     "| 03 00 00 80"                                        /* realloc the newest: 2^(32767/65533 x 26) */
     "| 04 01"                                              /* free the second newest */
     "| 0d 83 01 02 03"                                     /* munmap #131 % 5 = 1, 1 page, 2 bytes */
     "| 05 04"                                              /* munmap the oldest */
     "| 0e 00 00 00"                                        /* touch 0 + one page */
     "| f6 02"                                              /* touch, junk flag bits */
     "| 2f fe ff"                                           /* check largest <= max */
     "| 07 ff ff 00 00 b0 9d 0d 00 00 00",                  /* check free >= exact */
     "vmex 1\n"
     "target xnu\n"
     "profile ios16-3gb\n"
     "entitlement extended-virtual-addressing\n"
     "set binary 64m\n"
     "set malloc-entropy 5\n"
     "\n"
     "h0 = mmap 16k\n"
     "h1 = mmap 63g\n"
     "h2 = mmap 16385 fixed 0x100000000 align 1m tag 88 prot none noreserve jit shared try\n"
     "mmap 16k hint 0x123456000\n"
     "h3 = vm_allocate 16k fixed 0x1000ec000 align 16k tag 0 try\n"
     "vm_allocate 720k\n"
     "h4 = malloc 0\n"
     "h5 = malloc 1 try\n"
     "malloc 64m\n"
     "h6 = realloc h5 8193\n"
     "free h4\n"
     "munmap h3 16k 2\n"
     "munmap h0\n"
     "touch h6 0 16k\n"
     "touch h2\n"
     "check largest <= 63g\n"
     "check free >= 55771m\n"
     "expect frag at 3\n",
     /* canonical: the shortest codes (size code 1 -> 0, 0x4000 -> 0x3ff5 give
      * the same pages), no junk bits, the handle index reduced */
     "01 19 00 2a 02 12 00 00 00 04 00 00 00 00 05 00 00 00 00 00 00 00 01 03 00 00 00"
     " 00 00 00 00 fe ff d8 7d ff ff 01 40 00 00 00 00 00 00 00 00 06 58"
     " a0 80 00 00 ff ff 00 60 45 23 01 00 00 00 79 00 00 01 00 00 00 81 f5 3f"
     " 02 00 00 0a 01 00 12 fe ff 03 00 00 80 04 01 0d 01 02 03 05 04 0e 00 00 00 06 02"
     " 2f fe ff 07 ff ff 00 00 b0 9d 0d 00 00 00"},
    /* unknown version and target; uses with no live handle decode to
     * nothing; the last op's missing bytes read as 0 */
    {"07 02 05 ff | 04 00 | 05 7f | 03 00 00 00 | 06 81 80 80 80 80 80 80 80 80 01 | 02",
     "vmex 1\ntarget xnu\n\nh0 = malloc 0\n",
     "01 09 00 ff 00 00 ff ff ff ff ff 02 00 00"},
    /* a header cut by the input's end: profile 5 is ios11-8gb, no more fields */
    {"01 ff 00 05", "vmex 1\ntarget xnu\nprofile ios11-8gb\n",
     "01 09 00 05 00 00 ff ff ff ff ff"},
    /* unknown entitlement bits dropped; an invalid slide (not a page
     * multiple) dropped; an unknown expect class is none */
    {"01 19 00 ff ff 09 | 01 20 00 00 00 00 00 00 | 01 00 00 00 00 00 00 00 | 09 00 00 00 00",
     "vmex 1\ntarget xnu\n"
     "entitlement dynamic-codesigning\n"
     "entitlement extended-virtual-addressing\n"
     "entitlement increased-memory-limit\n"
     "entitlement increased-debugging-memory-limit\n"
     "set nano on\n",
     "01 11 00 ff 0f 08 01 00 00 00 00 00 00 00 ff ff ff ff ff"},
    /* expect_at past the last op is none; header bytes past the known fields
     * are ignored */
    {"01 0c 00 2a 00 00 00 05 00 00 00 aa bb cc | 00 00 00",
     "vmex 1\ntarget xnu\nprofile ios16-3gb\n\nh0 = mmap 16k\nexpect ok\n",
     "01 09 00 2a 00 00 00 ff ff ff ff 00 00 00"},
    /* ios12-1gb (8): max_offset 0x2A0000000; addresses scale over
     * [0x100000000, 0x2A0000000); align 34 is one byte, 47 is 2^13 */
    {"01 09 00 08 00 00 ff ff ff ff ff"
     "| 28 ff 7f ff 7f 22"              /* mmap hint, align: sqrt(M) pages, mid-map */
     "| 29 00 00 fe ff 2f"              /* vm_allocate fixed at the top code, align */
     "| 81 00 00"                       /* anonymous vm_allocate */
     "| 3f 00 00",                      /* check footprint <= one page */
     "vmex 1\ntarget xnu\nprofile ios12-1gb\n\n"
     "h0 = mmap 13280k hint 0x1cfff0000 align 1\n"
     "h1 = vm_allocate 16k fixed 0x29ffe4000 align 8k\n"
     "vm_allocate 16k\n"
     "check footprint <= 16k\n",
     NULL},
};

static void test_golden_decode(void **state)
{
    (void)state;
    vmex_program p, q;
    vmex_layout L;
    vmex_buf e = {0};
    uint8_t b[512], c[512];
    vmex_program_init(&p);
    vmex_program_init(&q);
    for (size_t g = 0; g < sizeof goldens / sizeof goldens[0]; g++) {
        size_t n = unhex(goldens[g].bytes, b, sizeof b);
        decode_any(b, n, &L, &p);
        char *text = print_prog(&p);
        if (strcmp(text, goldens[g].text)) {
            print_error("golden %zu decodes to\n%s\nwant\n%s\n", g, text, goldens[g].text);
            fail();
        }
        /* the text parses back to the same program */
        parse_text(text, &q);
        assert_true(vmex_program_equal(&p, &q));
        free(text);
        /* its canonical encoding, which is a fixed point */
        size_t nc = goldens[g].canonical ? unhex(goldens[g].canonical, c, sizeof c) : n;
        if (!goldens[g].canonical)
            memcpy(c, b, n);
        encode_into(&p, &L, &e);
        assert_bytes(e.p, e.len, c, nc);
        decode_any(c, nc, &L, &q);
        assert_true(vmex_program_equal(&p, &q));
    }
    vmex_buf_free(&e);
    vmex_program_free(&p);
    vmex_program_free(&q);
}

/* A hand-written program and its exact bytes. */
static void test_golden_encode(void **state)
{
    (void)state;
    static const char text[] =
        "# a small program\n"
        "vmex 1\n"
        "profile ios12-1gb\n"
        "set slide 32m\n"
        "\n"
        "big = mmap 10752m prot none noreserve\n"   /* max_offset - 0: code fffe */
        "x = malloc 64m\n"                          /* code fffe */
        "y = malloc 0\n"                            /* code 0 */
        "free x\n"                                  /* index 1 (y is newest) */
        "munmap big 0 16k\n"                        /* 0 pages, 1 page: 00 00 */
        "touch big 16k 1\n"                         /* 1 page: 02; 1 byte: 01 */
        "vm_allocate 16385 try\n"                   /* anonymous, exact */
        "z = realloc y 100m\n"                      /* past 64m: exact */
        "munmap big\n"                              /* index 1 (z is newest) */
        "check mapped >= 0\n"                       /* not a page multiple: exact 0 */
        "expect exhausted at 6\n";
    static const char bytes[] =
        "01 11 | 00 08 00 01 | 00 00 00 02 00 00 00 00 | 02 06 00 00 00"
        "| 80 0d fe ff"
        "| 02 fe ff"
        "| 02 00 00"
        "| 04 01"
        "| 0d 01 00 00"
        "| 0e 01 02 01"
        "| c1 ff ff 01 40 00 00 00 00 00 00"
        "| 03 00 ff ff 00 00 40 06 00 00 00 00"
        "| 05 01"
        "| 17 ff ff 00 00 00 00 00 00 00 00";
    static const char decoded[] =
        "vmex 1\ntarget xnu\nprofile ios12-1gb\nset slide 32m\n\n"
        "h0 = mmap 10752m prot none noreserve\n"
        "h1 = malloc 64m\n"
        "h2 = malloc 0\n"
        "free h1\n"
        "munmap h0 0 16k\n"
        "touch h0 16k 1\n"
        "vm_allocate 16385 try\n"
        "h3 = realloc h2 100m\n"
        "munmap h0\n"
        "check mapped >= 0\n"
        "expect exhausted at 6\n";
    vmex_program p, q;
    vmex_layout L;
    vmex_error err;
    vmex_buf e = {0};
    uint8_t want[256];
    vmex_program_init(&p);
    vmex_program_init(&q);
    parse_text(text, &p);
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    assert_int_equal(L.max_offset, 0x2A0000000ull);
    encode_into(&p, &L, &e);
    assert_bytes(e.p, e.len, want, unhex(bytes, want, sizeof want));
    decode_any((const uint8_t *)e.p, e.len, &L, &q);
    char *t = print_prog(&q);
    assert_string_equal(t, decoded);
    free(t);
    assert_equal_up_to_names(&p, &q);
    vmex_buf_free(&e);
    vmex_program_free(&p);
    vmex_program_free(&q);
}

/* Uses of names that are not live are dropped; expect_at follows. */
static void test_dropped_uses(void **state)
{
    (void)state;
    static const char text[] =
        "vmex 1\n"
        "a = mmap 1m\n"              /* 0 */
        "munmap a\n"                 /* 1 */
        "munmap a\n"                 /* 2: dropped */
        "b = malloc 100\n"           /* 3 */
        "c = realloc b 200\n"        /* 4 */
        "free b\n"                   /* 5: dropped (realloc consumed b) */
        "d = realloc b 300\n"        /* 6: dropped, d stays unbound */
        "touch d\n"                  /* 7: dropped */
        "a = mmap 2m\n"              /* 8: a rebound */
        "a = mmap 3m\n"              /* 9: a rebound; the 2m mapping stays live */
        "munmap a 0 16k\n"           /* 10: the 3m one */
        "expect frag at 6\n";        /* -> the op after 5 and 6 and 7: 8 -> 4 */
    vmex_program p, q;
    vmex_layout L;
    vmex_error err;
    vmex_buf e = {0};
    vmex_program_init(&p);
    vmex_program_init(&q);
    parse_text(text, &p);
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    encode_into(&p, &L, &e);
    decode_any((const uint8_t *)e.p, e.len, &L, &q);
    char *t = print_prog(&q);
    assert_string_equal(t,
                        "vmex 1\ntarget xnu\n\n"
                        "h0 = mmap 1m\n"
                        "munmap h0\n"
                        "h1 = malloc 100\n"
                        "h2 = realloc h1 200\n"
                        "h3 = mmap 2m\n"
                        "h4 = mmap 3m\n"
                        "munmap h4 0 16k\n"
                        "expect frag at 4\n");
    free(t);
    /* a dropped op at the end: expect_at moves to the last kept op */
    parse_text("vmex 1\nx = malloc 1\nfree x\nfree x\nexpect ok at 2\n", &p);
    encode_into(&p, &L, &e);
    decode_any((const uint8_t *)e.p, e.len, &L, &q);
    assert_int_equal(q.nops, 2);
    assert_int_equal(q.expect_at, 1);
    /* nothing kept: none */
    parse_text("vmex 1\nx = malloc 1\nfree x\nfree x\nexpect ok at 2\n", &p);
    p.ops[0].kind = VMEX_OP_FREE;   /* a program the parser would not make: free of nothing */
    p.ops[0].src = 0;
    encode_into(&p, &L, &e);
    decode_any((const uint8_t *)e.p, e.len, &L, &q);
    assert_int_equal(q.nops, 0);
    assert_int_equal(q.expect, VMEX_OK);
    assert_int_equal(q.expect_at, -1);
    /* a profile alias is written as the listed profile */
    parse_text("vmex 1\nprofile ios16.0-3gb\n", &p);
    encode_into(&p, &L, &e);
    decode_any((const uint8_t *)e.p, e.len, &L, &q);
    assert_string_equal(q.cfg.profile, "ios16-3gb");
    vmex_buf_free(&e);
    vmex_program_free(&p);
    vmex_program_free(&q);
}

/* ---------------------------------------------------------------- codes */

static uint64_t decode_one_size(const vmex_layout *L, uint8_t opcode, uint32_t v, vmex_program *p)
{
    uint8_t b[] = {1, 0, opcode, (uint8_t)v, (uint8_t)(v >> 8)};
    assert_int_equal(vmex_decode(b, sizeof b, L, p), 0);
    assert_int_equal(p->nops, 1);
    return p->ops[0].size;
}

/* Every size code: in range, monotone, near the formula, and re-encoded
 * compactly (the encoder finds a code for every value a code gives). */
static void test_size_codes(void **state)
{
    (void)state;
    static const char *const profiles[] = {"ios12-1gb", "ios16-3gb", "ios11-16gb"};
    vmex_program p;
    vmex_config cfg;
    vmex_layout L;
    vmex_error err;
    vmex_buf e = {0};
    vmex_program_init(&p);
    for (int k = 0; k < 4; k++) {
        memset(&cfg, 0, sizeof cfg);
        cfg.ents = k == 3 ? VMEX_ENT_JIT : 0;
        assert_int_equal(vmex_layout_resolve(&cfg, profiles[k % 3], 0, &L, &err), 0);
        double M = (double)(L.max_offset / VMEX_PAGE);
        uint64_t prev = 0;
        for (uint32_t v = 0; v <= 0xfffe; v++) {
            uint64_t s = decode_one_size(&L, VMEX_OP_MMAP, v, &p);
            assert_true(s % VMEX_PAGE == 0 && s >= VMEX_PAGE && s <= L.max_offset);
            assert_true(s >= prev);
            prev = s;
            double want = round(pow(M, v / 65534.0));
            double got = (double)(s / VMEX_PAGE);
            assert_true(fabs(got - want) <= 1 + want * 1e-6);
            encode_into(&p, &L, &e);
            assert_int_equal(e.len, 11 + 3);           /* header + opcode + u16 */
        }
        assert_int_equal(prev, L.max_offset);
        /* addresses */
        for (uint32_t v = 0; v <= 0xfffe; v += 7) {
            uint8_t b[] = {1, 0, VMEX_OP_VM_ALLOCATE | 0x20, 0, 0, (uint8_t)v, (uint8_t)(v >> 8)};
            assert_int_equal(vmex_decode(b, sizeof b, &L, &p), 0);
            uint64_t a = p.ops[0].addr;
            assert_true(a >= L.floor && a < L.max_offset && a % VMEX_PAGE == 0);
            encode_into(&p, &L, &e);
            assert_int_equal(e.len, 11 + 5);
        }
    }
    /* malloc sizes: 0, then 1 byte .. 64 MiB */
    uint64_t prev = 0;
    for (uint32_t v = 0; v <= 0xfffe; v++) {
        uint64_t s = decode_one_size(&L, VMEX_OP_MALLOC, v, &p);
        assert_true(s >= prev && s <= (64u << 20));
        prev = s;
        double want = v ? round(pow(2, (v - 1) * 26.0 / 65533)) : 0;
        assert_true(fabs((double)s - want) <= 1 + want * 1e-6);
        encode_into(&p, &L, &e);
        assert_int_equal(e.len, 11 + 3);
    }
    assert_int_equal(prev, 64u << 20);
    /* every malloc size below 2048 has a compact code */
    for (uint64_t s = 0; s < 2048; s++) {
        vmex_program_reset(&p);
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_MALLOC);
        op.size = s;
        vmex_program_add(&p, &op);
        encode_into(&p, &L, &e);
        assert_int_equal(e.len, 11 + 3);
    }
    vmex_buf_free(&e);
    vmex_program_free(&p);
}

/* Every code's value, pinned: an FNV-1a hash of the decoded sizes of all
 * 65535 codes (and of a stride of address codes) on four layouts and of
 * the malloc codes.  Any change to the fixed-point arithmetic breaks it. */
static void test_code_values_pinned(void **state)
{
    (void)state;
    static const struct { const char *profile; uint32_t ents; uint64_t hash; } want[] = {
        {"ios12-1gb", 0, HASH_IOS12},
        {"ios16-3gb", 0, HASH_IOS16},
        {"ios16-3gb", VMEX_ENT_EXTENDED_VA, HASH_JUMBO},
        {"ios17.4-8gb", 0, HASH_IOS174},
    };
    vmex_program p;
    vmex_config cfg;
    vmex_layout L;
    vmex_error err;
    vmex_program_init(&p);
    uint64_t hm = 1469598103934665603ull;
    int bad = 0;
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        memset(&cfg, 0, sizeof cfg);
        cfg.ents = want[k].ents;
        assert_int_equal(vmex_layout_resolve(&cfg, want[k].profile, 0, &L, &err), 0);
        uint64_t h = 1469598103934665603ull;
        for (uint32_t v = 0; v <= 0xfffe; v++) {
            h = (h ^ decode_one_size(&L, VMEX_OP_MMAP, v, &p)) * 1099511628211ull;
            if (v % 3 == 0) {
                uint8_t b[] = {1, 0, VMEX_OP_VM_ALLOCATE | 0x20, 0, 0, (uint8_t)v, (uint8_t)(v >> 8)};
                assert_int_equal(vmex_decode(b, sizeof b, &L, &p), 0);
                h = (h ^ p.ops[0].addr) * 1099511628211ull;
            }
        }
        if (h != want[k].hash) {
            print_error("%s ents %u: code values hash 0x%016llx\n", want[k].profile, want[k].ents,
                        (unsigned long long)h);
            bad = 1;
        }
    }
    for (uint32_t v = 0; v <= 0xfffe; v++)
        hm = (hm ^ decode_one_size(&L, VMEX_OP_MALLOC, v, &p)) * 1099511628211ull;
    if (hm != HASH_MALLOC) {
        print_error("malloc code values hash 0x%016llx\n", (unsigned long long)hm);
        bad = 1;
    }
    vmex_program_free(&p);
    assert_false(bad);
}

/* ---------------------------------------------------------------- totality */

/* random bytes: uniform, or shaped like an input (version 1, a short
 * header, small values) so that the ops part is reached */
static size_t random_input(uint64_t *s, uint8_t *b, size_t max)
{
    size_t n = (size_t)rng_below(s, max + 1);
    int shaped = (int)rng_below(s, 3);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng_next(s);
        b[i] = shaped && (r & 3) ? (uint8_t)((r >> 8) % 16) : (uint8_t)(r >> 16);
    }
    if (shaped && n >= 2) {
        b[0] = 1;
        b[1] = (uint8_t)(shaped == 1 ? rng_below(s, 12) : 9);
        if (shaped == 2 && n >= 11) {
            b[2] = 0;
            b[3] = (uint8_t)(rng_below(s, 2) ? 0xff : rng_below(s, 72));
            b[4] = (uint8_t)rng_below(s, 16);
            b[5] = 0;
            b[6] = (uint8_t)(rng_below(s, 2) ? 0xff : rng_below(s, 5));
            memset(b + 7, 0xff, 4);
        }
    }
    return n;
}

static void test_totality(void **state)
{
    (void)state;
    uint64_t s = 12345;
    uint8_t b[600];
    vmex_program p;
    vmex_layout L;
    vmex_program_init(&p);
    uint64_t ops = 0;
    for (int it = 0; it < 100000; it++) {
        size_t n = random_input(&s, b, it % 10 ? 64 : 600);
        decode_any(b, n, &L, &p);
        assert_true(p.nops <= n);
        ops += p.nops;
        /* with a foreign layout too */
        vmex_layout L2;
        assert_int_equal(vmex_decode_layout(b, n, "ios12-1gb", VMEX_ENT_JIT, &L2), 0);
        assert_int_equal(vmex_decode(b, n, &L2, &p), 0);
    }
    /* every truncation of the goldens */
    for (size_t g = 0; g < sizeof goldens / sizeof goldens[0]; g++) {
        size_t n = unhex(goldens[g].bytes, b, sizeof b);
        for (size_t k = 0; k <= n; k++)
            decode_any(b, k, &L, &p);
    }
    assert_int_equal(vmex_decode(NULL, 0, NULL, &p), 0);
    assert_int_equal(p.nops, 0);
    printf("totality: 100000 inputs, %llu ops\n", (unsigned long long)ops);
    vmex_program_free(&p);
}

/* decode(b) = p1; e1 = encode(p1); decode(e1) = p2 == p1; encode(p2) == e1;
 * parse(print(p1)) == p1 */
static void check_identity(const uint8_t *b, size_t n, vmex_program *p1, vmex_program *p2, vmex_buf *e1,
                           vmex_buf *e2)
{
    vmex_layout L, L2;
    decode_any(b, n, &L, p1);
    encode_into(p1, &L, e1);
    assert_int_equal((uint8_t)e1->p[0], 1);
    decode_any((const uint8_t *)e1->p, e1->len, &L2, p2);
    assert_int_equal(L2.max_offset, L.max_offset);
    assert_int_equal(L2.floor, L.floor);
    assert_true(vmex_program_equal(p1, p2));
    encode_into(p2, &L2, e2);
    assert_bytes(e2->p, e2->len, (const uint8_t *)e1->p, e1->len);
    char *t = print_prog(p1);
    parse_text(t, p2);
    free(t);
    assert_true(vmex_program_equal(p1, p2));
}

static void test_identity(void **state)
{
    (void)state;
    uint64_t s = 777;
    uint8_t b[600];
    vmex_program p1, p2;
    vmex_buf e1 = {0}, e2 = {0};
    vmex_program_init(&p1);
    vmex_program_init(&p2);
    size_t bytes_in = 0, bytes_out = 0;
    for (int it = 0; it < 20000; it++) {
        size_t n = random_input(&s, b, it % 8 ? 80 : 600);
        check_identity(b, n, &p1, &p2, &e1, &e2);
        bytes_in += n;
        bytes_out += e1.len;
    }
    printf("identity: 20000 inputs, %zu bytes in, %zu canonical bytes out\n", bytes_in, bytes_out);
    vmex_buf_free(&e1);
    vmex_buf_free(&e2);
    vmex_program_free(&p1);
    vmex_program_free(&p2);
}

/* ---------------------------------------------------------------- text programs */

static uint64_t random_value(uint64_t *s, const vmex_layout *L, int positive)
{
    uint64_t v;
    switch (rng_below(s, 6)) {
    case 0: v = rng_below(s, 100000); break;
    case 1: v = 1 + rng_below(s, 64); v <<= 10 * (1 + rng_below(s, 3)); break;
    case 2: v = rng_next(s) & (VMEX_MAX_VALUE - 1); break;
    case 3: v = VMEX_PAGE * rng_below(s, 100000); break;
    case 4: v = VMEX_PAGE << rng_below(s, 20); break;
    default: v = L->floor + VMEX_PAGE * rng_below(s, (L->max_offset - L->floor) / VMEX_PAGE); break;
    }
    return positive && v == 0 ? 1 : v;
}

/* A random program with only live uses (as the encoder defines them),
 * names bound more than once, anonymous ops, every option. */
static void random_program(uint64_t *s, vmex_program *p, const vmex_layout *L)
{
    static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    int live[8] = {0};
    vmex_program_reset(p);
    strcpy(p->cfg.profile, L->profile);
    uint32_t nops = (uint32_t)rng_below(s, 120);
    for (uint32_t i = 0; i < nops; i++) {
        int kind = (int)rng_below(s, VMEX_OP_FIRST_JSC), nlive = 0, pick[8];
        for (int k = 0; k < 8; k++)
            if (live[k])
                pick[nlive++] = k;
        if (vmex_op_uses(kind) && !nlive)
            kind = (int)rng_below(s, 3);
        vmex_op op;
        vmex_op_init(&op, kind);
        int src = -1;
        if (vmex_op_uses(kind)) {
            src = pick[rng_below(s, (uint64_t)nlive)];
            op.src = vmex_program_find_name(p, names[src]);
        }
        switch (kind) {
        case VMEX_OP_MMAP:
        case VMEX_OP_VM_ALLOCATE:
            op.size = rng_below(s, 4) ? VMEX_PAGE << rng_below(s, 22) : random_value(s, L, 1);
            switch (rng_below(s, kind == VMEX_OP_MMAP ? 4 : 3)) {
            case 1: op.flags |= VMEX_F_FIXED; op.addr = random_value(s, L, 0); break;
            case 2: if (kind == VMEX_OP_MMAP) { op.flags |= VMEX_F_HINT; op.addr = random_value(s, L, 0); } break;
            }
            if (rng_below(s, 4) == 0) {
                op.flags |= VMEX_F_ALIGN;
                op.align = 1ull << rng_below(s, 48);
            }
            if (rng_below(s, 4) == 0) {
                op.flags |= VMEX_F_TAG;
                op.tag = (uint8_t)rng_below(s, 256);
            }
            if (rng_below(s, 4) == 0)
                op.flags |= VMEX_F_TRY;
            if (kind == VMEX_OP_VM_ALLOCATE)
                break;
            if (rng_below(s, 3) == 0) {
                op.flags |= VMEX_F_PROT;
                op.prot = (uint8_t)rng_below(s, 4);
            }
            op.flags |= (uint16_t)(rng_below(s, 8) * VMEX_F_NORESERVE);
            break;
        case VMEX_OP_MALLOC:
        case VMEX_OP_REALLOC:
            if (rng_below(s, 2))
                op.size = rng_below(s, 20000);
            else {
                op.size = random_value(s, L, 0);
                op.size >>= rng_below(s, 20);
            }
            if (rng_below(s, 4) == 0)
                op.flags |= VMEX_F_TRY;
            break;
        case VMEX_OP_MUNMAP:
        case VMEX_OP_TOUCH:
            if (rng_below(s, 2)) {
                op.flags |= VMEX_F_RANGE;
                op.off = rng_below(s, 2) ? VMEX_PAGE * rng_below(s, 64) : random_value(s, L, 0);
                op.len = rng_below(s, 2) ? VMEX_PAGE * (1 + rng_below(s, 64)) : random_value(s, L, 1);
            }
            break;
        case VMEX_OP_CHECK:
            op.metric = (uint8_t)rng_below(s, VMEX_M__COUNT);
            op.cmp = (uint8_t)rng_below(s, 2);
            op.size = random_value(s, L, 0);
            break;
        }
        if (src >= 0 && (kind == VMEX_OP_FREE || kind == VMEX_OP_REALLOC ||
                         (kind == VMEX_OP_MUNMAP && !(op.flags & VMEX_F_RANGE))))
            live[src] = 0;
        if (vmex_op_binds(kind) && rng_below(s, 6)) {
            int k = (int)rng_below(s, 8);
            op.dst = vmex_program_name(p, names[k]);
            live[k] = 1;
        }
        assert_int_equal(vmex_program_add(p, &op), (int)i);
    }
    if (rng_below(s, 2)) {
        p->expect = (int8_t)rng_below(s, VMEX_CLASS__COUNT);
        if (nops && rng_below(s, 2))
            p->expect_at = (int32_t)rng_below(s, nops);
    }
}

/* text programs run on the model exactly as their encodings do */
static void test_text_programs(void **state)
{
    (void)state;
    static const char *const profiles[] = {"ios16-3gb", "ios12-1gb", "ios17.4-8gb"};
    uint64_t s = 4242;
    vmex_program p, q, r;
    vmex_layout L, L2;
    vmex_config cfg;
    vmex_error err;
    vmex_buf e = {0}, e2 = {0};
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_program_init(&p);
    vmex_program_init(&q);
    vmex_program_init(&r);
    for (int it = 0; it < 3000; it++) {
        memset(&cfg, 0, sizeof cfg);
        cfg.ents = (uint32_t)rng_below(&s, 16);
        assert_int_equal(vmex_layout_resolve(&cfg, profiles[it % 3], 0, &L, &err), 0);
        random_program(&s, &p, &L);
        p.cfg.ents = cfg.ents;
        encode_into(&p, &L, &e);
        decode_any((const uint8_t *)e.p, e.len, &L2, &q);
        assert_int_equal(L2.max_offset, L.max_offset);
        assert_equal_up_to_names(&p, &q);
        assert_same_run(m, &L, &p, &q);
        /* and the text of the decoded program is canonical too */
        char *t = print_prog(&q);
        parse_text(t, &r);
        free(t);
        encode_into(&r, &L, &e2);
        assert_bytes(e2.p, e2.len, (const uint8_t *)e.p, e.len);
    }
    vmex_model_free(m);
    vmex_buf_free(&e);
    vmex_buf_free(&e2);
    vmex_program_free(&p);
    vmex_program_free(&q);
    vmex_program_free(&r);
}

/* many live handles: indices past 127 take two varint bytes */
static void test_many_handles(void **state)
{
    (void)state;
    vmex_buf t = {0}, e = {0};
    vmex_program p, q;
    vmex_layout L;
    vmex_error err;
    vmex_program_init(&p);
    vmex_program_init(&q);
    vmex_buf_printf(&t, "vmex 1\n");
    for (int i = 0; i < 1000; i++)
        vmex_buf_printf(&t, "b%d = malloc %d\n", i, 16 * (i + 1));
    for (int i = 0; i < 1000; i += 3)
        vmex_buf_printf(&t, "free b%d\n", i);
    for (int i = 998; i > 0; i -= 7)
        if (i % 3)
            vmex_buf_printf(&t, "b%d = realloc b%d 100000\n", i, i);
    parse_text(t.p, &p);
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    encode_into(&p, &L, &e);
    decode_any((const uint8_t *)e.p, e.len, &L, &q);
    assert_equal_up_to_names(&p, &q);
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    assert_same_run(m, &L, &p, &q);
    vmex_model_free(m);
    vmex_buf_free(&t);
    vmex_buf_free(&e);
    vmex_program_free(&p);
    vmex_program_free(&q);
}

/* ---------------------------------------------------------------- reproducers */

static void test_reproducers(void **state)
{
    (void)state;
    const char *dir = VMEX_SOURCE_DIR "/reproducers";
    DIR *d = opendir(dir);
    if (!d) {
        printf("reproducers: none (%s)\n", dir);
        return;
    }
    vmex_program p, q;
    vmex_buf e = {0}, e2 = {0};
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_program_init(&p);
    vmex_program_init(&q);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".vmex"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        vmex_error err;
        vmex_layout L, L2;
        if (vmex_parse_file(path, &p, &err)) {
            vmex_error_print(&err, stderr);
            fail();
        }
        assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
        clock_t t0 = clock();
        encode_into(&p, &L, &e);
        /* what the replay engine and fuzz_xnu do: the header picks the layout */
        decode_any((const uint8_t *)e.p, e.len, &L2, &q);
        double ms = 1000.0 * (double)(clock() - t0) / CLOCKS_PER_SEC;
        assert_int_equal(L2.max_offset, L.max_offset);
        assert_int_equal(L2.floor, L.floor);
        assert_int_equal(L2.footprint_limit, L.footprint_limit);
        assert_equal_up_to_names(&p, &q);
        if (!backend_missing(m, &L, &p, de->d_name)) assert_same_run(m, &L, &p, &q);
        encode_into(&q, &L2, &e2);
        assert_bytes(e2.p, e2.len, (const uint8_t *)e.p, e.len);
        printf("reproducer %s: %u ops, %zu bytes (text %s), encode+decode %.1f ms\n", de->d_name, p.nops,
               e.len, "ok", ms);
        n++;
    }
    closedir(d);
    if (!n)
        printf("reproducers: none in %s\n", dir);
    vmex_model_free(m);
    vmex_buf_free(&e);
    vmex_buf_free(&e2);
    vmex_program_free(&p);
    vmex_program_free(&q);
}

/* ---------------------------------------------------------------- misc */

static void test_layout_choice(void **state)
{
    (void)state;
    uint8_t b[32];
    vmex_layout L;
    /* no profile: the default */
    size_t n = unhex("01 09 00 ff 00 00 ff ff ff ff ff", b, sizeof b);
    assert_int_equal(vmex_decode_layout(b, n, NULL, 0, &L), 0);
    assert_string_equal(L.profile, VMEX_DEFAULT_PROFILE);
    assert_int_equal(vmex_decode_layout(b, n, "", 0, &L), 0);
    assert_string_equal(L.profile, VMEX_DEFAULT_PROFILE);
    /* the header's profile and entitlements */
    n = unhex("01 09 00 08 01 00 ff ff ff ff ff", b, sizeof b);
    assert_int_equal(vmex_decode_layout(b, n, NULL, 0, &L), 0);
    assert_string_equal(L.profile, "ios12-1gb");
    assert_int_equal(L.ents, VMEX_ENT_JIT);
    assert_int_equal(L.max_offset, 0xFC0000000ull);
    /* the environment first: naming the device, it decides the entitlements */
    assert_int_equal(vmex_decode_layout(b, n, "ios17.4-3gb", VMEX_ENT_EXTENDED_VA, &L), 0);
    assert_string_equal(L.profile, "ios17.4-3gb");
    assert_int_equal(L.ents, VMEX_ENT_EXTENDED_VA);
    assert_int_equal(vmex_decode_layout(b, n, "ios17.4-3gb", 0, &L), 0);
    assert_int_equal(L.ents, 0);
    /* without an environment profile its entitlements add to the header's */
    assert_int_equal(vmex_decode_layout(b, n, NULL, VMEX_ENT_EXTENDED_VA, &L), 0);
    assert_int_equal(L.ents, VMEX_ENT_JIT | VMEX_ENT_EXTENDED_VA);
    /* the header's set values apply */
    n = unhex("01 11 00 2a 00 01 00 00 00 02 00 00 00 00 ff ff ff ff ff", b, sizeof b);
    assert_int_equal(vmex_decode_layout(b, n, NULL, 0, &L), 0);
    assert_int_equal(L.slide, 32u << 20);
    /* a bad environment profile is the caller's error */
    assert_int_equal(vmex_decode_layout(b, n, "ios99-3gb", 0, &L), -1);
    /* the profile table order is part of the encoding */
    const char *names[128];
    size_t np = vmex_profile_list(names, 128);
    assert_true(np > 42 && np < 255);
    assert_string_equal(names[42], "ios16-3gb");
    assert_string_equal(names[8], "ios12-1gb");
    assert_string_equal(names[5], "ios11-8gb");
}

/* decode + encode of 64-op inputs */
static void test_speed(void **state)
{
    (void)state;
    uint64_t s = 99;
    enum { N = 2000 };
    static uint8_t in[N][1024];
    static size_t len[N];
    vmex_program p;
    vmex_layout L;
    vmex_buf e = {0};
    vmex_program_init(&p);
    assert_int_equal(vmex_decode_layout(NULL, 0, NULL, 0, &L), 0);
    size_t ops = 0, bytes = 0;
    for (int i = 0; i < N; i++) {
        /* a 64-op program, canonical */
        vmex_program_reset(&p);
        random_program(&s, &p, &L);
        while (p.nops > 64)
            p.nops--;
        while (p.nops < 64) {
            vmex_op op;
            vmex_op_init(&op, VMEX_OP_MMAP);
            op.size = VMEX_PAGE << rng_below(&s, 16);
            vmex_program_add(&p, &op);
        }
        encode_into(&p, &L, &e);
        assert_true(e.len <= sizeof in[i]);
        memcpy(in[i], e.p, e.len);
        len[i] = e.len;
        bytes += e.len;
    }
    int reps = 10;
    static vmex_program progs[N];
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    vmex_result res;
    clock_t t0 = clock();
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < N; i++) {
            if (r == 0)
                vmex_program_init(&progs[i]);
            assert_int_equal(vmex_decode(in[i], len[i], &L, &progs[i]), 0);
            ops += progs[i].nops;
        }
    clock_t t1 = clock();
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < N; i++) {
            e.len = 0;
            vmex_encode(&progs[i], &L, &e);
        }
    clock_t t2 = clock();
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < N; i++)
            vmex_model_run(m, &L, &progs[i], NULL, &res);
    clock_t t3 = clock();
    for (int i = 0; i < N; i++)
        vmex_program_free(&progs[i]);
    double k = 1e6 / CLOCKS_PER_SEC / (reps * N);
    printf("speed: a 64-op input (%zu bytes on average): decode %.2f us, encode %.2f us; "
           "a model run of it %.2f us (%zu ops decoded)\n",
           bytes / N, (double)(t1 - t0) * k, (double)(t2 - t1) * k, (double)(t3 - t2) * k, ops);
    vmex_model_free(m);
    vmex_buf_free(&e);
    vmex_program_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_decode),
        cmocka_unit_test(test_golden_encode),
        cmocka_unit_test(test_dropped_uses),
        cmocka_unit_test(test_size_codes),
        cmocka_unit_test(test_code_values_pinned),
        cmocka_unit_test(test_totality),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_text_programs),
        cmocka_unit_test(test_many_handles),
        cmocka_unit_test(test_reproducers),
        cmocka_unit_test(test_layout_choice),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
