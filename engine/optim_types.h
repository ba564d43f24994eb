/* optim_types.h — the optimizers' plain data: their kinds, the settings they
 * are configured with, and the signature of a step kernel. The optimizer
 * interface (optim.h), the settings table (settings.h) and the SIMD kernels
 * (kernels.h) all build on these, so none of them needs another's header. */
#ifndef FLIPSCOPE_OPTIM_TYPES_H
#define FLIPSCOPE_OPTIM_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef enum { OPT_CEMA, OPT_ADAM, OPT_ADAMW, OPT_SGD, OPT_BOP, OPT_BOP2, OPT_IIR, OPT_KIND_COUNT } OptKind;

#define OPT_MAX_SECTIONS 8

/* Every hyperparameter of every optimizer; each reads the ones it needs. */
typedef struct {
  OptKind kind;
  double alpha, gamma;              /* cema: the two EMA rates; bop: gamma */
  double tau, sigma;                /* bop threshold; bop2 second-moment rate */
  int unbiased;                     /* bop2: the authors' unbiased form (optim_bop.c) */
  double lr, beta1, beta2, eps;     /* adam, adamw; sgd uses lr */
  double momentum, dampening, wd;   /* sgd (wd also adam L2, adamw decoupled) */
  int nesterov, decoupled_wd;       /* sgd */
  double init_scale;                /* latent init: |w0| ~ U(0, scale), sign kept */
  double state_init;                /* filter init (cema, bop, bop2, iir): output -S b (optim_create) */
  double clip;                      /* latent clip to [-clip, clip]; 0 = none */
  int iir_sections;                 /* iir: cascade of first-order sections ... */
  double iir_poles[OPT_MAX_SECTIONS];
  int iir_biquad;                   /* ... or (iir_biquad = 1) one biquad */
  double iir_coef[5];               /* b0, b1, b2, a1, a2 */
} OptConfig;

/* Step arguments shared by all weights of one step. */
typedef struct {
  const OptConfig *cfg;
  double rate;  /* the scheduled rate: lr, alpha, or gamma for bop (iir: unused) */
  uint64_t t;   /* 1-based step number (Adam's bias correction, SGD's first step) */
} OptStepArgs;

/* A step kernel over weights [begin, end) of one layer. state[s] is the s-th
 * per-weight state array of the layer. Returns the number of flips. Each kind's
 * kernel is in optim_steps.h, run as the active SIMD variant's (kernels.h). */
typedef size_t (*opt_kernel)(const OptStepArgs *a, float *sign, const float *grad,
                             float *const *state, size_t begin, size_t end);

#endif
