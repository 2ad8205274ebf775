/*
 * strace_lines.c - the lines of strace output (`strace -f -e
 * trace=mmap,munmap,mremap,brk,clone,clone3,execve`, with or without -o,
 * -t, -T, -y, -i, -X raw): pid prefixes ("[pid N]" and the bare "N " of
 * -o), timestamps, strace's own notes, signals and exits, calls begun
 * <unfinished ...> and their "<... NAME resumed>" ends, and lines cut by
 * a "strace: Process N attached" note.  A call, once whole, goes to
 * imp_strace_call (strace.c) with the pieces it came from, so its errors
 * point at the right line and column.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "import/importer.h"

/* ------------------------------------------------------------ lines */
#define PID_MAX_TEXT 2147483647L   /* pid_t is an int; Linux's own limit is 2^22 (PID_MAX_LIMIT) */

/* The decimal pid s[0..n) (digits only): 0, or -1 when it is past what a
 * pid can be (checked arithmetic: D3). */
static int spid(const char *s, size_t n, long *pid)
{
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (v > (PID_MAX_TEXT - (s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *pid = v;
    return 0;
}

static int bad_pid(vmex_importer *im, const char *s, size_t n, int col)
{
    return imp_fail(im, col, "pid '%.*s' is out of range (a pid is at most %ld)", (int)(n > 30 ? 30 : n), s,
                    PID_MAX_TEXT);
}

/* The pieces of src[0..nsrc) that cover [off, end) of their text, as
 * pieces of another text in which off is at `at`, appended to dst[0..ndst):
 * the new count, or -1 when they do not fit (columns unknown). */
static int seg_slice(const lseg *src, int nsrc, size_t off, size_t end, size_t at, lseg *dst, int ndst)
{
    if (nsrc < 0 || ndst < 0)
        return -1;
    for (int k = 0; k < nsrc; k++) {
        size_t lo = src[k].off, hi = k + 1 < nsrc ? src[k + 1].off : SIZE_MAX;
        if (hi <= off || lo >= end)
            continue;
        size_t from = lo > off ? lo : off;
        if (ndst == IMP_MAX_SEGS)
            return -1;
        dst[ndst++] = (lseg){at + (from - off), src[k].line, src[k].col + (int)(from - lo)};
    }
    return ndst;
}

/* "strace: Process N attached" (at column col of the line): N is a new
 * child.  Other notes are only counted. */
static int s_note(vmex_importer *im, const char *t, size_t n, int col)
{
    static const char pre[] = "strace: Process ";
    size_t k = sizeof pre - 1, d = k;
    if (n < k || memcmp(t, pre, k))
        return 0;
    while (k < n && t[k] >= '0' && t[k] <= '9')
        k++;
    if (k == d || n - k < 9 || memcmp(t + k, " attached", 9))
        return 0;
    long pid;
    if (spid(t + d, k - d, &pid))
        return bad_pid(im, t + d, k - d, col + (int)d);
    return imp_pid_attached(im, pid);
}

/* "--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=N, ...": N is gone */
static void s_sigchld(vmex_importer *im, const char *t, size_t n)
{
    const char *p = memmem(t, n, "si_pid=", 7);
    if (!memmem(t, n, "SIGCHLD", 7) || !p ||
        !(memmem(t, n, "CLD_EXITED", 10) || memmem(t, n, "CLD_KILLED", 10) || memmem(t, n, "CLD_DUMPED", 10)))
        return;
    p += 7;
    size_t k = 0, left = n - (size_t)(p - t);
    while (k < left && p[k] >= '0' && p[k] <= '9')
        k++;
    long pid;
    if (k && !spid(p, k, &pid))
        imp_pid_exit(im, pid);
}

static int strace_line2(vmex_importer *im, const char *s, size_t n);

/* strace writing to a terminal (or 2> FILE) can cut a line with its own
 * "strace: Process N attached" note; the line goes on on the next one.
 * The pieces are put back together, and remember where they came from
 * (errors say the line and column of the piece: D15). */
int imp_strace_line(vmex_importer *im, const char *s, size_t n)
{
    static const char note[] = "strace: Process ";
    const char *cut = n > sizeof note ? memmem(s + 1, n - 1, note, sizeof note - 1) : NULL;
    if (im->ncarry || cut) {
        size_t keep = cut ? (size_t)(cut - s) : n;
        if (imp_grow((void **)&im->carry, &im->carrycap, im->ncarry + keep + 1, 1))
            return imp_oom(im);
        if (im->ncseg >= 0 && im->ncseg < IMP_MAX_SEGS)
            im->cseg[im->ncseg++] = (lseg){im->ncarry, im->line, 1};
        else
            im->ncseg = -1;
        memcpy(im->carry + im->ncarry, s, keep);
        im->ncarry += keep;
        if (cut) {
            im->st.other++;   /* the note */
            im->nseg = 0;
            return s_note(im, cut, n - keep, (int)keep + 1);
        }
        size_t len = im->ncarry;
        im->ncarry = 0;
        im->nseg = im->ncseg;
        if (im->nseg > 0)
            memcpy(im->seg, im->cseg, (size_t)im->nseg * sizeof *im->seg);
        im->ncseg = 0;
        return strace_line2(im, im->carry, len);
    }
    im->seg[0] = (lseg){0, im->line, 1};
    im->nseg = 1;
    return strace_line2(im, s, n);
}

/* "<... NAME resumed>REST" at t (offset i of the logical line s): the call
 * begun with <unfinished ...>, put back together. */
static int s_resumed(vmex_importer *im, const char *t, size_t tn, size_t i)
{
    size_t k = 5, ns = 5;
    while (k < tn && t[k] != ' ' && t[k] != '>')
        k++;
    const char *name = t + ns;
    size_t nl = k - ns;
    if (tn - k < 9 || memcmp(t + k, " resumed>", 9))
        return imp_fail(im, (int)(i + k) + 1, "expected ' resumed>' after '<... %.*s'", (int)(nl > 20 ? 20 : nl),
                        name);
    k += 9;
    int ours = imp_is_memory_call(name, nl) || imp_is_proc_call(name, nl);
    pidrec *p = imp_pid_find(im, im->cur_pid);
    if (!ours) {
        im->st.other++;
        return 0;
    }
    pendcall *pc = p ? p->pend : NULL;
    if (!pc || strlen(pc->name) != nl || memcmp(pc->name, name, nl))
        return imp_fail(im, (int)i + 1, "'%.*s resumed' without its '<unfinished ...>' start", (int)nl, name);
    /* NAME( ARGS-BEFORE REST */
    size_t need = nl + 1 + pc->len + (tn - k) + 1;
    if (imp_grow((void **)&im->comb, &im->combcap, need, 1))
        return imp_oom(im);
    size_t c = 0;
    memcpy(im->comb, name, nl);
    c += nl;
    im->comb[c++] = '(';
    memcpy(im->comb + c, pc->args, pc->len);
    c += pc->len;
    memcpy(im->comb + c, t + k, tn - k);
    c += tn - k;
    /* where each piece came from: the name here, the arguments where the
     * call began, the rest here */
    lseg seg[IMP_MAX_SEGS];
    int ns2 = seg_slice(im->seg, im->nseg, i + ns, i + ns + nl + 1, 0, seg, 0);
    ns2 = seg_slice(pc->seg, pc->nseg, 0, pc->len, nl + 1, seg, ns2);
    ns2 = seg_slice(im->seg, im->nseg, i + k, SIZE_MAX, nl + 1 + pc->len, seg, ns2);
    im->nseg = ns2;
    if (ns2 > 0)
        memcpy(im->seg, seg, (size_t)ns2 * sizeof *seg);
    im->begun = pc->line;
    imp_pid_unpend(im, p, 0);
    int rc = imp_strace_call(im, im->comb, c, 0);
    im->begun = 0;
    return rc;
}

static int strace_line2(vmex_importer *im, const char *s, size_t n)
{
    size_t i = 0;
    long pid = 0;
    int prefixed = 0;
    if (n == 0)
        return 0;
    /* [pid N] (strace -f to a terminal) or N (strace -f -o FILE) */
    if (n > 5 && !memcmp(s, "[pid ", 5)) {
        i = 5;
        while (i < n && s[i] == ' ')
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d || i >= n || s[i] != ']')
            return imp_fail(im, (int)i + 1, "bad '[pid N]' prefix");
        if (spid(s + d, i - d, &pid))
            return bad_pid(im, s + d, i - d, (int)d + 1);
        prefixed = 1;
        i++;
    } else if (s[0] >= '0' && s[0] <= '9') {
        size_t j = 0;
        while (j < n && s[j] >= '0' && s[j] <= '9')
            j++;
        if (j < n && s[j] == ' ') {
            if (spid(s, j, &pid))
                return bad_pid(im, s, j, 1);
            prefixed = 1;
            i = j;
        }
    }
    while (i < n && s[i] == ' ')
        i++;
    /* timestamps (-t, -tt, -ttt, -r) and the instruction pointer (-i) */
    for (;;) {
        size_t j = i;
        while (j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == ':' || s[j] == '.'))
            j++;
        if (j > i && j < n && s[j] == ' ' && memchr(s + i, ':', j - i) != NULL) {
            i = j;
        } else if (j > i && j < n && s[j] == ' ' && memchr(s + i, '.', j - i) != NULL) {
            i = j;
        } else if (j == i && i < n && s[i] == '[' && !(n - i > 4 && !memcmp(s + i, "[pid", 4))) {
            const char *e = memchr(s + i, ']', n - i);
            if (!e)
                return imp_fail(im, (int)i + 1, "bad '[ADDRESS]' prefix (strace -i)");
            j = (size_t)(e - s) + 1;
            i = j;
        } else {
            break;
        }
        while (i < n && s[i] == ' ')
            i++;
    }
    pidrec *r = imp_pid_line(im, pid, prefixed);
    if (!r)
        return imp_oom(im);
    im->cur_pid = r->pid;
    const char *t = s + i;
    size_t tn = n - i;
    if (tn == 0)
        return 0;
    /* signals, exits, strace's own notes, stack traces (-k) */
    if (tn >= 4 && !memcmp(t, "+++ ", 4)) {
        if (memmem(t, tn, "exited with", 11) || memmem(t, tn, "killed by", 9))
            imp_pid_exit(im, im->cur_pid);
        im->st.other++;
        return 0;
    }
    if (tn >= 4 && !memcmp(t, "--- ", 4)) {
        s_sigchld(im, t, tn);
        im->st.other++;
        return 0;
    }
    if (tn >= 7 && !memcmp(t, "strace:", 7)) {
        im->st.other++;
        return s_note(im, t, tn, (int)i + 1);
    }
    if (t[0] == '>' || (tn >= 3 && !memcmp(t, "???", 3))) {
        im->st.other++;
        return 0;
    }
    if (tn > 5 && !memcmp(t, "<... ", 5))
        return s_resumed(im, t, tn, i);
    /* NAME( */
    size_t k = 0;
    while (k < tn && ((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= '0' && t[k] <= '9') || t[k] == '_'))
        k++;
    if (k == 0 || k >= tn || t[k] != '(')
        return imp_fail(im, (int)i + 1, "not an strace line: expected 'NAME(ARGS) = RESULT'%s",
                        im->st.lines == 1 && im->detected ? " (and not a vmex trace: those begin with 'vmex-trace 1')"
                                                          : "");
    if (!imp_is_memory_call(t, k) && !imp_is_proc_call(t, k)) {
        im->st.other++;
        return 0;
    }
    static const char unf[] = " <unfinished ...>";
    size_t ul = sizeof unf - 1;
    if (tn >= ul && !memcmp(t + tn - ul, unf, ul)) {
        size_t len = tn - ul - (k + 1);
        lseg seg[IMP_MAX_SEGS];
        int ns = seg_slice(im->seg, im->nseg, i + k + 1, i + k + 1 + len, 0, seg, 0);
        return imp_pid_pend(im, im->cur_pid, t, k, t + k + 1, len, seg, ns);
    }
    return imp_strace_call(im, t, tn, (int)i);
}
