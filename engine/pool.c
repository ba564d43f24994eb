/* pool.c — 2x2 max and average pooling and global average pooling (pool.h).
 * Plain loops over windows with the channels innermost (contiguous in NHWC),
 * the images of a large call split over the thread pool. */
#include "engine/pool.h"

#include <math.h>
#include <string.h>

#include "engine/kernels.h"
#include "engine/parallel.h"

/* One 2x2 pooling call: its operands and shape. */
typedef struct {
  const float *in;   /* x, or dy for the backward passes */
  float *out;        /* y, or dx */
  uint8_t *arg_out;  /* max pooling's winners, written forward */
  const uint8_t *arg_in; /* and read backward */
  size_t B, H, W, C;
} Pool2;

/* Below this many input values a 2x2 pooling runs on the calling thread;
 * above, images are split over the pool (each window is computed alone). */
#define MIN_PARALLEL_VALUES ((size_t)1 << 17)

typedef void (*WindowFn)(Pool2 *p, const size_t at[4], size_t out);
typedef struct {
  Pool2 *p;
  WindowFn fn;
} WindowJob;

/* fn for each window of images [b0, b1), with the offsets of its four
 * inputs' channel 0 (in x or dx) and of its output's channel 0 (in y or dy). */
static void windows_of_images(void *ctx, size_t b0, size_t b1) {
  const WindowJob *j = ctx;
  Pool2 *p = j->p;
  size_t Ho = p->H / 2, Wo = p->W / 2, C = p->C, row = p->W * C;
  for (size_t b = b0; b < b1; b++)
    for (size_t oh = 0; oh < Ho; oh++)
      for (size_t ow = 0; ow < Wo; ow++) {
        size_t top = ((b * p->H + 2 * oh) * p->W + 2 * ow) * C;
        size_t at[4] = {top, top + C, top + row, top + row + C};
        j->fn(p, at, ((b * Ho + oh) * Wo + ow) * C);
      }
}

static void each_window(Pool2 *p, WindowFn fn) {
  WindowJob j = {p, fn};
  if (p->B * p->H * p->W * p->C < MIN_PARALLEL_VALUES) windows_of_images(&j, 0, p->B);
  else par_for(p->B, 1, windows_of_images, &j);
}

/* Each window's first largest of the four, or the first NaN: the active
 * variant's loop (layer_loops.h), compiled for its instruction set. */
void maxpool2_row(const float *x, size_t W, size_t C, float *y, uint8_t *arg) {
  const KernelTable *k = kernels();
  const float *below = x + W * C;
  for (size_t ow = 0; ow < W / 2; ow++)
    k->max_window(x + 2 * ow * C, x + (2 * ow + 1) * C, below + 2 * ow * C,
                  below + (2 * ow + 1) * C, C, y + ow * C, arg + ow * C);
}

/* Images [b0, b1) a row of windows at a time. */
static void maxpool_images(void *ctx, size_t b0, size_t b1) {
  const Pool2 *p = ctx;
  size_t Ho = p->H / 2, Wo = p->W / 2, C = p->C;
  for (size_t b = b0; b < b1; b++)
    for (size_t oh = 0; oh < Ho; oh++) {
      size_t out = (b * Ho + oh) * Wo * C;
      maxpool2_row(p->in + (b * p->H + 2 * oh) * p->W * C, p->W, C, p->out + out,
                   p->arg_out + out);
    }
}

void maxpool2_forward(const float *x, size_t B, size_t H, size_t W, size_t C, float *y,
                      uint8_t *arg) {
  Pool2 p = {x, y, arg, NULL, B, H, W, C};
  if (B * H * W * C < MIN_PARALLEL_VALUES) maxpool_images(&p, 0, B);
  else par_for(B, 1, maxpool_images, &p);
}

/* dy goes to the window's winner, 0 to the three others (the active
 * variant's loop): every input of a window is written, so dx needs no
 * zeroing first. */
static void max_window_backward(Pool2 *p, const size_t at[4], size_t out) {
  float *dx = p->out;
  kernels()->max_window_backward(p->in + out, p->arg_in + out, p->C, dx + at[0], dx + at[1],
                                 dx + at[2], dx + at[3]);
}

void maxpool2_backward(const float *dy, const uint8_t *arg, size_t B, size_t H, size_t W,
                       size_t C, float *dx) {
  Pool2 p = {dy, dx, NULL, arg, B, H, W, C};
  if (H % 2 || W % 2) memset(dx, 0, B * H * W * C * sizeof *dx); /* the unread row / column */
  each_window(&p, max_window_backward);
}

static void avg_window(Pool2 *p, const size_t at[4], size_t out) {
  const float *x = p->in;
  for (size_t c = 0; c < p->C; c++)
    p->out[out + c] = ((x[at[0] + c] + x[at[1] + c]) + (x[at[2] + c] + x[at[3] + c])) * 0.25f;
}

void avgpool2_forward(const float *x, size_t B, size_t H, size_t W, size_t C, float *y) {
  Pool2 p = {x, y, NULL, NULL, B, H, W, C};
  each_window(&p, avg_window);
}

static void avg_window_backward(Pool2 *p, const size_t at[4], size_t out) {
  for (int i = 0; i < 4; i++)
    for (size_t c = 0; c < p->C; c++) p->out[at[i] + c] = p->in[out + c] * 0.25f;
}

void avgpool2_backward(const float *dy, size_t B, size_t H, size_t W, size_t C, float *dx) {
  Pool2 p = {dy, dx, NULL, NULL, B, H, W, C};
  if (H % 2 || W % 2) memset(dx, 0, B * H * W * C * sizeof *dx); /* the unread row / column */
  each_window(&p, avg_window_backward);
}

void global_avgpool_forward(const float *x, size_t B, size_t H, size_t W, size_t C, float *y) {
  const float inv = 1.0f / (float)(H * W);
  for (size_t b = 0; b < B; b++) {
    float *yb = y + b * C;
    memset(yb, 0, C * sizeof *yb);
    for (size_t px = 0; px < H * W; px++)
      for (size_t c = 0; c < C; c++) yb[c] += x[(b * H * W + px) * C + c];
    for (size_t c = 0; c < C; c++) yb[c] *= inv;
  }
}

void global_avgpool_backward(const float *dy, size_t B, size_t H, size_t W, size_t C, float *dx) {
  const float inv = 1.0f / (float)(H * W);
  for (size_t b = 0; b < B; b++)
    for (size_t px = 0; px < H * W; px++)
      for (size_t c = 0; c < C; c++) dx[(b * H * W + px) * C + c] = dy[b * C + c] * inv;
}
