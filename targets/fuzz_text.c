/*
 * fuzz_text - the .vmex parser and printer.
 *
 * Any input must parse or fail cleanly with a located error; a parsed
 * program must print to text that parses to an equal program, and printing
 * that again must give the same bytes.  Aborts (vmex_harness_bug) on any
 * violation.
 */
#include <string.h>

#include "target.h"

const int vmex_target_takes_text = VMEX_FUZZ_TARGET_TEXT;   /* targets.txt: its input */
int vmex_target_accepts(const vmex_config *c) { return 1; }
int vmex_target_expects(void) { return 0; }

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vmex_program p1, p2;
    static vmex_buf b1, b2;
    static int ready;
    vmex_target_count();
    if (!ready) {
        vmex_program_init(&p1);
        vmex_program_init(&p2);
        ready = 1;
    }
    vmex_error err;
    memset(&err, 0, sizeof err);
    if (vmex_parse((const char *)data, size, "input", &p1, &err)) {
        VMEX_FUZZ_ASSERT(err.msg[0] && err.line >= 1, "a parse error must say what and where");
        return 0;
    }
    b1.len = b2.len = 0;
    VMEX_FUZZ_ASSERT(vmex_print(&p1, &b1, NULL, NULL, NULL) == 0, "print failed");
    VMEX_FUZZ_ASSERT(vmex_parse(b1.p, b1.len, "printed", &p2, &err) == 0, "printed text does not parse");
    VMEX_FUZZ_ASSERT(vmex_program_equal(&p1, &p2), "parse(print(p)) != p");
    VMEX_FUZZ_ASSERT(vmex_print(&p2, &b2, NULL, NULL, NULL) == 0, "print failed");
    VMEX_FUZZ_ASSERT(b1.len == b2.len && !memcmp(b1.p, b2.p, b1.len), "print is not stable");
    return 0;
}
