/*
 * devices.c - the 64-bit iOS devices: model code -> name, RAM, releases,
 * page sizes (devices.h).  A crash report names its device only by model
 * code; this table gives the RAM class of the profile it runs on.  The
 * rows are data, in devices.txt (its header says the columns).
 *
 * Sources (the sources column of every row lists the keys it relies on):
 *   L  Wikipedia, "List of iOS and iPadOS devices"
 *      (en.wikipedia.org/wiki/List_of_iOS_and_iPadOS_devices): identifier,
 *      SoC, RAM, the release a device shipped with and the last it runs.
 *   W  The iPhone Wiki, "Models" (theiphonewiki.com/wiki/Models): which
 *      identifier is which device.
 *   A  Apple Support, "Identify your iPhone model", "Identify your iPad
 *      model" and "Identify your iPod model": the marketing names.
 *   R  iosref.com, "RAM and processor" (iosref.com/ram-processor): RAM per
 *      identifier.  Apple does not publish the RAM of iPhones.
 *   S  Apple's Tech Specs page of the iPad (support.apple.com): the iPad
 *      Pro with M1, M2 and M4 state their RAM there (8 GB, 16 GB with 1 TB
 *      or 2 TB of storage).
 *   C  Apple, "iOS 26 is compatible with these devices" / "iPadOS 26 is
 *      compatible with these devices": the rows that run today's release.
 *   P  Apple, "About the Virtual Memory System" (Memory Usage Performance
 *      Guidelines): A7- and A8-based systems expose 16 KiB pages to 64-bit
 *      user space backed by 4 KiB physical pages; A9 and later use 16 KiB
 *      for both.  So every row's `page` is 16 KiB (the model's VMEX_PAGE)
 *      and only `phys_page` differs.
 *
 * Where a device comes with more than one RAM size (iPad Pro with 1 TB), the
 * row has the smallest: a crash report does not say the storage, and the
 * smaller RAM class is the one whose address space is smaller.  Only 64-bit
 * devices are here (A7 and later); vmex_device_lookup says why a 32-bit
 * device or another platform is refused.
 */
#include "core/core.h"
#include "model/devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The table (devices.txt), one device a line; parsed once into rows, one
 * per model code. */
static const char table[] =
#include "model/devices.txt"
    ;
#define MAX_ROWS 256

static vmex_device rows[MAX_ROWS];
static size_t nrows;
static char text[sizeof table];

/* The next '|'-separated field of *p (NUL-terminated in place). */
static char *field(char **p)
{
    char *s = *p, *e = strchr(s, '|');
    if (e) {
        *e = '\0';
        *p = e + 1;
    } else {
        *p = s + strlen(s);
    }
    return s;
}

static void parse_table(void)
{
    if (nrows)
        return;
    memcpy(text, table, sizeof table);
    for (char *line = text, *next; *line; line = next) {
        next = strchr(line, '\n');
        VMEX_ASSERT(next);
        *next++ = '\0';
        char *p = line, *codes = field(&p), *name = field(&p), *ram = field(&p), *first = field(&p);
        char *last = field(&p), *phys = field(&p), *src = field(&p), *note = field(&p);
        unsigned maj = 0, min = 0;
        VMEX_ASSERT(sscanf(first, "%u.%u", &maj, &min) == 2 && *src && *name);
        char *save = NULL;
        for (char *code = strtok_r(codes, " ", &save); code; code = strtok_r(NULL, " ", &save)) {
            VMEX_ASSERT(nrows < MAX_ROWS);
            rows[nrows++] = (vmex_device){code, name, (uint8_t)atoi(ram), (uint16_t)VMEX_IOS(maj, min),
                                          (uint8_t)atoi(last), 16384, (uint32_t)atoi(phys) * 1024, src,
                                          *note ? note : NULL};
        }
    }
}

static const struct { char key; const char *text; } sources[] = {
    {'L', "Wikipedia: List of iOS and iPadOS devices"},
    {'W', "The iPhone Wiki: Models"},
    {'A', "Apple Support: Identify your iPhone/iPad/iPod model"},
    {'R', "iosref.com: RAM and processor"},
    {'S', "Apple: the iPad's Tech Specs"},
    {'C', "Apple: iOS/iPadOS 26 compatible devices"},
    {'P', "Apple: About the Virtual Memory System"},
};

const vmex_device *vmex_device_find(const char *model)
{
    parse_table();
    for (size_t i = 0; i < nrows; i++)
        if (!strcmp(rows[i].model, model))
            return &rows[i];
    return NULL;
}

size_t vmex_device_count(void)
{
    parse_table();
    return nrows;
}

const vmex_device *vmex_device_at(size_t i)
{
    parse_table();
    return i < nrows ? &rows[i] : NULL;
}

const char *vmex_device_source(char key)
{
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
        if (sources[i].key == key)
            return sources[i].text;
    return NULL;
}

const vmex_device *vmex_device_example(uint32_t ram_gb, uint32_t version)
{
    /* the newest iPhone of that class (the last row that fits), else the
     * first iPad or iPod that does */
    const vmex_device *best = NULL;
    parse_table();
    for (size_t i = 0; i < nrows; i++) {
        const vmex_device *d = &rows[i];
        if (d->ram_gb != ram_gb || d->first > version || (d->last_major && d->last_major < version / 100))
            continue;
        if (!best || !strncmp(d->model, "iPhone", 6))
            best = d;
    }
    return best;
}

/* The leading family name and major number of a model code ("iPad", 13). */
static int split_model(const char *model, char *family, size_t n, long *major)
{
    size_t k = 0;
    while (model[k] && ((model[k] >= 'A' && model[k] <= 'Z') || (model[k] >= 'a' && model[k] <= 'z')))
        k++;
    if (k == 0 || k >= n || model[k] < '0' || model[k] > '9')
        return -1;
    memcpy(family, model, k);
    family[k] = '\0';
    *major = strtol(model + k, NULL, 10);
    return 0;
}

int vmex_device_check(const char *model, vmex_error *err)
{
    char family[32];
    long major = 0;
    err->code = VMEX_E_INPUT;
    if (!strcmp(model, "arm64") || !strcmp(model, "x86_64") || !strcmp(model, "i386")) {
        vmex_error_set(err, err->line, err->col,
                       "model '%s' is the simulator: its app runs in the Mac's address space, not an iPhone's", model);
        return -1;
    }
    if (split_model(model, family, sizeof family, &major))
        return 0;
    /* 32-bit: every iPhone up to the 5c (iPhone5,x), iPad up to the 4th
     * generation and mini 1 (iPad3,x / iPad2,x), iPod touch up to the 5th
     * generation (iPod5,1) [L] */
    if ((!strcmp(family, "iPhone") && major <= 5) || (!strcmp(family, "iPad") && major <= 3) ||
        (!strcmp(family, "iPod") && major <= 5)) {
        vmex_error_set(err, err->line, err->col,
                       "%s is a 32-bit device: vmex models the 64-bit address space of iOS 11 and later", model);
        return -1;
    }
    static const char *const others[][2] = {
        {"Mac", "a Mac"}, {"MacBookPro", "a Mac"}, {"MacBookAir", "a Mac"}, {"MacBook", "a Mac"},
        {"iMac", "a Mac"}, {"Macmini", "a Mac"}, {"MacPro", "a Mac"}, {"VirtualMac", "a Mac"},
        {"AppleTV", "an Apple TV (tvOS)"}, {"Watch", "an Apple Watch (watchOS)"},
        {"RealityDevice", "an Apple Vision device (visionOS)"},
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
        if (!strcmp(family, others[i][0])) {
            vmex_error_set(err, err->line, err->col,
                           "%s is %s: vmex models the address space of iOS apps on iPhone and iPad", model,
                           others[i][1]);
            return -1;
        }
    return 0;
}

int vmex_device_lookup(const char *model, const vmex_device **out, vmex_error *err)
{
    *out = vmex_device_find(model);
    if (*out)
        return 0;
    if (vmex_device_check(model, err))
        return -1;
    err->code = VMEX_E_INPUT;
    vmex_error_set(err, err->line, err->col,
                   "unknown device model '%s': it is not in vmex's device table (harness/model/devices.c); "
                   "give the profile with --profile", model);
    return -1;
}
