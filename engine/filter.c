/* filter.c — the filter view of the optimizers (see filter.h, docs/science.md 2-3). */
#include "engine/filter.h"

#include <complex.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/error.h"

static void add_note(Filter *f, const char *fmt, ...) {
  size_t used = strlen(f->note);
  if (used && used + 2 < sizeof f->note) used += (size_t)snprintf(f->note + used, sizeof f->note - used, "; ");
  va_list ap;
  va_start(ap, fmt);
  if (used < sizeof f->note) vsnprintf(f->note + used, sizeof f->note - used, fmt, ap);
  va_end(ap);
}

/* Appends a pole; a pole at 0 is the identity factor and is left out. */
static void add_pole(Filter *f, double re, double im) {
  if (re == 0 && im == 0) return;
  f->pole_re[f->order] = re;
  f->pole_im[f->order] = im;
  f->order++;
}

/* The roots of z^2 + d1 z + d2 (the poles of 1 + d1 z^-1 + d2 z^-2), the
 * larger real one first; the stable quadratic formula avoids cancellation. */
static void add_quadratic(Filter *f, double d1, double d2) {
  double disc = d1 * d1 - 4 * d2;
  if (d2 == 0) {
    add_pole(f, -d1, 0);
  } else if (disc >= 0) {
    double q = -0.5 * (d1 + copysign(sqrt(disc), d1)), r = d2 / q;
    add_pole(f, q > r ? q : r, 0);
    add_pole(f, q > r ? r : q, 0);
  } else {
    add_pole(f, -0.5 * d1, 0.5 * sqrt(-disc));
    add_pole(f, -0.5 * d1, -0.5 * sqrt(-disc));
  }
}

/* den = prod_k (1 - p_k z^-1); stability and realness of the poles. */
static void finish(Filter *f) {
  double complex d[FILTER_MAX_ORDER + 1] = {1};
  f->stable = f->real_poles = 1;
  for (int k = 0; k < f->order; k++) {
    double complex p = CMPLX(f->pole_re[k], f->pole_im[k]);
    for (int j = k + 1; j > 0; j--) d[j] -= p * d[j - 1];
    f->stable &= cabs(p) < 1;
    f->real_poles &= f->pole_im[k] == 0;
  }
  for (int j = 0; j <= f->order; j++) f->den[j] = creal(d[j]);
}

/* Latent SGD: the direction d = K(z) g' with K = (kn0 + kn1 z^-1)/(1 - kp z^-1)
 * (1; e/(1 - mu z^-1); nesterov (1 + mu e - mu z^-1)/(1 - mu z^-1)), then
 *   coupled:   w (1 - z^-1) = -eta K (g + lambda z^-1 w)
 *   decoupled: w (1 - (1 - eta lambda) z^-1) = -eta K g
 * and y = -k w with unit DC gain (lambda > 0) or unit integrator gain.
 * Without decay the quadratic of the coupled form factors exactly into the
 * integrator's pole 1 and the momentum's pole mu; the quadratic formula
 * would round the 1 to 1 - 2^-52, a finite DC gain of 1e15. */
static void sgd_filter(const OptConfig *c, Filter *f) {
  const double eta = c->lr, lam = c->wd, mu = c->momentum;
  const int mom = mu != 0, nesterov = mom && c->nesterov;
  const double e = mom ? 1 - c->dampening : 1;
  const double kp = mom ? mu : 0, kn0 = nesterov ? 1 + mu * e : mom ? e : 1,
               kn1 = nesterov ? -mu : 0;
  const int coupled_momentum = mom && !c->decoupled_wd;
  if (coupled_momentum && eta * lam != 0) {
    add_quadratic(f, -kp - 1 + eta * lam * kn0, kp + eta * lam * kn1);
  } else {
    add_pole(f, 1 - eta * lam, 0);
    add_pole(f, kp, 0);
  }
  finish(f);
  if (lam > 0) f->k = coupled_momentum || !mom ? lam : lam * (1 - kp) / (kn0 + kn1);
  else f->k = eta > 0 ? (1 - kp) / (eta * (kn0 + kn1)) : 1;
  f->num[0] = f->k * eta * kn0;
  f->num[1] = f->k * eta * kn1;

  if (lam == 0) {
    f->alpha = 0;
    f->gamma = 1 - kp;
    add_note(f, "no weight decay: a pure integrator (infinite memory), b_t = sign(w0/lr - sum g)"
                " up to momentum; only w0/lr matters");
  } else if (nesterov) {
    add_note(f, "nesterov adds a zero to H(z): a linear filter but no CEMA (alpha, gamma) pair");
  } else if (!coupled_momentum) {
    f->alpha = eta * lam;
    f->gamma = 1 - kp;
    f->m_buf = mom ? (1 - mu) / e : 0;
    f->cema = 1;
  } else if (f->real_poles) {
    f->alpha = 1 - f->pole_re[0];
    f->gamma = 1 - f->pole_re[1];
    f->m_buf = (f->gamma - eta * e * lam) / e;
    f->m_w = -lam;
    f->cema = 1;
  } else {
    add_note(f, "complex poles (lr (1-dampening) wd = %g > (1 - sqrt(momentum))^2 = %g): "
                "an oscillating filter, no pair of real EMAs represents it",
             eta * e * lam, (1 - sqrt(mu)) * (1 - sqrt(mu)));
  }
  if (mom && c->dampening != 0)
    add_note(f, "PyTorch's first momentum step ignores dampening (buf = g'), so from w0 the "
                "filter holds only for a zero first gradient; the state map holds after it");
  if (c->clip > 0) {
    f->cema = 0;
    add_note(f, "clip %g saturates w: the filter holds only while |w| < clip", c->clip);
  }
}

static void cema_filter(double alpha, double gamma, Filter *f) {
  add_pole(f, 1 - alpha, 0);
  add_pole(f, 1 - gamma, 0);
  finish(f);
  f->num[0] = alpha * gamma;
  f->alpha = alpha;
  f->gamma = gamma;
  f->cema = 1;
}

static void iir_filter(const OptConfig *c, Filter *f) {
  if (c->iir_biquad) {
    for (int j = 0; j < 3; j++) f->num[j] = c->iir_coef[j];
    add_quadratic(f, c->iir_coef[3], c->iir_coef[4]);
    finish(f);
    double gain = (1 - f->pole_re[0]) * (f->order > 1 ? 1 - f->pole_re[1] : 1);
    if (f->real_poles && f->order == 2 && f->num[1] == 0 && f->num[2] == 0 &&
        fabs(f->num[0] - gain) <= 1e-12 * fabs(gain)) {
      f->alpha = 1 - f->pole_re[0];
      f->gamma = 1 - f->pole_re[1];
      f->cema = 1;
    }
    return;
  }
  double gain = 1;
  for (int k = 0; k < c->iir_sections; k++) {
    add_pole(f, c->iir_poles[k], 0);
    gain *= 1 - c->iir_poles[k];
  }
  finish(f);
  f->num[0] = gain;
  if (c->iir_sections <= 2) {
    /* the first section is CEMA's m (gamma), the second its i (alpha) */
    f->alpha = 1 - c->iir_poles[c->iir_sections - 1];
    f->gamma = c->iir_sections == 2 ? 1 - c->iir_poles[0] : 1;
    f->cema = 1;
  } else {
    add_note(f, "a cascade of %d sections: no CEMA (alpha, gamma) pair", c->iir_sections);
  }
}

int filter_from_config(const OptConfig *cfg, Filter *f, char *err, size_t errlen) {
  memset(f, 0, sizeof *f);
  if (optim_check(cfg, err, errlen)) return -1;
  f->kind = cfg->kind;
  f->linear = 1;
  f->alpha = f->gamma = NAN;
  switch (cfg->kind) {
  case OPT_CEMA:
    cema_filter(cfg->alpha, cfg->gamma, f);
    break;
  case OPT_BOP:
  case OPT_BOP2:
    cema_filter(1, cfg->gamma, f);
    f->tau = cfg->tau;
    f->cema = cfg->kind == OPT_BOP && cfg->tau == 0;
    if (cfg->kind == OPT_BOP2 && cfg->unbiased)
      add_note(f, "bop2 %s compares (m/gamma) / (sqrt(v/sigma) + 1e-10) with tau = %g, "
                  "about m / sqrt(v) against tau gamma / sqrt(sigma); with tau = 0 its flips are "
                  "this filter's", error_setting("unbiased").text, cfg->tau);
    else if (cfg->kind == OPT_BOP2)
      add_note(f, "bop2 compares m / (sqrt(v) + 1e-10) with tau = %g, a band relative to the "
                  "gradient's RMS; with tau = 0 its flips are this filter's", cfg->tau);
    else if (cfg->tau > 0)
      add_note(f, "tau = %g is a dead band: flips only where b m > tau (flip_rate_white is for "
                  "tau = 0)", cfg->tau);
    break;
  case OPT_SGD:
    sgd_filter(cfg, f);
    break;
  case OPT_IIR:
    iir_filter(cfg, f);
    break;
  default: /* adam, adamw */
    f->linear = 0;
    add_note(f, "%s divides by sqrt(v_hat): not a linear filter, no (alpha, gamma) equivalent; "
                "the symmetry (c lr, wd/c, c w0) still holds",
             optim_ops(cfg->kind)->name);
    break;
  }
  return 0;
}

double filter_latent_k(const OptConfig *c, const Filter *f) {
  if (c->kind == OPT_SGD) return f->k;
  return c->wd > 0 ? c->wd : c->lr > 0 ? 1 / c->lr : 1;
}

double filter_inertia_scale(const OptConfig *cfg) {
  if (!optim_ops(cfg->kind)->latent) return 1;
  Filter f;
  if (filter_from_config(cfg, &f, NULL, 0)) return -1;
  return -filter_latent_k(cfg, &f);
}

void filter_initial_state(const Filter *f, double w0, double *m0, double *i0) {
  *i0 = -f->k * w0;
  *m0 = f->m_w * w0;
}

static double complex response_at(const Filter *f, double w) {
  double complex zi = cexp(CMPLX(0, -w));
  double complex n = f->num[0] + zi * (f->num[1] + zi * f->num[2]), d = 1;
  for (int k = 0; k < f->order; k++) d *= 1 - CMPLX(f->pole_re[k], f->pole_im[k]) * zi;
  return n / d;
}

void filter_eval(const Filter *f, double w, double *mag_db, double *phase) {
  double complex h = response_at(f, w);
  *mag_db = 20 * log10(cabs(h));
  *phase = carg(h);
}

void filter_response(const Filter *f, size_t n, double *w, double *mag_db, double *phase) {
  for (size_t k = 0; k < n; k++) {
    w[k] = M_PI * (double)(k + 1) / (double)n;
    filter_eval(f, w[k], &mag_db[k], &phase[k]);
    if (k > 0) phase[k] = phase[k - 1] + remainder(phase[k] - phase[k - 1], 2 * M_PI);
  }
}

/* The next impulse-response sample: y_n = num[n] - sum_k den[k] y_{n-k};
 * past[0..order) holds y_{n-1}, y_{n-2}, ... and is shifted. */
static double impulse_next(const Filter *f, double *past, size_t n) {
  double y = n < 3 ? f->num[n] : 0;
  for (int k = f->order; k >= 1; k--) {
    y -= f->den[k] * past[k - 1];
    if (k > 1) past[k - 1] = past[k - 2];
  }
  if (f->order) past[0] = y;
  return y;
}

void filter_impulse(const Filter *f, double *h, size_t n) {
  double past[FILTER_MAX_ORDER] = {0};
  for (size_t i = 0; i < n; i++) h[i] = impulse_next(f, past, i);
}

static int is_zero(const Filter *f) { return f->num[0] == 0 && f->num[1] == 0 && f->num[2] == 0; }

/* A pole at z = 1 with every other pole inside: an integrator. */
static int is_integrator(const Filter *f) {
  int unit = 0, inside = 1;
  for (int k = 0; k < f->order; k++) {
    if (f->pole_re[k] == 1 && f->pole_im[k] == 0) unit++;
    else inside &= cabs(CMPLX(f->pole_re[k], f->pole_im[k])) < 1;
  }
  return unit == 1 && inside;
}

double filter_dc_gain(const Filter *f) {
  if (!f->linear) return NAN;
  if (is_integrator(f)) return is_zero(f) ? 0 : INFINITY;
  return cabs(response_at(f, 0));
}

static double mag2(const Filter *f, double w) {
  double complex h = response_at(f, w);
  return creal(h) * creal(h) + cimag(h) * cimag(h);
}

double filter_cutoff(const Filter *f) {
  if (!f->linear || is_zero(f)) return NAN;
  if (is_integrator(f)) return 0;
  if (!f->stable) return NAN;
  if (f->order == 1 && f->num[1] == 0 && f->num[2] == 0) {
    /* cos w_c = (2 - 2a - a^2) / (2 (1 - a)), i.e. sin^2(w_c/2) = a^2 / (4 (1 - a)):
     * the second form keeps its precision for small a */
    double a = 1 - f->pole_re[0], s2 = a < 1 ? a * a / (4 * (1 - a)) : INFINITY;
    return s2 <= 1 ? 2 * asin(sqrt(s2)) : NAN;
  }
  /* Scan a log grid from 1e-15 to pi for the first point 3 dB down, then bisect. */
  const double half = 0.5 * mag2(f, 0), lo_w = 1e-15;
  const int steps = 1500;
  double prev = 0;
  for (int s = 0; s <= steps; s++) {
    double w = lo_w * pow(M_PI / lo_w, (double)s / steps);
    if (mag2(f, w) > half) {
      prev = w;
      continue;
    }
    double lo = prev, hi = w;
    for (int it = 0; it < 200 && hi - lo > 1e-15 * hi; it++) {
      double mid = 0.5 * (lo + hi);
      if (mag2(f, mid) > half) lo = mid;
      else hi = mid;
    }
    return 0.5 * (lo + hi);
  }
  return NAN;
}

double filter_lag1(const Filter *f) {
  if (!f->linear || is_zero(f)) return NAN;
  if (is_integrator(f)) return 1;
  if (!f->stable) return NAN;
  const int all_pole = f->num[1] == 0 && f->num[2] == 0;
  if (f->order == 0 && all_pole) return 0;
  if (f->order == 1 && all_pole) return f->pole_re[0];
  if (f->order == 2 && all_pole) return -f->den[1] / (1 + f->den[2]);
  /* sum_n h_n h_{n+1} / sum_n h_n^2 until the slowest pole has decayed to 1e-15 */
  double r = 0;
  for (int k = 0; k < f->order; k++) r = fmax(r, cabs(CMPLX(f->pole_re[k], f->pole_im[k])));
  double need = r > 0 ? log(1e-15) / log(r) : 0;
  size_t n = (size_t)fmin(need, (double)(1u << 26)) + 64;
  double past[FILTER_MAX_ORDER] = {0}, h_prev = 0, s0 = 0, s1 = 0;
  for (size_t i = 0; i < n; i++) {
    double h = impulse_next(f, past, i);
    s0 += h * h;
    s1 += h * h_prev;
    h_prev = h;
  }
  return s1 / s0;
}

double filter_flip_rate_white(const Filter *f) {
  if (f->linear && is_zero(f)) return 0;
  double rho = filter_lag1(f);
  if (isnan(rho)) return NAN;
  return acos(fmax(-1, fmin(1, rho))) / M_PI;
}
