/* filter.h — every binary-weight optimizer seen as a filter on its gradient
 * stream (docs/science.md sections 2-3): the equivalent CEMA pair (alpha, gamma),
 * the poles and transfer function H(z) from the gradient g to the filter
 * output y (b = -sign(y): y is CEMA's i, -k w for latent SGD), the filter's
 * initial state from the latent init, its frequency and impulse responses,
 * -3 dB cut-off and white-noise flip rate. Double precision; no UI.
 *
 * Latent SGD (lr eta, weight decay lambda, momentum mu, dampening d, e = 1-d):
 *   no momentum:              alpha = eta lambda, gamma = 1            y = -lambda w
 *   decoupled wd, momentum:   alpha = eta lambda, gamma = 1 - mu       y = -lambda (1-mu)/e w
 *                             m = (1-mu)/e buf   (dampening = mu: m = buf)
 *   coupled wd, momentum:     poles 1-alpha >= 1-gamma solve
 *                             z^2 - (1 + mu - eta e lambda) z + mu = 0  y = -lambda w
 *                             m = (gamma - eta e lambda)/e buf - lambda w
 *                             (complex when eta e lambda > (1 - sqrt mu)^2: no real pair)
 *   lambda = 0: a pure integrator (alpha = 0); nesterov: a zero, no CEMA pair.
 * Bop: alpha = 1 with tau a dead band; Adam, AdamW: no linear equivalent.
 */
#ifndef FLIPSCOPE_FILTER_H
#define FLIPSCOPE_FILTER_H

#include <stddef.h>

#include "engine/optim.h"

#define FILTER_MAX_ORDER OPT_MAX_SECTIONS

typedef struct {
  OptKind kind;
  int linear;          /* 0: no linear equivalent (Adam, AdamW); only note is set */
  int stable;          /* every pole strictly inside the unit circle */
  int order;           /* poles (poles at 0 are left out) */
  double pole_re[FILTER_MAX_ORDER], pole_im[FILTER_MAX_ORDER];
  int real_poles;
  /* H(z) = (num[0] + num[1] z^-1 + num[2] z^-2) / (den[0] + ... + den[order] z^-order),
   * den[0] = 1, den = prod_k (1 - p_k z^-1). Unit DC gain where it is finite. */
  double num[3], den[FILTER_MAX_ORDER + 1];
  double alpha, gamma; /* the CEMA pair (gamma = 1: one EMA); NAN where there is none */
  double tau;          /* dead band: flips only where b y > tau (bop, bop2); else 0 */
  int cema;            /* 1: CEMA(alpha, gamma) flips exactly like this optimizer
                          (from the state map below, for latent SGD) */
  /* Latent SGD <-> filter state: i = y = -k w,  m = m_buf buf + m_w w.
   * At the start (buf = 0): i0 = -k w0, m0 = m_w w0. k = 0 for non-SGD. */
  double k, m_buf, m_w;
  char note[320];      /* caveats, "" when none */
} Filter;

/* The filter equivalent to cfg at its base rates (the schedule's factor 1).
 * Returns 0, or -1 with one line in err when cfg is refused (optim_check). */
int filter_from_config(const OptConfig *cfg, Filter *f, char *err, size_t errlen);

/* k in i = -k w for a latent optimizer c whose filter is f: the SGD
 * filter's k, else (Adam, AdamW) wd, or 1/lr without decay. */
double filter_latent_k(const OptConfig *c, const Filter *f);

/* Filter units per unit of the optimizer's inertia (optim_inertia): -k
 * (filter_latent_k) for a latent optimizer, whose inertia is w and whose
 * filter state is i = -k w; 1 for a filter-state optimizer (CEMA, Bop, Bop2,
 * IIR); -1 (k = 1) when cfg is refused. In filter units b = -sign(y) for
 * every optimizer, and an exact switch keeps the value. */
double filter_inertia_scale(const OptConfig *cfg);

/* The filter state of a latent weight w0 with an empty momentum buffer. */
void filter_initial_state(const Filter *f, double w0, double *m0, double *i0);

/* H(e^{jw}) at one frequency w in (0, pi]: magnitude in dB (-inf where 0)
 * and phase in radians in (-pi, pi]. */
void filter_eval(const Filter *f, double w, double *mag_db, double *phase);
/* The response at w_k = pi k / n, k = 1..n, phase unwrapped along the grid. */
void filter_response(const Filter *f, size_t n, double *w, double *mag_db, double *phase);
/* The first n samples of the impulse response (zero initial state). */
void filter_impulse(const Filter *f, double *h, size_t n);
/* |H(1)|: the DC gain (INFINITY for an integrator). */
double filter_dc_gain(const Filter *f);
/* The -3 dB cut-off in rad/step: the first w where |H| falls to |H(1)|/sqrt 2.
 * 0 for an integrator; NAN where undefined (not linear or stable, never 3 dB down).
 * One EMA: closed form cos w_c = (2 - 2a - a^2) / (2 (1 - a)); else bisection. */
double filter_cutoff(const Filter *f);
/* rho_1, the lag-1 autocorrelation of the output for white input: AR(1) p,
 * AR(2) -den[1] / (1 + den[2]) (CEMA: (a + c) / (1 + a c)), else summed over
 * the impulse response until the slowest pole has decayed to 1e-15 (at most
 * 2^26 samples). */
double filter_lag1(const Filter *f);
/* The chance a weight flips per step under zero-mean white Gaussian gradient
 * noise: arccos(rho_1) / pi (0 for an integrator; NAN where undefined). */
double filter_flip_rate_white(const Filter *f);

#endif
