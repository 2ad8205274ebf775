/*
 * cli_out.c - the vmex command's output (cli.h): standard output buffered
 * and written once at the end, after the files (cli_write.c); errors on
 * stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"
#include "cli/cli.h"
#include "report/plot.h"
#include "report/report.h"

static vmex_buf g_out;      /* everything for standard output */
static int g_oom;

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    fputs("vmex: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_outf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        g_oom = 1;
        return;
    }
    char small[512], *p = (size_t)n < sizeof small ? small : malloc((size_t)n + 1);
    if (!p) {
        g_oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    if (vmex_buf_put(&g_out, p, (size_t)n) < 0)
        g_oom = 1;
    if (p != small)
        free(p);
}

vmex_buf *cli_out(void)
{
    return &g_out;
}

void cli_outb(int rc)
{
    if (rc)
        g_oom = 1;
}

void cli_discard(void)
{
    vmex_buf_free(&g_out);
    cli_files_discard();
}

int cli_finish(int status)
{
    if (g_oom) {
        cli_errorf("out of memory");
        cli_discard();
        return 2;
    }
    /* the files first: when they cannot be written, nothing is said */
    if (cli_files_end(status) == 2 && status != 2) {
        vmex_buf_free(&g_out);
        return 2;
    }
    if (g_out.len && fwrite(g_out.p, 1, g_out.len, stdout) != g_out.len)
        status = -1;
    vmex_buf_free(&g_out);
    if (fflush(stdout) != 0 || ferror(stdout))
        status = -1;
    if (status < 0) {
        cli_errorf("writing standard output: %s", strerror(errno ? errno : EIO));
        return 2;
    }
    return status;
}

const char *cli_hs(uint64_t v, char *buf, size_t n)
{
    vmex_human_size(v, buf, n);
    return buf;
}

const char *cli_hc(uint64_t v, char *buf, size_t n)
{
    vmex_human_count(v, buf, n);
    return buf;
}

const char *cli_gr(uint64_t v, char *buf, size_t n)
{
    vmex_grouped(v, buf, n);
    return buf;
}
