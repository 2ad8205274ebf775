/*
 * devices.c - the 64-bit iOS devices: model code -> name, RAM, releases,
 * page sizes (devices.h).  A crash report names its device only by model
 * code; this table gives the RAM class of the profile it runs on.
 *
 * Sources (the `source` column of every row lists the keys it relies on):
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
#include "model/devices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define K4  4096u
#define K16 16384u
/* the SoC decides the physical page (P) */
#define A7A8 K16, K4
#define A9UP K16, K16
#define V VMEX_IOS

static const vmex_device devices[] = {
    /* iPhone: A7 (5s) and A8 (6) */
    {"iPhone6,1", "iPhone 5s", 1, V(7, 0), 12, A7A8, "LWARP", NULL},
    {"iPhone6,2", "iPhone 5s", 1, V(7, 0), 12, A7A8, "LWARP", NULL},
    {"iPhone7,1", "iPhone 6 Plus", 1, V(8, 0), 12, A7A8, "LWARP", NULL},
    {"iPhone7,2", "iPhone 6", 1, V(8, 0), 12, A7A8, "LWARP", NULL},
    {"iPhone8,1", "iPhone 6s", 2, V(9, 0), 15, A9UP, "LWARP", NULL},
    {"iPhone8,2", "iPhone 6s Plus", 2, V(9, 0), 15, A9UP, "LWARP", NULL},
    {"iPhone8,4", "iPhone SE (1st generation)", 2, V(9, 3), 15, A9UP, "LWARP", NULL},
    {"iPhone9,1", "iPhone 7", 2, V(10, 0), 15, A9UP, "LWARP", NULL},
    {"iPhone9,3", "iPhone 7", 2, V(10, 0), 15, A9UP, "LWARP", NULL},
    {"iPhone9,2", "iPhone 7 Plus", 3, V(10, 0), 15, A9UP, "LWARP", NULL},
    {"iPhone9,4", "iPhone 7 Plus", 3, V(10, 0), 15, A9UP, "LWARP", NULL},
    {"iPhone10,1", "iPhone 8", 2, V(11, 0), 16, A9UP, "LWARP", NULL},
    {"iPhone10,4", "iPhone 8", 2, V(11, 0), 16, A9UP, "LWARP", NULL},
    {"iPhone10,2", "iPhone 8 Plus", 3, V(11, 0), 16, A9UP, "LWARP", NULL},
    {"iPhone10,5", "iPhone 8 Plus", 3, V(11, 0), 16, A9UP, "LWARP", NULL},
    {"iPhone10,3", "iPhone X", 3, V(11, 0), 16, A9UP, "LWARP", NULL},
    {"iPhone10,6", "iPhone X", 3, V(11, 0), 16, A9UP, "LWARP", NULL},
    {"iPhone11,2", "iPhone XS", 4, V(12, 0), 18, A9UP, "LWARP", NULL},
    {"iPhone11,4", "iPhone XS Max", 4, V(12, 0), 18, A9UP, "LWARP", NULL},
    {"iPhone11,6", "iPhone XS Max", 4, V(12, 0), 18, A9UP, "LWARP", NULL},
    {"iPhone11,8", "iPhone XR", 3, V(12, 0), 18, A9UP, "LWARP", NULL},
    {"iPhone12,1", "iPhone 11", 4, V(13, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone12,3", "iPhone 11 Pro", 4, V(13, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone12,5", "iPhone 11 Pro Max", 4, V(13, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone12,8", "iPhone SE (2nd generation)", 3, V(13, 4), 0, A9UP, "LWARPC", NULL},
    {"iPhone13,1", "iPhone 12 mini", 4, V(14, 2), 0, A9UP, "LWARPC", NULL},
    {"iPhone13,2", "iPhone 12", 4, V(14, 1), 0, A9UP, "LWARPC", NULL},
    {"iPhone13,3", "iPhone 12 Pro", 6, V(14, 1), 0, A9UP, "LWARPC", NULL},
    {"iPhone13,4", "iPhone 12 Pro Max", 6, V(14, 2), 0, A9UP, "LWARPC", NULL},
    {"iPhone14,4", "iPhone 13 mini", 4, V(15, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone14,5", "iPhone 13", 4, V(15, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone14,2", "iPhone 13 Pro", 6, V(15, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone14,3", "iPhone 13 Pro Max", 6, V(15, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone14,6", "iPhone SE (3rd generation)", 4, V(15, 4), 0, A9UP, "LWARPC", NULL},
    {"iPhone14,7", "iPhone 14", 6, V(16, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone14,8", "iPhone 14 Plus", 6, V(16, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone15,2", "iPhone 14 Pro", 6, V(16, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone15,3", "iPhone 14 Pro Max", 6, V(16, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone15,4", "iPhone 15", 6, V(17, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone15,5", "iPhone 15 Plus", 6, V(17, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone16,1", "iPhone 15 Pro", 8, V(17, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone16,2", "iPhone 15 Pro Max", 8, V(17, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone17,3", "iPhone 16", 8, V(18, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone17,4", "iPhone 16 Plus", 8, V(18, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone17,1", "iPhone 16 Pro", 8, V(18, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone17,2", "iPhone 16 Pro Max", 8, V(18, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone17,5", "iPhone 16e", 8, V(18, 3), 0, A9UP, "LWARPC", NULL},
    {"iPhone18,3", "iPhone 17", 8, V(26, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone18,4", "iPhone Air", 12, V(26, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone18,1", "iPhone 17 Pro", 12, V(26, 0), 0, A9UP, "LWARPC", NULL},
    {"iPhone18,2", "iPhone 17 Pro Max", 12, V(26, 0), 0, A9UP, "LWARPC", NULL},

    /* iPod touch */
    {"iPod7,1", "iPod touch (6th generation)", 1, V(8, 4), 12, A7A8, "LWAP", NULL},
    {"iPod9,1", "iPod touch (7th generation)", 2, V(12, 3), 15, A9UP, "LWAP", NULL},

    /* iPad: A7 (Air, mini 2, mini 3) and A8/A8X (mini 4, Air 2) */
    {"iPad4,1", "iPad Air", 1, V(7, 0), 12, A7A8, "LWAP", NULL},
    {"iPad4,2", "iPad Air", 1, V(7, 0), 12, A7A8, "LWAP", NULL},
    {"iPad4,3", "iPad Air", 1, V(7, 0), 12, A7A8, "LWAP", NULL},
    {"iPad4,4", "iPad mini 2", 1, V(7, 0), 12, A7A8, "LWAP", NULL},
    {"iPad4,5", "iPad mini 2", 1, V(7, 0), 12, A7A8, "LWAP", NULL},
    {"iPad4,6", "iPad mini 2", 1, V(7, 0), 12, A7A8, "LWAP", NULL},
    {"iPad4,7", "iPad mini 3", 1, V(8, 1), 12, A7A8, "LWAP", NULL},
    {"iPad4,8", "iPad mini 3", 1, V(8, 1), 12, A7A8, "LWAP", NULL},
    {"iPad4,9", "iPad mini 3", 1, V(8, 1), 12, A7A8, "LWAP", NULL},
    {"iPad5,1", "iPad mini 4", 2, V(9, 0), 15, A7A8, "LWAP", NULL},
    {"iPad5,2", "iPad mini 4", 2, V(9, 0), 15, A7A8, "LWAP", NULL},
    {"iPad5,3", "iPad Air 2", 2, V(8, 1), 15, A7A8, "LWAP", NULL},
    {"iPad5,4", "iPad Air 2", 2, V(8, 1), 15, A7A8, "LWAP", NULL},
    {"iPad6,3", "iPad Pro (9.7-inch)", 2, V(9, 3), 16, A9UP, "LWAP", NULL},
    {"iPad6,4", "iPad Pro (9.7-inch)", 2, V(9, 3), 16, A9UP, "LWAP", NULL},
    {"iPad6,7", "iPad Pro (12.9-inch)", 4, V(9, 1), 16, A9UP, "LWAP", NULL},
    {"iPad6,8", "iPad Pro (12.9-inch)", 4, V(9, 1), 16, A9UP, "LWAP", NULL},
    {"iPad6,11", "iPad (5th generation)", 2, V(10, 2), 16, A9UP, "LWAP", NULL},
    {"iPad6,12", "iPad (5th generation)", 2, V(10, 2), 16, A9UP, "LWAP", NULL},
    {"iPad7,1", "iPad Pro (12.9-inch) (2nd generation)", 4, V(10, 3), 17, A9UP, "LWAP", NULL},
    {"iPad7,2", "iPad Pro (12.9-inch) (2nd generation)", 4, V(10, 3), 17, A9UP, "LWAP", NULL},
    {"iPad7,3", "iPad Pro (10.5-inch)", 4, V(10, 3), 17, A9UP, "LWAP", NULL},
    {"iPad7,4", "iPad Pro (10.5-inch)", 4, V(10, 3), 17, A9UP, "LWAP", NULL},
    {"iPad7,5", "iPad (6th generation)", 2, V(11, 3), 17, A9UP, "LWAP", NULL},
    {"iPad7,6", "iPad (6th generation)", 2, V(11, 3), 17, A9UP, "LWAP", NULL},
    {"iPad7,11", "iPad (7th generation)", 3, V(13, 1), 18, A9UP, "LWAP", NULL},
    {"iPad7,12", "iPad (7th generation)", 3, V(13, 1), 18, A9UP, "LWAP", NULL},
    {"iPad8,1", "iPad Pro (11-inch)", 4, V(12, 1), 0, A9UP, "LWAPC", "6 GB with 1 TB"},
    {"iPad8,2", "iPad Pro (11-inch)", 4, V(12, 1), 0, A9UP, "LWAPC", "6 GB with 1 TB"},
    {"iPad8,3", "iPad Pro (11-inch)", 4, V(12, 1), 0, A9UP, "LWAPC", "6 GB with 1 TB"},
    {"iPad8,4", "iPad Pro (11-inch)", 4, V(12, 1), 0, A9UP, "LWAPC", "6 GB with 1 TB"},
    {"iPad8,5", "iPad Pro (12.9-inch) (3rd generation)", 4, V(12, 1), 0, A9UP, "LWAPC", "6 GB with 1 TB"},
    {"iPad8,6", "iPad Pro (12.9-inch) (3rd generation)", 4, V(12, 1), 0, A9UP, "LWAPC", "6 GB with 1 TB"},
    {"iPad8,7", "iPad Pro (12.9-inch) (3rd generation)", 4, V(12, 1), 0, A9UP, "LWAPC", "6 GB with 1 TB"},
    {"iPad8,8", "iPad Pro (12.9-inch) (3rd generation)", 4, V(12, 1), 0, A9UP, "LWAPC", "6 GB with 1 TB"},
    {"iPad8,9", "iPad Pro (11-inch) (2nd generation)", 6, V(13, 4), 0, A9UP, "LWAPC", NULL},
    {"iPad8,10", "iPad Pro (11-inch) (2nd generation)", 6, V(13, 4), 0, A9UP, "LWAPC", NULL},
    {"iPad8,11", "iPad Pro (12.9-inch) (4th generation)", 6, V(13, 4), 0, A9UP, "LWAPC", NULL},
    {"iPad8,12", "iPad Pro (12.9-inch) (4th generation)", 6, V(13, 4), 0, A9UP, "LWAPC", NULL},
    {"iPad11,1", "iPad mini (5th generation)", 3, V(12, 2), 0, A9UP, "LWAPC", NULL},
    {"iPad11,2", "iPad mini (5th generation)", 3, V(12, 2), 0, A9UP, "LWAPC", NULL},
    {"iPad11,3", "iPad Air (3rd generation)", 3, V(12, 2), 0, A9UP, "LWAPC", NULL},
    {"iPad11,4", "iPad Air (3rd generation)", 3, V(12, 2), 0, A9UP, "LWAPC", NULL},
    {"iPad11,6", "iPad (8th generation)", 3, V(14, 0), 0, A9UP, "LWAPC", NULL},
    {"iPad11,7", "iPad (8th generation)", 3, V(14, 0), 0, A9UP, "LWAPC", NULL},
    {"iPad12,1", "iPad (9th generation)", 3, V(15, 0), 0, A9UP, "LWAPC", NULL},
    {"iPad12,2", "iPad (9th generation)", 3, V(15, 0), 0, A9UP, "LWAPC", NULL},
    {"iPad13,1", "iPad Air (4th generation)", 4, V(14, 1), 0, A9UP, "LWAPC", NULL},
    {"iPad13,2", "iPad Air (4th generation)", 4, V(14, 1), 0, A9UP, "LWAPC", NULL},
    {"iPad13,4", "iPad Pro (11-inch) (3rd generation)", 8, V(14, 5), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad13,5", "iPad Pro (11-inch) (3rd generation)", 8, V(14, 5), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad13,6", "iPad Pro (11-inch) (3rd generation)", 8, V(14, 5), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad13,7", "iPad Pro (11-inch) (3rd generation)", 8, V(14, 5), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad13,8", "iPad Pro (12.9-inch) (5th generation)", 8, V(14, 5), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad13,9", "iPad Pro (12.9-inch) (5th generation)", 8, V(14, 5), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad13,10", "iPad Pro (12.9-inch) (5th generation)", 8, V(14, 5), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad13,11", "iPad Pro (12.9-inch) (5th generation)", 8, V(14, 5), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad13,16", "iPad Air (5th generation)", 8, V(15, 4), 0, A9UP, "LWAC", NULL},
    {"iPad13,17", "iPad Air (5th generation)", 8, V(15, 4), 0, A9UP, "LWAC", NULL},
    {"iPad13,18", "iPad (10th generation)", 4, V(16, 1), 0, A9UP, "LWAC", NULL},
    {"iPad13,19", "iPad (10th generation)", 4, V(16, 1), 0, A9UP, "LWAC", NULL},
    {"iPad14,1", "iPad mini (6th generation)", 4, V(15, 0), 0, A9UP, "LWAC", NULL},
    {"iPad14,2", "iPad mini (6th generation)", 4, V(15, 0), 0, A9UP, "LWAC", NULL},
    {"iPad14,3", "iPad Pro (11-inch) (4th generation)", 8, V(16, 1), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad14,4", "iPad Pro (11-inch) (4th generation)", 8, V(16, 1), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad14,5", "iPad Pro (12.9-inch) (6th generation)", 8, V(16, 1), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad14,6", "iPad Pro (12.9-inch) (6th generation)", 8, V(16, 1), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad14,8", "iPad Air 11-inch (M2)", 8, V(17, 4), 0, A9UP, "LWAC", NULL},
    {"iPad14,9", "iPad Air 11-inch (M2)", 8, V(17, 4), 0, A9UP, "LWAC", NULL},
    {"iPad14,10", "iPad Air 13-inch (M2)", 8, V(17, 4), 0, A9UP, "LWAC", NULL},
    {"iPad14,11", "iPad Air 13-inch (M2)", 8, V(17, 4), 0, A9UP, "LWAC", NULL},
    {"iPad15,3", "iPad Air 11-inch (M3)", 8, V(18, 3), 0, A9UP, "LWAC", NULL},
    {"iPad15,4", "iPad Air 11-inch (M3)", 8, V(18, 3), 0, A9UP, "LWAC", NULL},
    {"iPad15,5", "iPad Air 13-inch (M3)", 8, V(18, 3), 0, A9UP, "LWAC", NULL},
    {"iPad15,6", "iPad Air 13-inch (M3)", 8, V(18, 3), 0, A9UP, "LWAC", NULL},
    {"iPad15,7", "iPad (A16)", 6, V(18, 3), 0, A9UP, "LWAC", NULL},
    {"iPad15,8", "iPad (A16)", 6, V(18, 3), 0, A9UP, "LWAC", NULL},
    {"iPad16,1", "iPad mini (A17 Pro)", 8, V(18, 0), 0, A9UP, "LWAC", NULL},
    {"iPad16,2", "iPad mini (A17 Pro)", 8, V(18, 0), 0, A9UP, "LWAC", NULL},
    {"iPad16,3", "iPad Pro 11-inch (M4)", 8, V(17, 4), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad16,4", "iPad Pro 11-inch (M4)", 8, V(17, 4), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad16,5", "iPad Pro 13-inch (M4)", 8, V(17, 4), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
    {"iPad16,6", "iPad Pro 13-inch (M4)", 8, V(17, 4), 0, A9UP, "LWASC", "16 GB with 1 TB or 2 TB"},
};
#define NDEVICES (sizeof devices / sizeof devices[0])

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
    for (size_t i = 0; i < NDEVICES; i++)
        if (!strcmp(devices[i].model, model))
            return &devices[i];
    return NULL;
}

size_t vmex_device_count(void) { return NDEVICES; }
const vmex_device *vmex_device_at(size_t i) { return i < NDEVICES ? &devices[i] : NULL; }

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
    for (size_t i = 0; i < NDEVICES; i++) {
        const vmex_device *d = &devices[i];
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
