/* tui_filter.h — the engine's filter view (engine/filter.h) prepared for the
 * filter pane, and the settings to switch optimizers to. */
#ifndef FLIPSCOPE_TUI_FILTER_H
#define FLIPSCOPE_TUI_FILTER_H

#include "engine/optim.h"
#include "views/dash.h"

/* The filter of opt with its scheduled rate: the base rate x factor (the
 * schedule's multiplier now; 1 before training). */
void dash_filter_compute(const OptConfig *opt, double factor, DashFilter *out);

/* The settings to switch to when the user picks `kind` while `from` runs:
 * the exact equivalent where one exists (SGD + wd <-> CEMA, Bop(tau = 0) <->
 * CEMA(alpha = 1)), else `kind`'s defaults with what carries over. Returns 1
 * when optim_switch will call the switch exact. */
int switch_target(const OptConfig *from, OptKind kind, OptConfig *to);

#endif
