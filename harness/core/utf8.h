/*
 * utf8.h - reading UTF-8 text a code point at a time, and the one loop
 * that escapes text for an output format (JSON strings: json.c; XML and
 * HTML content: xml.c).  Invalid UTF-8 (overlong forms, surrogates, cut
 * sequences, stray bytes) is reported one byte at a time, so an escaper can
 * put U+FFFD in its place and the output is always valid.
 */
#ifndef VMEX_UTF8_H
#define VMEX_UTF8_H

#include "vmex.h"

/* The length (1-4) of the valid UTF-8 sequence at s (n bytes left) and its
 * code point in *cp, or 0 when the bytes there are not valid UTF-8. */
size_t vmex_utf8_len(const unsigned char *s, size_t n, uint32_t *cp);

/* What an escaper writes for one code point (bad: an invalid byte, cp is
 * 0): a string, or NULL to copy the character's bytes as they are.  tmp
 * (16 bytes) is room for a replacement the escaper formats. */
typedef const char *(*vmex_utf8_map)(uint32_t cp, int bad, char *tmp);

/* Append s to b, every character through map.  0, or -1 when b could not
 * grow. */
int vmex_utf8_escape(vmex_buf *b, const char *s, vmex_utf8_map map);

#endif
