/*
 * tags.h - the well-known VM tags (osfmk/mach/vm_statistics.h
 * VM_MEMORY_*): the one table of their names and of the colours the
 * address-space pictures give them.
 */
#ifndef VMEX_TAGS_H
#define VMEX_TAGS_H

/* Name of a well-known VM tag ("MALLOC", "JAVASCRIPT_CORE", ...), or NULL. */
const char *vmex_tag_name(int tag);
/* Its fixed colour ("#4e79a7"), or NULL for a tag outside the table. */
const char *vmex_tag_color(int tag);

#endif
