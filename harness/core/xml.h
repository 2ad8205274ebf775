/*
 * xml.h - text inside XML and HTML (SVG pictures, the triage page):
 * markup characters as entities, characters XML 1.0 forbids and invalid
 * UTF-8 as U+FFFD, so any text makes a well-formed document.
 */
#ifndef VMEX_XML_H
#define VMEX_XML_H

#include "vmex.h"

/* Append s as XML text or attribute content.  0, or -1 when b could not
 * grow. */
int vmex_xml_str(vmex_buf *b, const char *s);

#endif
