/*
 * file.h - the one way the library opens an input file (file.c): every
 * reader of .vmex programs, .vmexw workloads, traces and binary inputs
 * goes through vmex_file_open, so a rule about what may be opened (regular
 * files only, issue "Hard to break") is made here once.
 *
 * Errors name the file (err->file) and say why:
 *   "cannot read: REASON"                 VMEX_E_IO (missing, unreadable)
 *   "file too large (the limit is N MiB)" VMEX_E_INPUT
 *   "out of memory"                       VMEX_E_NOMEM
 */
#ifndef VMEX_FILE_H
#define VMEX_FILE_H

#include <stdio.h>

#include "vmex.h"

/* Open path for reading ("rb").  NULL with err filled (cleared first). */
FILE *vmex_file_open(const char *path, vmex_error *err);

/* Read a whole file of at most limit bytes into a new buffer (*data, with
 * a NUL after its *len bytes; free() it).  0, or -1 with err filled
 * (cleared first) and *data NULL.  The buffer grows as the file is read:
 * a small file never costs the limit. */
int vmex_file_read(const char *path, size_t limit, char **data, size_t *len, vmex_error *err);

#endif
