/*
 * test_file.c - tests of core/file.h, the one way inputs are read: whole
 * files up to a limit (NUL-terminated, empty ones too), errors that name
 * the file with their code (a missing file is VMEX_E_IO, one over the
 * limit VMEX_E_INPUT, stated in MiB or KiB), and vmex_error_nomem.
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

    /* a directory opens, but does not read */
    assert_int_equal(vmex_file_read("/", 100, &d, &n, &e), -1);
    assert_int_equal(e.code, VMEX_E_IO);
    assert_non_null(strstr(e.msg, "cannot read: "));
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
