/*
 * tags.c - the well-known VM tags (tags.h).
 */
#include <stddef.h>

#include "core/tags.h"

static const struct {
    int tag;
    const char *name, *color;
} known_tags[] = {
    {1, "MALLOC", "#4e79a7"},
    {2, "MALLOC_SMALL", "#76b7b2"},
    {3, "MALLOC_LARGE", "#59a14f"},
    {7, "MALLOC_TINY", "#a0cbe8"},
    {11, "MALLOC_NANO", "#8cd17d"},
    {30, "STACK", "#f28e2b"},
    {60, "DYLD", "#e6a972"},
    {63, "JAVASCRIPT_CORE", "#b07aa1"},
    {64, "JSC JIT", "#d4a6c8"},
    {88, "IOSURFACE", "#edc948"},
    {100, "IOACCELERATOR", "#9c755f"},
};
#define NKNOWN (sizeof known_tags / sizeof known_tags[0])

const char *vmex_tag_name(int tag)
{
    for (size_t i = 0; i < NKNOWN; i++)
        if (known_tags[i].tag == tag)
            return known_tags[i].name;
    return NULL;
}

const char *vmex_tag_color(int tag)
{
    for (size_t i = 0; i < NKNOWN; i++)
        if (known_tags[i].tag == tag)
            return known_tags[i].color;
    return NULL;
}
