/*
 * fuzz_trace - the importer of recorded traces (`vmex import`, "vmex-trace 1").
 *
 * Any input must import or fail with an error that says what (and where,
 * for a line); an imported program must print to .vmex text that parses
 * back to it (text_target.h).
 */
#include "import/import.h"
#include "text_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    text_target_import(data, size, VMEX_TRACE_RECORD);
    return 0;
}
