/*
 * fuzz_crash - iOS crash reports (.ips JSON, .crash text, jetsam): the
 * parser, the reconstruction of the address space and its verdict.
 *
 * Any input must parse or fail with an error that says what; a report that
 * parses and reconstructs gives a program that prints to .vmex text that
 * parses back to it, and a verdict.
 */
#include "import/crashreport.h"
#include "text_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vmex_report r;
    vmex_recon rc;
    vmex_program p;
    vmex_error err;
    vmex_recon_opts o = {NULL};
    vmex_report_init(&r);
    vmex_recon_init(&rc);
    vmex_program_init(&p);
    memset(&err, 0, sizeof err);
    if (vmex_report_parse((const char *)data, size, "input", &r, &err)) {
        text_target_refused(&err, 0);
    } else if (vmex_report_to_program(&r, &o, &p, &rc, &err) == 0) {
        static vmex_verdict v;
        text_target_roundtrip(&p);
        VMEX_FUZZ_ASSERT(vmex_report_verdict(&r, &rc, &p, &v, &err) == 0 || err.code == VMEX_E_NOMEM,
                         "a reconstructed report has no verdict");
    }
    vmex_program_free(&p);
    vmex_recon_free(&rc);
    vmex_report_free(&r);
    return 0;
}
