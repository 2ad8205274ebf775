/*
 * fmt.h - values as text, one formatter each (fmt.c):
 *
 *   vmex_format_size   exact, the way .vmex writes a size: "16k", "1g",
 *                      "16385" (declared in vmex.h, with its inverse
 *                      vmex_parse_number);
 *   vmex_human_size    for people: binary units, at most three
 *                      significant digits: "1.71g", "258m", "16k", "512";
 *   vmex_human_count   for people: an op count with decimal units:
 *                      "950", "12.3k", "4.5M", "1.2G";
 *   vmex_grouped       every digit, in groups of three: "1,234,567";
 *   vmex_ents_text     an entitlement set, by vmex_ent_name: "none",
 *                      "dynamic-codesigning+extended-virtual-addressing".
 *
 * Every function writes a NUL-terminated string of at most n bytes into
 * buf (32 bytes hold any value; an entitlement set wants 160).
 */
#ifndef VMEX_FMT_H
#define VMEX_FMT_H

#include "vmex.h"

void vmex_human_size(uint64_t v, char *buf, size_t n);
void vmex_human_count(uint64_t v, char *buf, size_t n);
void vmex_grouped(uint64_t v, char *buf, size_t n);
void vmex_ents_text(uint32_t ents, char *buf, size_t n);

#endif
