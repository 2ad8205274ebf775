/*
 * util.c - small shared utilities: error reporting, the growable text
 * buffer, and size formatting/parsing.
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

/* ---------------------------------------------------------------- sizes */

void vmex_format_size(uint64_t v, char *buf, size_t n)
{
    static const char suffix[] = "tgmk";
    for (int i = 0; v && i < 4; i++) {
        unsigned shift = 40 - 10 * (unsigned)i;
        if ((v & ((1ull << shift) - 1)) == 0) {
            snprintf(buf, n, "%llu%c", (unsigned long long)(v >> shift), suffix[i]);
            return;
        }
    }
    snprintf(buf, n, "%llu", (unsigned long long)v);
}

/* Decimal or 0x hex with an optional k/m/g/t (binary) suffix.  Returns 0,
 * -1 for a malformed number, or -2 when the value does not fit: then *out
 * is the value if it fits in 64 bits (so >= VMEX_MAX_VALUE, never 0) and 0
 * when it overflows 64 bits. */
int vmex_parse_number(const char *s, size_t n, uint64_t *out)
{
    size_t i = 0;
    unsigned base = 10;
    uint64_t v = 0;
    int over = 0;

    *out = 0;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    size_t start = i;
    for (; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            over = 1;
        else
            v = v * base + d;
    }
    if (i == start)
        return -1;
    if (i < n) {
        unsigned shift;
        switch (s[i]) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        case 't': case 'T': shift = 40; break;
        default: return -1;
        }
        if (++i != n)
            return -1;
        if (v > (UINT64_MAX >> shift))
            over = 1;
        else
            v <<= shift;
    }
    if (over)
        return -2;
    *out = v;
    return v >= VMEX_MAX_VALUE ? -2 : 0;
}
