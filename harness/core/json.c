/*
 * json.c - writing JSON (json.h).  `run --json`, the probes, triage and
 * the stress series print through these: their output is pinned by the
 * golden files (tests/golden/).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/core.h"
#include "core/json.h"
#include "core/utf8.h"

static const char *json_escape(uint32_t cp, int bad, char *tmp)
{
    if (bad)
        return "\\ufffd";
    switch (cp) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    }
    if (cp < 0x20 || cp == 0x7f) {
        snprintf(tmp, 16, "\\u%04x", (unsigned)cp);
        return tmp;
    }
    return NULL;
}

int vmex_json_str(vmex_buf *b, const char *s)
{
    if (!s)
        return VMEX_PUTS(b, "null");
    int rc = VMEX_PUTS(b, "\"");
    rc = rc ? rc : vmex_utf8_escape(b, s, json_escape);
    return rc ? rc : VMEX_PUTS(b, "\"");
}

int vmex_json_double(vmex_buf *b, double v)
{
    if (!isfinite(v))
        return VMEX_PUTS(b, "null");
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.6g", v);
    /* %g may give "1e+06": valid JSON; make sure no locale comma sneaks in */
    for (char *c = tmp; *c; c++)
        if (*c == ',')
            *c = '.';
    return vmex_buf_put(b, tmp, strlen(tmp));
}

/* ---------------------------------------------------------------- writer */

void vmex_jw_init(vmex_jw *w, vmex_buf *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

/* Before a value: its comma, unless it is the first of its container or
 * follows its key. */
static void value(vmex_jw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (w->depth > 0) {
        uint32_t bit = 1u << (w->depth - 1);
        if ((w->full & bit) && vmex_buf_put(w->b, ",", 1))
            w->rc = -1;
        w->full |= bit;
    }
}

static void put(vmex_jw *w, int rc)
{
    if (rc)
        w->rc = -1;
}

void vmex_jw_open(vmex_jw *w, char bracket)
{
    VMEX_ASSERT(w->depth < VMEX_JW_DEPTH && (bracket == '{' || bracket == '['));
    value(w);
    put(w, vmex_buf_put(w->b, &bracket, 1));
    w->full &= ~(1u << w->depth);
    w->depth++;
}

void vmex_jw_close(vmex_jw *w, char bracket)
{
    VMEX_ASSERT(w->depth > 0 && !w->after_key && (bracket == '}' || bracket == ']'));
    w->depth--;
    put(w, vmex_buf_put(w->b, &bracket, 1));
}

void vmex_jw_key(vmex_jw *w, const char *key)
{
    VMEX_ASSERT(key && !w->after_key);
    value(w);
    put(w, vmex_json_str(w->b, key));
    put(w, VMEX_PUTS(w->b, ":"));
    w->after_key = 1;
}

void vmex_jw_str(vmex_jw *w, const char *s)
{
    value(w);
    put(w, vmex_json_str(w->b, s));
}

void vmex_jw_u64(vmex_jw *w, uint64_t v)
{
    value(w);
    put(w, vmex_buf_printf(w->b, "%" PRIu64, v));
}

void vmex_jw_i64(vmex_jw *w, int64_t v)
{
    value(w);
    put(w, vmex_buf_printf(w->b, "%" PRId64, v));
}

void vmex_jw_double(vmex_jw *w, double v)
{
    value(w);
    put(w, vmex_json_double(w->b, v));
}

void vmex_jw_bool(vmex_jw *w, int v)
{
    vmex_jw_raw(w, v ? "true" : "false");
}

void vmex_jw_null(vmex_jw *w)
{
    vmex_jw_raw(w, "null");
}

void vmex_jw_raw(vmex_jw *w, const char *json)
{
    value(w);
    put(w, vmex_buf_put(w->b, json, strlen(json)));
}
