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

#ifdef __cplusplus
extern "C" {
#endif

/* Human-readable size with at most three significant digits: "1.71g",
 * "258m", "16k", "0", "512" (bytes below 1k). */
void vmex_human_size(uint64_t v, char *buf, size_t n);

/* Name of a well-known VM tag ("MALLOC", "JAVASCRIPT_CORE", ...), or NULL. */
const char *vmex_tag_name(int tag);

/* ---------------------------------------------------------------- JSON */
/* A JSON string literal (quotes included); NULL prints null.  Control
 * characters are escaped and invalid UTF-8 becomes U+FFFD, so the output is
 * always valid JSON. */
int vmex_json_str(vmex_buf *b, const char *s);
/* A JSON number for a double (null when not finite). */
int vmex_json_double(vmex_buf *b, double v);
/* XML text or attribute content: markup characters as entities, characters
 * XML 1.0 forbids and invalid UTF-8 as U+FFFD. */
int vmex_xml_str(vmex_buf *b, const char *s);

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

/* Entitlements as text: "none" or "jit+extended-va". */
void vmex_ents_text(uint32_t ents, char *buf, size_t n);

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
