/* test_pool.c — the pooling layers (pool.h): worked examples on odd shapes
 * (ties, NaN, the unread last row and column), and each backward pass as the
 * adjoint of its forward on random shapes. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/pool.h"
#include "engine/rng.h"

/* One image of 3 x 5 pixels, 2 channels (x[h][w][c]): 2x2 windows at
 * columns 0-1 and 2-3; row 2 and column 4 are not read. */
static const float image[3][5][2] = {
    {{1, 7}, {4, -1}, {2, 2}, {NAN, -3}, {99, 99}},
    {{4, 7}, {3, 0}, {NAN, 2}, {5, -3}, {99, 99}},
    {{99, 99}, {99, 99}, {99, 99}, {99, 99}, {99, 99}}};

Test(pool, max_picks_the_first_of_ties_and_nan) {
  float y[2][2];
  uint8_t arg[2][2];
  maxpool2_forward(&image[0][0][0], 1, 3, 5, 2, &y[0][0], &arg[0][0]);
  /* window 0: channel 0 {1, 4, 4, 3} -> 4 at 1 (tie with 2); channel 1 {7, -1, 7, 0} -> 7 at 0
   * window 1: channel 0 {2, NaN, NaN, 5} -> the NaN at 1; channel 1 {2, -3, 2, -3} -> 2 at 0 */
  cr_assert(y[0][0] == 4 && arg[0][0] == 1, "%g at %d", y[0][0], arg[0][0]);
  cr_assert(y[0][1] == 7 && arg[0][1] == 0, "%g at %d", y[0][1], arg[0][1]);
  cr_assert(isnan(y[1][0]) && arg[1][0] == 1, "%g at %d", y[1][0], arg[1][0]);
  cr_assert(y[1][1] == 2 && arg[1][1] == 0, "%g at %d", y[1][1], arg[1][1]);

  const float dy[2][2] = {{10, 20}, {30, 40}};
  float dx[3][5][2];
  memset(dx, 0x7f, sizeof dx);
  maxpool2_backward(&dy[0][0], &arg[0][0], 1, 3, 5, 2, &dx[0][0][0]);
  float want[3][5][2] = {{{0}}};
  want[0][1][0] = 10; /* window 0, channel 0, input 1 */
  want[0][0][1] = 20;
  want[0][3][0] = 30;
  want[0][2][1] = 40;
  cr_assert(memcmp(dx, want, sizeof dx) == 0);
}

Test(pool, average_of_each_window_and_its_gradient) {
  const float x[3][5][1] = {{{1}, {2}, {3}, {5}, {9}}, {{4}, {8}, {-1}, {1}, {9}},
                            {{9}, {9}, {9}, {9}, {9}}};
  float y[2];
  avgpool2_forward(&x[0][0][0], 1, 3, 5, 1, y);
  cr_assert(y[0] == 3.75f && y[1] == 2.0f, "%g %g", y[0], y[1]);
  const float dy[2] = {4, -8};
  float dx[3][5];
  memset(dx, 0x7f, sizeof dx);
  avgpool2_backward(dy, 1, 3, 5, 1, &dx[0][0]);
  const float want[3][5] = {{1, 1, -2, -2, 0}, {1, 1, -2, -2, 0}, {0, 0, 0, 0, 0}};
  cr_assert(memcmp(dx, want, sizeof dx) == 0);
}

Test(pool, global_average_per_image_and_channel) {
  const float x[2][3][2] = {{{1, 10}, {2, 20}, {6, 60}}, {{-3, 0}, {3, 0}, {9, 3}}};
  float y[2][2];
  global_avgpool_forward(&x[0][0][0], 2, 1, 3, 2, &y[0][0]);
  cr_assert(y[0][0] == 3 && y[0][1] == 30 && y[1][0] == 3 && y[1][1] == 1);
  const float dy[2][2] = {{3, -6}, {0, 1.5f}};
  float dx[2][3][2];
  global_avgpool_backward(&dy[0][0], 2, 1, 3, 2, &dx[0][0][0]);
  for (int px = 0; px < 3; px++)
    cr_assert(dx[0][px][0] == 1 && dx[0][px][1] == -2 && dx[1][px][0] == 0 &&
              dx[1][px][1] == 0.5f, "pixel %d", px);
}

/* sum a b, and in *magnitude sum |a b|. */
static double dot(const float *a, const float *b, size_t count, double *magnitude) {
  double sum = 0.0, size = 0.0;
  for (size_t i = 0; i < count; i++) {
    sum += (double)a[i] * b[i];
    size += fabs((double)a[i] * b[i]);
  }
  if (magnitude) *magnitude = size;
  return sum;
}

static float *normals(Rng *r, size_t count) {
  float *x = malloc(count * sizeof *x);
  for (size_t i = 0; i < count; i++) x[i] = (float)rng_normal(r);
  return x;
}

/* <dy, pool(x)> = <pool_backward(dy), x>: up to the float rounding of the
 * outputs, 1e-6 of the terms' magnitudes (for max pooling the products are
 * the same ones, summed in another order). */
static void assert_adjoint(const float *dx, const float *x, size_t in, const float *dy,
                           const float *y, size_t out, const char *what, size_t shape) {
  double size, want = dot(dy, y, out, &size), got = dot(dx, x, in, NULL);
  cr_assert(fabs(got - want) <= 1e-6 * size, "%s, shape %zu: %.17g, want %.17g", what, shape,
            got, want);
}

Test(pool, backward_passes_are_adjoints) {
  static const size_t shapes[][4] = {{1, 2, 2, 1}, {3, 5, 7, 3}, {2, 28, 28, 65}, {1, 9, 4, 130}};
  Rng r;
  rng_seed(&r, 5, 0);
  for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
    size_t B = shapes[i][0], H = shapes[i][1], W = shapes[i][2], C = shapes[i][3];
    size_t in = B * H * W * C, out = B * (H / 2) * (W / 2) * C;
    float *x = normals(&r, in), *dy = normals(&r, out), *gdy = normals(&r, B * C);
    float *y = malloc(out * sizeof *y), *dx = malloc(in * sizeof *dx);
    float *g = malloc(B * C * sizeof *g);
    uint8_t *arg = malloc(out);
    maxpool2_forward(x, B, H, W, C, y, arg);
    memset(dx, 0x7f, in * sizeof *dx); /* each pass must write every input */
    maxpool2_backward(dy, arg, B, H, W, C, dx);
    assert_adjoint(dx, x, in, dy, y, out, "max", i);
    avgpool2_forward(x, B, H, W, C, y);
    memset(dx, 0x7f, in * sizeof *dx);
    avgpool2_backward(dy, B, H, W, C, dx);
    assert_adjoint(dx, x, in, dy, y, out, "average", i);
    global_avgpool_forward(x, B, H, W, C, g);
    memset(dx, 0x7f, in * sizeof *dx);
    global_avgpool_backward(gdy, B, H, W, C, dx);
    assert_adjoint(dx, x, in, gdy, g, B * C, "global", i);
    free(x);
    free(dy);
    free(gdy);
    free(y);
    free(dx);
    free(arg);
    free(g);
  }
}
