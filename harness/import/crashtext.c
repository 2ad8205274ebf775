/*
 * crashtext.c - the text inside every crash-report format: the VM summary
 * table, the VM region info block, the legacy .crash report (iOS 14 and
 * earlier), sizes and OS versions, and the checks that refuse reports vmex
 * cannot model.  The JSON formats (crashreport.c) hand their text fields
 * here with a locator, so an error inside a JSON string still points at
 * FILE:LINE:COL of the file.
 */
#include "core/core.h"
#include "import/crashparse.h"
#include "model/devices.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ locations */
void _vmex_rc_locate(const char *text, size_t len, size_t off, uint32_t *line, uint32_t *col)
{
    uint32_t l = 1;
    size_t start = 0;
    for (size_t i = 0; i < off && i < len; i++)
        if (text[i] == '\n') {
            l++;
            start = i + 1;
        }
    *line = l;
    *col = (uint32_t)(off - start + 1);
}

/* Bytes a \uXXXX escape decodes to (json-c writes UTF-8). */
static size_t utf8_len(unsigned cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3; }

size_t _vmex_rsrc_off(const vmex_rctx *c, const vmex_rsrc *src, size_t i)
{
    if (!src->json)
        return src->base + i;
    /* walk the literal from after its quote, decoding escapes, until i bytes */
    size_t at = src->base + 1, got = 0;
    while (at < c->len && c->text[at] != '"' && got < i) {
        if (c->text[at] != '\\') {
            at++;
            got++;
            continue;
        }
        if (at + 5 < c->len && c->text[at + 1] == 'u') {
            unsigned cp = (unsigned)strtoul((char[]){c->text[at + 2], c->text[at + 3], c->text[at + 4],
                                                    c->text[at + 5], 0}, NULL, 16);
            if (cp >= 0xD800 && cp < 0xDC00 && at + 11 < c->len && c->text[at + 6] == '\\') {
                at += 12;   /* a surrogate pair: one 4-byte character */
                got += 4;
            } else {
                at += 6;
                got += utf8_len(cp);
            }
        } else {
            at += 2;
            got++;
        }
    }
    return at;
}

int _vmex_rc_fail(vmex_rctx *c, size_t off, const char *fmt, ...)
{
    vmex_error *e = c->err;
    uint32_t line, col;
    _vmex_rc_locate(c->text, c->len, off, &line, &col);
    snprintf(e->file, sizeof e->file, "%s", c->file ? c->file : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->line = (int)line;
    e->col = (int)col;
    e->code = VMEX_E_INPUT;
    return -1;
}

int _vmex_rc_note(vmex_report *r, const char *fmt, ...)
{
    char line[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    return vmex_buf_printf(&r->notes, "%s\n", line);
}

void _vmex_rc_copy(char *dst, size_t n, const char *src, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < len && k + 1 < n && src[i]; i++)
        dst[k++] = (unsigned char)src[i] < 0x20 ? ' ' : src[i];
    dst[k] = '\0';
}

void _vmex_rc_append(char *dst, size_t n, const char *s)
{
    size_t at = strlen(dst);
    if (!*s || at + 1 >= n)
        return;
    snprintf(dst + at, n - at, "%s%s", at ? " | " : "", s);
    for (char *p = dst + at; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
}

/* ------------------------------------------------------------ growing arrays */
/* Arrays grow by doubling from 16: room is needed at n == 0 and at every
 * power of two from 16 on. */
static int grow(void **v, uint32_t n, size_t each)
{
    if (n && (n < 16 || (n & (n - 1))))
        return 0;
    uint32_t cap = n ? n * 2 : 16;
    void *p = realloc(*v, cap * each);
    if (!p)
        return -1;
    *v = p;
    return 0;
}

static int no_memory(vmex_rctx *c)
{
    c->err->code = VMEX_E_NOMEM;
    vmex_error_set(c->err, 0, 0, "out of memory");
    return -1;
}

int _vmex_rc_frame(vmex_rctx *c, const char *image, const char *symbol, int crashed)
{
    vmex_report *r = c->r;
    if (r->nframes >= VMEX_REPORT_MAX_FRAMES)
        return 0;
    if (grow((void **)&r->frames, r->nframes, sizeof *r->frames))
        return no_memory(c);
    vmex_report_frame *f = &r->frames[r->nframes++];
    _vmex_rc_copy(f->image, sizeof f->image, image, strlen(image));
    _vmex_rc_copy(f->symbol, sizeof f->symbol, symbol, strlen(symbol));
    f->crashed = (uint8_t)crashed;
    return 0;
}

int _vmex_rc_image(vmex_rctx *c, uint64_t base, uint64_t size, const char *name, size_t name_len)
{
    vmex_report *r = c->r;
    r->images_total++;
    if (r->nimages >= VMEX_REPORT_MAX_IMAGES)
        return 0;
    if (grow((void **)&r->images, r->nimages, sizeof *r->images))
        return no_memory(c);
    vmex_report_image *im = &r->images[r->nimages++];
    im->base = base;
    im->size = size;
    _vmex_rc_copy(im->name, sizeof im->name, name, name_len);
    return 0;
}

/* ------------------------------------------------------------ numbers */
int _vmex_rc_size(const char *s, size_t n, uint64_t *out, int *unitless)
{
    size_t i = 0;
    uint64_t ip = 0, frac = 0, fdiv = 1;
    int digits = 0;
    for (; i < n && isdigit((unsigned char)s[i]); i++, digits++) {
        if (ip > VMEX_MAX_VALUE)
            return -2;
        ip = ip * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < n && s[i] == '.')
        for (i++; i < n && isdigit((unsigned char)s[i]); i++, digits++)
            if (fdiv < 1000000) {
                frac = frac * 10 + (uint64_t)(s[i] - '0');
                fdiv *= 10;
            }
    if (!digits)
        return -1;
    uint64_t unit = 1;
    *unitless = i == n;
    if (i < n) {
        const char *units = "BKMGT";
        const char *u = strchr(units, toupper((unsigned char)s[i]));
        if (!u || !*u)
            return -1;
        unit = 1ull << (10 * (u - units));
        i++;
        if (unit > 1 && i < n && s[i] == 'i')
            i++;
        if (unit > 1 && i < n && toupper((unsigned char)s[i]) == 'B')
            i++;
        if (i != n)
            return -1;
    }
    if (ip > (VMEX_MAX_VALUE - 1) / unit)
        return -2;
    uint64_t v = ip * unit + frac * unit / fdiv;
    if (v >= VMEX_MAX_VALUE)
        return -2;
    *out = v;
    return 0;
}

int _vmex_rc_os(vmex_report *r, const char *os)
{
    const char *p = os;
    while (*p && !(isdigit((unsigned char)*p) && (p == os || p[-1] == ' ')))
        p++;
    if (!*p)
        return -1;
    char *end;
    r->os_major = (uint32_t)strtoul(p, &end, 10);
    r->os_minor = r->os_patch = 0;
    if (*end == '.') {
        r->os_minor = (uint32_t)strtoul(end + 1, &end, 10);
        if (*end == '.')
            r->os_patch = (uint32_t)strtoul(end + 1, &end, 10);
    }
    return r->os_major > 0 && r->os_major < 100 ? 0 : -1;
}

/* ------------------------------------------------------------ refusals */
int _vmex_rc_platform(vmex_rctx *c, const char *path, size_t os_off)
{
    vmex_report *r = c->r;
    const char *os = r->os;
    if (strstr(path, "/CoreSimulator/") || strstr(os, "Simulator"))
        return _vmex_rc_fail(c, os_off, "a simulator report: the app ran in the Mac's address space, "
                                        "not an iPhone's, so there is nothing to model");
    static const char *const others[][2] = {
        {"macOS", "macOS"}, {"Mac OS", "macOS"}, {"OS X", "macOS"}, {"tvOS", "tvOS"}, {"TVOS", "tvOS"},
        {"TV OS", "tvOS"}, {"watchOS", "watchOS"}, {"Watch OS", "watchOS"}, {"visionOS", "visionOS"},
        {"xrOS", "visionOS"}, {"bridgeOS", "bridgeOS"},
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (strstr(os, others[i][0]))
            return _vmex_rc_fail(c, os_off, "a %s report ('%s'): vmex models the address space of iOS apps",
                                 others[i][1], os);
    if (!*os)
        return _vmex_rc_fail(c, os_off, "the report does not say its OS version");
    if (!strstr(os, "iPhone OS") && !strstr(os, "iOS") && !strstr(os, "iPadOS"))
        return _vmex_rc_fail(c, os_off, "unrecognised OS '%s': vmex models iOS and iPadOS", os);
    if (_vmex_rc_os(r, os))
        return _vmex_rc_fail(c, os_off, "no version number in the OS version '%s'", os);
    if (r->model[0]) {
        vmex_error *e = c->err;
        snprintf(e->file, sizeof e->file, "%s", c->file ? c->file : "");
        e->line = (int)r->model_line;
        e->col = (int)r->model_col;
        if (vmex_device_check(r->model, e))
            return -1;
    }
    if (!strncmp(r->cpu, "X86", 3) || !strncmp(r->cpu, "x86", 3))
        return _vmex_rc_fail(c, os_off, "an %s process: not an iPhone or iPad (the simulator or a Mac)", r->cpu);
    if (!strcmp(r->cpu, "ARM") || !strncmp(r->cpu, "ARM (", 5) || !strncmp(r->cpu, "ARMV7", 5))
        return _vmex_rc_fail(c, os_off, "a 32-bit (%s) process: vmex models the 64-bit address space", r->cpu);
    return 0;
}

/* ------------------------------------------------------------ lines */
typedef struct span { size_t s, e; } span;   /* [s, e) within a text */

/* The next line of t[0..n) at *at: its span without the newline or a CR. */
static int next_line(const char *t, size_t n, size_t *at, span *l)
{
    if (*at >= n)
        return 0;
    size_t s = *at, e = s;
    while (e < n && t[e] != '\n')
        e++;
    *at = e < n ? e + 1 : n;
    if (e > s && t[e - 1] == '\r')
        e--;
    *l = (span){s, e};
    return 1;
}

static span trim(const char *t, span l)
{
    while (l.s < l.e && isspace((unsigned char)t[l.s]))
        l.s++;
    while (l.e > l.s && isspace((unsigned char)t[l.e - 1]))
        l.e--;
    return l;
}

/* Whitespace-separated tokens of a line, at most max. */
static int tokens(const char *t, span l, span *tok, int max)
{
    int k = 0;
    size_t i = l.s;
    while (i < l.e && k < max) {
        while (i < l.e && isspace((unsigned char)t[i]))
            i++;
        if (i >= l.e)
            break;
        size_t s = i;
        while (i < l.e && !isspace((unsigned char)t[i]))
            i++;
        tok[k++] = (span){s, i};
    }
    return k;
}

static int starts(const char *t, span l, const char *p)
{
    size_t n = strlen(p);
    return l.e - l.s >= n && !memcmp(t + l.s, p, n);
}

static int contains(const char *t, span l, const char *p)
{
    size_t n = strlen(p);
    for (size_t i = l.s; i + n <= l.e; i++)
        if (!memcmp(t + i, p, n))
            return 1;
    return 0;
}

/* ------------------------------------------------------------ VM summary */
#define MAX_COLS 16

int _vmex_rc_summary(vmex_rctx *c, const vmex_rsrc *src)
{
    vmex_report *r = c->r;
    const char *t = src->s;
    size_t at = 0;
    span l;
    int ncols = 0, state = 0;   /* 0 before the header, 1 before the separator, 2 rows */
    while (next_line(t, src->n, &at, &l)) {
        span tl = trim(t, l);
        if (state == 0) {
            state = contains(t, l, "REGION TYPE");
            continue;
        }
        if (state == 1) {
            if (tl.s == tl.e || t[tl.s] != '=')
                return _vmex_rc_fail(c, _vmex_rsrc_off(c, src, l.s),
                                     "the VM summary's header is not followed by its ==== line");
            int runs = 0;
            for (size_t i = tl.s; i < tl.e; i++)
                runs += t[i] == '=' && (i == tl.s || t[i - 1] != '=');
            if (runs < 3 || runs > MAX_COLS)
                return _vmex_rc_fail(c, _vmex_rsrc_off(c, src, l.s),
                                     "the VM summary has %d columns; a type, a size and a count are needed",
                                     runs);
            ncols = runs - 1;
            state = 2;
            continue;
        }
        if (tl.s == tl.e || t[tl.s] == '=')
            break;                               /* the end of the rows */
        if (starts(t, tl, "TOTAL"))
            continue;
        span tok[MAX_COLS + 24];
        int nt = tokens(t, tl, tok, (int)(sizeof tok / sizeof tok[0]));
        size_t off = _vmex_rsrc_off(c, src, tl.s);
        if (nt < ncols + 1)
            return _vmex_rc_fail(c, off, "a VM summary row needs a type and %d columns", ncols);
        span sz = tok[nt - ncols], cnt = tok[nt - 1];
        span name = trim(t, (span){tl.s, sz.s});
        uint64_t size, count = 0;
        int unitless, rc = _vmex_rc_size(t + sz.s, sz.e - sz.s, &size, &unitless);
        if (rc)
            return _vmex_rc_fail(c, _vmex_rsrc_off(c, src, sz.s),
                                 rc == -2 ? "size '%.*s' of VM summary row '%.*s' is too large (the limit is 256t)"
                                          : "bad size '%.*s' in VM summary row '%.*s'",
                                 (int)(sz.e - sz.s), t + sz.s, (int)(name.e - name.s), t + name.s);
        for (size_t i = cnt.s; i < cnt.e; i++) {
            if (!isdigit((unsigned char)t[i]))
                return _vmex_rc_fail(c, _vmex_rsrc_off(c, src, cnt.s), "bad region count '%.*s' in row '%.*s'",
                                     (int)(cnt.e - cnt.s), t + cnt.s, (int)(name.e - name.s), t + name.s);
            count = count > (VMEX_REPORT_COUNT_MAX - 9) / 10 ? VMEX_REPORT_COUNT_MAX
                                                             : count * 10 + (uint64_t)(t[i] - '0');
        }
        if (size == 0)
            continue;                            /* nothing mapped */
        if (r->nrows >= VMEX_REPORT_MAX_ROWS) {
            if (_vmex_rc_note(r, "the VM summary has more than %d rows: the rest is left out",
                              VMEX_REPORT_MAX_ROWS))
                return no_memory(c);
            break;
        }
        if (grow((void **)&r->rows, r->nrows, sizeof *r->rows))
            return no_memory(c);
        vmex_report_row *row = &r->rows[r->nrows++];
        _vmex_rc_copy(row->type, sizeof row->type, t + name.s, name.e - name.s);
        row->size = size;
        row->count = count ? count : 1;
        row->unitless = (uint8_t)unitless;
        _vmex_rc_locate(c->text, c->len, off, &row->line, &row->col);
    }
    if (state < 2)
        return _vmex_rc_note(r, state ? "the VM summary ends after its header" : "the VM summary has no table")
               ? no_memory(c) : 0;
    r->has_summary = 1;
    return 0;
}

/* ------------------------------------------------------------ VM region info */
static int hex(const char *s, size_t n, uint64_t *v)
{
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
    }
    if (n == 0 || n > 16)
        return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        int d = isdigit((unsigned char)s[i]) ? s[i] - '0'
              : isxdigit((unsigned char)s[i]) ? tolower((unsigned char)s[i]) - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        x = x << 4 | (uint64_t)d;
    }
    *v = x;
    return 0;
}

/* "rw-/rwx" -> the current protection */
static int prot_token(const char *s, size_t n, uint8_t *prot)
{
    if (n != 7 || s[3] != '/')
        return -1;
    int rd = s[0] == 'r', wr = s[1] == 'w', ex = s[2] == 'x';
    *prot = (uint8_t)(wr ? VMEX_PROT_RW : rd && ex ? VMEX_PROT_RX : rd ? VMEX_PROT_R : VMEX_PROT_NONE);
    return 0;
}

int _vmex_rc_regions(vmex_rctx *c, const vmex_rsrc *src)
{
    vmex_report *r = c->r;
    const char *t = src->s;
    size_t at = 0;
    span l;
    r->has_regions = 1;
    while (next_line(t, src->n, &at, &l)) {
        span tok[24];
        int nt = tokens(t, l, tok, 24);
        if (nt && !r->has_fault_addr && starts(t, tok[0], "0x") && nt > 1 && starts(t, tok[1], "is")) {
            r->has_fault_addr = !hex(t + tok[0].s, tok[0].e - tok[0].s, &r->fault_addr);
            continue;
        }
        int k = -1;
        uint64_t lo = 0, hi = 0;
        for (int i = 0; i < nt && k < 0; i++) {
            const char *dash = memchr(t + tok[i].s, '-', tok[i].e - tok[i].s);
            if (dash && dash > t + tok[i].s && !hex(t + tok[i].s, (size_t)(dash - t - tok[i].s), &lo) &&
                !hex(dash + 1, (size_t)(t + tok[i].e - dash - 1), &hi))
                k = i;
        }
        if (k < 0)
            continue;                             /* a header, a gap, "UNUSED SPACE" */
        size_t off = _vmex_rsrc_off(c, src, tok[k].s);
        if (lo >= hi || hi > VMEX_MAX_VALUE)
            return _vmex_rc_fail(c, off, "bad region %.*s in the VM region info", (int)(tok[k].e - tok[k].s),
                                 t + tok[k].s);
        span name = {l.s, tok[k].s};
        int fault = 0;
        name = trim(t, name);
        if (starts(t, name, "--->")) {
            fault = 1;
            name.s += 4;
            name = trim(t, name);
        }
        uint8_t prot = VMEX_PROT_RW;
        for (int i = k + 1; i < nt; i++)
            if (!prot_token(t + tok[i].s, tok[i].e - tok[i].s, &prot))
                break;
        if (r->nregions >= VMEX_REPORT_MAX_REGIONS) {
            if (_vmex_rc_note(r, "the VM region info has more than %d regions: the rest is left out",
                              VMEX_REPORT_MAX_REGIONS))
                return no_memory(c);
            break;
        }
        if (grow((void **)&r->regions, r->nregions, sizeof *r->regions))
            return no_memory(c);
        vmex_report_region *g = &r->regions[r->nregions++];
        _vmex_rc_copy(g->type, sizeof g->type, t + name.s, name.e - name.s);
        if (!g->type[0])
            snprintf(g->type, sizeof g->type, "?");
        g->start = lo;
        g->end = hi;
        g->prot = prot;
        g->fault = (uint8_t)fault;
        _vmex_rc_locate(c->text, c->len, off, &g->line, &g->col);
    }
    return 0;
}

/* ------------------------------------------------------------ legacy .crash */
/* "Key:   value" at the start of a line: the value's span, or {0,0}. */
static span field(const char *t, span l, const char *key)
{
    size_t n = strlen(key);
    if (l.e - l.s <= n || memcmp(t + l.s, key, n) || t[l.s + n] != ':')
        return (span){0, 0};
    return trim(t, (span){l.s + n + 1, l.e});
}

#define FIELD_COPY(dst, sp) _vmex_rc_copy((dst), sizeof(dst), c->text + (sp).s, (sp).e - (sp).s)

/* "0   libsystem_kernel.dylib   0x00000001b5e2e414 __pthread_kill + 8" */
static int frame_line(vmex_rctx *c, span l, int crashed)
{
    const char *t = c->text;
    span tok[4];
    int nt = tokens(t, l, tok, 1);
    if (nt < 1 || !isdigit((unsigned char)t[tok[0].s]))
        return 0;
    size_t i = tok[0].e, a = 0;
    for (size_t j = i; j + 2 < l.e && !a; j++)
        if (t[j] == '0' && t[j + 1] == 'x' && isspace((unsigned char)t[j - 1]))
            a = j;
    if (!a)
        return 0;
    size_t ae = a;
    while (ae < l.e && !isspace((unsigned char)t[ae]))
        ae++;
    span img = trim(t, (span){i, a}), sym = trim(t, (span){ae, l.e});
    char image[64], symbol[160];
    _vmex_rc_copy(image, sizeof image, t + img.s, img.e - img.s);
    _vmex_rc_copy(symbol, sizeof symbol, t + sym.s, sym.e - sym.s);
    return _vmex_rc_frame(c, image, symbol, crashed);
}

/* "0x102cb0000 - 0x102cb3fff MyApp arm64  <uuid> /path" */
static int image_line(vmex_rctx *c, span l)
{
    const char *t = c->text;
    span tok[5];
    int nt = tokens(t, l, tok, 5);
    uint64_t lo, hi;
    if (nt < 4 || t[tok[1].s] != '-' || hex(t + tok[0].s, tok[0].e - tok[0].s, &lo) ||
        hex(t + tok[2].s, tok[2].e - tok[2].s, &hi))
        return 0;
    if (hi < lo || hi >= VMEX_MAX_VALUE)
        return _vmex_rc_fail(c, tok[0].s, "bad image range in Binary Images");
    const char *name = t + tok[3].s;
    size_t n = tok[3].e - tok[3].s;
    if (*name == '+') {                         /* "+MyApp": a legacy marker of the app's own images */
        name++;
        n--;
    }
    return _vmex_rc_image(c, lo, hi - lo + 1, name, n);
}

enum { B_NONE, B_ASI, B_REGIONS, B_FRAMES, B_BACKTRACE, B_IMAGES };

int _vmex_rc_legacy(vmex_rctx *c, size_t off)
{
    vmex_report *r = c->r;
    const char *t = c->text;
    size_t at = off, os_off = off, regions_at = 0, regions_end = 0, summary_at = 0;
    char path[256] = "";
    int block = B_NONE;
    span l, v;
    while (next_line(t, c->len, &at, &l)) {
        if (trim(t, l).s == trim(t, l).e) {      /* a blank line ends every block */
            if (block == B_REGIONS)
                regions_end = l.s;
            block = B_NONE;
            continue;
        }
        if (block == B_ASI) {
            char s[256];
            span tl = trim(t, l);
            _vmex_rc_copy(s, sizeof s, t + tl.s, tl.e - tl.s);
            _vmex_rc_append(r->asi, sizeof r->asi, s);
            continue;
        }
        if (block == B_REGIONS)
            continue;
        if ((block == B_FRAMES || block == B_BACKTRACE) && frame_line(c, l, block == B_FRAMES))
            return -1;
        if (block == B_IMAGES && image_line(c, l))
            return -1;
        if (block != B_NONE)
            continue;
        if ((v = field(t, l, "Hardware Model")).e) {
            FIELD_COPY(r->model, v);
            _vmex_rc_locate(t, c->len, v.s, &r->model_line, &r->model_col);
        } else if ((v = field(t, l, "OS Version")).e) {
            FIELD_COPY(r->os, v);
            os_off = v.s;
        } else if ((v = field(t, l, "Code Type")).e) {
            FIELD_COPY(r->cpu, v);
        } else if ((v = field(t, l, "Process")).e) {
            size_t e = v.s;
            while (e < v.e && t[e] != '[')
                e++;
            span p = trim(t, (span){v.s, e});
            FIELD_COPY(r->process, p);
        } else if ((v = field(t, l, "Path")).e) {
            FIELD_COPY(path, v);
        } else if ((v = field(t, l, "Exception Type")).e) {
            size_t e = v.s;
            while (e < v.e && !isspace((unsigned char)t[e]))
                e++;
            FIELD_COPY(r->exc_type, ((span){v.s, e}));
            const char *p = memchr(t + e, '(', v.e - e), *q = p ? memchr(p, ')', (size_t)(t + v.e - p)) : NULL;
            if (p && q)
                _vmex_rc_copy(r->exc_signal, sizeof r->exc_signal, p + 1, (size_t)(q - p - 1));
        } else if ((v = field(t, l, "Exception Subtype")).e) {
            FIELD_COPY(r->exc_subtype, v);
            const char *p = strstr(r->exc_subtype, " at 0x");
            if (p && !r->has_fault_addr)
                r->has_fault_addr = !hex(p + 4, strcspn(p + 4, " ,"), &r->fault_addr);
        } else if ((v = field(t, l, "Exception Codes")).e) {
            FIELD_COPY(r->exc_codes, v);
        } else if ((v = field(t, l, "Exception Message")).e || (v = field(t, l, "Exception Reason")).e) {
            FIELD_COPY(r->exc_message, v);
        } else if ((v = field(t, l, "Termination Reason")).e || (v = field(t, l, "Termination Signal")).e ||
                   (v = field(t, l, "Termination Description")).e) {
            char s[256];
            _vmex_rc_copy(s, sizeof s, t + v.s, v.e - v.s);
            _vmex_rc_append(r->termination, sizeof r->termination, s);
        } else if (starts(t, l, "Application Specific Information:")) {
            block = B_ASI;
        } else if ((v = field(t, l, "VM Region Info")).e) {
            block = B_REGIONS;
            regions_at = v.s;
            regions_end = c->len;
        } else if (starts(t, l, "VM Region Summary:") || starts(t, l, "VM Summary:")) {
            summary_at = summary_at ? summary_at : l.s;
        } else if (starts(t, l, "Thread ") && contains(t, l, " Crashed:")) {
            block = B_FRAMES;
        } else if (starts(t, l, "Last Exception Backtrace:")) {
            block = B_BACKTRACE;
        } else if (starts(t, l, "Binary Images:")) {
            block = B_IMAGES;
        }
    }
    if (regions_at) {
        vmex_rsrc src = {t + regions_at, regions_end - regions_at, regions_at, 0};
        if (_vmex_rc_regions(c, &src))
            return -1;
    }
    if (summary_at) {
        vmex_rsrc src = {t + summary_at, c->len - summary_at, summary_at, 0};
        if (_vmex_rc_summary(c, &src))
            return -1;
    }
    /* the main binary: the image named as the process (or its path), else the first */
    const char *base = strrchr(path, '/');
    for (uint32_t i = 0; i < r->nimages; i++) {
        const char *name = r->images[i].name;
        if (r->main_image < 0 && (!strcmp(name, r->process) || (base && !strcmp(name, base + 1))))
            r->main_image = (int32_t)i;
        if (r->dyld_image < 0 && !strcmp(r->images[i].name, "dyld"))
            r->dyld_image = (int32_t)i;
    }
    if (r->main_image < 0 && r->nimages)
        r->main_image = 0;
    return _vmex_rc_platform(c, path, os_off);
}
