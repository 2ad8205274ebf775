/*
 * verdict_html.h - the page of `vmex triage REPORT --html`: per crash
 * report its verdict (import/crashreport.h: the cause, the evidence, the
 * largest hole at the crash, the what-if across entitlements and
 * neighbouring devices with its sentences), the address space at the
 * crash drawn as `vmex run --svg` draws it (picture.c), and the
 * reconstructed program, all in one self-contained page.
 */
#ifndef VMEX_VERDICT_HTML_H
#define VMEX_VERDICT_HTML_H

#include "import/crashreport.h"

/* One report on the page: what vmex_report_parse, vmex_report_to_program
 * and vmex_report_verdict made of it. */
typedef struct vmex_verdict_item {
    const char *file;              /* the report's file, as given */
    const vmex_report *r;
    const vmex_recon *rc;
    const vmex_program *p;         /* the reconstruction */
    const vmex_verdict *v;
} vmex_verdict_item;

/* The page for items[0..n).  0, or -1 out of memory (or a model that
 * cannot start). */
int vmex_verdict_html(const vmex_verdict_item *items, size_t n, vmex_buf *out);

#endif
