/*
 * test_import.c - tests of the importer (import/): every vmex-trace line kind and its
 * translation, 16 KiB rounding of partial munmaps, name reuse, failed and
 * truncated calls; strace output (the fixture tests/fixtures/strace-sample.txt
 * with -f prefixes, unfinished/resumed and failed calls, brk, mremap, and
 * the -o/-ttt/-i/raw variants); located errors; the header; round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "import/import.h"

/* ---------------------------------------------------------------- helpers */

/* import text (fails the test on an error); the program's ops as text */
static char *import_ok(const char *text, const vmex_import_opts *o, vmex_import_stats *st, vmex_program *p)
{
    vmex_error e;
    memset(&e, 0, sizeof e);
    if (vmex_import(text, strlen(text), "t.trace", o, p, st, &e) != 0)
        fail_msg("import failed: %s:%d:%d: %s", e.file, e.line, e.col, e.msg);
    vmex_buf b = {0};
    for (uint32_t i = 0; i < p->nops; i++) {
        assert_int_equal(vmex_print_op(p, &p->ops[i], &b), 0);
        assert_int_equal(vmex_buf_put(&b, "\n", 1), 0);
    }
    if (!b.p)
        assert_int_equal(vmex_buf_put(&b, "", 0), 0);
    return b.p;
}

static void expect_ops(const char *trace, const char *want, vmex_import_stats *st)
{
    vmex_program p;
    vmex_program_init(&p);
    vmex_import_stats local;
    char *got = import_ok(trace, NULL, st ? st : &local, &p);
    if (strcmp(got, want) != 0)
        fail_msg("ops differ:\n--- got:\n%s--- want:\n%s", got, want);
    free(got);
    /* the printed program parses back to the same program */
    vmex_buf b = {0};
    vmex_program q;
    vmex_error e;
    vmex_program_init(&q);
    assert_int_equal(vmex_print(&p, &b, "a header\nof two lines", NULL, NULL), 0);
    if (vmex_parse(b.p, b.len, "printed", &q, &e) != 0)
        fail_msg("printed program does not parse: %d:%d: %s\n%s", e.line, e.col, e.msg, b.p);
    assert_true(vmex_program_equal(&p, &q));
    vmex_buf_free(&b);
    vmex_program_free(&q);
    vmex_program_free(&p);
}

static void expect_error_o(const vmex_import_opts *o, const char *trace, size_t len, int line, int col,
                           const char *part)
{
    vmex_program p;
    vmex_import_stats st;
    vmex_error e;
    vmex_program_init(&p);
    memset(&e, 0x55, sizeof e);   /* the importer fills all of it */
    if (vmex_import(trace, len, "bad.trace", o, &p, &st, &e) == 0)
        fail_msg("no error for:\n%s", trace);
    if (e.line != line || e.col != col || !strstr(e.msg, part))
        fail_msg("got %d:%d: %s\nwant %d:%d: ...%s...\nfor:\n%s", e.line, e.col, e.msg, line, col, part, trace);
    assert_string_equal(e.file, "bad.trace");
    assert_int_equal(e.code, VMEX_E_INPUT);
    assert_int_equal(p.nops, 0);   /* nothing half-imported */
    vmex_program_free(&p);
}

static void expect_error(int format, const char *trace, int line, int col, const char *part)
{
    vmex_import_opts o = {.format = format};
    expect_error_o(&o, trace, strlen(trace), line, col, part);
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* ---------------------------------------------------------------- vmex-trace */

static void test_record_kinds(void **state)
{
    (void)state;
    vmex_import_stats st;
    expect_ops("vmex-trace 1 pid 42 page 4096 prog demo\n"
               "# cmd demo --x\n"
               "M 1 100\n"
               "c 2 10 48\n"
               "a 3 64 2000\n"
               "r 1 4 3000\n"
               "f 2\n"
               "m 5 1048576 rw- pa\n"
               "m 6 262144 --- pan\n"
               "x 5 65536 4096 r-x paf\n"
               "u 5 65536 65536\n"
               "R 6 0 262144 7 524288 m\n"
               "f 3\n"
               "\n"
               "f 4\n"
               "m 8 8192 r-- p\n"
               "m 9 4096 rwx saP\n"
               "u 9 0 4096\n"
               "# end calls 16 unknown-free 1 unknown-munmap 2 untracked 3\n",
               "b0 = malloc 100\n"
               "b1 = malloc 480\n"
               "b2 = malloc 2000\n"
               "b0 = realloc b0 3000\n"
               "free b1\n"
               "m0 = mmap 1m\n"
               "m1 = mmap 256k prot none noreserve\n"
               "munmap m0 64k 64k\n"
               "munmap m1\n"
               "m1 = mmap 512k prot none noreserve\n"
               "free b2\n"
               "free b0\n"
               "m2 = mmap 8k prot r\n"
               "m3 = mmap 4k shared\n"
               "touch m3\n"
               "munmap m3\n",
               &st);
    assert_int_equal(st.format, VMEX_TRACE_RECORD);
    assert_string_equal(st.prog, "demo");
    assert_int_equal(st.pid, 42);
    assert_int_equal(st.lines, 19);
    assert_int_equal(st.calls[VMEX_TC_MALLOC], 1);
    assert_int_equal(st.calls[VMEX_TC_CALLOC], 1);
    assert_int_equal(st.calls[VMEX_TC_ALIGNED], 1);
    assert_int_equal(st.calls[VMEX_TC_REALLOC], 1);
    assert_int_equal(st.calls[VMEX_TC_FREE], 3);
    assert_int_equal(st.calls[VMEX_TC_MMAP], 5);
    assert_int_equal(st.calls[VMEX_TC_MUNMAP], 2);
    assert_int_equal(st.calls[VMEX_TC_MREMAP], 1);
    assert_int_equal(st.dropped[VMEX_TD_INPLACE], 1);
    assert_int_equal(st.ops[VMEX_OP_MALLOC], 3);
    assert_int_equal(st.ops[VMEX_OP_TOUCH], 1);
    assert_int_equal(st.aligned, 1);
    assert_int_equal(st.file_maps, 1);
    assert_int_equal(st.rwx, 1);
    assert_int_equal(st.complete, 1);
    assert_int_equal(st.rec_unknown_free, 1);
    assert_int_equal(st.rec_unknown_munmap, 2);
    assert_int_equal(st.rec_untracked, 3);
    /* 1m - 64k of m0, 512k of m1, 8k of m2 */
    assert_int_equal(st.live_maps, 3);
    assert_int_equal(st.live_map_bytes, (1 << 20) - 65536 + 524288 + 8192);
    assert_int_equal(st.live_blocks, 0);
    assert_int_equal(st.peak_block_bytes, 100 + 480 + 2000 - 100 + 3000);
}

static void test_record_rounding(void **state)
{
    (void)state;
    vmex_import_stats st;
    /* 4 KiB pages of a 40 KiB mapping; the model's are 16 KiB (48 KiB) */
    expect_ops("vmex-trace 1 pid 1 page 4096 prog x\n"
               "m 1 40960 rw- pa\n"
               "u 1 4096 8192\n"      /* inside the first 16k page: dropped */
               "u 1 12288 20480\n"    /* [12k, 32k) -> [16k, 32k) */
               "u 1 32768 8192\n"     /* the tail: to the model's end, 48k */
               "u 1 0 4096\n"         /* dropped; the last bytes: m0 is free again */
               "m 2 4096 rw- pa\n",
               "m0 = mmap 40k\n"
               "munmap m0 16k 16k\n"
               "munmap m0 32k 16k\n"
               "m0 = mmap 4k\n",
               &st);
    assert_int_equal(st.dropped[VMEX_TD_SUBPAGE], 2);
    assert_int_equal(st.live_maps, 1);
    assert_int_equal(st.live_map_bytes, 4096);
    /* a whole munmap after a partial one stays a range (the first part is
     * no longer the mapping's) */
    expect_ops("vmex-trace 1\n"
               "m 1 65536 rw- pa\n"
               "u 1 0 16384\n"
               "u 1 16384 49152\n",
               "m0 = mmap 64k\n"
               "munmap m0 0 16k\n"
               "munmap m0 16k 48k\n",
               NULL);
}

static void test_record_names_and_failures(void **state)
{
    (void)state;
    vmex_import_stats st;
    /* released names come back last-released first */
    expect_ops("vmex-trace 1 pid 7 prog y\n"
               "M 1 16\n"
               "M 2 32\n"
               "M 3 48\n"
               "f 1\n"
               "f 3\n"
               "M 4 64\n"
               "M 5 80\n"
               "M 0 99999999\n"        /* failed: dropped */
               "c 0 4 8\n"
               "a 0 16 100\n"
               "m 0 4096 rw- pa\n"
               "r 4 0 1000000\n"       /* failed realloc: b2 stays */
               "R 0 0 4096 0 8192 m\n" /* failed mremap */
               "r 0 6 128\n"           /* realloc of an unknown block: a malloc */
               "R 0 0 4096 7 8192 m\n" /* mremap of an unknown mapping: an mmap */
               "R 7 0 8192 8 16384 md\n" /* dontunmap: the old one stays */
               "f 4\n",
               "b0 = malloc 16\n"
               "b1 = malloc 32\n"
               "b2 = malloc 48\n"
               "free b0\n"
               "free b2\n"
               "b2 = malloc 64\n"
               "b0 = malloc 80\n"
               "b3 = malloc 128\n"
               "m0 = mmap 8k\n"
               "m1 = mmap 16k\n"
               "free b2\n",
               &st);
    assert_int_equal(st.dropped[VMEX_TD_FAILED], 6);
    assert_int_equal(st.unknown_realloc, 1);
    assert_int_equal(st.complete, 0);
    assert_int_equal(st.live_blocks, 3);
    assert_int_equal(st.live_block_bytes, 32 + 80 + 128);
}

static void test_record_truncation(void **state)
{
    (void)state;
    vmex_program p;
    vmex_import_stats st;
    vmex_import_opts o = {.max_ops = 3};
    vmex_program_init(&p);
    char *got = import_ok("vmex-trace 1\nM 1 16\nM 2 16\nf 1\nf 2\nM 3 16\n", &o, &st, &p);
    assert_string_equal(got, "b0 = malloc 16\nb1 = malloc 16\nfree b0\n");
    assert_int_equal(st.truncated_line, 5);
    assert_int_equal(st.dropped[VMEX_TD_TRUNCATED], 2);
    assert_int_equal(st.calls[VMEX_TC_MALLOC], 3);
    free(got);
    /* a bad line after the cut is still an error */
    static const char cut[] = "vmex-trace 1\nM 1 16\nM 2 16\nf 1\nf 2\nM 3 1x\n";
    expect_error_o(&o, cut, sizeof cut - 1, 6, 5, "bad number");
    vmex_program_free(&p);
}

static void test_record_errors(void **state)
{
    (void)state;
    const int A = VMEX_TRACE_AUTO, R = VMEX_TRACE_RECORD, S = VMEX_TRACE_STRACE;
    expect_error(A, "", 0, 0, "empty trace");
    expect_error(A, "\n\n", 0, 0, "empty trace");
    expect_error(S, " \n", 0, 0, "empty trace");
    expect_error(R, "\n", 0, 0, "empty trace");
    expect_error(R, "M 1 2\n", 1, 1, "not a vmex trace");
    expect_error(R, "\nM 1 2\n", 2, 1, "not a vmex trace");
    expect_error(A, "vmex-trace 2 pid 1\n", 1, 12, "unsupported vmex-trace version '2'");
    expect_error(A, "vmex-trace 1 pid\n", 1, 14, "has no value");
    expect_error(A, "vmex-trace 1 page 3000\n", 1, 19, "bad page size");
    expect_error(A, "vmex-trace 1\nZ 1 2\n", 2, 1, "unknown call 'Z'");
    expect_error(A, "vmex-trace 1\nMM 1 2\n", 2, 1, "unknown call 'MM'");
    expect_error(A, "vmex-trace 1\nM 1 12x\n", 2, 5, "bad number '12x'");
    expect_error(A, "vmex-trace 1\nM 1 99999999999999999999\n", 2, 5, "overflows 64 bits");
    expect_error(A, "vmex-trace 1\nM 1 281474976710656\n", 2, 5, "too large for vmex");
    expect_error(A, "vmex-trace 1\nM 1\n", 2, 4, "'M' needs 2 fields");
    expect_error(A, "vmex-trace 1\nf 1 2\n", 2, 5, "unexpected field");
    expect_error(A, "vmex-trace 1\nM 1 8\n\nf 9\n", 4, 3, "handle 9 is not live");
    expect_error(A, "vmex-trace 1\nM 1 8\nf 1\nf 1\n", 4, 3, "handle 1 is not live");
    expect_error(A, "vmex-trace 1\nM 1 10\nM 1 20\n", 3, 3, "handle 1 is already live");
    expect_error(A, "vmex-trace 1\nM 1 10\nu 1 0 4096\n", 3, 3, "is a malloc block, not a mapping");
    expect_error(A, "vmex-trace 1\nm 1 4096 rw- pa\nf 1\n", 3, 3, "is a mapping, not a malloc block");
    expect_error(A, "vmex-trace 1\nm 1 8192 rw- pa\nu 1 4096 8192\n", 3, 5, "outside the mapping");
    expect_error(A, "vmex-trace 1\nm 1 8192 rwz pa\n", 2, 10, "bad protection 'rwz'");
    expect_error(A, "vmex-trace 1\nm 1 8192 rw- paq\n", 2, 16, "unknown mmap flag 'q'");
    expect_error(A, "vmex-trace 1\nm 1 8192 rw- ps\n", 2, 14, "exactly one of p");
    expect_error(A, "vmex-trace 1\nm 1 0 rw- pa\n", 2, 5, "length 0");
    expect_error(A, "vmex-trace 1\nm 1 8192 rw- pa\nR 1 0 8192 2 8192 mz\n", 3, 20, "unknown mremap flag 'z'");
    expect_error(A, "vmex-trace 1\nc 1 4294967296 4294967296\n", 2, 5, "overflows");
    expect_error(A, "vmex-trace 1\nM 1 8\nvmex-trace 1\n", 3, 1, "a second header");
    static const char nul[] = "vmex-trace 1\nM 1 8\0\n";
    vmex_import_opts auto_o = {0};
    expect_error_o(&auto_o, nul, sizeof nul - 1, 2, 6, "binary data");
    expect_error(A, "vmex-trace 1\nm 1 8192 rw- pa\nx 1 8192 4096 rw- paf\n", 3, 5, "outside mapping 1");
    /* strace forced on a vmex trace, and the other way round */
    expect_error(S, "vmex-trace 1\nM 1 8\n", 1, 1, "not an strace line");
    expect_error(R, "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x1000\n", 1, 1,
                 "not a vmex trace");
}

/* ---------------------------------------------------------------- strace */

static const char strace_want[] =
    "m0 = mmap 8k\n"
    "m1 = mmap 913680 prot r\n"
    "h0 = mmap 144k\n"
    "m2 = mmap 1m\n"
    "munmap m2 960k 64k\n"
    "m3 = mmap 128m prot none noreserve\n"
    "munmap m0\n"
    "munmap m3 0 32m\n"
    "munmap m2 0 960k\n"
    "m2 = mmap 2m\n"
    "h1 = mmap 128k\n"
    "munmap h1\n"
    "munmap h0 64k 80k\n"
    "m0 = mmap 4k shared\n"
    "touch m0\n";

static void test_strace_fixture(void **state)
{
    (void)state;
    char *text = read_text(VMEX_SOURCE_DIR "/tests/fixtures/strace-sample.txt");
    vmex_import_stats st;
    expect_ops(text, strace_want, &st);
    assert_int_equal(st.format, VMEX_TRACE_STRACE);
    assert_int_equal(st.lines, 25);
    assert_int_equal(st.pids, 2);                       /* 123 (unprefixed too) and 124 */
    assert_int_equal(st.calls[VMEX_TC_MMAP], 7);
    assert_int_equal(st.calls[VMEX_TC_MUNMAP], 4);
    assert_int_equal(st.calls[VMEX_TC_MREMAP], 1);
    assert_int_equal(st.calls[VMEX_TC_BRK], 4);
    assert_int_equal(st.other, 7);   /* mprotect, clone3, the "attached" note, SIGCHLD, exit_group, 2 exits */
    assert_int_equal(st.dropped[VMEX_TD_FAILED], 1);    /* -1 ENOMEM */
    assert_int_equal(st.dropped[VMEX_TD_INPLACE], 1);   /* the library's MAP_FIXED segment */
    assert_int_equal(st.dropped[VMEX_TD_UNKNOWN], 1);
    assert_int_equal(st.dropped[VMEX_TD_NOCHANGE], 1);  /* brk(NULL) */
    assert_int_equal(st.dropped[VMEX_TD_UNFINISHED], 0);
    assert_int_equal(st.file_maps, 1);
    assert_int_equal(st.rwx, 1);
    assert_int_equal(st.heap_grows, 2);
    assert_int_equal(st.heap_shrinks, 1);
    assert_int_equal(st.live_maps, 5);
    /* the same through the file reader */
    vmex_program p;
    vmex_error e;
    vmex_import_stats st2;
    vmex_program_init(&p);
    assert_int_equal(vmex_import_file(VMEX_SOURCE_DIR "/tests/fixtures/strace-sample.txt", NULL, &p, &st2, &e), 0);
    assert_int_equal(p.nops, 15);
    assert_int_equal(st2.lines, st.lines);
    assert_int_equal(st2.other, st.other);
    assert_int_equal(st2.live_map_bytes, st.live_map_bytes);
    assert_memory_equal(st2.calls, st.calls, sizeof st.calls);
    assert_memory_equal(st2.dropped, st.dropped, sizeof st.dropped);
    /* and the header says what happened */
    vmex_buf h = {0};
    assert_int_equal(vmex_import_header(&st, "strace-sample.txt", &h), 0);
    assert_non_null(strstr(h.p, "vmex import: strace-sample.txt (strace, pids 2: one address space), 25 lines\n"));
    assert_non_null(strstr(h.p, "calls: mmap 7, munmap 4, mremap 1, brk 4; other lines ignored: 7"));
    assert_non_null(strstr(h.p, "ops: 15 (mmap 8, munmap 6, touch 1)\n"));
    assert_non_null(strstr(h.p, "dropped (1): failed in the trace"));
    assert_non_null(strstr(h.p, "note: brk moved the break up 2x and down 1x"));
    vmex_buf_free(&h);
    vmex_program_free(&p);
    free(text);
}

static void test_strace_variants(void **state)
{
    (void)state;
    vmex_import_stats st;
    /* strace -f -o FILE (bare pids), -ttt, -i, raw numbers (-X raw), mmap2,
     * a call that never returned (= ?), MREMAP_DONTUNMAP, CRLF */
    expect_ops("100  1700000000.123456 mmap(NULL, 0x4000, 0x3, 0x22, -1, 0) = 0x7f0000000000\n"
               "100  1700000000.123460 [00007f1234567890] mmap2(NULL, 16384, PROT_READ, "
               "MAP_PRIVATE|MAP_ANONYMOUS|0x40, -1, 0) = 0x7f0000010000\r\n"
               "101  munmap(0x7f0000000000, 16384 <unfinished ...>\n"
               "100  mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = ?\n"
               "101  <... munmap resumed>) = 0\n"
               "100  mremap(0x7f0000010000, 16384, 32768, MREMAP_MAYMOVE|MREMAP_DONTUNMAP) = 0x7f0000020000\n"
               "100  munmap(0x7f0000010000, 16384) = 0\n"
               "100  brk(0x1000) = 0x1000\n"
               "101  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n"
               "101  +++ killed by SIGKILL +++\n",
               "m0 = mmap 16k\n"
               "m1 = mmap 16k prot r\n"
               "munmap m0\n"
               "m0 = mmap 32k prot r\n"
               "munmap m1\n",
               &st);
    assert_int_equal(st.pids, 2);
    assert_int_equal(st.dropped[VMEX_TD_FAILED], 1);
    assert_int_equal(st.dropped[VMEX_TD_UNFINISHED], 1);
    assert_int_equal(st.dropped[VMEX_TD_NOCHANGE], 1);
    /* a split argument list, resumed mid-way; MAP_FIXED over two mappings
     * replaces what it covers and is placed freely */
    expect_ops("[pid 7] mmap(NULL, 65536, PROT_READ <unfinished ...>\n"
               "[pid 8] mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x20000\n"
               "[pid 7] <... mmap resumed>, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x10000\n"
               "[pid 7] mmap(0x18000, 65536, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0) = 0x18000\n",
               "m0 = mmap 64k\n"
               "m1 = mmap 64k prot r\n"
               "munmap m1 32k 32k\n"
               "munmap m0 0 32k\n"
               "m2 = mmap 64k prot none\n",
               &st);
    assert_int_equal(st.fixed_moved, 1);
    assert_int_equal(st.pids, 2);
}

static void test_strace_errors(void **state)
{
    (void)state;
    const int A = VMEX_TRACE_AUTO;
    expect_error(A, "hello world\n", 1, 1, "not an strace line: expected 'NAME(ARGS) = RESULT' (and not a vmex trace");
    expect_error(A, "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0) = 0x1000\nfoo\n", 2, 1, "not an strace line");
    expect_error(A, "mmap(NULL, 4k, PROT_READ, MAP_PRIVATE, -1, 0) = 0x1000\n", 1, 12, "mmap: bad length '4k'");
    expect_error(A, "mmap(NULL, 4096, PROT_READ|bogus, MAP_PRIVATE, -1, 0) = 0x1000\n", 1, 28,
                 "mmap: bad protection");
    expect_error(A, "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|PROT_READ, -1, 0) = 0x1000\n", 1, 41, "mmap: bad flags");
    expect_error(A, "mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0 = 0x1000\n", 1, 56, "not closed with ')'");
    expect_error(A, "munmap(0x1000, 4096) 0\n", 1, 22, "expected '= RESULT'");
    expect_error(A, "munmap(0x1000, 4096) = zero\n", 1, 24, "bad result 'zero'");
    expect_error(A, "munmap(0x1000) = 0\n", 1, 8, "munmap takes 2 arguments, not 1");
    expect_error(A, "brk(NULL) = 0x1000\n[pid 9] <... mmap resumed>) = 0x1000\n", 2, 9,
                 "'mmap resumed' without its '<unfinished ...>' start");
    expect_error(A, "[pid 9 mmap(NULL, 1, PROT_READ, MAP_PRIVATE, -1, 0) = 1\n", 1, 7, "bad '[pid N]' prefix");
    /* an error inside a resumed call names the line it began on */
    expect_error(A, "brk(NULL) = 0x1000\n[pid 9] mmap(NULL, 4x <unfinished ...>\n"
                    "[pid 9] <... mmap resumed>, PROT_READ, MAP_PRIVATE, -1, 0) = 0x1000\n",
                 3, 0, "(in the call begun on line 2)");
}

static void test_shipped_trace(void **state)
{
    (void)state;
    vmex_program p;
    vmex_import_stats st;
    vmex_error e;
    vmex_program_init(&p);
    if (vmex_import_file(VMEX_SOURCE_DIR "/corpora/traces/python3-json.trace", NULL, &p, &st, &e) != 0)
        fail_msg("%s:%d:%d: %s", e.file, e.line, e.col, e.msg);
    assert_int_equal(st.format, VMEX_TRACE_RECORD);
    assert_string_equal(st.prog, "python3");
    assert_int_equal(st.complete, 1);
    assert_true(p.nops > 1000);
    uint64_t calls = 0;
    for (int k = 0; k < VMEX_TC__COUNT; k++)
        calls += st.calls[k];
    uint64_t ops = 0;
    for (int k = 0; k < VMEX_OP__COUNT; k++)
        ops += st.ops[k];
    assert_int_equal(ops, p.nops);
    assert_true(calls >= ops - st.ops[VMEX_OP_TOUCH]);
    /* it runs, and a missing file is a plain error */
    assert_int_equal(vmex_import_file(VMEX_SOURCE_DIR "/corpora/traces/no-such.trace", NULL, &p, &st, &e), -1);
    assert_int_equal(e.line, 0);
    assert_non_null(strstr(e.msg, "cannot read"));
    assert_int_equal(e.code, VMEX_E_IO);
    assert_int_equal(p.nops, 0);
    vmex_program_free(&p);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(vmex_trace_format_name(VMEX_TRACE_STRACE), "strace");
    assert_int_equal(vmex_trace_format_parse("vmex-trace"), VMEX_TRACE_RECORD);
    assert_int_equal(vmex_trace_format_parse("auto"), VMEX_TRACE_AUTO);
    assert_int_equal(vmex_trace_format_parse("ltrace"), -1);
    assert_string_equal(vmex_tcall_name(VMEX_TC_BRK), "brk");
    assert_string_equal(vmex_tcall_name(99), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_kinds),   cmocka_unit_test(test_record_rounding),
        cmocka_unit_test(test_record_names_and_failures), cmocka_unit_test(test_record_truncation),
        cmocka_unit_test(test_record_errors),  cmocka_unit_test(test_strace_fixture),
        cmocka_unit_test(test_strace_variants), cmocka_unit_test(test_strace_errors),
        cmocka_unit_test(test_shipped_trace),  cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
