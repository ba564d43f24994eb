/* test_batchnorm.c — batch norm's sums over blocks of rows (batchnorm.c):
 * one and two threads give the same bits on a CNN-sized call; a batch of at
 * most 1024 rows gives the bits of one plain loop over its rows in fp32 (the
 * MLP results of before the blocks); and several blocks stay within fp32
 * rounding of a double-precision reference. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/batchnorm.h"
#include "engine/parallel.h"
#include "engine/rng.h"

/* One call's operands and results, forward then backward. */
typedef struct {
  size_t rows, n;
  float *x, *dy, *scale, *shift;
  float *mean, *rstd, *y, *run_mean, *run_var, *dx, *dscale, *dshift;
} Call;

static float *floats(size_t n) {
  float *p = calloc(n, sizeof *p);
  cr_assert_not_null(p);
  return p;
}

static Call call_new(size_t rows, size_t n, uint64_t seed) {
  Call c = {rows, n, floats(rows * n), floats(rows * n), floats(n), floats(n), floats(n),
            floats(n), floats(rows * n), floats(n), floats(n), floats(rows * n), floats(n), floats(n)};
  Rng r;
  rng_seed(&r, seed, 0);
  for (size_t i = 0; i < rows * n; i++) {
    c.x[i] = (float)(3.0 + 2.0 * rng_normal(&r));
    c.dy[i] = (float)rng_normal(&r);
  }
  for (size_t j = 0; j < n; j++) {
    c.scale[j] = (float)(1.0 + 0.1 * rng_normal(&r));
    c.shift[j] = (float)(0.1 * rng_normal(&r));
    c.run_var[j] = 1.0f;
  }
  return c;
}

static void call_run(Call *c) {
  bn_train_statistics(c->x, c->rows, c->n, c->mean, c->rstd, c->run_mean, c->run_var);
  bn_normalize_rows(c->x, c->rows, c->n, c->mean, c->rstd, c->scale, c->shift, c->y);
  bn_backward(c->dy, c->x, c->mean, c->rstd, c->scale, c->rows, c->n, c->dx, c->dscale,
              c->dshift, NULL);
}

static void call_free(Call *c) {
  float *all[] = {c->x, c->dy, c->scale, c->shift, c->mean, c->rstd, c->y,
                  c->run_mean, c->run_var, c->dx, c->dscale, c->dshift};
  for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
}

/* Every result of a and b, bit for bit. */
static void assert_same(const Call *a, const Call *b, const char *what) {
  size_t v = a->rows * a->n, f = a->n;
  const struct {
    const char *name;
    const float *p, *q;
    size_t len;
  } out[] = {{"mean", a->mean, b->mean, f},          {"rstd", a->rstd, b->rstd, f},
             {"y", a->y, b->y, v},                   {"run_mean", a->run_mean, b->run_mean, f},
             {"run_var", a->run_var, b->run_var, f}, {"dx", a->dx, b->dx, v},
             {"dscale", a->dscale, b->dscale, f},    {"dshift", a->dshift, b->dshift, f}};
  for (size_t i = 0; i < sizeof out / sizeof *out; i++)
    cr_assert(memcmp(out[i].p, out[i].q, out[i].len * sizeof(float)) == 0, "%s: %s differs", what,
              out[i].name);
}

Test(batchnorm, one_and_two_threads_give_the_same_bits_over_many_blocks) {
  Call one = call_new(100 * 28 * 28, 32, 7), two = call_new(100 * 28 * 28, 32, 7);
  cr_assert_eq(par_init(1), 0);
  call_run(&one);
  cr_assert_eq(par_init(2), 0);
  call_run(&two);
  assert_same(&one, &two, "78400 x 32");
  call_free(&one);
  call_free(&two);
  par_shutdown();
}

/* The formulas of batchnorm.h as one loop over the rows per sum, in fp32:
 * what bn_forward_train and bn_backward computed before the blocks. */
static void plain_loops(Call *c) {
  size_t B = c->rows, N = c->n;
  float *mean = c->mean, var[2048], *centred = malloc(B * N * sizeof *centred);
  cr_assert_leq(N, 2048);
  for (size_t j = 0; j < N; j++) mean[j] = var[j] = c->dscale[j] = c->dshift[j] = 0;
  for (size_t b = 0; b < B; b++)
    for (size_t j = 0; j < N; j++) mean[j] += c->x[b * N + j];
  const float inv_b = 1.0f / (float)B, unbias = (float)B / (float)(B - 1);
  for (size_t j = 0; j < N; j++) mean[j] *= inv_b;
  for (size_t i = 0; i < B * N; i++) centred[i] = c->x[i] - mean[i % N];
  for (size_t b = 0; b < B; b++)
    for (size_t j = 0; j < N; j++) var[j] += centred[b * N + j] * centred[b * N + j];
  for (size_t j = 0; j < N; j++) {
    c->run_mean[j] = (1.0f - BN_MOMENTUM) * c->run_mean[j] + BN_MOMENTUM * mean[j];
    var[j] *= inv_b;
    c->run_var[j] = (1.0f - BN_MOMENTUM) * c->run_var[j] + BN_MOMENTUM * var[j] * unbias;
    c->rstd[j] = 1.0f / sqrtf(var[j] + BN_EPS);
  }
  float *xhat = malloc(B * N * sizeof *xhat);
  for (size_t i = 0; i < B * N; i++) {
    xhat[i] = centred[i] * c->rstd[i % N];
    c->y[i] = c->scale[i % N] * xhat[i] + c->shift[i % N];
  }
  for (size_t b = 0; b < B; b++)
    for (size_t j = 0; j < N; j++) {
      c->dshift[j] += c->dy[b * N + j];
      c->dscale[j] += c->dy[b * N + j] * xhat[b * N + j];
    }
  const float fb = (float)B;
  for (size_t i = 0; i < B * N; i++) {
    size_t j = i % N;
    c->dx[i] = c->scale[j] * c->rstd[j] * inv_b *
               (fb * c->dy[i] - c->dshift[j] - xhat[i] * c->dscale[j]);
  }
  free(xhat);
  free(centred);
}

Test(batchnorm, a_batch_of_up_to_1024_rows_sums_as_one_plain_loop) {
  static const size_t shapes[][2] = {{100, 1024}, {1024, 300}, {3, 7}};
  cr_assert_eq(par_init(2), 0);
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) {
    Call got = call_new(shapes[s][0], shapes[s][1], 3), want = call_new(shapes[s][0], shapes[s][1], 3);
    call_run(&got);
    plain_loops(&want);
    char what[64];
    snprintf(what, sizeof what, "%zu x %zu", shapes[s][0], shapes[s][1]);
    assert_same(&got, &want, what);
    call_free(&got);
    call_free(&want);
  }
  par_shutdown();
}

Test(batchnorm, many_blocks_stay_within_rounding_of_double_sums) {
  Call c = call_new(20000, 5, 11);
  cr_assert_eq(par_init(2), 0);
  call_run(&c);
  for (size_t j = 0; j < c.n; j++) {
    double mean = 0, var = 0, dshift = 0, dscale = 0;
    for (size_t b = 0; b < c.rows; b++) mean += c.x[b * c.n + j];
    mean /= (double)c.rows;
    for (size_t b = 0; b < c.rows; b++) var += (c.x[b * c.n + j] - mean) * (c.x[b * c.n + j] - mean);
    var /= (double)c.rows;
    for (size_t b = 0; b < c.rows; b++) {
      double h = (c.x[b * c.n + j] - mean) / sqrt(var + BN_EPS);
      dshift += c.dy[b * c.n + j];
      dscale += c.dy[b * c.n + j] * h;
    }
    cr_assert(fabs(c.rstd[j] - 1 / sqrt(var + BN_EPS)) <= 1e-5 / sqrt(var), "rstd %zu", j);
    cr_assert(fabs(c.run_mean[j] - 0.1 * mean) <= 1e-5 * fabs(mean), "run_mean %zu", j);
    cr_assert(fabs(c.dshift[j] - dshift) <= 1e-3, "dshift %zu: %g vs %g", j, c.dshift[j], dshift);
    cr_assert(fabs(c.dscale[j] - dscale) <= 1e-3, "dscale %zu: %g vs %g", j, c.dscale[j], dscale);
  }
  call_free(&c);
  par_shutdown();
}
