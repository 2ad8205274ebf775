/*
 * crashparse.h - what the two halves of the crash-report reader share (not
 * installed): crashreport.c reads the JSON formats, crashtext.c the text
 * that every format carries (the VM summary table, the VM region info, the
 * legacy .crash report) and the checks that refuse what vmex cannot model.
 */
#ifndef VMEX_CRASHPARSE_H
#define VMEX_CRASHPARSE_H

#include "import/crashreport.h"

/* One parse: the whole text, its label, the facts, the error. */
typedef struct vmex_rctx {
    const char *text;
    size_t len;
    const char *file;
    vmex_report *r;
    vmex_error *err;
} vmex_rctx;

/* Where some text lies in the file: plain text at file offset `base`, or
 * the decoded contents of the JSON string literal whose opening quote is
 * at file offset `base` (json = 1), so errors inside it point at the file. */
typedef struct vmex_rsrc {
    const char *s;             /* the text itself (decoded) */
    size_t n;
    size_t base;
    int json;
} vmex_rsrc;

/* The file offset of byte i of src. */
size_t _vmex_rsrc_off(const vmex_rctx *c, const vmex_rsrc *src, size_t i);
/* 1-based line and column of a file offset. */
void _vmex_rc_locate(const char *text, size_t len, size_t off, uint32_t *line, uint32_t *col);
/* Fail at a file offset (code VMEX_E_INPUT): always -1. */
int _vmex_rc_fail(vmex_rctx *c, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A note line in r->notes: 0, or -1 out of memory. */
int _vmex_rc_note(vmex_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copy at most n - 1 bytes of src (length len), NUL-terminated, control
 * characters as spaces. */
void _vmex_rc_copy(char *dst, size_t n, const char *src, size_t len);
/* Append to a " | "-separated text field. */
void _vmex_rc_append(char *dst, size_t n, const char *s);

/* A VM summary size: "7.1G", "2048K", "824" (bytes).  0, -1 junk, -2 too large. */
int _vmex_rc_size(const char *s, size_t n, uint64_t *out, int *unitless);
/* "iPhone OS 16.0 (20A362)": the version numbers into r.  0 or -1. */
int _vmex_rc_os(vmex_report *r, const char *os);
/* Refuse what vmex cannot model: another OS, the simulator, a 32-bit or
 * non-iOS device.  path is the process's path or "".  0 or -1. */
int _vmex_rc_platform(vmex_rctx *c, const char *path, size_t os_off);

/* The VM summary table in src (rows into r->rows).  0 or -1. */
int _vmex_rc_summary(vmex_rctx *c, const vmex_rsrc *src);
/* The VM region info block in src (regions into r->regions).  0 or -1. */
int _vmex_rc_regions(vmex_rctx *c, const vmex_rsrc *src);
/* The legacy .crash text from file offset off to the end.  0 or -1. */
int _vmex_rc_legacy(vmex_rctx *c, size_t off);

/* Append a frame / an image (dropped past the caps).  0 or -1 (no memory). */
int _vmex_rc_frame(vmex_rctx *c, const char *image, const char *symbol, int crashed);
int _vmex_rc_image(vmex_rctx *c, uint64_t base, uint64_t size, const char *name, size_t name_len);

#endif
