/* tui_filter.h — the engine's filter view (engine/filter.h) prepared for the
 * filter pane. */
#ifndef FLIPSCOPE_TUI_FILTER_H
#define FLIPSCOPE_TUI_FILTER_H

#include "engine/optim.h"
#include "views/dash.h"

/* The filter of opt with its scheduled rate: the base rate x factor (the
 * schedule's multiplier now; 1 before training). */
void dash_filter_compute(const OptConfig *opt, double factor, DashFilter *out);

#endif
