/*
 * plot.h - the plot of a stress run (plot.svg of `vmex stress`), drawn
 * with svg.h, and the two ways of writing counts it uses.
 */
#ifndef VMEX_PLOT_H
#define VMEX_PLOT_H

#include "vmex.h"
#include "stress/stress.h"

/* plot.svg: the bytes panel (free, largest hole, the failed request; the
 * footprint when it matters) on a log scale over ops, a strip with the
 * fragmentation below, the first finding as a vertical line through both. */
int vmex_stress_plot(const vmex_stress *S, vmex_buf *out);

#endif
