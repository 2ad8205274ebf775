/*
 * cli_out.c - the vmex command's output (cli.h): standard output buffered
 * and written once at the end, errors on stderr, files written atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
}

int cli_finish(int status)
{
    if (g_oom) {
        cli_errorf("out of memory");
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

/* ---------------------------------------------------------------- files */

/* Write all of data to fd; 0 or an errno. */
static int write_all(int fd, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        off += (size_t)w;
    }
    return 0;
}

/* Write data to path atomically: path.tmp.PID, then rename.  A path that
 * is a device or a pipe (-o /dev/null, a FIFO) is written in place: a
 * rename would replace it. */
int cli_write_atomic(const char *path, const char *data, size_t len)
{
    struct stat st;
    int err;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            err = EISDIR;
        } else {
            int fd = open(path, O_WRONLY | O_CLOEXEC);
            err = fd < 0 ? errno : write_all(fd, data, len);
            if (fd >= 0 && close(fd) != 0 && !err)
                err = errno;
        }
        if (err)
            cli_errorf("cannot write '%s': %s", path, strerror(err));
        return err ? -1 : 0;
    }
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        cli_errorf("out of memory");
        return -1;
    }
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        err = errno;
    } else {
        err = write_all(fd, data, len);
        if (close(fd) != 0 && !err)
            err = errno;
        if (!err && rename(tmp, path) != 0)
            err = errno;
        if (err)
            unlink(tmp);
    }
    if (err)
        cli_errorf("cannot write '%s': %s", path, strerror(err));
    free(tmp);
    return err ? -1 : 0;
}

int cli_make_dirs(const char *path)
{
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp) {
        cli_errorf("bad output directory '%s'", path);
        return -1;
    }
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] != '/' && tmp[i] != '\0')
            continue;
        char c = tmp[i];
        tmp[i] = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
            cli_errorf("cannot create '%s': %s", tmp, strerror(errno));
            return -1;
        }
        tmp[i] = c;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cli_errorf("'%s' is not a directory", path);
        return -1;
    }
    return 0;
}
