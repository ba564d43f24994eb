/* run_opt.h — a run's optimizer settings rebuilt from its JSONL log: at the
 * start (the header's "opt"), after the logged changes (parameter changes
 * and switches of optimizer, in order), and at the end (the last scheduled
 * rate applied too). */
#ifndef FLIPSCOPE_RUN_OPT_H
#define FLIPSCOPE_RUN_OPT_H

#include <stddef.h>

#include "app/logs/log_read.h"
#include "engine/optim.h"

typedef struct {
  OptConfig start, changed, end; /* changed: the changes applied; end: and the last rate */
  int has_changes;               /* some change was applied */
  double switch_step;            /* the last switch of optimizer, 0 for none */
} RunOpt;

/* Fills o from r. Returns 0, or -1 when r holds no optimizer settings (no
 * JSONL header, or one without a valid "opt"). */
int run_opt_read(const LogRun *r, RunOpt *o);

#endif
