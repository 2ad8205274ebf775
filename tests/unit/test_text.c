/*
 * test_text.c - tests of the .vmex text format (parser, printer, errors,
 * round trips, fuzzing) and of exact sizes as text (core/fmt.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmex.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return n ? rng_next(s) % n : 0;
}

static int parse_str(const char *text, vmex_program *p, vmex_error *e)
{
    return vmex_parse(text, strlen(text), "t.vmex", p, e);
}

/* Parse, print, and check the printed text is `want` and parses back equal. */
static void check_roundtrip(const vmex_program *p, const char *want)
{
    vmex_buf b = {0};
    vmex_program q;
    vmex_error e;
    vmex_program_init(&q);
    assert_int_equal(vmex_print(p, &b, NULL, NULL, NULL), 0);
    if (want)
        assert_string_equal(b.p, want);
    if (vmex_parse(b.p, b.len, "printed", &q, &e) != 0)
        fail_msg("printed text does not parse: %d:%d: %s\n%s", e.line, e.col, e.msg, b.p);
    if (!vmex_program_equal(p, &q))
        fail_msg("printed program differs:\n%s", b.p);
    vmex_program_free(&q);
    vmex_buf_free(&b);
}

/* ---------------------------------------------------------------- util */

static void test_parse_number(void **state)
{
    (void)state;
    static const struct { const char *s; int rc; uint64_t v; } t[] = {
        {"0", 0, 0}, {"42", 0, 42}, {"0x4000", 0, 0x4000}, {"0XfF", 0, 255},
        {"16k", 0, 16384}, {"16K", 0, 16384}, {"3m", 0, 3ull << 20}, {"1g", 0, 1ull << 30},
        {"1G", 0, 1ull << 30}, {"2t", 0, 2ull << 40}, {"0x10k", 0, 16 << 10},
        {"0x1t", 0, 1ull << 40}, {"255t", 0, 255ull << 40}, {"007", 0, 7},
        {"281474976710655", 0, (1ull << 48) - 1},
        {"256t", -2, 1ull << 48}, {"0x1000000000000", -2, 1ull << 48},
        {"18446744073709551615", -2, UINT64_MAX}, {"18446744073709551616", -2, 0},
        {"99999999999999999999999", -2, 0}, {"16777216t", -2, 0}, {"0xfffffffffffffffffff", -2, 0},
        {"", -1, 0}, {"k", -1, 0}, {"0x", -1, 0}, {"0xk", -1, 0}, {"-1", -1, 0}, {"+1", -1, 0},
        {"1kb", -1, 0}, {"1x", -1, 0}, {"12 ", -1, 0}, {"1.5k", -1, 0}, {"0x1g2", -1, 0},
        {"1e3", -1, 0}, {"1kk", -1, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint64_t v = 12345;
        int rc = vmex_parse_number(t[i].s, strlen(t[i].s), &v);
        if (rc != t[i].rc || (rc != -1 && v != t[i].v))
            fail_msg("'%s': rc %d v %llu", t[i].s, rc, (unsigned long long)v);
    }
    /* the length bounds the number, not a NUL */
    uint64_t v;
    assert_int_equal(vmex_parse_number("16kxyz", 3, &v), 0);
    assert_int_equal(v, 16384);
    assert_int_equal(vmex_parse_number("1", 0, &v), -1);
}

static void test_format_size(void **state)
{
    (void)state;
    static const struct { uint64_t v; const char *s; } t[] = {
        {0, "0"}, {1, "1"}, {1023, "1023"}, {1024, "1k"}, {1536, "1536"}, {16384, "16k"},
        {16385, "16385"}, {1025 << 10, "1025k"}, {1ull << 20, "1m"}, {3ull << 30, "3g"},
        {5ull << 30, "5g"}, {1ull << 40, "1t"}, {255ull << 40, "255t"}, {1ull << 48, "256t"},
        {(1ull << 48) - 1, "281474976710655"}, {(1ull << 30) + (1ull << 20), "1025m"},
        {UINT64_MAX, "18446744073709551615"}, {1ull << 63, "8388608t"},
    };
    char buf[32];
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        vmex_format_size(t[i].v, buf, sizeof buf);
        assert_string_equal(buf, t[i].s);
        uint64_t back;
        if (t[i].v < VMEX_MAX_VALUE) {
            assert_int_equal(vmex_parse_number(buf, strlen(buf), &back), 0);
            assert_int_equal(back, t[i].v);
        }
    }
    vmex_format_size(1ull << 30, buf, 2);       /* truncates, stays terminated */
    assert_string_equal(buf, "1");
}

static char *error_text(const vmex_error *e)
{
    static char out[512];
    FILE *f = fmemopen(out, sizeof out, "w");
    assert_non_null(f);
    vmex_error_print(e, f);
    fclose(f);
    return out;
}

static void test_error(void **state)
{
    (void)state;
    vmex_error e;
    memset(&e, 0, sizeof e);
    strcpy(e.file, "a.vmex");
    vmex_error_set(&e, 3, 7, "unknown op '%s' (%d)", "mmapp", 5);
    assert_string_equal(e.file, "a.vmex");
    assert_int_equal(e.line, 3);
    assert_int_equal(e.col, 7);
    assert_string_equal(e.msg, "unknown op 'mmapp' (5)");
    assert_string_equal(error_text(&e), "a.vmex:3:7: error: unknown op 'mmapp' (5)\n");
    e.col = 0;
    assert_string_equal(error_text(&e), "a.vmex:3: error: unknown op 'mmapp' (5)\n");
    e.line = 0;
    assert_string_equal(error_text(&e), "a.vmex: error: unknown op 'mmapp' (5)\n");
    e.file[0] = '\0';
    assert_string_equal(error_text(&e), "error: unknown op 'mmapp' (5)\n");
    e.line = 2;
    e.col = 9;
    assert_string_equal(error_text(&e), "2:9: error: unknown op 'mmapp' (5)\n");

    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    vmex_error_set(&e, 1, 1, "%s", big);          /* truncated, terminated */
    assert_int_equal(strlen(e.msg), sizeof e.msg - 1);
}

static void test_buf(void **state)
{
    (void)state;
    vmex_buf b = {0};
    assert_int_equal(vmex_buf_put(&b, "", 0), 0);
    assert_non_null(b.p);
    assert_string_equal(b.p, "");
    assert_int_equal(vmex_buf_put(&b, "abc", 2), 0);
    assert_int_equal(vmex_buf_printf(&b, "-%d-%s", 42, "x"), 0);
    assert_string_equal(b.p, "ab-42-x");
    assert_int_equal(b.len, 7);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(vmex_buf_printf(&b, "%c", 'a' + i % 26), 0);
    assert_int_equal(b.len, 10007);
    assert_int_equal(strlen(b.p), 10007);
    assert_true(b.cap > b.len);
    assert_int_equal(b.p[7], 'a');
    assert_int_equal(b.p[10006], 'a' + 9999 % 26);
    vmex_buf_free(&b);
    assert_null(b.p);
    assert_int_equal(b.len, 0);
    vmex_buf_free(&b);                             /* twice is fine */
}

/* ---------------------------------------------------------------- the example */

static const char example[] =
    "# every op and option\n"
    "vmex 1   # version\n"
    "\n"
    "target xnu\n"
    "profile ios17.4-8gb\n"
    "entitlement increased-memory-limit\n"
    "entitlement dynamic-codesigning\n"
    "entitlement com.apple.developer.kernel.increased-memory-limit\n"
    "set footprint-limit 0x80000000\n"
    "\tset slide 32m\n"
    "set nano off\n"
    "set malloc-entropy 7\n"
    "a = mmap 16k shared jit tag 240 noreserve\tprot rx align 64k hint 0x300000000\n"   /* 13 */
    "b = mmap 1M fixed 0x280000000#comment\n"
    "mmap 0x4000 prot none\n"
    "c = vm_allocate 2g tag 1 fixed 0x300000000 align 1m\n"
    "d = vm_allocate 48k\n"
    "e = malloc 0\n"
    "f = malloc 100\n"
    "f = realloc f 1k\n"
    "g = realloc e 0\n"
    "free f\n"
    "munmap a\n"
    "munmap b 16k 32k\n"
    "touch c\n"
    "touch d 0 16k\n"
    "check free >= 1g\n"
    "check largest <= 3t\n"
    "check mapped >= 0\n"
    "check footprint <= 12345\n"
    "expect exhausted at 3";                            /* no final LF */

static const char example_canonical[] =
    "vmex 1\n"
    "target xnu\n"
    "profile ios17.4-8gb\n"
    "entitlement dynamic-codesigning\n"
    "entitlement increased-memory-limit\n"
    "set slide 32m\n"
    "set nano off\n"
    "set malloc-entropy 7\n"
    "set footprint-limit 2g\n"
    "\n"
    "a = mmap 16k hint 0x300000000 align 64k tag 240 prot rx noreserve jit shared\n"
    "b = mmap 1m fixed 0x280000000\n"
    "mmap 16k prot none\n"
    "c = vm_allocate 2g fixed 0x300000000 align 1m tag 1\n"
    "d = vm_allocate 48k\n"
    "e = malloc 0\n"
    "f = malloc 100\n"
    "f = realloc f 1k\n"
    "g = realloc e 0\n"
    "free f\n"
    "munmap a\n"
    "munmap b 16k 32k\n"
    "touch c\n"
    "touch d 0 16k\n"
    "check free >= 1g\n"
    "check largest <= 3t\n"
    "check mapped >= 0\n"
    "check footprint <= 12345\n"
    "expect exhausted at 3\n";

static void check_op(const vmex_program *p, uint32_t i, int kind, uint32_t line, const char *dst,
                     const char *src, uint16_t flags, uint64_t size)
{
    const vmex_op *op = &p->ops[i];
    assert_int_equal(op->kind, kind);
    assert_int_equal(op->line, line);
    assert_int_equal(op->flags, flags);
    assert_int_equal(op->size, size);
    if (dst)
        assert_string_equal(p->names[op->dst], dst);
    else
        assert_int_equal(op->dst, -1);
    if (src)
        assert_string_equal(p->names[op->src], src);
    else
        assert_int_equal(op->src, -1);
}

static void test_example(void **state)
{
    (void)state;
    vmex_program p;
    vmex_error e;
    vmex_program_init(&p);
    if (parse_str(example, &p, &e) != 0)
        fail_msg("%d:%d: %s", e.line, e.col, e.msg);

    const vmex_config *c = &p.cfg;
    assert_int_equal(c->target, VMEX_TARGET_XNU);
    assert_string_equal(c->profile, "ios17.4-8gb");
    assert_int_equal(c->ents, VMEX_ENT_JIT | VMEX_ENT_INCREASED_MEM);
    assert_int_equal(c->set_mask, (1u << VMEX_SET_SLIDE) | (1u << VMEX_SET_NANO) |
                                      (1u << VMEX_SET_MALLOC_ENTROPY) | (1u << VMEX_SET_FOOTPRINT_LIMIT));
    assert_int_equal(c->set[VMEX_SET_SLIDE], 32ull << 20);
    assert_int_equal(c->set[VMEX_SET_NANO], 0);
    assert_int_equal(c->set[VMEX_SET_MALLOC_ENTROPY], 7);
    assert_int_equal(c->set[VMEX_SET_FOOTPRINT_LIMIT], 2ull << 30);
    assert_int_equal(p.nops, 18);
    assert_int_equal(p.expect, VMEX_EXHAUSTED);
    assert_int_equal(p.expect_at, 3);

    const uint16_t all = VMEX_F_SHARED | VMEX_F_JIT | VMEX_F_TAG | VMEX_F_NORESERVE | VMEX_F_PROT |
                         VMEX_F_ALIGN | VMEX_F_HINT;
    check_op(&p, 0, VMEX_OP_MMAP, 13, "a", NULL, all, 16384);
    assert_int_equal(p.ops[0].tag, 240);
    assert_int_equal(p.ops[0].prot, VMEX_PROT_RX);
    assert_int_equal(p.ops[0].align, 65536);
    assert_int_equal(p.ops[0].addr, 0x300000000ull);
    check_op(&p, 1, VMEX_OP_MMAP, 14, "b", NULL, VMEX_F_FIXED, 1 << 20);
    assert_int_equal(p.ops[1].addr, 0x280000000ull);
    assert_int_equal(p.ops[1].prot, VMEX_PROT_RW);
    assert_int_equal(p.ops[1].align, 0);
    check_op(&p, 2, VMEX_OP_MMAP, 15, NULL, NULL, VMEX_F_PROT, 16384);
    assert_int_equal(p.ops[2].prot, VMEX_PROT_NONE);
    check_op(&p, 3, VMEX_OP_VM_ALLOCATE, 16, "c", NULL, VMEX_F_TAG | VMEX_F_FIXED | VMEX_F_ALIGN, 2ull << 30);
    assert_int_equal(p.ops[3].tag, 1);
    assert_int_equal(p.ops[3].addr, 0x300000000ull);
    assert_int_equal(p.ops[3].align, 1 << 20);
    check_op(&p, 4, VMEX_OP_VM_ALLOCATE, 17, "d", NULL, 0, 48 << 10);
    assert_int_equal(p.ops[4].addr, 0);
    check_op(&p, 5, VMEX_OP_MALLOC, 18, "e", NULL, 0, 0);
    check_op(&p, 6, VMEX_OP_MALLOC, 19, "f", NULL, 0, 100);
    check_op(&p, 7, VMEX_OP_REALLOC, 20, "f", "f", 0, 1024);
    assert_int_equal(p.ops[7].dst, p.ops[6].dst);     /* a name is stored once */
    assert_int_equal(p.ops[7].src, p.ops[6].dst);
    check_op(&p, 8, VMEX_OP_REALLOC, 21, "g", "e", 0, 0);
    check_op(&p, 9, VMEX_OP_FREE, 22, NULL, "f", 0, 0);
    check_op(&p, 10, VMEX_OP_MUNMAP, 23, NULL, "a", 0, 0);
    check_op(&p, 11, VMEX_OP_MUNMAP, 24, NULL, "b", VMEX_F_RANGE, 0);
    assert_int_equal(p.ops[11].off, 16384);
    assert_int_equal(p.ops[11].len, 32768);
    check_op(&p, 12, VMEX_OP_TOUCH, 25, NULL, "c", 0, 0);
    check_op(&p, 13, VMEX_OP_TOUCH, 26, NULL, "d", VMEX_F_RANGE, 0);
    assert_int_equal(p.ops[13].off, 0);
    assert_int_equal(p.ops[13].len, 16384);
    check_op(&p, 14, VMEX_OP_CHECK, 27, NULL, NULL, 0, 1ull << 30);
    assert_int_equal(p.ops[14].metric, VMEX_M_FREE);
    assert_int_equal(p.ops[14].cmp, VMEX_CMP_GE);
    check_op(&p, 15, VMEX_OP_CHECK, 28, NULL, NULL, 0, 3ull << 40);
    assert_int_equal(p.ops[15].metric, VMEX_M_LARGEST);
    assert_int_equal(p.ops[15].cmp, VMEX_CMP_LE);
    check_op(&p, 16, VMEX_OP_CHECK, 29, NULL, NULL, 0, 0);
    assert_int_equal(p.ops[16].metric, VMEX_M_MAPPED);
    check_op(&p, 17, VMEX_OP_CHECK, 30, NULL, NULL, 0, 12345);
    assert_int_equal(p.ops[17].metric, VMEX_M_FOOTPRINT);
    assert_int_equal(p.ops[17].cmp, VMEX_CMP_LE);
    assert_int_equal(p.nnames, 7);

    check_roundtrip(&p, example_canonical);

    /* one op at a time */
    vmex_buf b = {0};
    assert_int_equal(vmex_print_op(&p, &p.ops[7], &b), 0);
    assert_string_equal(b.p, "f = realloc f 1k");
    b.len = 0;
    assert_int_equal(vmex_print_op(&p, &p.ops[11], &b), 0);
    assert_string_equal(b.p, "munmap b 16k 32k");
    vmex_buf_free(&b);
    vmex_program_free(&p);
}

static const char *comment_fn(void *ctx, uint32_t i)
{
    const char *const *c = ctx;
    return i < 3 ? c[i] : NULL;
}

static void test_print_comments(void **state)
{
    (void)state;
    static const char *const comments[] = {"first", NULL, "multi\nline\tok \x01 caf\xc3\xa9"};
    vmex_program p, q;
    vmex_error e;
    vmex_buf b = {0};
    vmex_program_init(&p);
    vmex_program_init(&q);
    assert_int_equal(parse_str("vmex 1\nx = malloc 1\nfree x\nmmap 1g\n", &p, &e), 0);
    assert_int_equal(vmex_print(&p, &b, "made by a test\n\nthird line\x02\n", comment_fn, (void *)comments), 0);
    assert_string_equal(b.p, "# made by a test\n"
                             "#\n"
                             "# third line?\n"
                             "vmex 1\n"
                             "target xnu\n"
                             "\n"
                             "x = malloc 1  # first\n"
                             "free x\n"
                             "mmap 1g  # multi line\tok ? caf??\n");
    assert_int_equal(vmex_parse(b.p, b.len, "", &q, &e), 0);
    assert_true(vmex_program_equal(&p, &q));

    /* an empty program: no blank line; an empty header prints nothing */
    vmex_program_reset(&p);
    b.len = 0;
    assert_int_equal(vmex_print(&p, &b, "", NULL, NULL), 0);
    assert_string_equal(b.p, "vmex 1\ntarget xnu\n");
    b.len = 0;
    p.expect = VMEX_JETSAM;
    assert_int_equal(vmex_print(&p, &b, "one", NULL, NULL), 0);
    assert_string_equal(b.p, "# one\nvmex 1\ntarget xnu\n\nexpect jetsam\n");
    vmex_buf_free(&b);
    vmex_program_free(&p);
    vmex_program_free(&q);
}

/* Rebinding a name: later uses see the latest binding, one table entry. */
static void test_rebind(void **state)
{
    (void)state;
    vmex_program p;
    vmex_error e;
    vmex_program_init(&p);
    /* out is reset before parsing: a used program is fine */
    assert_int_equal(parse_str("vmex 1\nq = malloc 9\n", &p, &e), 0);
    assert_int_equal(parse_str("vmex 1\n"
                               "x = mmap 16k\n"
                               "x = malloc 32\n"
                               "y = realloc x 64\n"
                               "x = vm_allocate 1m\n"
                               "munmap x\n",
                               &p, &e), 0);
    assert_int_equal(p.nnames, 2);
    assert_int_equal(p.nops, 5);
    assert_string_equal(p.names[p.ops[0].dst], "x");
    assert_int_equal(p.ops[1].dst, p.ops[0].dst);
    assert_int_equal(p.ops[2].src, p.ops[0].dst);
    assert_string_equal(p.names[p.ops[2].dst], "y");
    assert_int_equal(p.ops[4].src, p.ops[0].dst);
    assert_int_equal(p.cfg.target, VMEX_TARGET_XNU);
    assert_string_equal(p.cfg.profile, "");
    assert_int_equal(p.expect, -1);
    assert_int_equal(p.expect_at, -1);
    /* names: the full alphabet, 31 chars, keywords */
    assert_int_equal(parse_str("vmex 1\n"
                               "_ = malloc 1\n"
                               "abcdefghijklmnopqrstuvwxyz_0123 = malloc 1\n"
                               "mmap = mmap 1\n"
                               "free = malloc 1\n"
                               "free free\n"
                               "expect ok\n",
                               &p, &e), 0);
    assert_int_equal(p.nnames, 4);
    assert_string_equal(p.names[p.ops[4].src], "free");
    assert_int_equal(p.expect, VMEX_OK);
    assert_int_equal(p.expect_at, -1);
    check_roundtrip(&p, NULL);
    vmex_program_free(&p);
}

static void test_parse_file(void **state)
{
    (void)state;
    vmex_program p;
    vmex_error e;
    vmex_program_init(&p);

    assert_int_equal(vmex_parse_file("/nonexistent/dir/x.vmex", &p, &e), -1);
    assert_string_equal(e.file, "/nonexistent/dir/x.vmex");
    assert_int_equal(e.line, 0);
    assert_string_equal(e.msg, "cannot read: No such file or directory");
    assert_int_equal(e.code, VMEX_E_IO);

    assert_int_equal(vmex_parse_file(VMEX_SOURCE_DIR "/tests", &p, &e), -1);
    assert_int_equal(e.line, 0);
    assert_non_null(strstr(e.msg, "cannot read: "));

    char path[] = "/tmp/vmex_test_text_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("vmex 1\nx = mmap 16k\ntouch x\n", f);
    fclose(f);
    assert_int_equal(vmex_parse_file(path, &p, &e), 0);
    assert_int_equal(p.nops, 2);
    assert_int_equal(p.ops[1].line, 3);

    f = fopen(path, "w");
    fputs("vmex 1\nx = mmap 16k\ntouch y\n", f);
    fclose(f);
    assert_int_equal(vmex_parse_file(path, &p, &e), -1);
    assert_string_equal(e.file, path);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.col, 7);
    assert_string_equal(e.msg, "unknown name 'y'");
    assert_int_equal(e.code, VMEX_E_INPUT);

    f = fopen(path, "w");
    fclose(f);
    assert_int_equal(vmex_parse_file(path, &p, &e), -1);
    assert_int_equal(e.line, 1);
    assert_int_equal(e.col, 1);
    assert_string_equal(e.msg, "empty program: expected 'vmex 1'");

    /* the size limit, 64 MiB (sparse files of NUL bytes) */
    assert_int_equal(truncate(path, 64 << 20), 0);
    assert_int_equal(vmex_parse_file(path, &p, &e), -1);
    assert_int_equal(e.line, 1);
    assert_string_equal(e.msg, "invalid byte 0x00");
    assert_int_equal(truncate(path, (64 << 20) + 1), 0);
    assert_int_equal(vmex_parse_file(path, &p, &e), -1);
    assert_int_equal(e.line, 0);
    assert_string_equal(e.file, path);
    assert_string_equal(e.msg, "file too large (the limit is 64 MiB)");
    assert_int_equal(e.code, VMEX_E_INPUT);
    unlink(path);
    vmex_program_free(&p);
}

static const struct {
    const char *text;
    int line, col;
    const char *msg;
} errors[] = {
    {"", 1, 1, "empty program: expected 'vmex 1'"},
    {"# only\n\n   # comments\n\t\n", 1, 1, "empty program: expected 'vmex 1'"},
    {"vmex 2\n", 1, 6, "unsupported version 2 (this vmex reads version 1)"},
    {"vmex 1.0\n", 1, 6, "unsupported version 1.0 (this vmex reads version 1)"},
    {"vmex\n", 1, 5, "vmex needs a version"},
    {"vmex 1 2\n", 1, 8, "unexpected '2'"},
    {"# c\n\n  mmap 16k\nvmex 1\n", 3, 3, "expected 'vmex 1' first"},
    {"vmex 1\nvmex 1\n", 2, 1, "duplicate 'vmex' line"},
    {"vmex 1\nmmapp 16k\n", 2, 1, "unknown op 'mmapp'"},
    {"vmex 1\nx = mmapp 16k\n", 2, 5, "unknown op 'mmapp'"},
    {"vmex 1\nx =\n", 2, 4, "expected an op after '='"},
    {"vmex 1\nmmap 16k\ntarget xnu\n", 3, 1, "header line 'target' after the first op"},
    {"vmex 1\nexpect ok\n  profile ios16-3gb\n", 3, 3, "header line 'profile' after the first op"},
    {"vmex 1\nmalloc 1\nset slide 0\n", 3, 1, "header line 'set' after the first op"},
    {"vmex 1\nprofile ios16-3gb\ntarget linux\n", 3, 1, "'target' must come before profile, entitlement and set lines"},
    {"vmex 1\ntarget linux\nprofile ios16-3gb\n", 3, 1, "'profile' does not apply to target linux (it is an xnu setting)"},
    {"vmex 1\ntarget linux-model\nentitlement dynamic-codesigning\n", 3, 1, "'entitlement' does not apply to target linux-model"},
    {"vmex 1\ntarget linux\nset slide 0\n", 3, 5, "set slide does not apply to target linux (it is an xnu setting)"},
    {"vmex 1\nset window 1g\n", 2, 5, "set window does not apply to target xnu (write 'target linux' or 'target linux-model' first)"},
    {"vmex 1\ntarget linux\nset window 3m\n", 3, 12, "set window must be a multiple of 2m"},
    {"vmex 1\ntarget linux\nset window 1m\n", 3, 12, "set window must be between 2m and 16t"},
    {"vmex 1\ntarget linux\nset allocator tcmalloc\n", 3, 15, "set allocator takes one of kernel, glibc, jemalloc, mimalloc, not 'tcmalloc'"},
    {"vmex 1\ntarget linux\nset thp-align yes\n", 3, 15, "set thp-align takes one of auto, on, off, not 'yes'"},
    {"vmex 1\ntarget linux\nset mmap-threshold 100\n", 3, 20, "set mmap-threshold must be a multiple of the 4k page"},
    {"vmex 1\ntarget bsd\n", 2, 8, "unknown target 'bsd'"},
    {"vmex 1\ntarget xnu\ntarget xnu\n", 3, 1, "duplicate 'target' line"},
    {"vmex 1\ntarget\n", 2, 7, "target needs a NAME"},
    {"vmex 1\ntarget xnu xnu\n", 2, 12, "unexpected 'xnu'"},
    {"vmex 1\nprofile ios99-3gb\n", 2, 9, "unknown profile 'ios99-3gb' (see 'vmex profiles')"},
    {"vmex 1\nprofile ios16-3gbxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", 2, 9, "unknown profile"},
    {"vmex 1\nprofile ios16-3gb\nprofile ios16-3gb\n", 3, 1, "duplicate 'profile' line"},
    {"vmex 1\nentitlement jot\n", 2, 13, "unknown entitlement 'jot'"},
    {"vmex 1\nentitlement jot\n", 2, 13, "dynamic-codesigning, extended-virtual-addressing"},
    {"vmex 1\nset bogus 1\n", 2, 5, "unknown setting 'bogus'"},
    {"vmex 1\nset slide\n", 2, 10, "set needs a KEY and a VALUE"},
    {"vmex 1\nset\n", 2, 4, "set needs a KEY and a VALUE"},
    {"vmex 1\nset nano maybe\n", 2, 10, "on or off"},
    {"vmex 1\nset slide 1\n", 2, 11, "multiple of the 16k page"},
    {"vmex 1\nset slide 16k\nset slide 32k\n", 3, 5, "duplicate setting 'slide'"},
    {"vmex 1\nset slide 16k 1\n", 2, 15, "unexpected '1'"},
    {"vmex 1\nmmap\n", 2, 5, "mmap needs a SIZE"},
    {"vmex 1\nvm_allocate   # c\n", 2, 12, "vm_allocate needs a SIZE"},
    {"vmex 1\nmalloc\n", 2, 7, "malloc needs a SIZE"},
    {"vmex 1\nmmap 0\n", 2, 6, "size must be greater than 0"},
    {"vmex 1\nvm_allocate 0x0\n", 2, 13, "size must be greater than 0"},
    {"vmex 1\nmmap 16q\n", 2, 6, "bad number '16q'"},
    {"vmex 1\nmmap 99999999999999999999\n", 2, 6, "number overflows 64 bits"},
    {"vmex 1\nmalloc 256t\n", 2, 8, "value too large (the limit is 256t)"},
    {"vmex 1\nmmap 16k hint 0x1000000000000\n", 2, 15, "value too large (the limit is 256t)"},
    {"vmex 1\nmmap 16k align 3\n", 2, 16, "align must be a power of two"},
    {"vmex 1\nmmap 16k align 0\n", 2, 16, "align must be a power of two"},
    {"vmex 1\nmmap 16k tag 256\n", 2, 14, "tag must be 0..255"},
    {"vmex 1\nmmap 16k tag x\n", 2, 14, "bad number 'x'"},
    {"vmex 1\nmmap 16k align 16k align 16k\n", 2, 20, "duplicate option 'align'"},
    {"vmex 1\nmmap 16k jit jit\n", 2, 14, "duplicate option 'jit'"},
    {"vmex 1\nmmap 16k hint 0x1000 fixed 0x1000\n", 2, 22, "'hint' and 'fixed' are exclusive"},
    {"vmex 1\nmmap 16k fixed 0x1000 hint 0x1000\n", 2, 23, "'hint' and 'fixed' are exclusive"},
    {"vmex 1\nvm_allocate 16k hint 0x1000\n", 2, 17, "option 'hint' does not apply to vm_allocate"},
    {"vmex 1\nvm_allocate 16k prot r\n", 2, 17, "option 'prot' does not apply to vm_allocate"},
    {"vmex 1\nvm_allocate 16k jit\n", 2, 17, "option 'jit' does not apply to vm_allocate"},
    {"vmex 1\nmmap 16k prot rwx\n", 2, 15, "unknown prot 'rwx'"},
    {"vmex 1\nmmap 16k align\n", 2, 15, "align needs a value"},
    {"vmex 1\nmmap 16k bogus\n", 2, 10, "unexpected 'bogus'"},
    {"vmex 1\nmalloc 16k extra\n", 2, 12, "unexpected 'extra'"},
    {"vmex 1\nmalloc 16k hint 0x1000\n", 2, 12, "unexpected 'hint'"},
    {"vmex 1\nx = malloc 1\nfree x x\n", 3, 8, "unexpected 'x'"},
    {"vmex 1\nfree\n", 2, 5, "free needs a NAME"},
    {"vmex 1\nfree x\n", 2, 6, "unknown name 'x'"},
    {"vmex 1\nx = malloc 1\nfree x\nfree y\n", 4, 6, "unknown name 'y'"},
    {"vmex 1\nrealloc a 1\n", 2, 9, "unknown name 'a'"},
    {"vmex 1\na = realloc a 1\n", 2, 13, "unknown name 'a'"},
    {"vmex 1\nx = malloc 1\nrealloc x\n", 3, 10, "realloc needs a SIZE"},
    {"vmex 1\nfree 16k\n", 2, 6, "bad name '16k'"},
    {"vmex 1\nBad = malloc 1\n", 2, 1, "bad name 'Bad'"},
    {"vmex 1\n1x = malloc 1\n", 2, 1, "bad name '1x'"},
    {"vmex 1\nx-y = malloc 1\n", 2, 1, "bad name 'x-y'"},
    {"vmex 1\nBad = mmapp 16k\n", 2, 1, "bad name 'Bad'"},
    {"vmex 1\nx = malloc 1\nx = free\n", 3, 1, "free does not bind a name"},
    {"vmex 1\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = malloc 1\n", 2, 1, "name too long"},
    {"vmex 1\nx = malloc 1\nfree x\ny = free x\n", 4, 1, "free does not bind a name"},
    {"vmex 1\nx = malloc 1\nc = check free >= 0\n", 3, 1, "check does not bind a name"},
    {"vmex 1\nx = malloc 1\nmunmap x 0\n", 3, 11, "munmap needs a LENGTH after the OFFSET"},
    {"vmex 1\nx = malloc 1\ntouch x 0 0\n", 3, 11, "length must be greater than 0"},
    {"vmex 1\nx = malloc 1\ntouch x 0 1 2\n", 3, 13, "unexpected '2'"},
    {"vmex 1\nx = malloc 1\ntouch x 0x 1\n", 3, 9, "bad number '0x'"},
    {"vmex 1\ncheck\n", 2, 6, "check needs a METRIC"},
    {"vmex 1\ncheck free\n", 2, 11, "check needs '>=' or '<='"},
    {"vmex 1\ncheck free ==  1\n", 2, 12, "expected '>=' or '<=', not '=='"},
    {"vmex 1\ncheck free >=\n", 2, 14, "check needs a SIZE"},
    {"vmex 1\ncheck speed >= 1\n", 2, 7, "unknown metric 'speed'"},
    {"vmex 1\ncheck free >= 1 1\n", 2, 17, "unexpected '1'"},
    {"vmex 1\nexpect\n", 2, 7, "expect needs a CLASS"},
    {"vmex 1\nexpect fine\n", 2, 8, "unknown class 'fine'"},
    {"vmex 1\nexpect ok near 1\n", 2, 11, "unexpected 'near'"},
    {"vmex 1\nexpect ok at\n", 2, 13, "'at' needs an op index"},
    {"vmex 1\nexpect ok at 0x1\n", 2, 14, "bad op index '0x1'"},
    {"vmex 1\nexpect ok at 99999999999999999999999\n", 2, 14, "number overflows 64 bits"},
    {"vmex 1\nmmap 16k\nexpect frag at 2\nmmap 1\n", 3, 16, "expect frag at 2, but the program has only 2 ops"},
    {"vmex 1\nmmap 16k\nexpect frag at 1\n", 3, 16, "expect frag at 1, but the program has only 1 ops"},
    {"vmex 1\nexpect jetsam at 0\n", 2, 18, "expect jetsam at 0, but the program has only 0 ops"},
    {"vmex 1\nexpect ok\nexpect ok\n", 3, 1, "duplicate expect line (the first is on line 2)"},
    {"vmex 1\nmmap 16k\x01\n", 2, 9, "invalid byte 0x01"},
    {"vmex 1\nmmap 16k caf\xc3\xa9 # UTF-8 is for comments only\n", 2, 13, "invalid byte 0xc3"},
    {"vmex 1\n# caf\xc3\xa9\nmmap 16k # \xc2\xa7 ok\x01\n", 3, 17, "invalid byte 0x01"}, /* columns count bytes */
    {"vmex 1\nmmap\x7f 16k\n", 2, 5, "invalid byte 0x7f"},
    {"vmex 1\nmmap 16k\x1b[0m\n", 2, 9, "invalid byte 0x1b"},
    {"vmex 1\fmmap 16k\n", 1, 7, "invalid byte 0x0c"},
    {"\xef\xbb\xbfvmex 1\n", 1, 1, "invalid byte 0xef"},
    {"vmex 1\r\nmmap 16k\r\n", 1, 7, "CRLF line ending (this format uses LF)"},
    {"vmex 1\nmmap 16k\r\n", 2, 9, "CRLF line ending (this format uses LF)"},
    {"vmex 1\nmmap 16k\r", 2, 9, "invalid byte 0x0d"},
    {"vmex 1\nmmap\r16k\n", 2, 5, "invalid byte 0x0d"},
    {"vmex 1\nmmap 16k\nbogus 1\nmmap 16k\x01\n", 3, 1, "unknown op 'bogus'"},
};

static void test_errors(void **state)
{
    (void)state;
    vmex_program p;
    vmex_error e;
    vmex_program_init(&p);
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        const char *text = errors[i].text;
        int rc = vmex_parse(text, strlen(text), "t.vmex", &p, &e);
        if (rc != -1 || e.line != errors[i].line || e.col != errors[i].col ||
            !strstr(e.msg, errors[i].msg) || strcmp(e.file, "t.vmex") != 0)
            fail_msg("case %zu: %s\n  got rc %d %d:%d: %s\n  want %d:%d: %s", i, text, rc, e.line, e.col,
                     e.msg, errors[i].line, errors[i].col, errors[i].msg);
        assert_int_equal(p.nops, 0);           /* reset on error */
        assert_int_equal(p.expect, -1);
    }
    vmex_program_free(&p);
}

static void test_error_bytes(void **state)
{
    (void)state;
    vmex_program p;
    vmex_error e;
    vmex_program_init(&p);

    /* a NUL byte: the length, not the NUL, ends the text */
    static const char nul[] = "vmex 1\nmm\0ap 16k\n";
    assert_int_equal(vmex_parse(nul, sizeof nul - 1, "", &p, &e), -1);
    assert_int_equal(e.line, 2);
    assert_int_equal(e.col, 3);
    assert_string_equal(e.msg, "invalid byte 0x00");
    assert_string_equal(e.file, "");
    assert_int_equal(vmex_parse(nul, 7, NULL, &p, &e), 0);

    /* a line of exactly 4096 bytes is fine, 4097 is not */
    char *t = malloc(8 + 4097 + 2);
    strcpy(t, "vmex 1\n#");
    memset(t + 8, 'x', 4095);
    t[8 + 4095] = '\n';
    assert_int_equal(vmex_parse(t, 8 + 4096, "", &p, &e), 0);
    t[8 + 4095] = 'x';
    t[8 + 4096] = '\n';
    assert_int_equal(vmex_parse(t, 8 + 4097, "", &p, &e), -1);
    assert_int_equal(e.line, 2);
    assert_int_equal(e.col, 4097);
    assert_non_null(strstr(e.msg, "line too long"));
    t[100] = '\x02';                            /* an earlier bad byte wins */
    assert_int_equal(vmex_parse(t, 8 + 4097, "", &p, &e), -1);
    assert_int_equal(e.col, 94);
    assert_string_equal(e.msg, "invalid byte 0x02");
    free(t);
    vmex_program_free(&p);
}

/* The op limit, at full scale (VMEX_MAX_OPS ops of "free x"). */
static void test_too_many_ops(void **state)
{
    (void)state;
    vmex_buf b = {0};
    vmex_program p;
    vmex_error e;
    char want[64];
    vmex_program_init(&p);
    assert_int_equal(vmex_buf_printf(&b, "vmex 1\nx = malloc 1\n"), 0);
    for (uint32_t i = 1; i < VMEX_MAX_OPS; i++)
        assert_int_equal(vmex_buf_put(&b, "free x\n", 7), 0);
    assert_int_equal(vmex_buf_printf(&b, "expect ok at %u\n", VMEX_MAX_OPS - 1), 0);
    assert_int_equal(vmex_parse(b.p, b.len, "big", &p, &e), 0);
    assert_int_equal(p.nops, VMEX_MAX_OPS);
    assert_int_equal(p.expect_at, VMEX_MAX_OPS - 1);
    assert_int_equal(p.ops[VMEX_MAX_OPS - 1].line, VMEX_MAX_OPS + 1);
    assert_int_equal(vmex_buf_printf(&b, "  free x\n"), 0);
    assert_int_equal(vmex_parse(b.p, b.len, "big", &p, &e), -1);
    assert_int_equal(e.line, VMEX_MAX_OPS + 3);
    assert_int_equal(e.col, 3);
    snprintf(want, sizeof want, "too many ops (the limit is %u)", VMEX_MAX_OPS);
    assert_string_equal(e.msg, want);
    assert_int_equal(p.nops, 0);
    vmex_program_free(&p);
    vmex_buf_free(&b);
}

/* Many distinct names: the parser must stay fast (its own name index). */
static void test_many_names(void **state)
{
    (void)state;
    vmex_buf b = {0};
    vmex_program p;
    vmex_error e;
    vmex_program_init(&p);
    assert_int_equal(vmex_buf_printf(&b, "vmex 1\n"), 0);
    for (int i = 0; i < 50000; i++)
        assert_int_equal(vmex_buf_printf(&b, "n%d = malloc %d\nfree n%d\n", i, i, i / 2), 0);
    assert_int_equal(vmex_parse(b.p, b.len, "", &p, &e), 0);
    assert_int_equal(p.nnames, 50000);
    assert_int_equal(p.nops, 100000);
    assert_string_equal(p.names[p.ops[99999].src], "n24999");
    assert_int_equal(vmex_program_find_name(&p, "n49999"), p.ops[99998].dst);
    vmex_program_free(&p);
    vmex_buf_free(&b);
}

/* ---------------------------------------------------------------- random */

static void random_name(uint64_t *s, char *buf)
{
    static const char first[] = "abcdefghijklmnopqrstuvwxyz_";
    static const char rest[] = "abcdefghijklmnopqrstuvwxyz_0123456789";
    if (rng_below(s, 4)) {
        snprintf(buf, VMEX_NAME_MAX, "h%u", (unsigned)rng_below(s, 12));
        return;
    }
    size_t n = 1 + rng_below(s, VMEX_NAME_MAX - 1);
    buf[0] = first[rng_below(s, sizeof first - 1)];
    for (size_t i = 1; i < n; i++)
        buf[i] = rest[rng_below(s, sizeof rest - 1)];
    buf[n] = '\0';
}

static uint64_t random_size(uint64_t *s, int positive)
{
    uint64_t v;
    switch (rng_below(s, 5)) {
    case 0: v = rng_below(s, 100000); break;
    case 1: v = (1 + rng_below(s, 64)) << (10 * (1 + rng_below(s, 4))); break;
    case 2: v = rng_next(s) & (VMEX_MAX_VALUE - 1); break;
    case 3: v = VMEX_PAGE * rng_below(s, 1000); break;
    default: v = VMEX_MAX_VALUE - 1 - rng_below(s, 3); break;
    }
    return positive && v == 0 ? 1 : v;
}

/* A random valid program: every op, option and header line. */
static void random_program(uint64_t *s, vmex_program *p)
{
    static const char *const profiles[] = {"", "ios16-3gb", "ios17.4-8gb", "ios11-1gb", "ios18-16gb"};
    vmex_config *c = &p->cfg;
    int32_t bound[64];
    int nb = 0;
    char name[VMEX_NAME_MAX];

    vmex_program_reset(p);
    c->target = (uint8_t)(rng_below(s, 4) ? VMEX_TARGET_XNU : 1 + rng_below(s, 2));
    if (c->target == VMEX_TARGET_XNU) {
        strcpy(c->profile, profiles[rng_below(s, 5)]);
        c->ents = (uint32_t)rng_below(s, 1u << VMEX_ENT__COUNT);
    }
    for (int k = 0; k < VMEX_SET__COUNT; k++) {
        if (rng_below(s, 3) || !vmex_set_applies(k, c->target))
            continue;
        c->set_mask |= 1u << k;
        switch (k) {
        case VMEX_SET_SLIDE: c->set[k] = VMEX_PAGE * rng_below(s, 5120); break;
        case VMEX_SET_BINARY: c->set[k] = VMEX_PAGE * (1 + rng_below(s, 65536)); break;
        case VMEX_SET_DYLD: c->set[k] = VMEX_PAGE * (1 + rng_below(s, 16384)); break;
        case VMEX_SET_NANO: c->set[k] = rng_below(s, 2); break;
        case VMEX_SET_MALLOC_ENTROPY: c->set[k] = rng_below(s, 128); break;
        case VMEX_SET_WINDOW: c->set[k] = (2ull << 20) * (1 + rng_below(s, 4096)); break;
        case VMEX_SET_ALLOCATOR: c->set[k] = rng_below(s, VMEX_ALLOC__COUNT); break;
        case VMEX_SET_THP_ALIGN: c->set[k] = rng_below(s, 3); break;
        case VMEX_SET_MMAP_THRESHOLD: c->set[k] = 4096 * rng_below(s, 8193); break;
        case VMEX_SET_RETAIN: c->set[k] = rng_below(s, 2); break;
        default: c->set[k] = VMEX_PAGE + rng_below(s, VMEX_MAX_VALUE - VMEX_PAGE - 1); break;
        }
    }
    uint32_t nops = (uint32_t)rng_below(s, 40);
    for (uint32_t i = 0; i < nops; i++) {
        int kind = (int)rng_below(s, VMEX_OP__COUNT);
        if (vmex_op_uses(kind) && nb == 0)
            kind = VMEX_OP_MALLOC;
        vmex_op op;
        vmex_op_init(&op, kind);
        if (vmex_op_uses(kind))
            op.src = bound[rng_below(s, (uint64_t)nb)];
        switch (kind) {
        case VMEX_OP_MMAP:
        case VMEX_OP_VM_ALLOCATE:
            op.size = random_size(s, 1);
            switch (rng_below(s, kind == VMEX_OP_MMAP ? 3 : 2)) {
            case 1: op.flags |= VMEX_F_FIXED; op.addr = random_size(s, 0); break;
            case 2: op.flags |= VMEX_F_HINT; op.addr = random_size(s, 0); break;
            }
            if (rng_below(s, 2)) {
                op.flags |= VMEX_F_ALIGN;
                op.align = 1ull << rng_below(s, 48);
            }
            if (rng_below(s, 2)) {
                op.flags |= VMEX_F_TAG;
                op.tag = (uint8_t)rng_below(s, 256);
            }
            if (kind == VMEX_OP_VM_ALLOCATE)
                break;
            if (rng_below(s, 2)) {
                op.flags |= VMEX_F_PROT;
                op.prot = (uint8_t)rng_below(s, 4);
            }
            op.flags |= (uint16_t)(rng_below(s, 8) * VMEX_F_NORESERVE);  /* noreserve, jit, shared */
            break;
        case VMEX_OP_MALLOC:
        case VMEX_OP_REALLOC:
            op.size = random_size(s, 0);
            break;
        case VMEX_OP_MUNMAP:
        case VMEX_OP_TOUCH:
            if (rng_below(s, 2)) {
                op.flags |= VMEX_F_RANGE;
                op.off = random_size(s, 0);
                op.len = random_size(s, 1);
            }
            break;
        case VMEX_OP_CHECK:
            op.metric = (uint8_t)rng_below(s, VMEX_M__COUNT);
            op.cmp = (uint8_t)rng_below(s, 2);
            op.size = random_size(s, 0);
            break;
        }
        if (vmex_op_binds(kind) && rng_below(s, 4)) {
            random_name(s, name);
            op.dst = vmex_program_name(p, name);
            assert_true(op.dst >= 0);
            int known = 0;
            for (int j = 0; j < nb; j++)
                known |= bound[j] == op.dst;
            if (!known && nb < 64)
                bound[nb++] = op.dst;
        }
        assert_int_equal(vmex_program_add(p, &op), (int)i);
    }
    if (rng_below(s, 2)) {
        p->expect = (int8_t)rng_below(s, VMEX_CLASS__COUNT);
        if (nops && rng_below(s, 2))
            p->expect_at = (int32_t)rng_below(s, nops);
    }
}

static void test_random_roundtrip(void **state)
{
    (void)state;
    uint64_t s = 0x9e3779b97f4a7c15ull;
    vmex_program p;
    vmex_program_init(&p);
    for (int i = 0; i < 2000; i++) {
        random_program(&s, &p);
        check_roundtrip(&p, NULL);
    }
    vmex_program_free(&p);
}

/* ---------------------------------------------------------------- fuzz */

/* Parse n bytes from an exact-size heap copy (so ASan sees over-reads);
 * an accepted program must print and parse back equal. */
static int fuzz_one(const char *data, size_t n, vmex_program *p)
{
    char *copy = malloc(n ? n : 1);
    vmex_error e;
    memcpy(copy, data, n);
    int rc = vmex_parse(copy, n, "fuzz", p, &e);
    free(copy);
    if (rc == 0) {
        check_roundtrip(p, NULL);
        return 1;
    }
    assert_int_equal(rc, -1);
    assert_true(e.line >= 1 && e.col >= 1);
    assert_true(e.msg[0] != '\0');
    assert_int_equal(p->nops, 0);
    return 0;
}

static const char *const vocab[] = {
    "vmex", "1", "target", "xnu", "linux", "profile", "ios16-3gb", "entitlement",
    "dynamic-codesigning", "set", "slide", "nano", "on", "footprint-limit", "malloc-entropy",
    "mmap", "vm_allocate", "malloc", "realloc", "free", "munmap", "touch", "check", "expect",
    "=", "=", "a", "b", "x", "hint", "fixed", "align", "tag", "prot", "rw", "none", "noreserve",
    "jit", "shared", "free", "largest", ">=", "<=", "ok", "frag", "at", "0", "2", "16k", "0x4000",
    "1g", "255t", "256t", "99999999999999999999", "#", "\t", "\n", "\n", "\r\n", "\x80", "",
};

static void test_fuzz(void **state)
{
    (void)state;
    uint64_t s = 12345;
    vmex_program p;
    char buf[600];
    int ok[3] = {0, 0, 0};
    vmex_program_init(&p);

    /* random bytes, some behind a valid first line */
    for (int i = 0; i < 20000; i++) {
        size_t n = rng_below(&s, 300), at = 0;
        if (rng_below(&s, 2)) {
            memcpy(buf, "vmex 1\n", 7);
            at = 7;
        }
        for (size_t j = at; j < n; j++)
            buf[j] = rng_below(&s, 4) ? "abmxz019 =\n#kt"[rng_below(&s, 14)] : (char)rng_next(&s);
        ok[0] += fuzz_one(buf, n > at ? n : at, &p);
    }
    /* token soup */
    for (int i = 0; i < 20000; i++) {
        size_t n = 7;
        memcpy(buf, "vmex 1\n", 7);
        for (int t = (int)rng_below(&s, 40); t > 0; t--) {
            const char *w = vocab[rng_below(&s, sizeof vocab / sizeof vocab[0])];
            size_t l = strlen(w);
            if (n + l + 1 > sizeof buf)
                break;
            memcpy(buf + n, w, l);
            n += l;
            if (rng_below(&s, 3))
                buf[n++] = ' ';
        }
        ok[1] += fuzz_one(buf, n, &p);
    }
    /* mutations of the example */
    size_t elen = strlen(example);
    char *m = malloc(elen + 600);
    for (int i = 0; i < 20000; i++) {
        size_t n = elen;
        memcpy(m, example, elen);
        for (int k = (int)rng_below(&s, 4) + 1; k > 0; k--) {
            size_t at = rng_below(&s, n + 1);
            switch (rng_below(&s, 4)) {
            case 0: if (at < n) m[at] = (char)rng_next(&s); break;                 /* flip */
            case 1: if (at < n) m[at] = "0k =\n#xa1"[rng_below(&s, 9)]; break;    /* replace */
            case 2: {                                                              /* delete */
                size_t d = rng_below(&s, 20);
                if (d > n - at)
                    d = n - at;
                memmove(m + at, m + at + d, n - at - d);
                n -= d;
                break;
            }
            default: {                                                             /* insert */
                const char *w = vocab[rng_below(&s, sizeof vocab / sizeof vocab[0])];
                size_t l = strlen(w);
                if (n + l + 1 > elen + 600)
                    break;
                memmove(m + at + l, m + at, n - at);
                memcpy(m + at, w, l);
                n += l;
                break;
            }
            }
        }
        ok[2] += fuzz_one(m, n, &p);
    }
    free(m);
    vmex_program_free(&p);
    printf("fuzz: accepted %d %d %d of 20000 each\n", ok[0], ok[1], ok[2]);
    /* the inputs reach past the first error often enough to matter */
    assert_true(ok[1] > 100 && ok[2] > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_number),
        cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_print_comments),
        cmocka_unit_test(test_rebind),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_bytes),
        cmocka_unit_test(test_too_many_ops),
        cmocka_unit_test(test_many_names),
        cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_random_roundtrip),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
