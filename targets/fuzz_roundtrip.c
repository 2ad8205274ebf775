/*
 * fuzz_roundtrip - bytes -> program -> text -> program -> bytes.
 *
 * Decoding is total; the canonical encoding of a decoded program, its text
 * and the program parsed back must all agree: decode(b) = p1,
 * parse(print(p1)) = p2 == p1, encode(p2) = e, decode(e) == p1 and
 * encode(decode(e)) == e byte for byte.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "target.h"

const int vmex_target_takes_text = VMEX_FUZZ_TARGET_TEXT;   /* targets.txt: its input */
int vmex_target_accepts(const vmex_config *c) { return 1; }
int vmex_target_expects(void) { return 0; }

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vmex_program p1, p2, p3;
    static vmex_buf text, e1, e2;
    static int ready;
    vmex_target_count();
    if (!ready) {
        vmex_program_init(&p1);
        vmex_program_init(&p2);
        vmex_program_init(&p3);
        ready = 1;
    }
    vmex_layout L;
    vmex_error err;
    VMEX_FUZZ_ASSERT(vmex_decode_layout(data, size, NULL, 0, &L) == 0, "no layout");
    VMEX_FUZZ_ASSERT(vmex_decode(data, size, &L, &p1) == 0, "decode failed");
    text.len = e1.len = e2.len = 0;
    VMEX_FUZZ_ASSERT(vmex_print(&p1, &text, NULL, NULL, NULL) == 0, "print failed");
    VMEX_FUZZ_ASSERT(vmex_parse(text.p, text.len, "printed", &p2, &err) == 0, "printed text does not parse");
    VMEX_FUZZ_ASSERT(vmex_program_equal(&p1, &p2), "parse(print(decode(b))) != decode(b)");
    VMEX_FUZZ_ASSERT(vmex_encode(&p2, &L, &e1) == 0, "encode failed");
    VMEX_FUZZ_ASSERT(vmex_decode((const uint8_t *)e1.p, e1.len, &L, &p3) == 0, "decode failed");
    VMEX_FUZZ_ASSERT(vmex_program_equal(&p1, &p3), "decode(encode(p)) != p");
    VMEX_FUZZ_ASSERT(vmex_encode(&p3, &L, &e2) == 0, "encode failed");
    VMEX_FUZZ_ASSERT(e1.len == e2.len && !memcmp(e1.p, e2.p, e1.len), "encoding is not canonical");
    return 0;
}
