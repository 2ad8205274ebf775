/*
 * hunt.c - hunt policies (which failed requests are findings) and finding
 * signatures.
 *
 * A policy is a list of clauses, each a class with optional lower bounds on
 * the margin (free_total / request) and on the request size; a failed
 * request is a finding when any clause takes it.  Signatures name a finding
 * by what stays stable under minimization: class, op kind, the log2 size
 * class of the request, and the profile.
 */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    return s;
}

int vmex_hunt_parse(const char *text, vmex_hunt *h, vmex_error *err)
{
    memset(h, 0, sizeof *h);
    const char *s = text;
    for (;;) {
        s = skip_ws(s);
        size_t n = strcspn(s, ":;, \t");
        char word[32];
        if (n == 0 || n >= sizeof word) {
            vmex_error_set(err, 0, (int)(s - text) + 1, "hunt: expected a class (%s)", &VMEX_CLASS_LIST[4]);
            return -1;
        }
        memcpy(word, s, n);
        word[n] = 0;
        int cls = vmex_class_parse(word);
        if (cls <= VMEX_OK) {
            vmex_error_set(err, 0, (int)(s - text) + 1, "hunt: unknown class '%s' (%s)", word, &VMEX_CLASS_LIST[4]);
            return -1;
        }
        if (h->n == VMEX_HUNT_MAX) {
            vmex_error_set(err, 0, (int)(s - text) + 1, "hunt: at most %d clauses", VMEX_HUNT_MAX);
            return -1;
        }
        h->c[h->n].cls = (uint8_t)cls;
        h->c[h->n].min_margin = 0;
        /* a jetsam finding is a touch, crash, hang and diverge are the run's:
         * their size says nothing, so no default bound */
        h->c[h->n].min_size = cls == VMEX_JETSAM || cls == VMEX_CRASH || cls == VMEX_HANG || cls == VMEX_DIVERGE ||
                                      cls == VMEX_RANGE_ERROR || cls == VMEX_PAS_PANIC || cls == VMEX_GC_ABORT
                                  ? 0 : VMEX_DEFAULT_LARGE;
        s = skip_ws(s + n);
        if (*s == ':') {
            do {
                s = skip_ws(s + 1);
                const char *cond = s;
                if (!strncmp(s, "margin>=", 8)) {
                    char *end;
                    double m = strtod(s + 8, &end);
                    if (end == s + 8 || !(m >= 0) || m > 1e12) {
                        vmex_error_set(err, 0, (int)(cond - text) + 1, "hunt: bad margin");
                        return -1;
                    }
                    h->c[h->n].min_margin = m;
                    s = end;
                } else if (!strncmp(s, "size>=", 6)) {
                    size_t m = strcspn(s + 6, ";, \t");
                    uint64_t v;
                    if (vmex_parse_number(s + 6, m, &v)) {
                        vmex_error_set(err, 0, (int)(cond - text) + 7, "hunt: bad size");
                        return -1;
                    }
                    h->c[h->n].min_size = v;
                    s += 6 + m;
                } else {
                    vmex_error_set(err, 0, (int)(cond - text) + 1, "hunt: expected margin>=X or size>=SIZE");
                    return -1;
                }
                s = skip_ws(s);
            } while (*s == ',');
        }
        h->n++;
        if (*s == 0) return 0;
        if (*s != ';') {
            vmex_error_set(err, 0, (int)(s - text) + 1, "hunt: unexpected '%c'", *s);
            return -1;
        }
        s++;
    }
}

/* the shortest decimal that reads back as exactly m */
static void format_margin(double m, char *buf, size_t n)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, m);
        if (strtod(buf, NULL) == m) return;
    }
}

void vmex_hunt_format(const vmex_hunt *h, char *buf, size_t n)
{
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < h->n && at < n; i++) {
        char sz[32];
        vmex_format_size(h->c[i].min_size, sz, sizeof sz);
        at += (size_t)snprintf(buf + at, n - at, "%s%s:", i ? ";" : "", vmex_class_name(h->c[i].cls));
        if (at < n && h->c[i].min_margin > 0) {
            char m[32];
            format_margin(h->c[i].min_margin, m, sizeof m);
            at += (size_t)snprintf(buf + at, n - at, "margin>=%s,", m);
        }
        if (at < n) at += (size_t)snprintf(buf + at, n - at, "size>=%s", sz);
    }
}

int vmex_hunt_match(const vmex_hunt *h, int cls, double margin, uint64_t req)
{
    for (uint32_t i = 0; i < h->n; i++)
        if (h->c[i].cls == cls && req >= h->c[i].min_size && margin >= h->c[i].min_margin) return 1;
    return 0;
}

/* JavaScriptCore's outcomes (target jsc): whether the window had the bytes
 * (frag: margin >= 1, real/jsc.c) after the class, and the top frame of a
 * crash at the end, file-name safe ("WTF.fastZeroedMalloc"). */
int vmex_result_signature(const vmex_result *res, const char *profile, char *buf, size_t n)
{
    int k = vmex_signature(res->verdict, res->req_kind, res->req, profile, buf, n);
    if (res->verdict == VMEX_RANGE_ERROR || res->verdict == VMEX_PAS_PANIC || res->verdict == VMEX_GC_ABORT) {
        char rest[128];
        const char *cls = vmex_class_name(res->verdict);
        snprintf(rest, sizeof rest, "%s", buf + strlen(cls));
        k = snprintf(buf, n, "%s-%s%s", cls, res->margin >= 1 ? "frag" : "exhausted", rest);
    }
    for (const char *f = res->frame; *f && k >= 0 && (size_t)k + 2 < n; f++) {
        if (f == res->frame) buf[k++] = '-';
        if (f[0] == ':' && f[1] == ':') f++;
        char c = *f;
        buf[k++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ? c : '.';
        buf[k] = '\0';
    }
    return k;
}

int vmex_signature(int cls, int op_kind, uint64_t req, const char *profile, char *buf, size_t n)
{
    int lg = 0;
    while (lg < 63 && (2ull << lg) <= req) lg++;
    return snprintf(buf, n, "%s-%s-2p%d-%s", vmex_class_name(cls), vmex_opkind_name(op_kind), req ? lg : 0,
                    profile);
}
