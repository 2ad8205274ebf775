/*
 * test_file.c - tests of core/file.h, the one way inputs are read: whole
 * files up to a limit (NUL-terminated, empty ones too), errors that name
 * the file with their code (a missing file is VMEX_E_IO, one over the
 * limit VMEX_E_INPUT, stated in MiB or KiB), and vmex_error_nomem; special
 * files refused, inputs noted by device and inode, directory walks that
 * end on symlink cycles and take every file once, and text told from
 * binary.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/core.h"
#include "core/file.h"

static char path[] = "/tmp/vmex_test_file_XXXXXX";

static void put(const char *s, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n, f), n);
    fclose(f);
}

static void test_read(void **state)
{
    (void)state;
    char *d;
    size_t n;
    vmex_error e = {0};
    put("vmex 1\n", 7);
    assert_int_equal(vmex_file_read(path, 100, &d, &n, &e), 0);
    assert_int_equal(n, 7);
    assert_string_equal(d, "vmex 1\n");
    free(d);
    put("", 0);
    assert_int_equal(vmex_file_read(path, 100, &d, &n, &e), 0);
    assert_int_equal(n, 0);
    assert_string_equal(d, "");
    free(d);
    /* a file larger than the first chunk, with NUL bytes: all of it */
    size_t big = 200000;
    char *b = calloc(big, 1);
    b[big - 1] = 'z';
    put(b, big);
    assert_int_equal(vmex_file_read(path, big, &d, &n, &e), 0);
    assert_int_equal(n, big);
    assert_memory_equal(d, b, big);
    assert_int_equal(d[big], '\0');
    free(d);
    free(b);
}

static void test_errors(void **state)
{
    (void)state;
    char *d = (char *)1;
    size_t n = 1;
    vmex_error e;
    memset(&e, 0x55, sizeof e);
    assert_int_equal(vmex_file_read("/nonexistent/x.vmex", 100, &d, &n, &e), -1);
    assert_null(d);
    assert_int_equal(n, 0);
    assert_string_equal(e.file, "/nonexistent/x.vmex");
    assert_int_equal(e.line, 0);
    assert_string_equal(e.msg, "cannot read: No such file or directory");
    assert_int_equal(e.code, VMEX_E_IO);
    assert_null(vmex_file_open("/nonexistent/x.vmex", &e));
    assert_int_equal(e.code, VMEX_E_IO);

    put("0123456789", 10);
    assert_int_equal(vmex_file_read(path, 10, &d, &n, &e), 0);
    free(d);
    assert_int_equal(vmex_file_read(path, 9, &d, &n, &e), -1);
    assert_null(d);
    assert_string_equal(e.file, path);
    assert_string_equal(e.msg, "file too large (the limit is 0 KiB)");
    assert_int_equal(e.code, VMEX_E_INPUT);
    /* the limit is said in MiB when it is a whole number of them (and more
     * than one), else in KiB */
    assert_int_equal(truncate(path, (2 << 20) + 1), 0);
    assert_int_equal(vmex_file_read(path, 2 << 20, &d, &n, &e), -1);
    assert_string_equal(e.msg, "file too large (the limit is 2 MiB)");
    assert_int_equal(vmex_file_read(path, 1 << 20, &d, &n, &e), -1);
    assert_string_equal(e.msg, "file too large (the limit is 1024 KiB)");

    /* a directory is not read */
    assert_int_equal(vmex_file_read("/", 100, &d, &n, &e), -1);
    assert_int_equal(e.code, VMEX_E_INPUT);
    assert_string_equal(e.msg, "cannot read: a directory, not a regular file");
}

/* Special files are refused at once (issue "Hard to break", D5): a FIFO
 * with no writer would block a plain fopen for ever, /dev/zero never ends. */
static void test_special(void **state)
{
    (void)state;
    char dir[] = "/tmp/vmex_test_special_XXXXXX", fifo[64];
    vmex_error e;
    char *d;
    size_t n;
    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/f.vmex", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_null(vmex_file_open(fifo, &e));   /* returns: nothing writes to it */
    assert_string_equal(e.msg, "cannot read: a FIFO, not a regular file");
    assert_string_equal(e.file, fifo);
    assert_int_equal(e.code, VMEX_E_INPUT);
    assert_int_equal(vmex_file_read("/dev/zero", 100, &d, &n, &e), -1);
    assert_string_equal(e.msg, "cannot read: a character device, not a regular file");
    assert_null(d);
    assert_null(vmex_file_open(dir, &e));
    assert_string_equal(e.msg, "cannot read: a directory, not a regular file");
    unlink(fifo);
    rmdir(dir);
}

/* Every file opened is an input, whichever name reached it. */
static void test_inputs(void **state)
{
    (void)state;
    char dir[] = "/tmp/vmex_test_inputs_XXXXXX", a[64], hard[64], sym[64], other[64];
    struct stat st;
    vmex_error e;
    assert_non_null(mkdtemp(dir));
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(hard, sizeof hard, "%s/hard", dir);
    snprintf(sym, sizeof sym, "%s/sym", dir);
    snprintf(other, sizeof other, "%s/other", dir);
    fclose(fopen(a, "w"));
    fclose(fopen(other, "w"));
    assert_int_equal(link(a, hard), 0);
    assert_int_equal(symlink("a", sym), 0);
    size_t before = vmex_file_inputs();
    assert_int_equal(stat(a, &st), 0);
    assert_false(vmex_file_is_input(&st));
    FILE *f = vmex_file_open(sym, &e);
    assert_non_null(f);
    fclose(f);
    assert_int_equal(vmex_file_inputs(), before + 1);
    assert_true(vmex_file_is_input(&st));
    assert_int_equal(stat(hard, &st), 0);
    assert_true(vmex_file_is_input(&st));
    assert_int_equal(stat(other, &st), 0);
    assert_false(vmex_file_is_input(&st));
    /* a second open is the same input */
    assert_non_null(f = vmex_file_open(hard, &e));
    fclose(f);
    assert_int_equal(vmex_file_inputs(), before + 1);
    unlink(a), unlink(hard), unlink(sym), unlink(other);
    rmdir(dir);
}

/* the set grows past its first table and finds all it holds */
static void test_idset(void **state)
{
    (void)state;
    vmex_idset s = {0};
    struct stat st;
    memset(&st, 0, sizeof st);
    for (int i = 0; i < 5000; i++) {
        st.st_dev = (dev_t)(i % 7);
        st.st_ino = (ino_t)i;   /* inode 0 too */
        assert_int_equal(vmex_idset_add(&s, &st), 1);
        assert_int_equal(vmex_idset_add(&s, &st), 0);
    }
    assert_int_equal(s.n, 5000);
    for (int i = 0; i < 5000; i++) {
        st.st_dev = (dev_t)(i % 7);
        st.st_ino = (ino_t)i;
        assert_true(vmex_idset_has(&s, &st));
        st.st_dev = (dev_t)(i % 7 + 7);
        assert_false(vmex_idset_has(&s, &st));
    }
    vmex_idset_free(&s);
}

static int want_vmex(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && !strcmp(name + n - 5, ".vmex");
}

/* Walking (D4): symlink cycles end, a file reached twice is taken once,
 * order is sorted, hidden names are skipped, the filter applies inside
 * directories only. */
static void test_walk(void **state)
{
    (void)state;
    char dir[] = "/tmp/vmex_test_walk_XXXXXX", p[200];
    vmex_walk w = {0};
    vmex_error e;
    assert_non_null(mkdtemp(dir));
#define P(fmt) (snprintf(p, sizeof p, "%s/" fmt, dir), p)
    assert_int_equal(mkdir(P("d"), 0700), 0);
    assert_int_equal(mkdir(P("d/a"), 0700), 0);
    assert_int_equal(mkdir(P("d/b"), 0700), 0);
    fclose(fopen(P("d/a/x.vmex"), "w"));
    fclose(fopen(P("d/b/y.vmex"), "w"));
    fclose(fopen(P("d/b/notes.txt"), "w"));
    fclose(fopen(P("d/.hidden.vmex"), "w"));
    assert_int_equal(symlink("..", P("d/a/up1")), 0);     /* d/a/up1 -> d: a cycle */
    assert_int_equal(symlink("..", P("d/a/up2")), 0);
    assert_int_equal(symlink("../..", P("d/b/up3")), 0);  /* -> dir: walks d once more? no: d is seen */
    assert_int_equal(symlink("x.vmex", P("d/a/z.vmex")), 0);   /* the same file by another name */
    assert_int_equal(symlink("nowhere.vmex", P("d/b/dangling.vmex")), 0);
    assert_int_equal(vmex_walk_path(&w, P("d"), want_vmex, &e), 0);
    /* d/b/up3 leads to dir, which holds d: d is not walked again */
    assert_int_equal(w.n, 3);
    assert_string_equal(w.v[0], P("d/a/x.vmex"));
    assert_string_equal(w.v[1], P("d/b/dangling.vmex"));   /* taken: its open will say what is wrong */
    assert_string_equal(w.v[2], P("d/b/y.vmex"));
    /* the same directory again, or a file in it, adds nothing */
    assert_int_equal(vmex_walk_path(&w, P("d/a"), want_vmex, &e), 0);
    assert_int_equal(vmex_walk_path(&w, P("d/b/y.vmex"), want_vmex, &e), 0);
    assert_int_equal(w.n, 3);
    /* a path that is not a directory is taken whatever its name */
    assert_int_equal(vmex_walk_path(&w, P("d/b/notes.txt"), want_vmex, &e), 0);
    assert_int_equal(w.n, 4);
    vmex_walk_free(&w);
    /* no filter: every file */
    assert_int_equal(vmex_walk_path(&w, P("d"), NULL, &e), 0);
    assert_int_equal(w.n, 4);
    assert_string_equal(w.v[2], P("d/b/notes.txt"));
    vmex_walk_free(&w);

    /* directories nested deeper than 64 levels are refused, not followed */
    char deep[4096];
    snprintf(deep, sizeof deep, "%s/n", dir);
    assert_int_equal(mkdir(deep, 0700), 0);
    for (int i = 0; i < 66; i++) {
        strcat(deep, "/n");
        assert_int_equal(mkdir(deep, 0700), 0);
    }
    assert_int_equal(vmex_walk_path(&w, P("n"), NULL, &e), -1);
    assert_non_null(strstr(e.msg, "nested too deeply"));
    vmex_walk_free(&w);
    assert_int_equal(system((snprintf(deep, sizeof deep, "rm -rf '%s'", dir), deep)), 0);
#undef P
}

/* Text or binary (D8): what looks like text is text. */
static void test_text(void **state)
{
    (void)state;
    static const unsigned char bin[] = {1, 11, 0, 42, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x81, 0x12, 0x34};
    assert_false(vmex_looks_like_text("", 0));
    assert_false(vmex_looks_like_text(bin, sizeof bin));
    assert_true(vmex_looks_like_text("vmex 1\n", 7));
    assert_true(vmex_looks_like_text("# c\n\n  vmex 1\n", 15));
    assert_true(vmex_looks_like_text("vmexx", 5));                    /* a damaged header is still text */
    assert_true(vmex_looks_like_text("\xef\xbb\xbfvmex 1\n", 10));   /* a byte order mark */
    assert_true(vmex_looks_like_text("\xef\xbb\xbf\x01", 4));
    assert_true(vmex_looks_like_text("vnex 1\na = mmap 1m\n", 20));   /* a mutated first line */
    /* one bad byte in 20: text; a control byte first: binary (the version byte) */
    assert_true(vmex_looks_like_text("a = mmap 1m\x00\nfree a\n", 21));
    assert_false(vmex_looks_like_text("\x01vmez 1\na = mmap 1m\n", 21));
    /* UTF-8 counts as text, invalid UTF-8 does not */
    assert_true(vmex_looks_like_text("# caf\xc3\xa9 \xe2\x80\x94 ok\nvmex 1\n", 22));
    assert_false(vmex_looks_like_text("\xc3\x28\xa0\xa1\xff\xfe", 6));
    /* 9 good bytes in 10 is text, 8 in 10 is not */
    assert_true(vmex_looks_like_text("abcdefghi\xff", 10));
    assert_false(vmex_looks_like_text("abcdefgh\xff\xff", 10));
}

static void test_nomem(void **state)
{
    (void)state;
    vmex_error e = {0};
    snprintf(e.file, sizeof e.file, "w.vmexw");
    e.line = 3;
    assert_int_equal(vmex_error_nomem(&e), -1);
    assert_string_equal(e.file, "w.vmexw");
    assert_int_equal(e.line, 0);
    assert_string_equal(e.msg, "out of memory");
    assert_int_equal(e.code, VMEX_E_NOMEM);
}

static int setup(void **state)
{
    (void)state;
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nomem),
        cmocka_unit_test(test_special),
        cmocka_unit_test(test_inputs),
        cmocka_unit_test(test_idset),
        cmocka_unit_test(test_walk),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
