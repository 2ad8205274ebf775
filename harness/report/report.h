/*
 * report.h - rendering a run for people and machines: the text map of an
 * address space, its SVG picture, and the JSON Lines records of `run --json`.
 *
 * Everything is formatted into a vmex_buf; every function returns 0, or -1
 * when the buffer could not grow (the buffer then holds a partial text that
 * must not be written anywhere).
 */
#ifndef VMEX_REPORT_H
#define VMEX_REPORT_H

#include "vmex.h"
/* the primitives reports are made of: sizes and entitlements as text
 * (vmex_human_size, vmex_ents_text), tag names, JSON and XML escaping */
#include "core/fmt.h"
#include "core/json.h"
#include "core/tags.h"
#include "core/xml.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- JSON */
/* One JSON Lines record (with newline) for op r->i of p:
 * {"i","op","name","ok","status","addr"?,"size","why"?,"class"?,"req"?,
 *  "margin"?,"finding"?,"warn"?,...}. */
int vmex_json_op(vmex_buf *b, const vmex_program *p, const vmex_op *op, const vmex_opres *r);

/* The final record of a run (with newline):
 * {"verdict","at","margin","req","free","largest","mapped","footprint",
 *  "entries","holes","findings","checks_failed","warn_at","profile",
 *  "entitlements","file"}.  extra, when non-NULL, is raw JSON members
 *  ("\"k\":v,...") inserted before "file". */
int vmex_json_result(vmex_buf *b, const vmex_result *r, const vmex_layout *L,
                     const char *file, const char *extra);

/* ---------------------------------------------------------------- maps */
/* The model's address space after a run, one line per entry (adjacent app
 * entries with the same tag and protection grouped) or hole, between
 * L->floor and L->max_offset, then a summary line. */
int vmex_report_map(const vmex_model *m, const vmex_layout *L, vmex_buf *out);

/* What the picture is about; every field may be NULL. */
typedef struct vmex_svg_info {
    const char *file;            /* program file, for the title */
    const vmex_program *prog;    /* for the failed op's kind */
    const vmex_result *res;      /* verdict, failed request, warnings */
} vmex_svg_info;

/* A self-contained SVG picture of the model's address space. */
int vmex_report_svg(const vmex_model *m, const vmex_layout *L, const vmex_svg_info *info,
                    vmex_buf *out);

#ifdef __cplusplus
}
#endif
#endif
