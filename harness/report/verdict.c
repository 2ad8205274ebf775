/*
 * verdict.c - a run in words (verdict.h).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "report/report.h"
#include "report/verdict.h"

static const char *hs(uint64_t v, char *buf, size_t n)
{
    vmex_human_size(v, buf, n);
    return buf;
}
#define HS(v) hs((v), (char[32]){0}, 32)

void vmex_margin_text(double m, char *buf, size_t n)
{
    if (!isfinite(m))
        snprintf(buf, n, "inf");
    else if (m >= 100)
        snprintf(buf, n, "%.0f", m);
    else
        snprintf(buf, n, "%.3g", m);
}

void vmex_class_at_text(int cls, int32_t at, char *buf, size_t n)
{
    if (at >= 0)
        snprintf(buf, n, "%s at %" PRId32, vmex_class_name(cls), at);
    else
        snprintf(buf, n, "%s", vmex_class_name(cls));
}

int vmex_outcome_text(vmex_buf *b, const vmex_op *op, const vmex_opres *r, const vmex_layout *L, const vmex_model *m)
{
    int rc = 0;
    char mg[32];
    if (r->status == VMEX_ST_OK) {
        if (vmex_op_places(op->kind))
            rc |= vmex_buf_printf(b, "0x%012" PRIx64, r->addr);
        else if (op->kind == VMEX_OP_CHECK)
            rc |= vmex_buf_printf(b, "ok (%s %s)", vmex_metric_name(op->metric), HS(r->value));
        else
            rc |= vmex_buf_printf(b, "ok");
    } else if (r->status == VMEX_ST_SKIPPED) {
        rc |= vmex_buf_printf(b, "skipped: %s", vmex_reason_text(r->why));
    } else if (r->cls == VMEX_JETSAM) {
        rc |= vmex_buf_printf(b, "FAILED jetsam: %s (footprint %s, limit %s)", vmex_reason_text(r->why),
                              HS(r->value), HS(L->footprint_limit));
    } else if (vmex_target_has(L->target, VMEX_CAP_JSC) &&
               (r->cls == VMEX_RANGE_ERROR || r->cls == VMEX_PAS_PANIC || r->cls == VMEX_GC_ABORT)) {
        /* JavaScriptCore's outcomes (real/jsc.c): what the window held */
        vmex_margin_text(r->margin, mg, sizeof mg);
        rc |= vmex_buf_printf(b, "FAILED %s: %s", vmex_class_name(r->cls), vmex_reason_text(r->why));
        if (r->value)
            rc |= vmex_buf_printf(b, " (signal %d)", (int)r->value);
        if (r->frame[0])
            rc |= vmex_buf_printf(b, " in %s", r->frame);
        rc |= vmex_buf_printf(b, " (req %s, held %s of %s, margin %s; kernel: free %s, largest %s; libpas: mapped %s",
                              HS(r->req), HS(r->live), HS(L->window), mg, HS(r->kfree), HS(r->klargest),
                              HS(r->pas_mapped));
        if (r->cls == VMEX_RANGE_ERROR)
            rc |= vmex_buf_printf(b, ", free in its pages %s", HS(r->pas_free));
        rc |= vmex_buf_printf(b, ")%s", r->finding ? "" : "  [not hunted: not a finding]");
    } else if (vmex_target_has(L->target, VMEX_CAP_REAL) && (r->cls == VMEX_CRASH || r->cls == VMEX_HANG)) {
        rc |= vmex_buf_printf(b, "FAILED %s: %s", vmex_class_name(r->cls), vmex_reason_text(r->why));
        if (r->value)
            rc |= vmex_buf_printf(b, " (signal %d)", (int)r->value);
        if (r->frame[0])
            rc |= vmex_buf_printf(b, " in %s", r->frame);
    } else if (vmex_target_has(L->target, VMEX_CAP_REAL) && r->cls != VMEX_OK) {
        /* the real side is judged against what the program holds (linux.c) */
        vmex_margin_text(r->margin, mg, sizeof mg);
        rc |= vmex_buf_printf(b, "FAILED %s: %s (req %s, held %s of %s, margin %s)%s", vmex_class_name(r->cls),
                              vmex_reason_text(r->why), HS(r->req), HS(r->live), HS(L->window), mg,
                              r->finding ? "" : "  [below --large: not a finding]");
    } else if (r->why == VMEX_WHY_NOSPACE || r->cls != VMEX_OK) {
        vmex_stats st;
        vmex_model_stats(m, &st);
        vmex_margin_text(r->margin, mg, sizeof mg);
        rc |= vmex_buf_printf(b, "FAILED %s: %s (req %s, free %s, largest %s, margin %s)%s",
                              vmex_class_name(r->cls), vmex_reason_text(r->why), HS(r->req), HS(st.free),
                              HS(st.largest), mg, r->finding ? "" : "  [below --large: not a finding]");
    } else if (r->why == VMEX_WHY_CHECK) {
        rc |= vmex_buf_printf(b, "FAILED check: %s is %s, not %s %s", vmex_metric_name(op->metric),
                              HS(r->value), op->cmp == VMEX_CMP_LE ? "<=" : ">=", HS(op->size));
    } else {
        rc |= vmex_buf_printf(b, "FAILED: %s", vmex_reason_text(r->why));
    }
    if (r->warn)
        rc |= vmex_buf_printf(b, "  (memory warning: footprint reached %s)", HS(L->footprint_warn));
    return rc ? -1 : 0;
}

void vmex_verdict_text(const vmex_result *r, char *buf, size_t n)
{
    if (r->verdict == VMEX_OK || r->at < 0) {
        snprintf(buf, n, "ok");
        return;
    }
    char mg[32];
    vmex_margin_text(r->margin, mg, sizeof mg);
    if (r->verdict == VMEX_JETSAM)
        snprintf(buf, n, "jetsam at %" PRId32 " (touch passed the footprint limit)", r->at);
    else
        snprintf(buf, n, "%s at %" PRId32 " (%s %s, margin %s)", vmex_class_name(r->verdict), r->at,
                 vmex_opkind_name(r->req_kind), HS(r->req), mg);
}

int vmex_state_text(vmex_buf *b, const vmex_stats *st)
{
    return vmex_buf_printf(b,
                           "state: free %s in %" PRIu32 " holes, largest %s, mapped %s, footprint %s, entries %" PRIu32
                           "\n",
                           HS(st->free), st->holes, HS(st->largest), HS(st->mapped), HS(st->footprint), st->entries);
}
