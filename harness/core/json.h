/*
 * json.h - writing JSON (json.c): strings and numbers into a vmex_buf, and
 * a small writer that places the commas of objects and arrays.  The output
 * is compact (no blanks) and always valid: control characters are escaped
 * and invalid UTF-8 becomes U+FFFD.  Every function returns 0, or -1 when
 * the buffer could not grow (the buffer then holds a partial text).
 */
#ifndef VMEX_JSON_H
#define VMEX_JSON_H

#include "vmex.h"

/* A JSON string literal (quotes included); NULL prints null. */
int vmex_json_str(vmex_buf *b, const char *s);
/* A JSON number for a double, "%.6g" (null when not finite). */
int vmex_json_double(vmex_buf *b, double v);

/* The writer: values after the first in an object or array get their
 * comma, a key its colon; the first failure sticks in rc.
 *
 *   vmex_jw w;
 *   vmex_jw_init(&w, &buf);
 *   vmex_jw_open(&w, '{');
 *   vmex_jw_key(&w, "free"); vmex_jw_u64(&w, st.free);
 *   vmex_jw_key(&w, "ents"); vmex_jw_open(&w, '['); vmex_jw_str(&w, "jit"); vmex_jw_close(&w, ']');
 *   vmex_jw_close(&w, '}');           ->  {"free":123,"ents":["jit"]}
 *   if (w.rc) ...out of memory...
 */
#define VMEX_JW_DEPTH 32
typedef struct vmex_jw {
    vmex_buf *b;
    int rc;                  /* 0, or -1 once the buffer could not grow */
    int depth;               /* open objects and arrays (at most VMEX_JW_DEPTH) */
    int after_key;           /* a key was written: its value takes no comma */
    uint32_t full;           /* bit d: the container at depth d holds a value */
} vmex_jw;
void vmex_jw_init(vmex_jw *w, vmex_buf *b);
void vmex_jw_open(vmex_jw *w, char bracket);    /* '{' or '[' */
void vmex_jw_close(vmex_jw *w, char bracket);   /* '}' or ']' */
void vmex_jw_key(vmex_jw *w, const char *key);
void vmex_jw_str(vmex_jw *w, const char *s);    /* NULL: null */
void vmex_jw_u64(vmex_jw *w, uint64_t v);
void vmex_jw_i64(vmex_jw *w, int64_t v);
void vmex_jw_double(vmex_jw *w, double v);
void vmex_jw_bool(vmex_jw *w, int v);
void vmex_jw_null(vmex_jw *w);
void vmex_jw_raw(vmex_jw *w, const char *json);   /* a value already written as JSON */

#endif
