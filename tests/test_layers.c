/* test_layers.c — gradients of batch norm, softmax cross-entropy and the STE
 * interior against central finite differences. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "engine/activation.h"
#include "engine/batchnorm.h"
#include "engine/loss.h"
#include "engine/rng.h"

#define B 7
#define N 5

static void fill(Rng *r, float *x, size_t n, float lo, float hi) {
  for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng_uniform(r);
}

/* The batch-norm test's inputs; L = sum w * BN(x; scale, shift). */
typedef struct {
  float x[B * N], w[B * N], scale[N], shift[N];
} BnCase;

static double bn_loss(const void *ctx) {
  const BnCase *c = ctx;
  float mean[N], rstd[N], y[B * N], rm[N] = {0}, rv[N] = {0};
  bn_train_statistics(c->x, B, N, mean, rstd, rm, rv);
  bn_normalize_rows(c->x, B, N, mean, rstd, c->scale, c->shift, y);
  double L = 0;
  for (int i = 0; i < B * N; i++) L += (double)c->w[i] * y[i];
  return L;
}

/* dL/dp by central differences, p one of the inputs of loss(ctx). */
static double central_difference(float *p, float h, double (*loss)(const void *), const void *ctx) {
  float saved = *p;
  *p = saved + h;
  double up = loss(ctx);
  *p = saved - h;
  double down = loss(ctx);
  *p = saved;
  return (up - down) / (2.0 * h);
}

Test(layers, batchnorm_gradients_match_finite_differences) {
  Rng r;
  rng_seed(&r, 7, 0);
  BnCase c;
  fill(&r, c.x, B * N, -2, 2);
  fill(&r, c.w, B * N, -1, 1);
  fill(&r, c.scale, N, 0.5f, 1.5f);
  fill(&r, c.shift, N, -0.5f, 0.5f);
  float mean[N], rstd[N], y[B * N], rm[N] = {0}, rv[N] = {0};
  bn_train_statistics(c.x, B, N, mean, rstd, rm, rv);
  bn_normalize_rows(c.x, B, N, mean, rstd, c.scale, c.shift, y);
  float dx[B * N], dscale[N], dshift[N];
  bn_backward(c.w, c.x, mean, rstd, c.scale, B, N, dx, dscale, dshift, NULL);
  const float h = 1e-2f;
  for (int i = 0; i < B * N; i++) {
    double fd = central_difference(&c.x[i], h, bn_loss, &c);
    cr_assert(fabs(fd - dx[i]) < 2e-3 + 2e-2 * fabs(fd), "dx[%d]: analytic %g, numeric %g", i,
              dx[i], fd);
  }
  for (int n = 0; n < N; n++) {
    double fd = central_difference(&c.scale[n], h, bn_loss, &c);
    cr_assert(fabs(fd - dscale[n]) < 2e-3 + 1e-2 * fabs(fd), "dscale[%d]: %g vs %g", n, dscale[n], fd);
    fd = central_difference(&c.shift[n], h, bn_loss, &c);
    cr_assert(fabs(fd - dshift[n]) < 2e-3 + 1e-2 * fabs(fd), "dshift[%d]: %g vs %g", n, dshift[n], fd);
  }
}

Test(layers, batchnorm_normalises_and_tracks_running_statistics) {
  float x[4 * 1] = {1, 2, 3, 6}, scale[1] = {2}, shift[1] = {0.5f};
  float mean[1], rstd[1], y[4], rm[1] = {0}, rv[1] = {1};
  bn_train_statistics(x, 4, 1, mean, rstd, rm, rv);
  bn_normalize_rows(x, 4, 1, mean, rstd, scale, shift, y);
  /* mean 3, biased var 3.5, unbiased 14/3 */
  cr_assert_float_eq(rm[0], 0.3f, 1e-6);
  cr_assert_float_eq(rv[0], 0.9f + 0.1f * 14.0f / 3.0f, 1e-6);
  cr_assert_float_eq(y[3], 2.0f * 3.0f / sqrtf(3.5f + BN_EPS) + 0.5f, 1e-5);
  float ye[1];
  float one[1] = {5};
  bn_forward_eval(one, 1, 1, scale, shift, rm, rv, ye);
  cr_assert_float_eq(ye[0], 2.0f * (5 - rm[0]) / sqrtf(rv[0] + BN_EPS) + 0.5f, 1e-5);
}

typedef struct {
  float z[4 * 6];
  uint8_t y[4];
} XentCase;

static double xent_loss(const void *ctx) {
  const XentCase *c = ctx;
  return softmax_xent(c->z, c->y, 4, 6, NULL, NULL);
}

Test(layers, softmax_xent_gradient_matches_finite_differences) {
  Rng r;
  rng_seed(&r, 3, 0);
  XentCase c = {.y = {0, 5, 2, 2}};
  float dz[4 * 6];
  fill(&r, c.z, 4 * 6, -3, 3);
  size_t correct;
  softmax_xent(c.z, c.y, 4, 6, dz, &correct);
  for (int i = 0; i < 4 * 6; i++) {
    double fd = central_difference(&c.z[i], 1e-2f, xent_loss, &c);
    cr_assert(fabs(fd - dz[i]) < 1e-4 + 1e-2 * fabs(fd), "dz[%d]: %g vs %g", i, dz[i], fd);
  }
}

Test(layers, softmax_xent_loss_and_accuracy_by_hand) {
  float z[2 * 3] = {0, 0, 0, 3, 1, 1};
  uint8_t y[2] = {1, 0};
  size_t correct;
  double loss = softmax_xent(z, y, 2, 3, NULL, &correct);
  double second = -(3 - log(exp(3) + 2 * exp(1)));
  cr_assert_float_eq(loss, (log(3.0) + second) / 2, 1e-9);
  cr_assert_eq(correct, 1, "row 0 ties go to class 0 (label 1 wrong), row 1 right");
}

Test(layers, ste_interior_matches_hardtanh_finite_differences) {
  enum { M = 64 };
  Rng r;
  rng_seed(&r, 11, 0);
  float z[M], w[M], dz[M];
  fill(&r, z, M, -2, 2);
  fill(&r, w, M, -1, 1);
  ste_backward(STE_HARDTANH, w, z, M, dz);
  const double h = 1e-3;
  for (int i = 0; i < M; i++) {
    if (fabs(fabs(z[i]) - 1.0) < 2 * h) continue; /* the kink itself has no derivative */
    double up = w[i] * fmax(-1.0, fmin(1.0, z[i] + h));
    double down = w[i] * fmax(-1.0, fmin(1.0, z[i] - h));
    double fd = (up - down) / (2 * h);
    cr_assert(fabs(fd - dz[i]) < 1e-4, "z=%g: STE %g, hard-tanh %g", z[i], dz[i], fd);
  }
}

/* Bi-Real Net's ApproxSign: -1 below -1, 2z + z^2 on [-1, 0), 2z - z^2 on
 * [0, 1), 1 above; its derivative is the STE. Identity passes da as it is. */
Test(layers, approxsign_and_identity_stes_are_their_functions_derivatives) {
  enum { M = 64 };
  Rng r;
  rng_seed(&r, 12, 0);
  float z[M], w[M], dz[M], same[M];
  fill(&r, z, M, -2, 2);
  fill(&r, w, M, -1, 1);
  ste_backward(STE_APPROXSIGN, w, z, M, dz);
  const double h = 1e-3;
  int inside = 0;
  for (int i = 0; i < M; i++) {
    if (fabs(fabs(z[i]) - 1.0) < 2 * h || fabs(z[i]) < 2 * h) continue; /* kinks */
    double zu = z[i] + h, zd = z[i] - h;
#define APPROXSIGN(x) ((x) < -1 ? -1.0 : (x) < 0 ? 2 * (x) + (x) * (x) : (x) < 1 ? 2 * (x) - (x) * (x) : 1.0)
    double fd = w[i] * (APPROXSIGN(zu) - APPROXSIGN(zd)) / (2 * h);
#undef APPROXSIGN
    cr_assert(fabs(fd - dz[i]) < 1e-3, "z=%g: STE %g, ApproxSign' %g", z[i], dz[i], fd);
    inside += fabs(z[i]) < 1;
  }
  cr_assert_gt(inside, 10, "the interior is covered");
  memcpy(same, w, sizeof same);
  ste_backward(STE_IDENTITY, same, z, M, same);
  cr_assert_eq(memcmp(same, w, sizeof same), 0);
}

Test(layers, sign_forward_maps_zero_to_plus_one) {
  float z[3] = {0.0f, -0.0f, -1e-30f}, a[3];
  uint64_t bits[1];
  sign_forward(z, 1, 3, a, bits);
  cr_assert(a[0] == 1.0f && a[1] == 1.0f && a[2] == -1.0f);
  cr_assert_eq(bits[0], 3u);
}
