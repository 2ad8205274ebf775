/*
 * test_jsc.c - target jsc without JavaScriptCore: the ops in .vmex text
 * (syntax, caps, located errors, printing), the byte encoding's version 2
 * (hand-written inputs decoded to known programs; v1 as it was), the
 * oracle's rules for JavaScriptCore's classes, the layout, and the models
 * failing JavaScriptCore ops.  The runs themselves are tests/jsc.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fuzz/fuzz.h"
#include "oracle/oracle.h"

#define MiB (1ull << 20)

static const char *const prog_text =
    "vmex 1\n"
    "target jsc\n"
    "set window 256m\n"
    "\n"
    "a = arraybuffer 4m\n"
    "s = string 100k\n"
    "r = array 1m\n"
    "o = objects 10000\n"
    "p = props 16384\n"
    "e = eval 64m\n"
    "release a\n"
    "gc\n"
    "m = mmap 64m\n"
    "arraybuffer 1\n"
    "expect pas-panic at 9\n";

static void parse(const char *text, vmex_program *p)
{
    vmex_error err;
    if (vmex_parse(text, strlen(text), "t", p, &err)) fail_msg("%d:%d: %s", err.line, err.col, err.msg);
}

static char *print(const vmex_program *p)
{
    vmex_buf b = {0};
    assert_int_equal(vmex_print(p, &b, NULL, NULL, NULL), 0);
    return b.p;
}

static void test_text(void **state)
{
    vmex_program p;
    vmex_program_init(&p);
    parse(prog_text, &p);
    assert_int_equal(p.cfg.target, VMEX_TARGET_JSC);
    assert_int_equal(p.nops, 10);
    static const int kinds[] = {VMEX_OP_ARRAYBUFFER, VMEX_OP_STRING, VMEX_OP_ARRAY, VMEX_OP_OBJECTS, VMEX_OP_PROPS,
                                VMEX_OP_EVAL, VMEX_OP_RELEASE, VMEX_OP_GC, VMEX_OP_MMAP, VMEX_OP_ARRAYBUFFER};
    static const uint64_t sizes[] = {4 * MiB, 100 * 1024, MiB, 10000, 16384, 64 * MiB, 0, 0, 64 * MiB, 1};
    for (int i = 0; i < 10; i++) {
        assert_int_equal(p.ops[i].kind, kinds[i]);
        assert_int_equal(p.ops[i].size, sizes[i]);
        assert_true(VMEX_OP_IS_JSC(kinds[i]) == (i != 8));
    }
    assert_int_equal(p.ops[6].src, p.ops[0].dst);   /* release a */
    assert_int_equal(p.ops[9].dst, -1);             /* anonymous */
    assert_int_equal(p.expect, VMEX_PAS_PANIC);
    /* counts print in decimal (16384, not 16k); the text is the program */
    char *t = print(&p);
    assert_string_equal(t, prog_text);
    free(t);
    vmex_program_free(&p);
}

static void test_text_errors(void **state)
{
    static const struct { const char *text; int line, col; const char *msg; } bad[] = {
        {"vmex 1\na = arraybuffer 1m\n", 2, 5, "arraybuffer runs on target jsc only (write 'target jsc' first)"},
        {"vmex 1\ntarget linux-model\ngc\n", 3, 1, "gc runs on target jsc only (write 'target jsc' first)"},
        {"vmex 1\ntarget jsc\no = objects 1000001\n", 3, 13, "objects makes at most 1000000"},
        {"vmex 1\ntarget jsc\np = props 2g\n", 3, 11, "props makes at most 1000000"},
        {"vmex 1\ntarget jsc\ne = eval 64m\ne = eval 65m\n", 4, 10, "eval takes at most 64m of source"},
        {"vmex 1\ntarget jsc\ns = string\n", 3, 11, "string needs a SIZE"},
        {"vmex 1\ntarget jsc\no = objects\n", 3, 12, "objects needs a COUNT"},
        {"vmex 1\ntarget jsc\ngc 1\n", 3, 4, "unexpected '1'"},
        {"vmex 1\ntarget jsc\nx = gc\n", 3, 1, "gc does not bind a name"},
        {"vmex 1\ntarget jsc\nrelease\n", 3, 8, "release needs a NAME"},
        {"vmex 1\ntarget jsc\nset thp-align on\n", 3, 5,
         "set thp-align does not apply to target jsc (target jsc takes set window alone)"},
        {"vmex 1\ntarget webkit\n", 2, 8, "unknown target 'webkit' (xnu, linux-model, linux, jsc)"},
    };
    vmex_program p;
    vmex_program_init(&p);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        vmex_error err;
        if (!vmex_parse(bad[i].text, strlen(bad[i].text), "t", &p, &err)) fail_msg("parsed: %s", bad[i].text);
        if (err.line != bad[i].line || err.col != bad[i].col || !strstr(err.msg, bad[i].msg))
            fail_msg("%s: got %d:%d: %s", bad[i].text, err.line, err.col, err.msg);
    }
    vmex_program_free(&p);
}

/* hex text ("02 11 ...") to bytes */
static size_t unhex(const char *s, uint8_t *b, size_t max)
{
    size_t n = 0;
    while (*s && n < max) {
        if (*s == ' ' || *s == '|') {
            s++;
            continue;
        }
        unsigned v;
        assert_int_equal(sscanf(s, "%2x", &v), 1);
        b[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

static char *decode_text(const char *hex)
{
    uint8_t b[256];
    size_t n = unhex(hex, b, sizeof b);
    vmex_layout L;
    vmex_program p;
    vmex_program_init(&p);
    assert_int_equal(vmex_decode_layout(b, n, NULL, 0, &L), 0);
    assert_int_equal(vmex_decode(b, n, &L, &p), 0);
    char *t = print(&p);
    vmex_program_free(&p);
    return t;
}

/* The header of target jsc with set window 256m (key 6, mask 0x40) and
 * expect byte E, then the ops. */
#define HDR(v, t, e) v " 11 " t " ff 00 40 | 00 00 00 10 00 00 00 00 | " e " ff ff ff ff"
#define OPS                                                                                 \
    " | 08 00 ff ff 00 00 40 00 00 00 00 00"   /* arraybuffer, exact 4 MiB */              \
    " | 0c 00 a0 9c 01"                         /* props, LEB128 20000 */                   \
    " | 0b 10 c0 84 3d"                         /* objects 1000000, anonymous (F1) */       \
    " | 0e 00 00"                               /* release the newest live handle: h1 */    \
    " | 0f 00"                                  /* gc */                                    \
    " | 10 00"                                  /* kind 16: past the last op, nothing */    \
    " | 0b 00 ff ff ff 7f"                      /* objects 2^28 - 1: clamped to the cap */  \
    " | 0d 00 ff ff 00 00 00 08 00 00 00 00"   /* eval 128 MiB: clamped to 64 MiB */       \
    " | 00 00 ff ff 00 00 00 04 00 00 00 00"   /* a v1 op in v2: mmap, exact 64 MiB */

static void test_codec_v2(void **state)
{
    /* version 2, target jsc: every op, pas-panic (10) as the expect class */
    char *t = decode_text(HDR("02", "03", "0a") OPS);
    assert_string_equal(t, "vmex 1\ntarget jsc\nset window 256m\n\n"
                           "h0 = arraybuffer 4m\n"
                           "h1 = props 20000\n"
                           "objects 1000000\n"
                           "release h1\n"
                           "gc\n"
                           "h2 = objects 1000000\n"
                           "h3 = eval 64m\n"
                           "h4 = mmap 64m\n"
                           "expect pas-panic\n");
    free(t);
    /* the same ops on xnu: JavaScriptCore ops decode to nothing */
    t = decode_text("02 09 00 ff 00 00 ff ff ff ff ff" OPS);
    assert_string_equal(t, "vmex 1\ntarget xnu\n\nh0 = mmap 64m\n");
    free(t);
    /* version 1 knows neither target 3 nor class 10: xnu, no expect, and
     * its kinds are 3 bits (08 is mmap with align: as before) */
    t = decode_text("01 09 03 ff 00 00 0a ff ff ff ff | 07 00 00");
    assert_string_equal(t, "vmex 1\ntarget xnu\n\ncheck free >= 16k\n");
    free(t);

    /* the encoder: v2 for target jsc, canonical, and v1 for what v1 says */
    vmex_program p, q;
    vmex_program_init(&p);
    vmex_program_init(&q);
    parse(prog_text, &p);
    vmex_layout L;
    vmex_error err;
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    vmex_buf e = {0}, e2 = {0};
    assert_int_equal(vmex_encode(&p, &L, &e), 0);
    assert_int_equal((uint8_t)e.p[0], 2);
    assert_int_equal((uint8_t)e.p[2], VMEX_TARGET_JSC);
    assert_int_equal(vmex_decode((const uint8_t *)e.p, e.len, &L, &q), 0);
    assert_int_equal(q.nops, p.nops);
    for (uint32_t i = 0; i < p.nops; i++) {
        assert_int_equal(q.ops[i].kind, p.ops[i].kind);
        assert_int_equal(q.ops[i].size, p.ops[i].size);
    }
    assert_int_equal(q.expect, VMEX_PAS_PANIC);
    assert_int_equal(q.expect_at, 9);
    assert_int_equal(vmex_encode(&q, &L, &e2), 0);
    assert_int_equal(e2.len, e.len);
    assert_memory_equal(e2.p, e.p, e.len);
    e.len = 0;
    parse("vmex 1\ntarget linux\na = mmap 1m\n", &p);
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    assert_int_equal(vmex_encode(&p, &L, &e), 0);
    assert_int_equal((uint8_t)e.p[0], 1);
    vmex_buf_free(&e);
    vmex_buf_free(&e2);
    vmex_program_free(&p);
    vmex_program_free(&q);
}

static void test_oracle(void **state)
{
    vmex_op op;
    vmex_op_init(&op, VMEX_OP_PROPS);
    vmex_runopts o;
    vmex_runopts_init(&o);
    vmex_opres r = {.status = VMEX_ST_FAILED, .cls = VMEX_RANGE_ERROR, .req = 64 * MiB, .margin = 1.68};
    vmex_hunt h;
    vmex_error err;
    /* a RangeError: recorded, a finding only when a hunt names it */
    assert_false(_vmex_is_finding(&op, &r, &o));
    assert_int_equal(vmex_hunt_parse("frag", &h, &err), 0);
    o.hunt = &h;
    assert_false(_vmex_is_finding(&op, &r, &o));
    assert_int_equal(vmex_hunt_parse("range-error", &h, &err), 0);
    assert_int_equal(h.c[0].min_size, 0);   /* its size says what JavaScript asked, not a threshold */
    assert_true(_vmex_is_finding(&op, &r, &o));
    /* a panic or a GC abort: always without a hunt, as a crash is */
    r.cls = VMEX_PAS_PANIC;
    r.req = 32 * MiB;
    r.margin = 0.5;
    o.hunt = NULL;
    assert_true(_vmex_is_finding(&op, &r, &o));
    r.cls = VMEX_GC_ABORT;
    assert_true(_vmex_is_finding(&op, &r, &o));
    /* under a hunt, with its conditions: frag panics alone (margin >= 1) */
    assert_int_equal(vmex_hunt_parse("pas-panic:margin>=1", &h, &err), 0);
    o.hunt = &h;
    assert_false(_vmex_is_finding(&op, &r, &o));   /* a GC abort */
    r.cls = VMEX_PAS_PANIC;
    assert_false(_vmex_is_finding(&op, &r, &o));   /* margin 0.5: exhaustion */
    r.margin = 2.58;
    assert_true(_vmex_is_finding(&op, &r, &o));
    /* the default hunt of target jsc parses, and names the crashes */
    assert_int_equal(vmex_hunt_parse(VMEX_DEFAULT_HUNT_JSC, &h, &err), 0);
    assert_int_equal(h.n, 4);
    assert_int_equal(h.c[0].cls, VMEX_PAS_PANIC);
    assert_int_equal(h.c[1].cls, VMEX_GC_ABORT);
}

/* signatures: frag or exhausted by the margin, the frame made file-name safe */
static void test_signature(void **state)
{
    vmex_result r;
    _vmex_result_begin(&r);
    r.findings = 1;
    r.verdict = VMEX_PAS_PANIC;
    r.req_kind = VMEX_OP_PROPS;
    r.req = 32 * MiB;   /* 2^25 */
    r.margin = 2.58;
    snprintf(r.frame, sizeof r.frame, "WTF::StringImpl::create");
    char sig[128];
    vmex_result_signature(&r, "jsc-256m", sig, sizeof sig);
    assert_string_equal(sig, "pas-panic-frag-props-2p25-jsc-256m-WTF.StringImpl.create");
    r.margin = 0.99;
    r.verdict = VMEX_GC_ABORT;
    snprintf(r.frame, sizeof r.frame, "libjavascriptcoregtk-4.1.so.0+0xf00206");
    vmex_result_signature(&r, "jsc-256m", sig, sizeof sig);
    assert_string_equal(sig, "gc-abort-exhausted-props-2p25-jsc-256m-libjavascriptcoregtk.4.1.so.0.0xf00206");
    r.verdict = VMEX_RANGE_ERROR;
    r.req_kind = VMEX_OP_ARRAYBUFFER;
    r.req = 64 * MiB;
    r.margin = 1.68;
    r.frame[0] = '\0';
    vmex_result_signature(&r, "jsc-256m", sig, sizeof sig);
    assert_string_equal(sig, "range-error-frag-arraybuffer-2p26-jsc-256m");
    /* other classes: vmex_signature's */
    r.verdict = VMEX_FRAG;
    r.req_kind = VMEX_OP_MMAP;
    vmex_result_signature(&r, "ios16-3gb", sig, sizeof sig);
    assert_string_equal(sig, "frag-mmap-2p26-ios16-3gb");
}

/* the layout of target jsc: a window, JavaScriptCore's malloc, no THP rule */
static void test_layout(void **state)
{
    vmex_program p;
    vmex_program_init(&p);
    parse("vmex 1\ntarget jsc\n", &p);
    vmex_layout L;
    vmex_error err;
    assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
    assert_string_equal(L.profile, "jsc-1g");
    assert_int_equal(L.base, VMEX_LINUX_BASE);
    assert_int_equal(L.window, 1ull << 30);
    assert_int_equal(L.allocator, VMEX_ALLOC_GLIBC);
    assert_int_equal(L.page, VMEX_LINUX_PAGE);
    /* no steps: the run is the executor's */
    vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
    assert_int_equal(vmex_model_start(m, &L, 4), -1);
    assert_non_null(strstr(vmex_model_error(m), "target jsc runs whole programs"));
    vmex_model_free(m);
    vmex_program_free(&p);
}

/* The models fail a JavaScriptCore op with a reason (a decoded or mutated
 * program may carry one; the parser never lets one through). */
static void test_models_fail_jsc_ops(void **state)
{
    static const int targets[] = {VMEX_TARGET_XNU, VMEX_TARGET_LINUX_MODEL};
    for (size_t t = 0; t < 2; t++) {
        vmex_program p;
        vmex_program_init(&p);
        p.cfg.target = (uint8_t)targets[t];
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_ARRAYBUFFER);
        op.size = 4 * MiB;
        op.dst = vmex_program_name(&p, "a");
        assert_int_equal(vmex_program_add(&p, &op), 0);
        vmex_op_init(&op, VMEX_OP_GC);
        assert_int_equal(vmex_program_add(&p, &op), 1);
        vmex_op_init(&op, VMEX_OP_RELEASE);
        op.src = 0;
        assert_int_equal(vmex_program_add(&p, &op), 2);
        vmex_layout L;
        vmex_error err;
        assert_int_equal(vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err), 0);
        vmex_model *m = vmex_model_new(VMEX_STORE_FAST);
        vmex_opres r[3];
        assert_int_equal(vmex_model_start(m, &L, p.nnames), 0);
        vmex_runopts o;
        vmex_runopts_init(&o);
        for (uint32_t i = 0; i < 3; i++) vmex_model_step(m, &p.ops[i], i, &o, &r[i]);
        assert_int_equal(r[0].status, VMEX_ST_FAILED);
        assert_int_equal(r[0].why, VMEX_WHY_TARGET);
        assert_int_equal(r[0].cls, VMEX_OK);
        assert_false(r[0].finding);
        assert_int_equal(r[1].why, VMEX_WHY_TARGET);
        assert_int_equal(r[2].status, VMEX_ST_SKIPPED);   /* `a` was never bound */
        assert_string_equal(vmex_reason_text(VMEX_WHY_TARGET), "a JavaScriptCore op runs on target jsc only");
        vmex_model_free(m);
        vmex_program_free(&p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),   cmocka_unit_test(test_text_errors), cmocka_unit_test(test_codec_v2),
        cmocka_unit_test(test_oracle), cmocka_unit_test(test_layout),      cmocka_unit_test(test_models_fail_jsc_ops),
        cmocka_unit_test(test_signature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
