/*
 * fuzz_trace - the importer of recorded traces (`vmex import`, "vmex-trace 1").
 *
 * Any input must import or fail with an error that says what (and where,
 * for a line: an empty input has none); an imported program must print to
 * .vmex text that parses back to it.
 */
#include "import/import.h"
#include "text_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vmex_program p;
    static int ready;
    vmex_import_opts o = {VMEX_TRACE_RECORD, 1u << 14, NULL};
    vmex_import_stats st;
    vmex_error err;
    if (!ready) {
        vmex_program_init(&p);
        ready = 1;
    }
    memset(&err, 0, sizeof err);
    if (vmex_import((const char *)data, size, "input", &o, &p, &st, &err))
        text_target_refused(&err, 0);
    else
        text_target_roundtrip(&p);
    return 0;
}
