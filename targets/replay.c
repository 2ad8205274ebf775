/*
 * replay.c - the plain replay engine: runs a target on files and
 * directories, each input in a child process, and judges the outcome.
 *
 *   <target>_replay [--findings-ok] PATH...
 *
 * Binary inputs (corpora, crash files, a findings folder's SIG.input) must
 * run clean; with --findings-ok a hunted finding is accepted too (a crash
 * directory, a findings folder, whose SIG.json records are skipped).
 * Every input runs in crash mode (VMEX_FINDINGS=crash, target.h), so a
 * finding shows as its report and abort.  A .vmex input is a
 * reproducer: it is handed over as text (fuzz_text) or encoded to bytes
 * (the others) with its own profile, and for a hunting target it must end as its
 * `expect` line says: a finding of that class (hunted as `vmex check`
 * judges it: requests of 1m and up), or no finding for `expect ok` / no
 * expect line.  Any other
 * abort, signal or harness bug fails.  Ends with "N passed, N failed";
 * exit 0 when none failed, 1 otherwise, 2 on bad usage, 77 when nothing
 * ran because target linux cannot run on this machine (each input says so).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/file.h"
#include "fuzz/fuzz.h"
#include "target.h"

static int findings_ok, passed, failed, unavailable;

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* the input, through the one way inputs are read (core/file.h: regular
 * files only, so a FIFO or a device fails at once instead of hanging) */
static int read_all(const char *path, uint8_t **data, size_t *n)
{
    vmex_error err;
    if (vmex_file_read(path, 64u << 20, (char **)data, n, &err) == 0)
        return 0;
    fprintf(stderr, "%s: %s\n", path, err.msg);
    return -1;
}

/* In the child: prepare the input and run the target once. */
static void child(const char *path, int expect)
{
    uint8_t *data;
    size_t n;
    if (read_all(path, &data, &n))
        _exit(3);
    if (ends_with(path, ".vmex") && !vmex_target_takes_text) {
        vmex_program p;
        vmex_error err = {0};
        vmex_layout L;
        vmex_buf b = {0};
        vmex_program_init(&p);
        if (vmex_parse((const char *)data, n, path, &p, &err) ||
            vmex_layout_resolve(&p.cfg, NULL, 0, &L, &err) || vmex_encode(&p, &L, &b)) {
            vmex_error_print(&err, stderr);
            _exit(3);
        }
        /* the reproducer's own profile and settings decide; hunt exactly its class */
        static const char *const vars[] = {"VMEX_PROFILE", "VMEX_ENTITLEMENTS", "VMEX_WINDOW", "VMEX_ALLOCATOR",
                                           "VMEX_THP_ALIGN", "VMEX_MMAP_THRESHOLD", "VMEX_RETAIN"};
        for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
        if (expect > VMEX_OK) {
            char hunt[64];
            snprintf(hunt, sizeof hunt, "%s", vmex_class_name(expect));   /* as vmex check judges it */
            setenv("VMEX_HUNT", hunt, 1);
        } else
            setenv("VMEX_HUNT", "frag:size>=1m;exhausted;too-large;jetsam;map-count", 1);
        data = (uint8_t *)b.p;
        n = b.len;
    }
    setenv("VMEX_FINDINGS", "crash", 1);   /* judged here, by its report */
    unsetenv("VMEX_STATS_DIR");
    LLVMFuzzerTestOneInput(data, n);
    _exit(0);
}

/* the expect class of a .vmex file, VMEX_OK when none; -1 when unreadable;
 * *accepted: the target runs programs of its config */
static int expected_class(const char *path, int *accepted)
{
    vmex_program p;
    vmex_error err = {0};
    vmex_program_init(&p);
    if (vmex_parse_file(path, &p, &err)) {
        vmex_error_print(&err, stderr);
        return -1;
    }
    int e = p.expect >= 0 ? p.expect : VMEX_OK;
    *accepted = vmex_target_accepts(&p.cfg);
    vmex_program_free(&p);
    return e;
}

static void run_one(const char *path)
{
    int is_text = ends_with(path, ".vmex"), accepted = 1;
    int expect = is_text ? expected_class(path, &accepted) : VMEX_OK;
    if (expect < 0) {
        printf("FAIL %s: does not parse\n", path);
        failed++;
        return;
    }
    if (!accepted) {
        printf("SKIP %s: a program of another target\n", path);
        return;
    }
    if (!vmex_target_expects()) expect = VMEX_OK;
    int pipefd[2];
    if (pipe(pipefd)) {
        perror("pipe");
        exit(2);
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(pipefd[0]);
        dup2(pipefd[1], 2);
        close(pipefd[1]);
        child(path, expect);
    }
    close(pipefd[1]);
    char out[4096];
    size_t len = 0;
    ssize_t r;
    while ((r = read(pipefd[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)r;
    close(pipefd[0]);
    out[len] = 0;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}

    const char *finding = strstr(out, "vmex-finding: ");
    int aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
    int clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    char what[160] = "";
    if (finding) sscanf(finding, "vmex-finding: %150s", what);
    int ok;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {   /* target linux cannot run here (hunter.c) */
        unavailable++;
        printf("SKIP %s: %s", path, out);
        return;
    }
    if (finding && aborted && !strstr(out, "vmex-harness-bug")) {
        /* a hunted finding: right for reproducers that expect its class */
        const char *cls = vmex_class_name(expect);
        ok = is_text ? expect > VMEX_OK && !strncmp(what, cls, strlen(cls)) && what[strlen(cls)] == '-'
                     : findings_ok;
    } else
        ok = clean && expect == VMEX_OK;
    if (ok) {
        passed++;
        printf("PASS %s%s%s\n", path, what[0] ? "  " : "", what);
    } else {
        failed++;
        if (clean)
            printf("FAIL %s: no finding, expected %s\n", path, vmex_class_name(expect));
        else if (WIFSIGNALED(status))
            printf("FAIL %s: killed by signal %d\n%s", path, WTERMSIG(status), out);
        else
            printf("FAIL %s: exit status %d\n%s", path, WEXITSTATUS(status), out);
    }
}

/* PATH and the files under it (core/file.h: sorted, hidden names skipped,
 * each directory and file once, so a symlink cycle ends) */
static void walk(const char *path, vmex_walk *w)
{
    vmex_error err;
    size_t from = w->n;
    if (vmex_walk_path(w, path, NULL, &err)) {
        printf("FAIL %s: %s\n", err.file[0] ? err.file : path, err.msg);
        failed++;
    }
    for (size_t i = from; i < w->n; i++)
        if (!ends_with(w->v[i], ".json"))   /* a findings folder's records are no inputs */
            run_one(w->v[i]);
}

int main(int argc, char **argv)
{
    int i = 1;
    if (i < argc && !strcmp(argv[i], "--findings-ok")) {
        findings_ok = 1;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: %s [--findings-ok] PATH...\n", argv[0]);
        return 2;
    }
    vmex_walk w = {0};
    for (; i < argc; i++) walk(argv[i], &w);
    vmex_walk_free(&w);
    if (unavailable) {
        printf("%d passed, %d failed, %d not run: the real backend cannot run here\n", passed, failed, unavailable);
        return failed ? 1 : passed ? 0 : 77;   /* nothing ran: a skip for ctest */
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
