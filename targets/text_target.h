/*
 * text_target.h - what the fuzz targets of the text formats share
 * (fuzz_workload, fuzz_strace, fuzz_trace, fuzz_crash): a parse error must
 * say what and where, and a program a parser made must print to .vmex text
 * that parses back to the same program.  Included by one source per
 * target (each target is targets/NAME.c).
 */
#ifndef VMEX_TEXT_TARGET_H
#define VMEX_TEXT_TARGET_H

#include <string.h>

#include "target.h"

const int vmex_target_takes_text = VMEX_FUZZ_TARGET_TEXT;   /* targets.txt: its input (raw bytes) */
int vmex_target_accepts(const vmex_config *c) { return 1; }
int vmex_target_expects(void) { return 0; }
int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

/* A refused input: the error says what (and, located, where). */
static inline void text_target_refused(const vmex_error *err, int located)
{
    VMEX_FUZZ_ASSERT(err->msg[0], "an error must say what is wrong");
    VMEX_FUZZ_ASSERT(!located || err->line >= 1, "a parse error must say where");
    VMEX_FUZZ_ASSERT(err->code == VMEX_E_INPUT || err->code == VMEX_E_NOMEM, "bad input is an input error");
}

/* p prints, the text parses back to p, and prints the same again. */
static inline void text_target_roundtrip(const vmex_program *p)
{
    static vmex_program q;
    static vmex_buf a, b;
    static int ready;
    vmex_error err;
    if (!ready) {
        vmex_program_init(&q);
        ready = 1;
    }
    memset(&err, 0, sizeof err);
    a.len = b.len = 0;
    VMEX_FUZZ_ASSERT(vmex_print(p, &a, NULL, NULL, NULL) == 0, "print failed");
    VMEX_FUZZ_ASSERT(vmex_parse(a.p, a.len, "printed", &q, &err) == 0, "a program made from the input does not parse");
    VMEX_FUZZ_ASSERT(vmex_program_equal(p, &q), "parse(print(p)) != p");
    VMEX_FUZZ_ASSERT(vmex_print(&q, &b, NULL, NULL, NULL) == 0, "print failed");
    VMEX_FUZZ_ASSERT(a.len == b.len && !memcmp(a.p, b.p, a.len), "print is not stable");
}

/* An importer target: data imported as format (enum vmex_trace_format)
 * must import or be refused with an error that says what; what it imports
 * must round-trip. */
#ifdef VMEX_IMPORT_H
static inline void text_target_import(const uint8_t *data, size_t size, int format)
{
    static vmex_program p;
    static int ready;
    vmex_import_opts o = {.format = format, .max_ops = 1u << 14};
    vmex_import_stats st;
    vmex_error err;
    if (!ready) {
        vmex_program_init(&p);
        ready = 1;
    }
    memset(&err, 0, sizeof err);
    if (vmex_import((const char *)data, size, "input", &o, &p, &st, &err))
        text_target_refused(&err, 0);   /* an empty input has no line to blame */
    else
        text_target_roundtrip(&p);
}
#endif

#endif
