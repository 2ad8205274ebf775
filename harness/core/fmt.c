/*
 * fmt.c - values as text (fmt.h): exact sizes and their parser, sizes and
 * counts for people, grouped digits, entitlement sets.  The outputs are
 * part of the golden files (tests/golden/): reports, maps and headers
 * print through these.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/fmt.h"

/* ---------------------------------------------------------------- exact */

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

/* ---------------------------------------------------------------- for people */

/* x (in units of the suffix) with three significant digits, trailing zeros
 * of the fraction dropped: "1.71g", "12.3k", "258m", "2M". */
static void three_digits(double x, char suffix, char *buf, size_t n)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, x < 9.995 ? "%.2f" : x < 99.95 ? "%.1f" : "%.0f", x);
    char *dot = strchr(tmp, '.');
    if (dot) {
        char *e = tmp + strlen(tmp);
        while (e > dot + 1 && e[-1] == '0')
            *--e = '\0';
        if (e == dot + 1)
            *dot = '\0';
    }
    snprintf(buf, n, "%s%c", tmp, suffix);
}

void vmex_human_size(uint64_t v, char *buf, size_t n)
{
    static const char suf[] = "kmgt";
    if (v < 1024) {
        snprintf(buf, n, "%" PRIu64, v);
        return;
    }
    int u = 0;
    uint64_t unit = 1024;
    while (u < 3 && v / 1024 >= unit) {
        unit *= 1024;
        u++;
    }
    if (v % unit == 0) {
        snprintf(buf, n, "%" PRIu64 "%c", v / unit, suf[u]);
        return;
    }
    three_digits((double)v / (double)unit, suf[u], buf, n);
}

void vmex_human_count(uint64_t v, char *buf, size_t n)
{
    static const char suf[] = "kMGT";
    if (v < 1000) {
        snprintf(buf, n, "%" PRIu64, v);
        return;
    }
    double x = (double)v;
    int u = -1;
    while (x >= 999.95 && u < 3) {
        x /= 1000;
        u++;
    }
    three_digits(x, suf[u], buf, n);
}

void vmex_grouped(uint64_t v, char *buf, size_t n)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%" PRIu64, v), o = 0;
    if (n == 0)
        return;
    for (int i = 0; i < len && (size_t)o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
}

/* ---------------------------------------------------------------- sets */

void vmex_ents_text(uint32_t ents, char *buf, size_t n)
{
    size_t len = 0;
    if (n == 0)
        return;
    buf[0] = '\0';
    for (int i = 0; i < VMEX_ENT__COUNT; i++) {
        if (!(ents & (1u << i)))
            continue;
        int k = snprintf(buf + len, n - len, "%s%s", len ? "+" : "", vmex_ent_name(i));
        if (k < 0 || (size_t)k >= n - len)
            return;
        len += (size_t)k;
    }
    if (!len)
        snprintf(buf, n, "none");
}
