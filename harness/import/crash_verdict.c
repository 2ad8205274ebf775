/*
 * crash_verdict.c - the verdict on a crash report (vmex_report_verdict,
 * crashreport.h): what in the report points at memory, then the
 * reconstructed program on the model, op by op, on the report's device
 * and on its neighbours with and without the entitlements that change
 * the address space or the footprint limit:
 *
 *   address-space exhaustion  the request is bigger than all the free
 *                             space, or the report's own mappings do not
 *                             fit the profile;
 *   fragmentation             enough free space, no hole big enough;
 *   jetsam (footprint) kill   the footprint passed the limit;
 *   not a memory crash        nothing points at memory;
 *   undetermined              memory, but the reconstruction does not
 *                             reproduce the failure.
 *
 * A chain of fallbacks (Dart's halving reservations) stops at the first
 * request that fits, as the app does.
 */
#include "core/core.h"
#include "import/recon.h"
#include "model/devices.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *vmex_cause_name(int c)
{
    static const char *const n[VMEX_CAUSE__COUNT] = {"not a memory crash", "address-space exhaustion",
                                                     "fragmentation", "jetsam (footprint) kill", "undetermined"};
    return c >= 0 && c < VMEX_CAUSE__COUNT ? n[c] : "?";
}

/* ------------------------------------------------------------ memory evidence */
/* Does text hold needle (ASCII case-insensitive when icase)? */
static const char *has(const char *text, const char *needle, int icase)
{
    return icase ? strcasestr(text, needle) : strstr(text, needle);
}

/* The first frame of the crashed thread (or the exception backtrace) whose
 * symbol holds needle, or NULL. */
static const vmex_report_frame *frame_with(const vmex_report *r, const char *needle)
{
    for (uint32_t i = 0; i < r->nframes; i++)
        if (strstr(r->frames[i].symbol, needle))
            return &r->frames[i];
    return NULL;
}

/* Text fields where allocators say why they gave up. */
static const char *said(const vmex_report *r, const char *needle, int icase)
{
    const char *f[] = {r->asi, r->exc_message, r->termination, r->exc_subtype};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (has(f[i], needle, icase))
            return has(f[i], needle, icase);
    return NULL;
}

int _vmex_report_memory(const vmex_report *r, uint64_t *size, vmex_buf *why)
{
    int kind = VMEX_REQ_NONE, oom = 0;
    const vmex_report_frame *f;
    const char *s;
    *size = 0;
    if (r->format == VMEX_REPORT_JETSAM || r->jetsam_reason[0]) {
        oom |= vmex_buf_printf(why, "%s was killed by jetsam (reason %s)\n", r->process[0] ? r->process : "the app",
                               r->jetsam_reason[0] ? r->jetsam_reason : "not given");
        return oom ? -1 : VMEX_REQ_FOOTPRINT;
    }
    static const char *const maps[] = {"mach_vm_map(size=", "vm_allocate(size=", "mmap(size="};
    for (size_t i = 0; i < 3 && !*size; i++)
        if ((s = said(r, maps[i], 0))) {
            *size = strtoull(s + strlen(maps[i]), NULL, 0);
            const char *code = strstr(s, "error code=");
            oom |= vmex_buf_printf(why, "the report says '%.*s': libmalloc could not map %" PRIu64 " bytes%s\n",
                                   (int)strcspn(s, "|\n"), s, *size,
                                   code && atoi(code + 11) == 3 ? " (error 3 is KERN_NO_SPACE: no room in the "
                                                                  "address space)" : "");
            if (*size && *size < VMEX_MAX_VALUE)
                kind = VMEX_REQ_MALLOC;
            else
                *size = 0;
        }
    if ((f = frame_with(r, "pas_panic_on_out_of_memory_error"))) {
        oom |= vmex_buf_printf(why, "the crashed thread is in %s: libpas (WebKit's allocator) could not get "
                                    "memory from the system\n", f->symbol);
        kind = kind ? kind : VMEX_REQ_PAS;
    }
    if ((s = said(r, "Failed to reserve region", 0)) || (f = frame_with(r, "Failed to reserve region"))) {
        oom |= vmex_buf_printf(why, "the report says 'Failed to reserve region': the Dart VM could not reserve "
                                    "its compressed-pointer heap\n");
        kind = kind ? kind : VMEX_REQ_DART;
    }
    if ((f = frame_with(r, "malloc_error_break")))
        oom |= vmex_buf_printf(why, "the crashed thread is in malloc_error_break: libmalloc reported a failure\n");
    for (uint32_t i = 0; i < r->nframes && !kind; i++)
        if (strstr(r->frames[i].symbol, "bmalloc::") && strcasestr(r->frames[i].symbol, "alloc") &&
            !strstr(r->frames[i].symbol, "deallocate")) {
            oom |= vmex_buf_printf(why, "the crashed thread is in %s (WebKit's bmalloc allocating)\n",
                                   r->frames[i].symbol);
            break;
        }
    if ((f = frame_with(r, "bad_alloc")) || said(r, "bad_alloc", 0))
        oom |= vmex_buf_printf(why, "a std::bad_alloc: an allocation failed in C++\n");
    static const char *const words[] = {"out of memory", "NSMallocException", "unable to allocate",
                                        "failed to allocate"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if ((s = said(r, words[i], 1))) {
            oom |= vmex_buf_printf(why, "the report says '%.*s'\n", (int)strcspn(s, "|\n"), s);
            break;
        }
    if (oom)
        return -1;
    if (!kind && why->len)
        kind = VMEX_REQ_PROBE;                 /* memory, but no size */
    return kind;
}


/* ------------------------------------------------------------ helpers */
static void evidence(vmex_verdict *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void evidence(vmex_verdict *v, const char *fmt, ...)
{
    if (v->nevidence >= VMEX_VERDICT_EVIDENCE)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->evidence[v->nevidence++], sizeof v->evidence[0], fmt, ap);
    va_end(ap);
}

/* "extended-virtual-addressing", "extended-virtual-addressing + increased-memory-limit", "no entitlements" */
static const char *ents_words(uint32_t ents, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int k = 0; k < VMEX_ENT__COUNT; k++)
        if (ents >> k & 1)
            snprintf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? " + " : "", vmex_ent_name(k));
    if (!buf[0])
        snprintf(buf, n, "no entitlements");
    return buf;
}

/* The profiles of the same era with the next smaller and larger RAM class. */
static int neighbours(const char *profile, char out[2][32])
{
    const char *names[512];
    size_t n = vmex_profile_list(names, 512);
    const char *dash = strrchr(profile, '-');
    size_t era = dash ? (size_t)(dash - profile) + 1 : 0;
    int at = -1, k = 0;
    const char *same[64];
    for (size_t i = 0; i < n && i < 512 && era; i++)
        if (!strncmp(names[i], profile, era) && !strchr(names[i] + era, '-') && k < 64) {
            if (!strcmp(names[i], profile))
                at = k;
            same[k++] = names[i];
        }
    int m = 0;
    if (at > 0)
        snprintf(out[m++], 32, "%s", same[at - 1]);
    if (at >= 0 && at + 1 < k)
        snprintf(out[m++], 32, "%s", same[at + 1]);
    return m;
}

/* ------------------------------------------------------------ one scenario */
typedef struct outcome {
    uint32_t misfits;          /* mappings of the reconstruction that failed */
    uint64_t misfit_bytes;
    uint64_t free_before, largest_before, free_after;
    uint8_t cls;               /* of the request; VMEX_OK: it fits (or there is none) */
    uint64_t req;              /* the request that failed last */
    uint64_t limit;            /* the layout's footprint limit */
} outcome;

static int scenario(vmex_model *m, const vmex_program *p, const vmex_recon *rc, const vmex_config *cfg,
                    const char *profile, uint32_t ents, outcome *o, vmex_error *err)
{
    vmex_config c = *cfg;
    c.ents = ents;
    vmex_layout L;
    memset(o, 0, sizeof *o);
    if (vmex_layout_resolve(&c, profile, 0, &L, err))
        return -1;
    o->limit = L.footprint_limit;
    if (vmex_model_start(m, &L, p->nnames)) {
        err->code = VMEX_E_NOMEM;
        vmex_error_set(err, 0, 0, "%s", vmex_model_error(m));
        return -1;
    }
    vmex_runopts opts;
    vmex_runopts_init(&opts);
    uint32_t end = rc->req_at >= 0 ? (uint32_t)rc->req_at : p->nops;
    vmex_opres r;
    vmex_stats st;
    for (uint32_t i = 0; i < end; i++) {
        vmex_model_step(m, &p->ops[i], i, &opts, &r);
        if (r.status == VMEX_ST_FAILED && vmex_op_places(p->ops[i].kind)) {
            o->misfits++;
            o->misfit_bytes += p->ops[i].size;
        }
    }
    vmex_model_stats(m, &st);
    o->free_before = st.free;
    o->largest_before = st.largest;
    o->cls = VMEX_OK;
    for (uint32_t i = end; rc->req_at >= 0 && i < end + rc->req_ops && i < p->nops; i++) {
        vmex_model_step(m, &p->ops[i], i, &opts, &r);
        if (r.status == VMEX_ST_OK && vmex_op_places(p->ops[i].kind)) {
            o->cls = VMEX_OK;
            break;                              /* a chain stops at the first that fits */
        }
        if (r.status != VMEX_ST_OK) {
            o->cls = r.cls != VMEX_OK ? r.cls : VMEX_EXHAUSTED;
            o->req = r.req ? r.req : p->ops[i].size;
        }
    }
    vmex_model_stats(m, &st);
    o->free_after = st.free;
    return 0;
}

/* ------------------------------------------------------------ the what-if */
static void row_device(vmex_whatif *w, const vmex_report *r, const vmex_recon *rc, const char *profile)
{
    unsigned ram = 0;
    const char *dash = strrchr(profile, '-');
    if (dash)
        ram = (unsigned)strtoul(dash + 1, NULL, 10);
    const vmex_device *d = w->crash_device && rc->device ? rc->device
                         : vmex_device_example(ram, VMEX_IOS(r->os_major, r->os_minor));
    snprintf(w->device, sizeof w->device, "%s", d ? d->name : "");
}

/* "on this device" / "on ios16-4gb (e.g. iPhone 12)" */
static const char *where(const vmex_whatif *w, char *buf, size_t n)
{
    if (w->crash_device)
        snprintf(buf, n, "on this device");
    else if (w->device[0])
        snprintf(buf, n, "on %s (e.g. %s)", w->profile, w->device);
    else
        snprintf(buf, n, "on %s", w->profile);
    return buf;
}

static void say_space(vmex_whatif *w, const vmex_recon *rc)
{
    char at[96], ents[96], cls[64], state[96];
    where(w, at, sizeof at);
    if (w->base)
        snprintf(ents, sizeof ents, "%s", rc->ents ? "the same entitlements" : "without entitlements");
    else
        ents_words(w->ents & ~rc->ents, ents, sizeof ents);
    snprintf(state, sizeof state, "%s free, largest hole %s", VMEX_HS(w->free_before), VMEX_HS(w->largest_before));
    if (w->misfits)
        snprintf(cls, sizeof cls, "%u of the report's mappings do not fit", w->misfits);
    else
        snprintf(cls, sizeof cls, "the %s request does not fit: %s", VMEX_HS(rc->req_size), vmex_class_name(w->cls));
    if (rc->req_kind == VMEX_REQ_PROBE || rc->req_kind == VMEX_REQ_NONE) {
        w->fixed = 0;                              /* no request: nothing to fix */
        snprintf(w->says, sizeof w->says, "%s%s%s: %s%s%s", w->base && w->crash_device ? "as reported" : at,
                 w->base && w->crash_device ? "" : ", ", w->base && w->crash_device ? "" : ents, state,
                 w->misfits ? "; " : "", w->misfits ? cls : "");
    } else if (w->base && w->crash_device) {
        snprintf(w->says, sizeof w->says, "as reported: %s (%s)",
                 w->fixed ? "the request fits: the reconstruction does not reproduce the crash" : cls, state);
    } else if (w->base) {
        if (w->fixed)
            snprintf(w->says, sizeof w->says, "%s, %s: this crash would not have happened (%s left free)", at, ents,
                     VMEX_HS(w->free_after));
        else
            snprintf(w->says, sizeof w->says, "%s, %s: the same crash (%s; %s)", at, ents, cls, state);
    } else if (w->fixed) {
        snprintf(w->says, sizeof w->says, "%s, %s would have left %s free: this crash would not have happened", at,
                 ents, VMEX_HS(w->free_after));
    } else {
        snprintf(w->says, sizeof w->says, "%s, %s would not have helped: %s (%s)", at, ents, cls, state);
    }
}

/* Does hardened-heap give this profile split user ranges? */
static int splits(const vmex_config *cfg, const char *profile, uint32_t ents)
{
    vmex_layout L;
    vmex_error e = {0};
    return vmex_layout_resolve(cfg, profile, ents, &L, &e) == 0 && L.ranges;
}

/* The scenarios: the report's profile and its neighbours, each with the
 * report's entitlements, + extended-virtual-addressing, + increased-memory-limit,
 * + hardened-heap where the release has it (iOS 26: split user ranges, which
 * move malloc's and untagged requests into a 10 GiB data range; a jumbo
 * entitlement cancels it) (jetsam: only the limit's entitlement). */
static int whatif(vmex_verdict *v, const vmex_report *r, const vmex_recon *rc, const vmex_program *p, int jetsam,
                  vmex_error *err)
{
    char prof[3][32];
    snprintf(prof[0], 32, "%s", rc->profile);
    int np = 1 + neighbours(rc->profile, prof + 1);
    uint32_t extra[4] = {0, VMEX_ENT_EXTENDED_VA, VMEX_ENT_INCREASED_MEM, VMEX_ENT_HARDENED_HEAP};
    vmex_config cfg = p->cfg;
    if (jetsam)
        cfg.set_mask &= ~(1u << VMEX_SET_FOOTPRINT_LIMIT);   /* the profiles' own limits */
    vmex_model *m = jetsam ? NULL : vmex_model_new(VMEX_STORE_FAST);
    if (!jetsam && !m) {
        err->code = VMEX_E_NOMEM;
        vmex_error_set(err, 0, 0, "out of memory");
        return -1;
    }
    uint64_t base_limit = 0;
    for (int i = 0; i < np; i++)
        for (int e = 0; e < 4 && v->nrows < VMEX_VERDICT_ROWS; e++) {
            uint32_t ents = rc->ents | extra[e];
            if (e && (ents == rc->ents || (jetsam && extra[e] != VMEX_ENT_INCREASED_MEM)))
                continue;
            if (extra[e] == VMEX_ENT_HARDENED_HEAP && !splits(&cfg, prof[i], ents))
                continue;   /* the release has no hardened-heap, or a jumbo entitlement cancels it */
            vmex_whatif *w = &v->rows[v->nrows];
            memset(w, 0, sizeof *w);
            snprintf(w->profile, sizeof w->profile, "%s", prof[i]);
            w->ents = ents;
            w->crash_device = i == 0;
            w->base = e == 0;
            row_device(w, r, rc, prof[i]);
            outcome o;
            if (jetsam) {
                vmex_layout L;
                if (vmex_layout_resolve(&cfg, prof[i], ents, &L, err)) {
                    if (i == 0)
                        return -1;
                    memset(err, 0, sizeof *err);
                    continue;
                }
                w->limit = L.footprint_limit;
                if (i == 0 && e == 0)
                    base_limit = w->limit;
                /* the report's own limit stands for this device until an
                 * entitlement changes the profile's */
                if (i == 0 && (e == 0 || w->limit == base_limit) && rc->limit)
                    w->limit = rc->limit;
                w->fixed = !strcmp(r->jetsam_reason, "per-process-limit") && r->footprint && r->footprint < w->limit;
                w->cls = w->fixed ? VMEX_OK : VMEX_JETSAM;
                char at[96], ents_t[96];
                where(w, at, sizeof at);
                ents_words(ents & ~rc->ents, ents_t, sizeof ents_t);
                snprintf(w->says, sizeof w->says, "%s%s%s, the limit is %s: the %s footprint %s", at,
                         w->base ? "" : " with ", w->base ? "" : ents_t, VMEX_HS(w->limit), VMEX_HS(r->footprint),
                         w->fixed ? "fits, this kill would not have happened" : "does not fit");
                v->nrows++;
                continue;
            }
            if (scenario(m, p, rc, &cfg, prof[i], ents, &o, err)) {
                /* a neighbour the settings do not fit, or a release without
                 * hardened-heap */
                if ((i > 0 || extra[e] == VMEX_ENT_HARDENED_HEAP) && err->code == VMEX_E_INPUT) {
                    memset(err, 0, sizeof *err);
                    continue;
                }
                vmex_model_free(m);
                return -1;
            }
            w->cls = o.cls;
            w->misfits = o.misfits;
            w->free_before = o.free_before;
            w->largest_before = o.largest_before;
            w->free_after = o.free_after;
            w->fixed = o.cls == VMEX_OK && !o.misfits;
            say_space(w, rc);
            v->nrows++;
        }
    vmex_model_free(m);
    return 0;
}

/* ------------------------------------------------------------ the verdict */
static void not_memory(vmex_verdict *v, const vmex_report *r)
{
    v->cause = VMEX_CAUSE_NOT_MEMORY;
    snprintf(v->headline, sizeof v->headline, "not a memory crash: %s%s%s%s", r->exc_type[0] ? r->exc_type : "?",
             r->exc_signal[0] ? " (" : "", r->exc_signal, r->exc_signal[0] ? ")" : "");
    if (r->exc_subtype[0])
        evidence(v, "exception subtype: %s", r->exc_subtype);
    if (r->termination[0])
        evidence(v, "termination: %s", r->termination);
    for (uint32_t i = 0; i < r->nframes; i++)
        if (r->frames[i].crashed) {
            evidence(v, "the crashed thread's top frame: %s in %s", r->frames[i].symbol, r->frames[i].image);
            break;
        }
    evidence(v, "nothing in the frames, the exception or the application-specific information points at a "
                "failed allocation or a memory limit");
}

static void space_cause(vmex_verdict *v, const vmex_recon *rc, const vmex_whatif *w, int memory)
{
    char req[32];
    snprintf(req, sizeof req, "%s", VMEX_HS(rc->req_size));
    if (!memory) {
        if (w->misfits) {
            v->cause = VMEX_CAUSE_UNDETERMINED;
            snprintf(v->headline, sizeof v->headline, "undetermined: nothing names a failed allocation, but %u of "
                     "the report's mappings do not fit %s", w->misfits, w->profile);
            evidence(v, "a failed allocation whose NULL was used would crash like this");
        }
        return;
    }
    if (w->misfits) {
        v->cause = VMEX_CAUSE_EXHAUSTED;
        snprintf(v->headline, sizeof v->headline, "address-space exhaustion: the report's own mappings do not fit "
                                                  "%s (%u of them failed) before the request", w->profile, w->misfits);
        return;
    }
    if (rc->req_kind == VMEX_REQ_PROBE || rc->req_kind == VMEX_REQ_NONE) {
        v->cause = VMEX_CAUSE_UNDETERMINED;
        snprintf(v->headline, sizeof v->headline, "undetermined: a memory crash, but the report names no request "
                                                  "size; the largest allocation that still fit was %s",
                 VMEX_HS(w->largest_before));
        return;
    }
    switch (w->cls) {
    case VMEX_EXHAUSTED:
    case VMEX_TOO_LARGE:
        v->cause = VMEX_CAUSE_EXHAUSTED;
        snprintf(v->headline, sizeof v->headline, "address-space exhaustion: the %s %s does not fit in the %s left "
                 "free on %s", req, vmex_req_kind_name(rc->req_kind), VMEX_HS(w->free_before), w->profile);
        break;
    case VMEX_FRAG:
        v->cause = VMEX_CAUSE_FRAG;
        snprintf(v->headline, sizeof v->headline, "fragmentation: %s free on %s, but no hole of %s (the largest is "
                 "%s)", VMEX_HS(w->free_before), w->profile, req, VMEX_HS(w->largest_before));
        break;
    default:
        v->cause = VMEX_CAUSE_UNDETERMINED;
        snprintf(v->headline, sizeof v->headline, "undetermined: the %s %s fits in the reconstruction (%s free, "
                 "largest hole %s); the report's summary may miss what filled the address space", req,
                 vmex_req_kind_name(rc->req_kind), VMEX_HS(w->free_before), VMEX_HS(w->largest_before));
    }
}

int vmex_report_verdict(const vmex_report *r, const vmex_recon *rc, const vmex_program *p, vmex_verdict *v,
                        vmex_error *err)
{
    memset(v, 0, sizeof *v);
    memset(err, 0, sizeof *err);
    snprintf(v->profile, sizeof v->profile, "%s", rc->profile);
    v->ents = rc->ents;
    v->request = rc->req_size;
    vmex_buf why = {0};
    uint64_t size;
    int kind = _vmex_report_memory(r, &size, &why);
    if (kind < 0) {
        vmex_buf_free(&why);
        err->code = VMEX_E_NOMEM;
        vmex_error_set(err, 0, 0, "out of memory");
        return -1;
    }
    for (const char *s = why.p; s && *s;) {
        size_t n = strcspn(s, "\n");
        evidence(v, "%.*s", (int)n, s);
        s += n + (s[n] == '\n');
    }
    vmex_buf_free(&why);
    int jetsam = kind == VMEX_REQ_FOOTPRINT;
    if (jetsam) {
        v->cause = r->jetsam_reason[0] ? VMEX_CAUSE_JETSAM : VMEX_CAUSE_UNDETERMINED;
        if (r->footprint)
            snprintf(v->headline, sizeof v->headline, "jetsam (footprint) kill: %s reached %s%s%s",
                     r->process[0] ? r->process : "the app", VMEX_HS(r->footprint),
                     r->limit ? ", its limit " : "", r->limit ? VMEX_HS(r->limit) : "");
        else
            snprintf(v->headline, sizeof v->headline, "jetsam (footprint) kill: %s passed its memory limit (the "
                     "report gives no footprint)", r->process[0] ? r->process : "the app");
        if (r->jetsam_states[0])
            evidence(v, "%s was %s when it was killed", r->process[0] ? r->process : "the app", r->jetsam_states);
        if (r->peak)
            evidence(v, "footprint at the kill %s, lifetime peak %s", VMEX_HS(r->footprint), VMEX_HS(r->peak));
        if (r->jetsam_reason[0] && strcmp(r->jetsam_reason, "per-process-limit"))
            evidence(v, "reason %s is memory pressure on the whole device, not the app's own limit: no entitlement "
                        "raises what the device has", r->jetsam_reason);
        evidence(v, "the limits of other devices and entitlements are the model's estimates (model/ios.c)");
    } else if (kind == VMEX_REQ_NONE) {
        not_memory(v, r);
    }
    if (whatif(v, r, rc, p, jetsam, err))
        return -1;
    if (!jetsam && v->nrows) {
        const vmex_whatif *w = &v->rows[0];
        vmex_layout L;
        vmex_error e = {0};
        v->has_state = 1;
        v->free_at_crash = w->free_before;
        v->largest_at_crash = w->largest_before;
        if (!vmex_layout_resolve(&p->cfg, NULL, 0, &L, &e)) {
            v->pristine_free = L.pristine_free;
            v->pristine_largest = L.pristine_largest;
        }
        space_cause(v, rc, w, kind != VMEX_REQ_NONE);
        if (v->cause == VMEX_CAUSE_NOT_MEMORY)
            v->nrows = 0;                         /* entitlements do not change a bad pointer */
    }
    if (rc->stand_in)
        evidence(v, "%s stands in for iOS %u: vmex has no profile of that era yet", rc->profile, r->os_major);
    return 0;
}

/* ------------------------------------------------------------ text */
int vmex_report_verdict_text(const vmex_verdict *v, vmex_buf *out)
{
    int rc = 0;
    char ents[96];
    rc |= vmex_buf_printf(out, "verdict: %s\n  %s\n", vmex_cause_name(v->cause), v->headline);
    if (v->nevidence)
        rc |= vmex_buf_printf(out, "evidence:\n");
    for (uint32_t i = 0; i < v->nevidence; i++)
        rc |= vmex_buf_printf(out, "  - %s\n", v->evidence[i]);
    if (v->has_state) {
        rc |= vmex_buf_printf(out, "at the crash (%s, %s): %s free, largest hole %s", v->profile,
                              ents_words(v->ents, ents, sizeof ents), VMEX_HS(v->free_at_crash),
                              VMEX_HS(v->largest_at_crash));
        rc |= vmex_buf_printf(out, " (pristine: %s free, largest %s)\n", VMEX_HS(v->pristine_free),
                              VMEX_HS(v->pristine_largest));
    }
    if (!v->nrows)
        return rc ? -1 : 0;
    int jetsam = v->cause == VMEX_CAUSE_JETSAM, ew = 12;
    for (uint32_t i = 0; i < v->nrows; i++) {   /* the entitlements column as wide as its widest */
        int n = (int)strlen(ents_words(v->rows[i].ents, ents, sizeof ents));
        ew = n > ew ? n : ew;
    }
    rc |= vmex_buf_printf(out, "what-if:\n  %-13s %-*s %-28s %-10s %10s%s\n", "profile", ew, "entitlements",
                          "device", "verdict", jetsam ? "limit" : "free", jetsam ? "" : "    largest");
    for (uint32_t i = 0; i < v->nrows; i++) {
        const vmex_whatif *w = &v->rows[i];
        char a[24], b[24];
        snprintf(a, sizeof a, "%s", VMEX_HS(jetsam ? w->limit : w->free_before));
        snprintf(b, sizeof b, "%s", jetsam ? "" : VMEX_HS(w->largest_before));
        char line[400];
        int n = snprintf(line, sizeof line, "  %-13s %-*s %-28.28s %-10s %10s %10s", w->profile, ew,
                         ents_words(w->ents, ents, sizeof ents), w->device[0] ? w->device : "-",
                         w->fixed ? "ok" : w->misfits ? "misfits" : vmex_class_name(w->cls), a, b);
        n = n < (int)sizeof line ? n : (int)sizeof line - 1;
        while (n > 0 && line[n - 1] == ' ')   /* a jetsam row has no largest hole */
            n--;
        rc |= vmex_buf_printf(out, "%.*s\n", n, line);
    }
    for (uint32_t i = 0; i < v->nrows; i++)
        rc |= vmex_buf_printf(out, "  - %s\n", v->rows[i].says);
    return rc ? -1 : 0;
}
