/*
 * util.c - small shared utilities: error reporting and the growable text
 * buffer.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"

void _vmex_fatal(const char *file, int line, const char *what)
{
    char num[16];
    int n = 0;
    char tmp[16];
    unsigned v = line > 0 ? (unsigned)line : 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v && n < (int)sizeof tmp);
    for (int i = 0; i < n; i++)
        num[i] = tmp[n - 1 - i];
    const char *parts[] = {"vmex: fatal: ", file, ":", NULL, ": ", what, "\n"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        const char *s = parts[i] ? parts[i] : num;
        size_t len = parts[i] ? strlen(s) : (size_t)n;
        if (write(2, s, len) < 0)
            break;
    }
    abort();
}

void vmex_error_print(const vmex_error *e, FILE *to)
{
    if (e->file[0])
        fprintf(to, "%s:", e->file);
    if (e->line > 0) {
        fprintf(to, "%d:", e->line);
        if (e->col > 0)
            fprintf(to, "%d:", e->col);
    }
    fprintf(to, "%serror: %s\n", (e->file[0] || e->line > 0) ? " " : "", e->msg);
}

void vmex_error_set(vmex_error *e, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->line = line;
    e->col = col;
}

int vmex_error_nomem(vmex_error *e)
{
    vmex_error_set(e, 0, 0, "out of memory");
    e->code = VMEX_E_NOMEM;
    return -1;
}

/* ---------------------------------------------------------------- buffer */

static int buf_reserve(vmex_buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        return -1;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

void vmex_buf_free(vmex_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int vmex_buf_put(vmex_buf *b, const void *s, size_t n)
{
    if (buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int vmex_buf_printf(vmex_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_reserve(b, (size_t)n) < 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}
