/*
 * xml.c - escaping text for XML and HTML (xml.h).
 */
#include "core/utf8.h"
#include "core/xml.h"

static const char *xml_escape(uint32_t cp, int bad, char *tmp)
{
    (void)tmp;
    if (bad || (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xfffe || cp == 0xffff)
        return "\xef\xbf\xbd";   /* U+FFFD */
    switch (cp) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    case '\'': return "&apos;";
    }
    return NULL;
}

int vmex_xml_str(vmex_buf *b, const char *s)
{
    return vmex_utf8_escape(b, s, xml_escape);
}
