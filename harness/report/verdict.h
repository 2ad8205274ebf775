/*
 * verdict.h - a run in words, as `vmex run` and `vmex check` print it: an
 * op's outcome, the verdict, the state line, margins.
 */
#ifndef VMEX_VERDICT_H
#define VMEX_VERDICT_H

#include "vmex.h"

/* A margin: "inf", "1.08", "11.2", "1435" (three significant digits below 100). */
void vmex_margin_text(double m, char *buf, size_t n);
/* "frag at 60", or "frag" when at < 0 */
void vmex_class_at_text(int cls, int32_t at, char *buf, size_t n);
/* One op's outcome, after "-> ": the address, "ok", "skipped: ...",
 * "FAILED frag: ... (req 1.46g, free 1.7g, largest 1.35g, margin 1.08)"...
 * m gives the state for failed requests on the model. */
int  vmex_outcome_text(vmex_buf *b, const vmex_op *op, const vmex_opres *r, const vmex_layout *L, const vmex_model *m);
/* "ok", or "frag at 60 (vm_allocate 1.46g, margin 1.08)",
 * "jetsam at 12 (touch passed the footprint limit)" */
void vmex_verdict_text(const vmex_result *r, char *buf, size_t n);
/* "state: free ... in N holes, largest ..., mapped ..., footprint ..., entries N\n" */
int  vmex_state_text(vmex_buf *b, const vmex_stats *st);

#endif
