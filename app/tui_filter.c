/* tui_filter.c — see tui_filter.h. */
#include "app/tui_filter.h"

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

static int close_to(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)); }

int switch_target(const OptConfig *from, OptKind kind, OptConfig *to) {
  if (kind == from->kind) {
    *to = *from;
    return 1;
  }
  optim_defaults(kind, to);
  Filter f;
  char err[256];
  int have = filter_from_config(from, &f, err, sizeof err) == 0 && f.linear;
  switch (kind) {
  case OPT_CEMA:
    if (from->kind == OPT_SGD && have && f.cema) {
      to->alpha = f.alpha;
      to->gamma = f.gamma;
      return 1;
    }
    if (from->kind == OPT_BOP || from->kind == OPT_BOP2) {
      to->alpha = 1;
      to->gamma = from->gamma;
      return from->kind == OPT_BOP && from->tau == 0;
    }
    if (have && !isnan(f.alpha) && f.alpha > 0) to->alpha = f.alpha, to->gamma = f.gamma;
    return 0;
  case OPT_SGD:
    if (from->kind == OPT_CEMA) {
      /* EMA-style momentum (dampening = momentum), decoupled wd: alpha = lr wd, gamma = 1 - mu */
      to->lr = 0.1;
      to->wd = from->alpha / to->lr;
      to->momentum = to->dampening = from->gamma < 1 ? 1 - from->gamma : 0;
      to->decoupled_wd = to->momentum != 0;
      Filter g;
      return filter_from_config(to, &g, err, sizeof err) == 0 && g.cema &&
             close_to(g.alpha, from->alpha) && close_to(g.gamma, from->gamma);
    }
    if (from->kind == OPT_ADAM || from->kind == OPT_ADAMW) to->wd = from->wd;
    return 0;
  case OPT_BOP:
    if (from->kind == OPT_CEMA) {
      to->gamma = from->gamma;
      if (from->alpha == 1) {
        to->tau = 0;
        return 1;
      }
    } else if (from->kind == OPT_BOP2) {
      to->gamma = from->gamma;
      to->tau = from->tau;
    }
    return 0;
  case OPT_BOP2:
    if (from->kind == OPT_BOP || from->kind == OPT_CEMA) to->gamma = from->gamma;
    if (from->kind == OPT_BOP) to->tau = from->tau;
    return 0;
  case OPT_ADAM:
  case OPT_ADAMW:
    if (from->kind == OPT_ADAM || from->kind == OPT_ADAMW) to->lr = from->lr, to->wd = from->wd;
    return 0;
  case OPT_IIR:
    if (have && f.real_poles && f.stable && f.order >= 1 && f.order <= OPT_MAX_SECTIONS) {
      to->iir_biquad = 0;
      to->iir_sections = f.order;
      for (int k = 0; k < f.order; k++) to->iir_poles[k] = f.pole_re[k];
    }
    return 0;
  default: return 0;
  }
}
