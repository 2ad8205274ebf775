/*
 * test_program.c - tests of program.c: the program's lifecycle, its name
 * table, copy and equality, and the enum names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmex.h"

static void test_init(void **state)
{
    (void)state;
    vmex_program p;
    memset(&p, 0x5a, sizeof p);
    vmex_program_init(&p);
    assert_int_equal(p.cfg.target, VMEX_TARGET_XNU);
    assert_string_equal(p.cfg.profile, "");
    assert_int_equal(p.cfg.ents, 0);
    assert_int_equal(p.cfg.set_mask, 0);
    assert_null(p.ops);
    assert_null(p.names);
    assert_int_equal(p.nops, 0);
    assert_int_equal(p.nnames, 0);
    assert_int_equal(p.expect, -1);
    assert_int_equal(p.expect_at, -1);
    vmex_program_free(&p);                  /* an empty program frees */
    vmex_program_free(&p);                  /* and stays valid after */

    vmex_op op;
    memset(&op, 0x5a, sizeof op);
    vmex_op_init(&op, VMEX_OP_TOUCH);
    assert_int_equal(op.kind, VMEX_OP_TOUCH);
    assert_int_equal(op.dst, -1);
    assert_int_equal(op.src, -1);
    assert_int_equal(op.prot, VMEX_PROT_RW);
    assert_int_equal(op.tag | op.metric | op.cmp | op.pad_ | op.flags | op.line, 0);
    assert_int_equal(op.size | op.addr | op.align | op.off | op.len, 0);
}

static void test_add(void **state)
{
    (void)state;
    vmex_program p;
    vmex_op op;
    vmex_program_init(&p);
    for (uint32_t i = 0; i < 100000; i++) {
        vmex_op_init(&op, VMEX_OP_MALLOC);
        op.size = i;
        op.line = i + 1;
        assert_int_equal(vmex_program_add(&p, &op), (int)i);
    }
    assert_int_equal(p.nops, 100000);
    assert_true(p.ops_cap >= 100000 && p.ops_cap < 200000);     /* doubling */
    for (uint32_t i = 0; i < 100000; i += 997)
        assert_int_equal(p.ops[i].size, i);
    assert_int_equal(p.ops[99999].line, 100000);

    /* the limit (checked before anything is written) */
    p.nops = VMEX_MAX_OPS;
    assert_int_equal(vmex_program_add(&p, &op), -1);
    assert_int_equal(p.nops, VMEX_MAX_OPS);
    p.nops = 100000;

    /* reset empties but keeps the buffers */
    vmex_op *ops = p.ops;
    uint32_t cap = p.ops_cap;
    p.cfg.ents = 3;
    p.cfg.set_mask = 1;
    strcpy(p.cfg.profile, "ios16-3gb");
    p.expect = VMEX_FRAG;
    p.expect_at = 7;
    assert_true(vmex_program_name(&p, "x") >= 0);
    vmex_program_reset(&p);
    assert_int_equal(p.nops, 0);
    assert_int_equal(p.nnames, 0);
    assert_ptr_equal(p.ops, ops);
    assert_int_equal(p.ops_cap, cap);
    assert_non_null(p.names);
    assert_int_equal(p.cfg.ents | p.cfg.set_mask, 0);
    assert_string_equal(p.cfg.profile, "");
    assert_int_equal(p.expect, -1);
    assert_int_equal(p.expect_at, -1);
    assert_int_equal(vmex_program_find_name(&p, "x"), -1);
    assert_int_equal(vmex_program_add(&p, &op), 0);
    vmex_program_free(&p);
    assert_null(p.ops);
    assert_int_equal(p.nops, 0);
}

static void test_names(void **state)
{
    (void)state;
    vmex_program p;
    vmex_program_init(&p);
    assert_int_equal(vmex_program_find_name(&p, "a"), -1);
    assert_int_equal(vmex_program_name(&p, "a"), 0);
    assert_int_equal(vmex_program_name(&p, "b"), 1);
    assert_int_equal(vmex_program_name(&p, "a"), 0);
    assert_int_equal(vmex_program_find_name(&p, "b"), 1);
    assert_int_equal(vmex_program_find_name(&p, "c"), -1);
    assert_int_equal(p.nnames, 2);
    assert_int_equal(vmex_program_name(&p, ""), -1);
    assert_int_equal(vmex_program_name(&p, "abcdefghijklmnopqrstuvwxyz_0123"), 2);    /* 31 chars */
    assert_int_equal(vmex_program_name(&p, "abcdefghijklmnopqrstuvwxyz_01234"), -1);  /* 32 */
    assert_string_equal(p.names[2], "abcdefghijklmnopqrstuvwxyz_0123");
    char n[8];
    for (int i = 0; i < 1000; i++) {
        snprintf(n, sizeof n, "n%d", i);
        assert_int_equal(vmex_program_name(&p, n), 3 + i);
    }
    assert_int_equal(vmex_program_find_name(&p, "n999"), 1002);
    assert_string_equal(p.names[500], "n497");
    vmex_program_free(&p);
}

/* A small program: two names, every kind of field in use. */
static void build(vmex_program *p)
{
    vmex_op op;
    vmex_program_init(p);
    strcpy(p->cfg.profile, "ios16-3gb");
    p->cfg.ents = VMEX_ENT_JIT;
    p->cfg.set_mask = 1u << VMEX_SET_DYLD;
    p->cfg.set[VMEX_SET_DYLD] = 1 << 20;
    vmex_op_init(&op, VMEX_OP_MMAP);
    op.dst = vmex_program_name(p, "a");
    op.size = 1 << 20;
    op.flags = VMEX_F_HINT | VMEX_F_ALIGN | VMEX_F_TAG | VMEX_F_PROT;
    op.addr = 0x200000000ull;
    op.align = 1 << 16;
    op.tag = 7;
    op.prot = VMEX_PROT_R;
    vmex_program_add(p, &op);
    vmex_op_init(&op, VMEX_OP_TOUCH);
    op.src = 0;
    op.flags = VMEX_F_RANGE;
    op.off = 16384;
    op.len = 16384;
    vmex_program_add(p, &op);
    vmex_op_init(&op, VMEX_OP_CHECK);
    op.metric = VMEX_M_FOOTPRINT;
    op.cmp = VMEX_CMP_LE;
    op.size = 1 << 15;
    vmex_program_add(p, &op);
    vmex_op_init(&op, VMEX_OP_MALLOC);
    op.dst = vmex_program_name(p, "b");
    op.size = 3;
    vmex_program_add(p, &op);
    p->expect = VMEX_JETSAM;
    p->expect_at = 1;
}

static void test_equal(void **state)
{
    (void)state;
    vmex_program a, b;
    build(&a);
    build(&b);
    assert_true(vmex_program_equal(&a, &a));
    assert_true(vmex_program_equal(&a, &b));

    /* not compared: line, pad_, values of keys not in set_mask, unused names */
    b.ops[0].line = 99;
    b.ops[1].pad_ = 1;
    b.cfg.set[VMEX_SET_SLIDE] = 12345;
    vmex_program_name(&b, "unused");
    assert_true(vmex_program_equal(&a, &b));

    /* names compare by their strings, not their ids */
    vmex_program c;
    vmex_program_init(&c);
    c.cfg = a.cfg;
    vmex_program_name(&c, "zz");
    vmex_program_name(&c, "b");
    vmex_program_name(&c, "a");
    for (uint32_t i = 0; i < a.nops; i++) {
        vmex_op op = a.ops[i];
        if (op.dst >= 0)
            op.dst = vmex_program_find_name(&c, a.names[op.dst]);
        if (op.src >= 0)
            op.src = vmex_program_find_name(&c, a.names[op.src]);
        vmex_program_add(&c, &op);
    }
    c.expect = a.expect;
    c.expect_at = a.expect_at;
    assert_true(c.ops[0].dst != a.ops[0].dst);
    assert_true(vmex_program_equal(&a, &c));
    assert_true(vmex_program_equal(&c, &a));
    strcpy(c.names[2], "x");                                       /* a renamed */
    assert_false(vmex_program_equal(&a, &c));
    vmex_program_free(&c);

    /* every compared field matters */
    for (int f = 0; f < 23; f++) {
        vmex_program_free(&b);
        build(&b);
        switch (f) {
        case 0: b.cfg.target = VMEX_TARGET_LINUX; break;
        case 1: strcpy(b.cfg.profile, "ios17-3gb"); break;
        case 2: b.cfg.ents |= VMEX_ENT_EXTENDED_VA; break;
        case 3: b.cfg.set_mask |= 1u << VMEX_SET_SLIDE; break;
        case 4: b.cfg.set[VMEX_SET_DYLD]++; break;
        case 5: b.ops[0].kind = VMEX_OP_VM_ALLOCATE; break;
        case 6: b.ops[0].prot = VMEX_PROT_RX; break;
        case 7: b.ops[0].tag = 8; break;
        case 8: b.ops[2].metric = VMEX_M_FREE; break;
        case 9: b.ops[2].cmp = VMEX_CMP_GE; break;
        case 10: b.ops[0].flags |= VMEX_F_JIT; break;
        case 11: b.ops[0].dst = 1; break;
        case 12: b.ops[1].src = -1; break;
        case 13: b.ops[3].dst = -1; break;
        case 14: b.ops[0].size++; break;
        case 15: b.ops[0].addr++; break;
        case 16: b.ops[0].align *= 2; break;
        case 17: b.ops[1].off = 0; break;
        case 18: b.ops[1].len = 1; break;
        case 19: b.nops--; break;
        case 20: b.expect = VMEX_OK; break;
        case 21: b.expect_at = -1; break;
        case 22: b.ops[1].src = 5; break;                     /* outside the table */
        }
        if (vmex_program_equal(&a, &b) || vmex_program_equal(&b, &a))
            fail_msg("change %d not seen", f);
    }
    vmex_program_free(&a);
    vmex_program_free(&b);
}

static void test_copy(void **state)
{
    (void)state;
    vmex_program a, b;
    build(&a);
    vmex_program_init(&b);
    assert_int_equal(vmex_program_copy(&b, &a), 0);
    assert_true(vmex_program_equal(&a, &b));
    assert_true(b.ops != a.ops && b.names != a.names);
    assert_int_equal(b.nnames, a.nnames);
    assert_int_equal(b.ops[0].line, a.ops[0].line);
    /* deep: changing the copy leaves the original */
    b.ops[0].size = 1;
    strcpy(b.names[0], "q");
    assert_int_equal(a.ops[0].size, 1 << 20);
    assert_string_equal(a.names[0], "a");

    /* into a used program: replaced, not appended */
    vmex_program c;
    build(&c);
    vmex_program_reset(&b);
    for (int i = 0; i < 100; i++) {
        vmex_op op;
        vmex_op_init(&op, VMEX_OP_FREE);
        vmex_program_add(&b, &op);
    }
    b.expect = VMEX_OK;
    assert_int_equal(vmex_program_copy(&b, &c), 0);
    assert_int_equal(b.nops, 4);
    assert_true(vmex_program_equal(&b, &c));
    assert_int_equal(vmex_program_copy(&b, &b), 0);          /* onto itself */
    assert_true(vmex_program_equal(&b, &c));

    /* an empty one */
    vmex_program e;
    vmex_program_init(&e);
    assert_int_equal(vmex_program_copy(&b, &e), 0);
    assert_int_equal(b.nops, 0);
    assert_int_equal(b.expect, -1);
    assert_true(vmex_program_equal(&b, &e));
    vmex_program_free(&a);
    vmex_program_free(&b);
    vmex_program_free(&c);
    vmex_program_free(&e);
}

static void test_names_of_enums(void **state)
{
    (void)state;
    static const char *const ops[] = {"mmap", "vm_allocate", "malloc", "realloc",
                                      "free", "munmap", "touch", "check"};
    static const int binds[] = {1, 1, 1, 1, 0, 0, 0, 0}, uses[] = {0, 0, 0, 1, 1, 1, 1, 0};
    for (int k = 0; k < VMEX_OP__COUNT; k++) {
        assert_string_equal(vmex_opkind_name(k), ops[k]);
        assert_int_equal(!!vmex_op_binds(k), binds[k]);
        assert_int_equal(!!vmex_op_uses(k), uses[k]);
    }
    assert_string_equal(vmex_opkind_name(VMEX_OP__COUNT), "?");
    assert_string_equal(vmex_opkind_name(-1), "?");

    assert_string_equal(vmex_prot_name(VMEX_PROT_RW), "rw");
    assert_string_equal(vmex_prot_name(VMEX_PROT_NONE), "none");
    assert_string_equal(vmex_prot_name(VMEX_PROT_R), "r");
    assert_string_equal(vmex_prot_name(VMEX_PROT_RX), "rx");
    assert_string_equal(vmex_prot_name(4), "?");

    assert_string_equal(vmex_metric_name(VMEX_M_FREE), "free");
    assert_string_equal(vmex_metric_name(VMEX_M_LARGEST), "largest");
    assert_string_equal(vmex_metric_name(VMEX_M_MAPPED), "mapped");
    assert_string_equal(vmex_metric_name(VMEX_M_FOOTPRINT), "footprint");
    assert_string_equal(vmex_metric_name(VMEX_M__COUNT), "?");

    static const char *const cls[] = {"ok", "frag", "exhausted", "too-large", "jetsam", "map-count", "crash", "hang", "diverge"};
    for (int c = 0; c < VMEX_CLASS__COUNT; c++) {
        assert_string_equal(vmex_class_name(c), cls[c]);
        assert_int_equal(vmex_class_parse(cls[c]), c);
    }
    assert_string_equal(vmex_class_name(VMEX_CLASS__COUNT), "?");
    assert_int_equal(vmex_class_parse("too_large"), -1);
    assert_int_equal(vmex_class_parse("OK"), -1);
    assert_int_equal(vmex_class_parse(""), -1);

    assert_string_equal(vmex_target_name(VMEX_TARGET_XNU), "xnu");
    assert_string_equal(vmex_target_name(VMEX_TARGET_LINUX_MODEL), "linux-model");
    assert_string_equal(vmex_target_name(VMEX_TARGET_LINUX), "linux");
    assert_string_equal(vmex_target_name(VMEX_TARGET__COUNT), "?");

    assert_string_equal(vmex_region_name(VMEX_R_APP), "app");
    assert_string_equal(vmex_region_name(VMEX_R_MALLOC), "malloc");
    assert_string_equal(vmex_region_name(VMEX_R_BINARY), "binary");
    assert_string_equal(vmex_region_name(VMEX_R_DYLD), "dyld");
    assert_string_equal(vmex_region_name(VMEX_R_STACK), "stack");
    assert_string_equal(vmex_region_name(VMEX_R_SHARED), "shared-region");
    assert_string_equal(vmex_region_name(VMEX_R_NANO), "nano");
    assert_string_equal(vmex_region_name(VMEX_R__COUNT), "?");

    assert_string_equal(vmex_reason_text(VMEX_WHY_NONE), "none");
    assert_string_equal(vmex_reason_text(VMEX_WHY_NOSPACE), "no hole fits");
    assert_string_equal(vmex_reason_text(VMEX_WHY_OCCUPIED), "range occupied");
    assert_string_equal(vmex_reason_text(VMEX_WHY_RANGE), "outside the map or unaligned");
    assert_string_equal(vmex_reason_text(VMEX_WHY_JIT), "MAP_JIT needs the dynamic-codesigning entitlement");
    assert_string_equal(vmex_reason_text(VMEX_WHY_UNBOUND), "handle is unbound");
    assert_string_equal(vmex_reason_text(VMEX_WHY_KIND), "wrong handle kind");
    assert_string_equal(vmex_reason_text(VMEX_WHY_NOTMAPPED), "range not mapped");
    assert_string_equal(vmex_reason_text(VMEX_WHY_BADRANGE), "range outside the handle");
    assert_string_equal(vmex_reason_text(VMEX_WHY_CHECK), "check failed");
    assert_string_equal(vmex_reason_text(VMEX_WHY_JETSAM), "footprint passed the jetsam limit");
    assert_string_equal(vmex_reason_text(VMEX_WHY__COUNT), "?");
    for (int w = 0; w < VMEX_WHY__COUNT; w++)
        assert_true(vmex_reason_text(w)[0] != '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_names_of_enums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
