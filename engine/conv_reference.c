/* conv_reference.c — the definition of the convolution as nested loops
 * (conv_reference.h). Slow on purpose: nothing is gathered, blocked or
 * reordered, so it shares no code with the kernels it checks. */
#include "engine/conv_reference.h"

#include <math.h>
#include <stddef.h>

/* Input index of output (oh, ow)'s tap (kh, kw) in image b, or -1 for a
 * padded tap. */
static ptrdiff_t tap_input(const ConvGeom *g, size_t b, size_t oh, size_t ow, size_t kh,
                           size_t kw) {
  ptrdiff_t ih = (ptrdiff_t)(oh * g->stride + kh) - (ptrdiff_t)g->pad_top;
  ptrdiff_t iw = (ptrdiff_t)(ow * g->stride + kw) - (ptrdiff_t)g->pad_left;
  if (ih < 0 || iw < 0 || ih >= (ptrdiff_t)g->height || iw >= (ptrdiff_t)g->width) return -1;
  return (((ptrdiff_t)b * (ptrdiff_t)g->height + ih) * (ptrdiff_t)g->width + iw) *
         (ptrdiff_t)g->in_ch;
}

/* A sum of products and the sum of their magnitudes. */
typedef struct {
  double sum, magnitude;
} Terms;

static inline void add_term(Terms *t, float a, float b) {
  double product = (double)a * b;
  t->sum += product;
  t->magnitude += fabs(product);
}

/* out[i] = t's sum, magnitude[i] (when not NULL) = its magnitude. */
static void store(const Terms *t, float *out, float *magnitude, size_t i) {
  out[i] = (float)t->sum;
  if (magnitude) magnitude[i] = (float)t->magnitude;
}

/* Index of output (b, oh, ow)'s channel 0. */
static size_t out_index(const ConvGeom *g, size_t b, size_t oh, size_t ow) {
  return ((b * g->out_height + oh) * g->out_width + ow) * g->out_ch;
}

void conv_reference_forward(const ConvGeom *g, const float *x, const float *w, size_t B,
                            float *y, float *magnitude) {
  size_t k = g->kernel, C = g->in_ch;
  for (size_t b = 0; b < B; b++)
    for (size_t oh = 0; oh < g->out_height; oh++)
      for (size_t ow = 0; ow < g->out_width; ow++)
        for (size_t n = 0; n < g->out_ch; n++) {
          Terms sum = {0, 0};
          for (size_t kh = 0; kh < k; kh++)
            for (size_t kw = 0; kw < k; kw++) {
              ptrdiff_t in = tap_input(g, b, oh, ow, kh, kw);
              if (in < 0) continue;
              const float *wt = w + n * g->taps + (kh * k + kw) * C;
              for (size_t c = 0; c < C; c++) add_term(&sum, x[(size_t)in + c], wt[c]);
            }
          store(&sum, y, magnitude, out_index(g, b, oh, ow) + n);
        }
}

/* The output (oh, ow) whose tap (kh, kw) reads input (ih, iw): 0 and *o set
 * when there is one (ih + pad - kh is a multiple of s inside the output),
 * -1 when none; one axis at a time. */
static int tap_output(size_t i, size_t pad, size_t kh, size_t s, size_t out_len, size_t *o) {
  ptrdiff_t at = (ptrdiff_t)(i + pad) - (ptrdiff_t)kh;
  if (at < 0 || at % (ptrdiff_t)s || (size_t)at / s >= out_len) return -1;
  *o = (size_t)at / s;
  return 0;
}

void conv_reference_backward_input(const ConvGeom *g, const float *dy, const float *w,
                                   size_t B, float *dx, float *magnitude) {
  size_t k = g->kernel, C = g->in_ch;
  for (size_t b = 0; b < B; b++)
    for (size_t ih = 0; ih < g->height; ih++)
      for (size_t iw = 0; iw < g->width; iw++)
        for (size_t c = 0; c < C; c++) {
          Terms sum = {0, 0};
          for (size_t kh = 0; kh < k; kh++)
            for (size_t kw = 0; kw < k; kw++) {
              size_t oh, ow;
              if (tap_output(ih, g->pad_top, kh, g->stride, g->out_height, &oh) ||
                  tap_output(iw, g->pad_left, kw, g->stride, g->out_width, &ow))
                continue;
              for (size_t n = 0; n < g->out_ch; n++)
                add_term(&sum, dy[out_index(g, b, oh, ow) + n],
                         w[n * g->taps + (kh * k + kw) * C + c]);
            }
          store(&sum, dx, magnitude, ((b * g->height + ih) * g->width + iw) * C + c);
        }
}

void conv_reference_backward_weights(const ConvGeom *g, const float *dy, const float *x,
                                     size_t B, float *dw, float *magnitude) {
  size_t k = g->kernel, C = g->in_ch;
  for (size_t n = 0; n < g->out_ch; n++)
    for (size_t kh = 0; kh < k; kh++)
      for (size_t kw = 0; kw < k; kw++)
        for (size_t c = 0; c < C; c++) {
          Terms sum = {0, 0};
          for (size_t b = 0; b < B; b++)
            for (size_t oh = 0; oh < g->out_height; oh++)
              for (size_t ow = 0; ow < g->out_width; ow++) {
                ptrdiff_t in = tap_input(g, b, oh, ow, kh, kw);
                if (in >= 0) add_term(&sum, dy[out_index(g, b, oh, ow) + n], x[(size_t)in + c]);
              }
          store(&sum, dw, magnitude, n * g->taps + (kh * k + kw) * C + c);
        }
}
