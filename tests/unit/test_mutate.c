/*
 * test_mutate.c - tests of the structure-aware mutator and the crossover
 * (mutate.c, mutations.c, mutctx.c).
 *
 * Over many seeded calls on an evolving pool of inputs: every output is a
 * canonical encoding that fits the size given (also when that is smaller
 * than the input: crash minimization), keeps the input's header, is the
 * same for the same seed, and every mutation kind happens; most calls
 * change the program.  Hole-based sizes really come from the map.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "core/rng.h"
#include "fuzz/fuzz.h"

/* ---------------------------------------------------------------- the pool */

typedef struct input { uint8_t *b; size_t n; } input;
typedef struct pool { input *v; size_t n, cap; } pool;

static void pool_add(pool *p, const void *b, size_t n)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->v = realloc(p->v, p->cap * sizeof *p->v);
        assert_non_null(p->v);
    }
    p->v[p->n].b = malloc(n ? n : 1);
    memcpy(p->v[p->n].b, b, n);
    p->v[p->n++].n = n;
}

static void pool_set(pool *p, size_t i, const void *b, size_t n)
{
    free(p->v[i].b);
    p->v[i].b = malloc(n ? n : 1);
    memcpy(p->v[i].b, b, n);
    p->v[i].n = n;
}

static void pool_free(pool *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i].b);
    free(p->v);
}

static void add_text(pool *p, const char *text)
{
    vmex_program prog;
    vmex_error err;
    vmex_layout L;
    vmex_buf e = {0};
    vmex_program_init(&prog);
    if (vmex_parse(text, strlen(text), "pool", &prog, &err)) {
        vmex_error_print(&err, stderr);
        fail();
    }
    assert_int_equal(vmex_layout_resolve(&prog.cfg, NULL, 0, &L, &err), 0);
    assert_int_equal(vmex_encode(&prog, &L, &e), 0);
    pool_add(p, e.p, e.len);
    vmex_buf_free(&e);
    vmex_program_free(&prog);
}

/* hand-written programs, the small reproducers, random bytes */
static void seed_pool(pool *p)
{
    add_text(p, "vmex 1\n");
    add_text(p, "vmex 1\nprofile ios16-3gb\n\n"
                "a = mmap 64m\nb = mmap 64m\nc = mmap 64m\nmunmap b\nd = mmap 128m\nexpect frag at 4\n");
    add_text(p, "vmex 1\nprofile ios12-1gb\nentitlement dynamic-codesigning\nset malloc-entropy 3\n\n"
                "x = malloc 300\ny = malloc 2000\nz = malloc 40000\nx = realloc x 900\nfree y\n"
                "touch z\ncheck footprint <= 1m\nw = vm_allocate 1m align 1m tag 3\n"
                "m = mmap 8m prot none noreserve\nmunmap m 0 16k\nmunmap m 7m 1m\n");
    add_text(p, "vmex 1\nprofile ios17.4-8gb\nset footprint-limit 1g\n\n"
                "d = mmap 8589950976 prot none noreserve try\nj = mmap 1m jit\n"
                "f = mmap 1m fixed 0x280000000\nh = mmap 1m hint 0x200000000\nexpect ok\n");
    DIR *d = opendir(VMEX_SOURCE_DIR "/reproducers");
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".vmex"))
            continue;
        char path[4096];
        snprintf(path, sizeof path, VMEX_SOURCE_DIR "/reproducers/%s", de->d_name);
        FILE *f = fopen(path, "rb");
        static char text[1 << 16];
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f)
            fclose(f);
        if (n == 0 || n == sizeof text - 1)
            continue;                      /* too large for a fuzz corpus */
        text[n] = '\0';
        add_text(p, text);
    }
    if (d)
        closedir(d);
    uint64_t s = 31337;
    for (int i = 0; i < 16; i++) {
        uint8_t b[200];
        size_t n = vmex_splitmix_below(&s, sizeof b);
        for (size_t k = 0; k < n; k++)
            b[k] = (uint8_t)(k >= 2 && k < 11 ? (k == 2 ? 1 : k == 3 ? 9 : 0xff) : vmex_splitmix_below(&s, 256));
        pool_add(p, b, n);
    }
}

/* ---------------------------------------------------------------- checks */

static void decode_in(const uint8_t *b, size_t n, vmex_layout *L, vmex_program *p)
{
    assert_int_equal(vmex_decode_layout(b, n, NULL, 0, L), 0);
    assert_int_equal(vmex_decode(b, n, L, p), 0);
}

/* the canonical header length of an input */
static size_t header_len(const uint8_t *b, size_t n)
{
    vmex_program p;
    vmex_layout L;
    vmex_buf e = {0};
    vmex_program_init(&p);
    decode_in(b, n, &L, &p);
    p.nops = 0;
    assert_int_equal(vmex_encode(&p, &L, &e), 0);
    size_t h = e.len;
    vmex_buf_free(&e);
    vmex_program_free(&p);
    return h;
}

/* out is a canonical encoding with in's header */
static void check_output(const uint8_t *in, size_t nin, const uint8_t *out, size_t nout, size_t max)
{
    size_t h = header_len(in, nin);
    if (max < h) {
        assert_int_equal(nout, 0);
        return;
    }
    assert_true(nout > 0 && nout <= max);
    vmex_program a, b;
    vmex_layout La, Lb;
    vmex_buf e = {0};
    vmex_program_init(&a);
    vmex_program_init(&b);
    decode_in(in, nin, &La, &a);
    decode_in(out, nout, &Lb, &b);
    /* the header */
    assert_int_equal(a.cfg.target, b.cfg.target);
    assert_string_equal(a.cfg.profile, b.cfg.profile);
    assert_int_equal(a.cfg.ents, b.cfg.ents);
    assert_int_equal(a.cfg.set_mask, b.cfg.set_mask);
    assert_memory_equal(a.cfg.set, b.cfg.set, sizeof a.cfg.set);
    assert_int_equal(a.expect, b.expect);
    assert_int_equal(La.max_offset, Lb.max_offset);
    /* canonical */
    assert_int_equal(vmex_encode(&b, &Lb, &e), 0);
    assert_int_equal(e.len, nout);
    assert_memory_equal(e.p, out, nout);
    vmex_buf_free(&e);
    vmex_program_free(&a);
    vmex_program_free(&b);
}

/* ---------------------------------------------------------------- mutate */

static void print_stats(const char *what, const vmex_mutate_stats *st)
{
    printf("%s: %llu calls, %llu changed;", what, (unsigned long long)st->calls,
           (unsigned long long)st->changed);
    for (int k = 0; k < VMEX_MUT__COUNT; k++)
        printf(" %s %llu", vmex_mutation_name(k), (unsigned long long)st->applied[k]);
    printf("\n");
}

static void test_mutate(void **state)
{
    (void)state;
    pool p = {0};
    seed_pool(&p);
    size_t seeds = p.n;
    vmex_model *scratch = vmex_model_new(VMEX_STORE_FAST);
    vmex_mutate_stats st;
    memset(&st, 0, sizeof st);
    uint64_t s = 2024;
    enum { CAP = 1 << 16 };   /* the encoded trace reproducers are ~14 KB */
    uint8_t *buf = malloc(CAP), *again = malloc(CAP);
    uint64_t shrinks = 0, grew = 0;
    clock_t t0 = clock();
    for (unsigned it = 0; it < 10000; it++) {
        size_t i = vmex_splitmix_below(&s, p.n);
        const input *in = &p.v[i];
        size_t max;
        uint64_t r = vmex_splitmix_below(&s, 10);
        if (r < 7)
            max = 4096;
        else if (r < 9 && in->n > 1)
            max = in->n - 1 - vmex_splitmix_below(&s, in->n / 2);    /* shrink */
        else
            max = vmex_splitmix_below(&s, 300);
        if (max < in->n)
            shrinks++;
        vmex_layout L;
        assert_int_equal(vmex_decode_layout(in->b, in->n, NULL, 0, &L), 0);
        assert_true(in->n <= CAP);
        memcpy(buf, in->b, in->n);
        unsigned seed = (unsigned)vmex_splitmix64(&s);
        size_t n = vmex_mutate_ex(buf, in->n, max, seed, &L, scratch, &st);
        check_output(in->b, in->n, buf, n, max);
        grew += n > in->n;
        if (it % 10 == 0) {     /* deterministic */
            memcpy(again, in->b, in->n);
            size_t n2 = vmex_mutate(again, in->n, max, seed, &L, scratch);
            assert_int_equal(n2, n);
            assert_memory_equal(again, buf, n);
        }
        if (n) {               /* evolve: keep some outputs */
            if (p.n < 400)
                pool_add(&p, buf, n);
            else
                pool_set(&p, seeds + vmex_splitmix_below(&s, p.n - seeds), buf, n);
        }
    }
    double us = 1e6 * (double)(clock() - t0) / CLOCKS_PER_SEC / 10000;
    print_stats("mutate", &st);
    printf("mutate: %llu shrinking calls, %llu grew; %.1f us per call (with the checks)\n",
           (unsigned long long)shrinks, (unsigned long long)grew, us);
    for (int k = 0; k < VMEX_MUT__COUNT; k++)
        if (k != VMEX_MUT_SPLICE)
            assert_true(st.applied[k] > 0);
    assert_int_equal(st.calls, 10000);
    assert_true(st.changed >= 9000);   /* most calls change the program */
    free(buf);
    free(again);
    vmex_model_free(scratch);
    pool_free(&p);
}

/* without a scratch model: no hole-based mutation, everything else */
static void test_mutate_no_scratch(void **state)
{
    (void)state;
    pool p = {0};
    seed_pool(&p);
    vmex_mutate_stats st;
    memset(&st, 0, sizeof st);
    uint8_t *buf = malloc(1 << 16);
    for (unsigned it = 0; it < 2000; it++) {
        const input *in = &p.v[it % p.n];
        vmex_layout L;
        assert_int_equal(vmex_decode_layout(in->b, in->n, NULL, 0, &L), 0);
        assert_true(in->n <= 1 << 16);
        memcpy(buf, in->b, in->n);
        size_t n = vmex_mutate_ex(buf, in->n, 4096, it, &L, NULL, &st);
        check_output(in->b, in->n, buf, n, 4096);
    }
    assert_int_equal(st.applied[VMEX_MUT_SIZE_HOLE], 0);
    assert_true(st.changed > 1800);
    /* no layout: the default profile's, as vmex_decode_layout gives it for
     * an input without a profile */
    const input *in = &p.v[0];
    vmex_layout L;
    uint8_t *again = malloc(4096);
    assert_int_equal(vmex_decode_layout(in->b, in->n, NULL, 0, &L), 0);
    for (unsigned seed = 0; seed < 50; seed++) {
        memcpy(buf, in->b, in->n);
        memcpy(again, in->b, in->n);
        size_t n = vmex_mutate(buf, in->n, 4096, seed, NULL, NULL);
        assert_int_equal(vmex_mutate(again, in->n, 4096, seed, &L, NULL), n);
        assert_memory_equal(buf, again, n);
        n = vmex_crossover(in->b, in->n, p.v[1].b, p.v[1].n, buf, 4096, seed, NULL);
        assert_int_equal(vmex_crossover(in->b, in->n, p.v[1].b, p.v[1].n, again, 4096, seed, &L), n);
        assert_memory_equal(buf, again, n);
    }
    free(again);
    free(buf);
    pool_free(&p);
}

/* max_size < size: the result fits, down to the header alone */
static void test_shrink(void **state)
{
    (void)state;
    pool p = {0};
    seed_pool(&p);
    vmex_model *scratch = vmex_model_new(VMEX_STORE_FAST);
    uint8_t *buf = malloc(1 << 16);
    for (size_t i = 0; i < p.n; i++) {
        const input *in = &p.v[i];
        size_t h = header_len(in->b, in->n);
        vmex_layout L;
        assert_int_equal(vmex_decode_layout(in->b, in->n, NULL, 0, &L), 0);
        size_t maxes[] = {in->n - (in->n > 0), in->n / 2, h + 3, h, h ? h - 1 : 0, 0};
        for (size_t k = 0; k < sizeof maxes / sizeof maxes[0]; k++)
            for (unsigned seed = 0; seed < 20; seed++) {
                memcpy(buf, in->b, in->n);
                size_t n = vmex_mutate(buf, in->n, maxes[k], seed, &L, scratch);
                check_output(in->b, in->n, buf, n, maxes[k]);
            }
    }
    free(buf);
    vmex_model_free(scratch);
    pool_free(&p);
}

/* ---------------------------------------------------------------- crossover */

static void test_crossover(void **state)
{
    (void)state;
    pool p = {0};
    seed_pool(&p);
    vmex_mutate_stats st;
    memset(&st, 0, sizeof st);
    uint64_t s = 77;
    uint8_t *out = malloc(1 << 16), *again = malloc(1 << 16);
    for (unsigned it = 0; it < 3000; it++) {
        const input *a = &p.v[vmex_splitmix_below(&s, p.n)], *b = &p.v[vmex_splitmix_below(&s, p.n)];
        size_t max = vmex_splitmix_below(&s, 4) ? 4096 : vmex_splitmix_below(&s, 200);
        vmex_layout L;
        assert_int_equal(vmex_decode_layout(a->b, a->n, NULL, 0, &L), 0);
        unsigned seed = (unsigned)vmex_splitmix64(&s);
        size_t n = vmex_crossover_ex(a->b, a->n, b->b, b->n, out, max, seed, &L, &st);
        check_output(a->b, a->n, out, n, max);
        size_t n2 = vmex_crossover(a->b, a->n, b->b, b->n, again, max, seed, &L);
        assert_int_equal(n2, n);
        assert_memory_equal(again, out, n);
        if (n && p.n < 300)
            pool_add(&p, out, n);
    }
    print_stats("crossover", &st);
    assert_true(st.applied[VMEX_MUT_SPLICE] > 2000);
    free(out);
    free(again);
    pool_free(&p);
}

/* ---------------------------------------------------------------- holes */

typedef struct holes { uint64_t prev, floor, max; uint64_t s[64]; int n; } holes;

static void on_entry(void *ctx, uint64_t start, uint64_t end, int kind, int tag, int prot)
{
    holes *h = ctx;
    (void)kind, (void)tag, (void)prot;
    uint64_t lo = h->prev > h->floor ? h->prev : h->floor, hi = start < h->max ? start : h->max;
    if (hi > lo && h->n < 64)
        h->s[h->n++] = hi - lo;
    if (end > h->prev)
        h->prev = end;
}

/* The mutator's hole-based sizes are the sizes of real holes (or a page
 * more or less): mutate a fragmenting program and look for them. */
static void test_hole_sizes(void **state)
{
    (void)state;
    static const char text[] =
        "vmex 1\nprofile ios16-3gb\n\n"
        "a = mmap 100m\nb = mmap 100m\nc = mmap 100m\nmunmap b\nd = mmap 1g\n";
    vmex_program prog, q;
    vmex_error err;
    vmex_layout L;
    vmex_buf e = {0};
    vmex_program_init(&prog);
    vmex_program_init(&q);
    assert_int_equal(vmex_parse(text, strlen(text), "t", &prog, &err), 0);
    assert_int_equal(vmex_layout_resolve(&prog.cfg, NULL, 0, &L, &err), 0);
    assert_int_equal(vmex_encode(&prog, &L, &e), 0);
    vmex_model *scratch = vmex_model_new(VMEX_STORE_FAST), *m = vmex_model_new(VMEX_STORE_FAST);
    uint8_t buf[4096];
    int hits = 0, hole100 = 0;
    for (unsigned seed = 0; seed < 3000; seed++) {
        memcpy(buf, e.p, e.len);
        vmex_mutate_stats st;
        memset(&st, 0, sizeof st);
        size_t n = vmex_mutate_ex(buf, e.len, sizeof buf, seed, &L, scratch, &st);
        if (!st.applied[VMEX_MUT_SIZE_HOLE])
            continue;
        assert_int_equal(vmex_decode(buf, n, &L, &q), 0);
        /* some mapping op's size is a hole of the map just before it */
        int found = 0;
        for (uint32_t i = 0; i < q.nops && !found; i++) {
            if (q.ops[i].kind != VMEX_OP_MMAP && q.ops[i].kind != VMEX_OP_VM_ALLOCATE &&
                q.ops[i].kind != VMEX_OP_MALLOC)
                continue;
            vmex_program view = q;
            view.nops = i;
            vmex_runopts o;
            vmex_result res;
            vmex_runopts_init(&o);
            o.keep_going = 1;
            assert_int_equal(vmex_model_run(m, &L, &view, &o, &res), 0);
            holes h = {.prev = L.floor, .floor = L.floor, .max = L.max_offset};
            vmex_model_walk(m, on_entry, &h);
            if (h.prev < L.max_offset && h.n < 64)
                h.s[h.n++] = L.max_offset - h.prev;
            uint64_t largest = 0;
            for (int k = 0; k < h.n; k++)
                largest = h.s[k] > largest ? h.s[k] : largest;
            uint64_t sz = q.ops[i].size;
            for (int k = 0; k < h.n; k++)
                if (sz == h.s[k] || sz == h.s[k] + VMEX_PAGE || sz + VMEX_PAGE == h.s[k] ||
                    sz == largest + VMEX_PAGE)
                    found = 1;
            hole100 |= found && (sz == (100u << 20) || sz == (100u << 20) + VMEX_PAGE);
        }
        hits += found;
    }
    printf("hole sizes: %d outputs with a hole-sized op%s\n", hits, hole100 ? " (the 100m hole among them)" : "");
    assert_true(hits > 100);
    assert_true(hole100);
    vmex_model_free(scratch);
    vmex_model_free(m);
    vmex_buf_free(&e);
    vmex_program_free(&prog);
    vmex_program_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutate),
        cmocka_unit_test(test_mutate_no_scratch),
        cmocka_unit_test(test_shrink),
        cmocka_unit_test(test_crossover),
        cmocka_unit_test(test_hole_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
