/* tui_filter.c — see tui_filter.h. */
#include "app/live/tui_filter.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/filter.h"

/* opt with its scheduled rate in place of the base rate. */
static OptConfig scheduled(const OptConfig *opt, double factor) {
  OptConfig c = *opt;
  if (!(factor > 0) || !isfinite(factor)) return c;
  switch (c.kind) {
  case OPT_CEMA: c.alpha *= factor; break;
  case OPT_BOP:
  case OPT_BOP2: c.gamma *= factor; break;
  case OPT_IIR: break;
  default: c.lr *= factor; break;
  }
  return c;
}

void dash_filter_compute(const OptConfig *opt, double factor, DashFilter *out) {
  memset(out, 0, sizeof *out);
  out->alpha = out->gamma = out->cutoff = out->flip_white = NAN;
  out->factor = factor > 0 && isfinite(factor) ? factor : 1;
  OptConfig c = scheduled(opt, factor);
  Filter f;
  char err[256];
  if (filter_from_config(&c, &f, err, sizeof err)) {
    snprintf(out->note, sizeof out->note, "%s", err);
    return;
  }
  out->valid = 1;
  out->linear = f.linear;
  snprintf(out->note, sizeof out->note, "%s", f.note);
  if (!f.linear) return;
  out->stable = f.stable;
  out->real_poles = f.real_poles;
  out->order = f.order;
  out->cema = f.cema;
  for (int k = 0; k < f.order && k < 4; k++) out->pole_re[k] = f.pole_re[k], out->pole_im[k] = f.pole_im[k];
  out->alpha = f.alpha;
  out->gamma = f.gamma;
  out->tau = f.tau;
  out->integrator = isinf(filter_dc_gain(&f));
  out->cutoff = f.stable || out->integrator ? filter_cutoff(&f) : NAN;
  out->flip_white = f.stable || out->integrator ? filter_flip_rate_white(&f) : NAN;
  /* log-spaced frequencies from well below the cut-off to pi */
  double lo = 1e-4;
  if (isfinite(out->cutoff) && out->cutoff > 0) lo = out->cutoff / 30;
  if (lo > 1e-2) lo = 1e-2;
  if (lo < 1e-7) lo = 1e-7;
  out->n = DASH_RESP;
  for (int k = 0; k < DASH_RESP; k++) {
    double w = lo * pow(M_PI / lo, (double)k / (DASH_RESP - 1)), phase;
    out->w[k] = w;
    filter_eval(&f, w, &out->db[k], &phase);
  }
}
