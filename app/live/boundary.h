/* boundary.h — the decision-boundary grid of 2-feature data for the
 * dashboard (views/dash.h DashBoundary): the model's prediction over the
 * plane the training points span, and a fixed subset of those points. */
#ifndef FLIPSCOPE_BOUNDARY_H
#define FLIPSCOPE_BOUNDARY_H

#include "engine/data.h"
#include "engine/trainer.h"
#include "views/dash.h"

/* Fills out from t's model (running batch-norm statistics) on the plane of
 * train's points; out->valid is 0 when train does not have two features.
 * Runs on the training thread, between steps (it uses the model's buffers). */
void boundary_compute(Trainer *t, const DataSplit *train, DashBoundary *out);

#endif
