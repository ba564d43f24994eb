/* opt_change.h — changing optimizer settings between steps, as the live
 * view's keys and headless --change do: the optimizer keeps its state (training
 * is never reset) and the session's sinks record a param_change per setting. */
#ifndef FLIPSCOPE_OPT_CHANGE_H
#define FLIPSCOPE_OPT_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "app/run/session.h"
#include "engine/optim.h"

/* Sets o's settings to `to` (same optimizer kind) before `step`, and records
 * with s's sinks every setting of the filter pane's list (engine/settings.h) that
 * changed. label (e.g. "alpha 0.0001") and text ("alpha 0.001 -> 0.0001 from
 * step 21") describe the first such setting, "" when none changed; either may
 * be NULL. Returns 0, or -1 with one line in err when optim_check rejects `to`
 * (nothing changes then). */
int opt_change_apply(Optimizer *o, Session *s, uint64_t step, const OptConfig *to, char *label,
                     size_t label_len, char *text, size_t text_len, char *err, size_t errlen);

/* Switches s's optimizer to `to` (optim_switch: the state is mapped so the
 * binary weights carry on) before `step`, as the live view's optimizer menu
 * does, and records it with s's sinks as a param_change of "opt" that names
 * the new optimizer and its settings ("cema alpha 0.001 gamma 1: " and what
 * was mapped). out: exact or not, and what was mapped. Returns 0, or -1 with
 * one line in err (nothing changes then). */
int opt_switch_apply(Session *s, uint64_t step, const OptConfig *to, OptSwitch *out, char *err,
                     size_t errlen);

#endif
