/*
 * crashreport.c - reading iOS crash reports into facts (crashreport.h):
 * telling the formats apart, the .ips JSON (a one-line header, then the
 * body) of crash reports (bug_type 309) and jetsam event reports (298),
 * read with json-c.  The text inside them, and the legacy .crash report,
 * are read by crashtext.c.  docs/crash-reports.md lists the fields used.
 */
#include "core/core.h"
#include "core/file.h"
#include "import/crashparse.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define JSON_DEPTH 64

const char *vmex_report_format_name(int f)
{
    static const char *const names[VMEX_REPORT__COUNT] = {"none", "ips", "crash", "jetsam"};
    return f >= 0 && f < VMEX_REPORT__COUNT ? names[f] : "?";
}

/* ------------------------------------------------------------ detection */
/* The bug_type in an .ips header line, or -1. */
static long header_bug_type(const char *s, size_t n)
{
    static const char key[] = "\"bug_type\"";
    for (size_t i = 0; i + sizeof key - 1 < n; i++) {
        if (memcmp(s + i, key, sizeof key - 1))
            continue;
        i += sizeof key - 1;
        while (i < n && (isspace((unsigned char)s[i]) || s[i] == ':' || s[i] == '"'))
            i++;
        if (i == n || !isdigit((unsigned char)s[i]))
            return -1;
        long v = 0;   /* within the n bytes: the text need not end with a NUL (strtol read past it) */
        while (i < n && isdigit((unsigned char)s[i]))
            v = v < 100000000 ? v * 10 + (s[i++] - '0') : (i++, v);
        return v;
    }
    return -1;
}

static size_t skip_bom(const char *text, size_t len)
{
    return len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

int vmex_report_detect(const char *text, size_t len)
{
    size_t at = skip_bom(text, len);
    if (at < len && text[at] == '{') {
        const char *nl = memchr(text + at, '\n', len - at);
        long bt = header_bug_type(text + at, nl ? (size_t)(nl - text) - at : len - at);
        return bt == 298 ? VMEX_REPORT_JETSAM : bt == 109 ? VMEX_REPORT_CRASH : bt >= 0 ? VMEX_REPORT_IPS
                                                                                      : VMEX_REPORT_NONE;
    }
    static const char *const keys[] = {"Incident Identifier:", "Hardware Model:", "Exception Type:", "OS Version:"};
    for (int lines = 0; at < len && lines < 60; lines++) {
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (len - at >= strlen(keys[k]) && !memcmp(text + at, keys[k], strlen(keys[k])))
                return VMEX_REPORT_CRASH;
        const char *nl = memchr(text + at, '\n', len - at);
        at = nl ? (size_t)(nl - text) + 1 : len;
    }
    return VMEX_REPORT_NONE;
}

/* ------------------------------------------------------------ lifecycle */
void vmex_report_init(vmex_report *r)
{
    memset(r, 0, sizeof *r);
    r->main_image = r->dyld_image = -1;
}

void vmex_report_free(vmex_report *r)
{
    free(r->images);
    free(r->rows);
    free(r->regions);
    free(r->frames);
    vmex_buf_free(&r->notes);
    vmex_report_init(r);
}

/* ------------------------------------------------------------ JSON helpers */
/* The file offset of a key's value in the JSON at [from, c->len), or `from`. */
static size_t key_off(const vmex_rctx *c, size_t from, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = from; i + n + 2 <= c->len; i++)
        if (c->text[i] == '"' && !memcmp(c->text + i + 1, key, n) && c->text[i + n + 1] == '"') {
            i += n + 2;
            while (i < c->len && (isspace((unsigned char)c->text[i]) || c->text[i] == ':'))
                i++;
            return i;
        }
    return from;
}

static json_object *jget(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* A string member into dst ("" when absent); a non-string is an error. */
static int jstr(vmex_rctx *c, size_t from, json_object *o, const char *key, char *dst, size_t n)
{
    json_object *v = jget(o, key);
    if (!v || json_object_is_type(v, json_type_null))
        return 0;
    if (!json_object_is_type(v, json_type_string))
        return _vmex_rc_fail(c, key_off(c, from, key), "%s must be a string", key);
    _vmex_rc_copy(dst, n, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    return 0;
}

/* A non-negative integer member (a number, or a string of digits as some
 * reports write them); *have 0 when absent. */
static int jnum(vmex_rctx *c, size_t from, json_object *o, const char *key, uint64_t *out, int *have)
{
    json_object *v = jget(o, key);
    *have = 0;
    if (!v || json_object_is_type(v, json_type_null))
        return 0;
    if (json_object_is_type(v, json_type_string)) {
        const char *s = json_object_get_string(v);
        char *end;
        errno = 0;
        *out = strtoull(s, &end, 0);
        if (*s && !*end && !errno && *s != '-') {
            *have = 1;
            return 0;
        }
    } else if (json_object_is_type(v, json_type_int)) {
        errno = 0;
        if (json_object_get_int64(v) >= 0 || json_object_get_uint64(v) > INT64_MAX) {
            *out = json_object_get_uint64(v);
            *have = !errno;
            if (*have)
                return 0;
        }
    }
    return _vmex_rc_fail(c, key_off(c, from, key), "%s must be a non-negative integer", key);
}

/* Parse one JSON document at [off, end): the object, or NULL with err. */
static json_object *parse_json(vmex_rctx *c, size_t off, size_t end, const char *what)
{
    json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
    if (!tok) {
        c->err->code = VMEX_E_NOMEM;
        vmex_error_set(c->err, 0, 0, "out of memory");
        return NULL;
    }
    json_object *o = json_tokener_parse_ex(tok, c->text + off, (int)(end - off));
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t stop = off + json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (je == json_tokener_continue) {
        _vmex_rc_fail(c, end, "the %s is truncated: the JSON ends inside an object or a string", what);
        return NULL;
    }
    if (!o || je != json_tokener_success) {
        json_object_put(o);
        _vmex_rc_fail(c, stop > off ? stop - 1 : off, "bad JSON in the %s: %s", what,
                      je != json_tokener_success ? json_tokener_error_desc(je) : "not a value");
        return NULL;
    }
    while (stop < end && isspace((unsigned char)c->text[stop]))
        stop++;
    if (stop < end || !json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        _vmex_rc_fail(c, stop < end ? stop : off,
                      stop < end ? "text after the %s's JSON" : "the %s is not a JSON object", what);
        return NULL;
    }
    return o;
}

/* A JSON string member holding text (the VM summary, the region info):
 * handed to crashtext.c with a locator into the file. */
static int text_member(vmex_rctx *c, size_t from, json_object *o, const char *key,
                       int (*parse)(vmex_rctx *, const vmex_rsrc *))
{
    json_object *v = jget(o, key);
    if (!v)
        return 0;
    size_t at = key_off(c, from, key);
    if (!json_object_is_type(v, json_type_string))
        return _vmex_rc_fail(c, at, "%s must be a string", key);
    vmex_rsrc src = {json_object_get_string(v), (size_t)json_object_get_string_len(v), at,
                     at < c->len && c->text[at] == '"'};
    return parse(c, &src);
}

/* ------------------------------------------------------------ .ips crash */
static int ips_frames(vmex_rctx *c, size_t from, json_object *frames, int crashed)
{
    vmex_report *r = c->r;
    size_t n = frames && json_object_is_type(frames, json_type_array) ? json_object_array_length(frames) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *f = json_object_array_get_idx(frames, i);
        char sym[160] = "", image[64] = "?";
        uint64_t idx = 0, off = 0;
        int have_idx, have_off;
        if (jstr(c, from, f, "symbol", sym, sizeof sym) || jnum(c, from, f, "imageIndex", &idx, &have_idx) ||
            jnum(c, from, f, "imageOffset", &off, &have_off))
            return -1;
        if (have_idx && idx < r->nimages)
            snprintf(image, sizeof image, "%s", r->images[idx].name);
        if (!sym[0] && have_off)
            snprintf(sym, sizeof sym, "0x%llx", (unsigned long long)off);
        if (_vmex_rc_frame(c, image, sym, crashed))
            return -1;
    }
    return 0;
}

static int ips_images(vmex_rctx *c, size_t from, json_object *b, const char *path)
{
    vmex_report *r = c->r;
    json_object *imgs = jget(b, "usedImages");
    if (imgs && !json_object_is_type(imgs, json_type_array))
        return _vmex_rc_fail(c, key_off(c, from, "usedImages"), "usedImages must be an array");
    size_t n = imgs ? json_object_array_length(imgs) : 0;
    char proc[64];
    snprintf(proc, sizeof proc, "%s", r->process);
    for (size_t i = 0; i < n; i++) {
        json_object *im = json_object_array_get_idx(imgs, i);
        uint64_t base = 0, size = 0;
        int hb, hs;
        char name[64] = "", ipath[256] = "";
        if (jnum(c, from, im, "base", &base, &hb) || jnum(c, from, im, "size", &size, &hs) ||
            jstr(c, from, im, "name", name, sizeof name) || jstr(c, from, im, "path", ipath, sizeof ipath))
            return -1;
        if (base >= VMEX_MAX_VALUE || size >= VMEX_MAX_VALUE)
            return _vmex_rc_fail(c, key_off(c, from, "usedImages"), "usedImages[%zu] lies beyond 256 TiB", i);
        /* every image keeps its index, so frames name theirs */
        if (_vmex_rc_image(c, base, size, name, strlen(name)))
            return -1;
        uint32_t k = r->nimages - 1;
        if (r->nimages && k == i && r->main_image < 0 && ((*path && !strcmp(ipath, path)) || !strcmp(name, proc)))
            r->main_image = (int32_t)k;
        if (r->nimages && k == i && r->dyld_image < 0 && !strcmp(name, "dyld"))
            r->dyld_image = (int32_t)k;
    }
    return 0;
}

static int ips_crash(vmex_rctx *c, size_t from, json_object *b)
{
    vmex_report *r = c->r;
    char path[256] = "", s[256];
    if (jstr(c, from, b, "modelCode", r->model, sizeof r->model) ||
        jstr(c, from, b, "cpuType", r->cpu, sizeof r->cpu) ||
        jstr(c, from, b, "procName", r->process, sizeof r->process) ||
        jstr(c, from, b, "procPath", path, sizeof path))
        return -1;
    if (r->model[0])
        _vmex_rc_locate(c->text, c->len, key_off(c, from, "modelCode") + 1, &r->model_line, &r->model_col);
    json_object *exc = jget(b, "exception"), *term = jget(b, "termination");
    if (jstr(c, from, exc, "type", r->exc_type, sizeof r->exc_type) ||
        jstr(c, from, exc, "signal", r->exc_signal, sizeof r->exc_signal) ||
        jstr(c, from, exc, "subtype", r->exc_subtype, sizeof r->exc_subtype) ||
        jstr(c, from, exc, "codes", r->exc_codes, sizeof r->exc_codes) ||
        jstr(c, from, exc, "message", r->exc_message, sizeof r->exc_message))
        return -1;
    const char *at = strstr(r->exc_subtype, " at 0x");
    if (at)
        r->has_fault_addr = (r->fault_addr = strtoull(at + 4, NULL, 16)) != 0 || at[6] == '0';
    uint64_t code = 0;
    int have;
    char ns[64] = "", ind[160] = "";
    if (jstr(c, from, term, "namespace", ns, sizeof ns) || jnum(c, from, term, "code", &code, &have) ||
        jstr(c, from, term, "indicator", ind, sizeof ind))
        return -1;
    if (ns[0] || ind[0]) {
        snprintf(s, sizeof s, "Namespace %s, Code %llu%s%s", ns[0] ? ns : "?", (unsigned long long)code,
                 ind[0] ? ", " : "", ind);
        _vmex_rc_append(r->termination, sizeof r->termination, s);
    }
    json_object *reasons = jget(term, "reasons");
    for (size_t i = 0; reasons && json_object_is_type(reasons, json_type_array) &&
                       i < json_object_array_length(reasons); i++)
        _vmex_rc_append(r->termination, sizeof r->termination,
                        json_object_get_string(json_object_array_get_idx(reasons, i)));
    json_object *asi = jget(b, "asi");
    if (asi && json_object_is_type(asi, json_type_object)) {
        json_object_object_foreach(asi, key, val) {
            size_t n = json_object_is_type(val, json_type_array) ? json_object_array_length(val) : 1;
            for (size_t i = 0; i < n; i++) {
                json_object *e = json_object_is_type(val, json_type_array) ? json_object_array_get_idx(val, i) : val;
                snprintf(s, sizeof s, "%s: %s", key, e ? json_object_get_string(e) : "");
                _vmex_rc_append(r->asi, sizeof r->asi, s);
            }
        }
    }
    if (ips_images(c, from, b, path))
        return -1;
    if (r->main_image < 0 && r->nimages)
        r->main_image = 0;
    json_object *sc = jget(b, "sharedCache");
    int hb = 0, hs = 0;
    if (jnum(c, from, sc, "base", &r->shared_base, &hb) || jnum(c, from, sc, "size", &r->shared_size, &hs))
        return -1;
    r->has_shared = hb && hs;
    /* the crashed thread: "triggered", else faultingThread */
    json_object *threads = jget(b, "threads");
    uint64_t ft = 0;
    int hft;
    if (jnum(c, from, b, "faultingThread", &ft, &hft))
        return -1;
    size_t nt = threads && json_object_is_type(threads, json_type_array) ? json_object_array_length(threads) : 0;
    for (size_t i = 0; i < nt; i++) {
        json_object *th = json_object_array_get_idx(threads, i), *trig = jget(th, "triggered");
        if ((trig && json_object_get_boolean(trig)) || (!trig && hft && ft == i)) {
            if (ips_frames(c, from, jget(th, "frames"), 1))
                return -1;
            break;
        }
    }
    if (ips_frames(c, from, jget(b, "lastExceptionBacktrace"), 0))
        return -1;
    if (text_member(c, from, b, "vmSummary", _vmex_rc_summary) ||
        text_member(c, from, b, "vmRegionInfo", _vmex_rc_regions))
        return -1;
    if (!jget(b, "vmSummary") && _vmex_rc_note(r, "the report has no vmSummary"))
        return -1;
    return _vmex_rc_platform(c, path, key_off(c, 0, r->os[0] ? "os_version" : "osVersion"));
}

/* ------------------------------------------------------------ jetsam */
static int jetsam(vmex_rctx *c, size_t from, json_object *b)
{
    vmex_report *r = c->r;
    if (jstr(c, from, b, "product", r->model, sizeof r->model))
        return -1;
    if (r->model[0])
        _vmex_rc_locate(c->text, c->len, key_off(c, from, "product") + 1, &r->model_line, &r->model_col);
    if (!r->os[0] && jstr(c, from, b, "build", r->os, sizeof r->os))
        return -1;
    uint64_t page = 0;
    int have;
    if (jnum(c, from, jget(b, "memoryStatus"), "pageSize", &page, &have) ||
        (!have && jnum(c, from, b, "pageSize", &page, &have)))
        return -1;
    if (!have || !page || page > (1u << 20) || (page & (page - 1))) {
        page = VMEX_PAGE;
        if (_vmex_rc_note(r, "the report gives no page size: 16 KiB pages assumed"))
            return -1;
    }
    r->page_size = (uint32_t)page;
    char largest[64] = "";
    if (jstr(c, from, b, "largestProcess", largest, sizeof largest))
        return -1;
    json_object *procs = jget(b, "processes");
    if (!procs || !json_object_is_type(procs, json_type_array))
        return _vmex_rc_fail(c, key_off(c, from, "processes"), "a jetsam report needs its processes array");
    /* the process that was killed: the largest one if it has a reason, else
     * the first killed for its own limit, else the first killed at all */
    size_t n = json_object_array_length(procs);
    int pick = -1, rank = 0;
    for (size_t i = 0; i < n; i++) {
        json_object *p = json_object_array_get_idx(procs, i);
        char name[64] = "", reason[48] = "";
        if (jstr(c, from, p, "name", name, sizeof name) || jstr(c, from, p, "reason", reason, sizeof reason))
            return -1;
        int k = !reason[0] ? 0 : !strcmp(name, largest) ? 3 : !strcmp(reason, "per-process-limit") ? 2 : 1;
        if (k > rank) {
            rank = k;
            pick = (int)i;
        }
    }
    r->jetsam_processes = (uint32_t)n;
    if (pick < 0)
        return _vmex_rc_note(r, "no process of the jetsam report was killed (none has a reason)");
    json_object *p = json_object_array_get_idx(procs, (size_t)pick);
    uint64_t rpages = 0, peak = 0;
    int h1, h2;
    if (jstr(c, from, p, "name", r->process, sizeof r->process) ||
        jstr(c, from, p, "reason", r->jetsam_reason, sizeof r->jetsam_reason) ||
        jnum(c, from, p, "rpages", &rpages, &h1) || jnum(c, from, p, "lifetimeMax", &peak, &h2))
        return -1;
    if (rpages > VMEX_MAX_VALUE / page || peak > VMEX_MAX_VALUE / page)
        return _vmex_rc_fail(c, key_off(c, from, "rpages"), "the page counts of %s are beyond 256 TiB", r->process);
    r->footprint = rpages * page;
    r->peak = peak * page;
    json_object *states = jget(p, "states");
    for (size_t i = 0; states && json_object_is_type(states, json_type_array) && i < json_object_array_length(states);
         i++)
        _vmex_rc_append(r->jetsam_states, sizeof r->jetsam_states,
                        json_object_get_string(json_object_array_get_idx(states, i)));
    return _vmex_rc_platform(c, "", key_off(c, 0, "os_version"));
}

/* ------------------------------------------------------------ parse */
/* EXC_RESOURCE of type MEMORY (a per-process memory limit, fatal) in a crash
 * report: the limit from "... 2098 MB ...". */
static void memory_limit(vmex_report *r)
{
    if (strcmp(r->exc_type, "EXC_RESOURCE") ||
        (!strstr(r->exc_subtype, "MEMORY") && !strstr(r->exc_message, "MEMORY") && !strstr(r->exc_message, "memory")))
        return;
    snprintf(r->jetsam_reason, sizeof r->jetsam_reason, "per-process-limit");
    const char *fields[] = {r->exc_subtype, r->exc_message, r->termination, r->asi};
    for (size_t f = 0; f < 4 && !r->limit; f++)
        for (const char *p = fields[f]; (p = strstr(p, " MB")); p++) {
            const char *q = p;
            while (q > fields[f] && isdigit((unsigned char)q[-1]))
                q--;
            if (q < p) {
                r->limit = strtoull(q, NULL, 10) << 20;
                break;
            }
        }
    r->footprint = r->limit;
}

int vmex_report_parse(const char *text, size_t len, const char *file, vmex_report *r, vmex_error *err)
{
    vmex_report_free(r);
    memset(err, 0, sizeof *err);
    snprintf(r->file, sizeof r->file, "%s", file ? file : "");
    vmex_rctx c = {text, len, file, r, err};
    int fmt = vmex_report_detect(text, len), rc = 0;
    size_t at = skip_bom(text, len);
    if (fmt == VMEX_REPORT_NONE) {
        rc = _vmex_rc_fail(&c, at, "not a crash report: no .ips header line with a bug_type and no "
                                   "'Incident Identifier:' or 'Exception Type:' lines");
        goto out;
    }
    r->format = fmt;
    if (text[at] != '{') {
        rc = _vmex_rc_legacy(&c, at);
        goto out;
    }
    const char *nl = memchr(text + at, '\n', len - at);
    size_t hend = nl ? (size_t)(nl - text) : len, body = nl ? hend + 1 : len;
    json_object *h = parse_json(&c, at, hend, "header line"), *b = NULL;
    if (!h) {
        rc = -1;
        goto out;
    }
    r->bug_type = (int)header_bug_type(text + at, hend - at);
    if ((rc = jstr(&c, at, h, "os_version", r->os, sizeof r->os)))
        goto done;
    size_t first = body;
    while (first < len && isspace((unsigned char)text[first]))
        first++;
    if (first >= len) {
        rc = _vmex_rc_fail(&c, body, "the header (bug_type %d) is not followed by the report's body", r->bug_type);
        goto done;
    }
    if (r->bug_type == 109) {
        rc = _vmex_rc_legacy(&c, body);
        goto done;
    }
    if (r->bug_type != 309 && r->bug_type != 298) {
        rc = _vmex_rc_fail(&c, key_off(&c, at, "bug_type"), "bug_type %d is not a crash report (309, 109) or a "
                                                             "jetsam event report (298)", r->bug_type);
        goto done;
    }
    if (!(b = parse_json(&c, first, len, "report body"))) {
        rc = -1;
        goto done;
    }
    if (!r->os[0]) {
        char train[64] = "", build[32] = "";
        json_object *ov = jget(b, "osVersion");
        if ((rc = jstr(&c, first, ov, "train", train, sizeof train)) ||
            (rc = jstr(&c, first, ov, "build", build, sizeof build)))
            goto done;
        snprintf(r->os, sizeof r->os, "%s%s%s%s", train, build[0] ? " (" : "", build, build[0] ? ")" : "");
    }
    rc = r->bug_type == 298 ? jetsam(&c, first, b) : ips_crash(&c, first, b);
done:
    json_object_put(h);
    json_object_put(b);
out:
    if (rc == 0 && fmt != VMEX_REPORT_JETSAM)
        memory_limit(r);
    if (rc)
        vmex_report_free(r);
    snprintf(r->file, sizeof r->file, "%s", file ? file : "");
    return rc;
}

int vmex_report_head(FILE *f, char *head, size_t cap, size_t *n, const char *label, vmex_error *err)
{
    memset(err, 0, sizeof *err);
    *n = 0;
    while (*n < cap) {
        size_t got = fread(head + *n, 1, cap - *n, f);
        *n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err->file, sizeof err->file, "%s", label);
        err->code = VMEX_E_IO;
        vmex_error_set(err, 0, 0, "cannot read: %s", strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}

int vmex_report_parse_stream(FILE *f, const char *label, const char *head, size_t nhead, vmex_report *r,
                             vmex_error *err)
{
    memset(err, 0, sizeof *err);
    char *data = NULL;
    size_t len = 0;
    int e = 0;
    if (nhead > VMEX_REPORT_MAX_FILE)
        nhead = VMEX_REPORT_MAX_FILE + 1;
    /* grow by doubling to the limit (+1 byte, to see a longer file) */
    for (size_t cap = 0; !e && len == cap && cap <= VMEX_REPORT_MAX_FILE;) {
        size_t ncap = cap ? (cap * 2 > VMEX_REPORT_MAX_FILE + 1 ? VMEX_REPORT_MAX_FILE + 1 : cap * 2) : 1 << 16;
        while (ncap < nhead)
            ncap *= 2;
        if (ncap > VMEX_REPORT_MAX_FILE + 1)
            ncap = VMEX_REPORT_MAX_FILE + 1;
        if (ncap == cap)
            break;
        char *nd = realloc(data, ncap);
        if (!nd) {
            e = ENOMEM;
            break;
        }
        data = nd;
        if (len < nhead) {
            memcpy(data, head, nhead);
            len = nhead;
        }
        len += fread(data + len, 1, ncap - len, f);
        cap = ncap;
        if (ferror(f))
            e = errno ? errno : EIO;
    }
    if (e || len > VMEX_REPORT_MAX_FILE) {
        free(data);
        vmex_report_free(r);
        snprintf(err->file, sizeof err->file, "%s", label);
        err->code = e == ENOMEM ? VMEX_E_NOMEM : e ? VMEX_E_IO : VMEX_E_INPUT;
        if (e)
            vmex_error_set(err, 0, 0, "cannot read: %s", strerror(e));
        else
            vmex_error_set(err, 0, 0, "file too large for a crash report (the limit is %u MiB)",
                           VMEX_REPORT_MAX_FILE >> 20);
        return -1;
    }
    int rc = vmex_report_parse(data ? data : "", len, label, r, err);
    free(data);
    return rc;
}

int vmex_report_parse_file(const char *path, vmex_report *r, vmex_error *err)
{
    FILE *f = vmex_file_open(path, err);
    if (!f) {
        vmex_report_free(r);
        return -1;
    }
    int rc = vmex_report_parse_stream(f, path, NULL, 0, r, err);
    fclose(f);
    return rc;
}
