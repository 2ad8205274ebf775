/*
 * file.h - the one way the library and the command take their inputs
 * (file.c), so that a rule about what may be read is made once:
 *
 *   - Opening: regular files only.  A FIFO, a device (/dev/zero), a socket
 *     or a directory is refused at once, never read: the open itself does
 *     not wait (O_NONBLOCK), so a FIFO with no writer cannot hang a run.
 *   - Inputs are remembered: every file opened here is noted by device and
 *     inode, so a writer can refuse an output that is one of the run's
 *     inputs (vmex_file_is_input), whatever path, symlink or hard link
 *     names it.
 *   - Walking directories (vmex_walk): sorted, hidden names skipped,
 *     symlinks followed, but every directory and every file is taken once
 *     by device and inode, so a symlink cycle (d/a/up -> ..) ends and a
 *     file reached by two paths is one input.
 *   - Telling text from binary (vmex_looks_like_text): a file that looks
 *     like text is text, and a text parser reports what is wrong with it
 *     (FILE:LINE:COL); it is never decoded as a fuzzer's binary input.
 *
 * Errors name the file (err->file) and say why:
 *   "cannot read: REASON"                     VMEX_E_IO (missing, unreadable)
 *   "cannot read: a FIFO, not a regular file" VMEX_E_INPUT (likewise a
 *                                             directory, a character device, ...)
 *   "file too large (the limit is N MiB)"     VMEX_E_INPUT
 *   "directories nested too deeply ..."       VMEX_E_INPUT
 *   "out of memory"                           VMEX_E_NOMEM
 *
 * The list of inputs is process-wide and not thread-safe: it serves the
 * command, which reads its inputs from one thread.
 */
#ifndef VMEX_FILE_H
#define VMEX_FILE_H

#include <stdio.h>
#include <sys/stat.h>

#include "vmex.h"

/* Open path for reading: a regular file only.  NULL with err filled
 * (cleared first). */
FILE *vmex_file_open(const char *path, vmex_error *err);

/* Read a whole file of at most limit bytes into a new buffer (*data, with
 * a NUL after its *len bytes; free() it).  0, or -1 with err filled
 * (cleared first) and *data NULL.  The buffer grows as the file is read:
 * a small file never costs the limit. */
int vmex_file_read(const char *path, size_t limit, char **data, size_t *len, vmex_error *err);

/* ---------------------------------------------------------------- inputs */
/* Note a file read some other way (standard input: vmex_file_note_fd(0));
 * only regular files are noted.  0, or -1 out of memory. */
int vmex_file_note_fd(int fd);
/* 1 when the file of st (its st_dev and st_ino) was opened as an input. */
int vmex_file_is_input(const struct stat *st);
/* The number of inputs noted (tests). */
size_t vmex_file_inputs(void);

/* What kind of file st is, for messages: "a directory", "a FIFO", ... */
const char *vmex_file_kind(const struct stat *st);

/* ---------------------------------------------------------------- walking */
typedef struct vmex_idset {
    uint64_t *slot;         /* pairs (dev, ino + 1); ino + 1 == 0: empty */
    size_t n, cap;          /* cap: slots, a power of two */
} vmex_idset;

/* 1 when the file of st was added now, 0 when it was there, -1 out of memory. */
int  vmex_idset_add(vmex_idset *s, const struct stat *st);
int  vmex_idset_has(const vmex_idset *s, const struct stat *st);
void vmex_idset_free(vmex_idset *s);

typedef struct vmex_walk {
    char **v;               /* the files taken, in the order found */
    size_t n, cap;
    vmex_idset seen;        /* the directories walked and the files taken */
} vmex_walk;

/* Which files of a directory are taken: name is the last component. */
typedef int (*vmex_walk_want)(const char *name);

/* Add path: a directory is walked (want decides which of its files are
 * taken; NULL: all), any other path is taken as it is (the open says what
 * is wrong with a FIFO or a missing file).  Inside a directory, names
 * starting with '.' are skipped, and an entry that is neither a directory
 * nor a regular file is taken when wanted, so its open reports it.  0, or
 * -1 with err filled. */
int  vmex_walk_path(vmex_walk *w, const char *path, vmex_walk_want want, vmex_error *err);
void vmex_walk_free(vmex_walk *w);

/* ---------------------------------------------------------------- formats */
/* 1 when data looks like text (a .vmex, .vmexw, trace or CSV file, or a
 * damaged one), 0 when it looks like a binary input (a fuzzer's crash
 * file): text starts with a UTF-8 byte order mark, or its first word after
 * blank and comment lines is "vmex", or it does not start with a byte
 * below 0x09 (the encoder's version byte is 0x01) and at least 90% of its
 * first 64 KiB are printable ASCII, tab, CR, LF or valid UTF-8.  The empty
 * input is not text (it is the empty binary program).  A caller that knows
 * the name adds its own rule: a file named *.vmex is text. */
int vmex_looks_like_text(const void *data, size_t n);

#endif
