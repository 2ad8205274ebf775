/*
 * file.c - opening and reading input files (file.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/file.h"

/* err cleared and naming path, with a message and a code */
__attribute__((format(printf, 4, 5)))
static void file_error(vmex_error *err, const char *path, int code, const char *fmt, ...)
{
    va_list ap;
    memset(err, 0, sizeof *err);
    snprintf(err->file, sizeof err->file, "%s", path);
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->code = code;
}

FILE *vmex_file_open(const char *path, vmex_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        file_error(err, path, VMEX_E_IO, "cannot read: %s", strerror(errno));
    return f;
}

int vmex_file_read(const char *path, size_t limit, char **data, size_t *len, vmex_error *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = vmex_file_open(path, err);
    if (!f)
        return -1;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int e = 0, big = 0, oom = 0;
    for (;;) {
        if (n == cap) {   /* room for limit + 1 bytes at most: one more says "too large" */
            size_t ncap = cap ? cap * 2 : 1 << 16;
            if (ncap > limit + 1)
                ncap = limit + 1;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                oom = 1;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        size_t want = cap - n, got = fread(buf + n, 1, want, f);
        n += got;
        if (n > limit) {
            big = 1;
            break;
        }
        if (got < want) {
            if (ferror(f))
                e = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (oom || big || e) {
        free(buf);
        if (oom)
            file_error(err, path, VMEX_E_NOMEM, "out of memory");
        else if (e)
            file_error(err, path, VMEX_E_IO, "cannot read: %s", strerror(e));
        else if (limit >= (2u << 20) && limit % (1u << 20) == 0)
            file_error(err, path, VMEX_E_INPUT, "file too large (the limit is %zu MiB)", limit >> 20);
        else   /* a limit of 1 MiB reads "1024 KiB", as the workload reader always said */
            file_error(err, path, VMEX_E_INPUT, "file too large (the limit is %zu KiB)", limit >> 10);
        return -1;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}
