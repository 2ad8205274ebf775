/*
 * devices.h - the table of 64-bit iOS devices: model code (as crash
 * reports give it, "iPhone14,2") to marketing name, RAM, the first and the
 * last iOS release it runs, and its page sizes.  It turns a crash report's
 * device into a profile's RAM class; every row names its source in
 * devices.c.
 */
#ifndef VMEX_DEVICES_H
#define VMEX_DEVICES_H

#include "vmex.h"

#ifdef __cplusplus
extern "C" {
#endif

/* iOS versions are kept as major * 100 + minor: 1504 is iOS 15.4. */
#define VMEX_IOS(major, minor) ((major) * 100 + (minor))

typedef struct vmex_device {
    const char *model;        /* "iPhone14,2" */
    const char *name;         /* "iPhone 13 Pro" */
    uint8_t  ram_gb;          /* nominal RAM; the smallest of the configurations */
    uint16_t first;           /* the release it shipped with, VMEX_IOS() */
    uint8_t  last_major;      /* the last major release it runs; 0: the current one */
    uint32_t page;            /* the VM page user space sees (16 KiB on every row) */
    uint32_t phys_page;       /* the physical page: 4 KiB on A7/A8, else 16 KiB */
    const char *source;       /* the sources of the row, keys of the legend in devices.c */
    const char *note;         /* what the row chose, or NULL */
} vmex_device;

/* The row of a model code (exact, case-sensitive), or NULL. */
const vmex_device *vmex_device_find(const char *model);
/* The same, or -1 with err (code VMEX_E_INPUT) naming the model and saying
 * why: a 32-bit device, another platform (Mac, Apple TV, Watch, Vision),
 * the simulator, or a code the table does not have.  err's file, line and
 * col are kept: the caller sets them to where the model code is. */
int vmex_device_lookup(const char *model, const vmex_device **out, vmex_error *err);
/* -1 with err (code VMEX_E_INPUT) when vmex must refuse the model code
 * whether or not the table has it (a 32-bit device, another platform, the
 * simulator); 0 otherwise.  err's file, line and col are kept. */
int vmex_device_check(const char *model, vmex_error *err);
/* Every row, in table order: returns the count. */
size_t vmex_device_count(void);
const vmex_device *vmex_device_at(size_t i);
/* A device with this RAM that runs iOS `version` (VMEX_IOS), for naming a
 * RAM class in words ("e.g. iPhone 12"); NULL when there is none. */
const vmex_device *vmex_device_example(uint32_t ram_gb, uint32_t version);
/* The full text of a source key ("L", "R", ...), or NULL. */
const char *vmex_device_source(char key);

#ifdef __cplusplus
}
#endif
#endif
