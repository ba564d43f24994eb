/* conv_geom.c — see conv_geom.h. */
#include "engine/conv_geom.h"

#include <stdio.h>
#include <string.h>

#include "engine/error.h"

/* One axis: the output length and the zeros before and after (conv_geom.h). */
static void axis_geometry(size_t in, size_t k, size_t s, ConvPadding padding, size_t *out,
                          size_t *before, size_t *after) {
  if (padding == CONV_VALID) {
    *out = (in - k) / s + 1;
    *before = *after = 0;
    return;
  }
  *out = (in + s - 1) / s;
  size_t span = (*out - 1) * s + k, total = span > in ? span - in : 0;
  *before = total / 2;
  *after = total - total / 2;
}

int conv_geom_init(ConvGeom *g, size_t H, size_t W, size_t C, size_t N, size_t k, size_t s,
                   ConvPadding padding, char *err, size_t errlen) {
  memset(g, 0, sizeof *g);
  if (!H || !W || !C || !N || !k || !s) {
    snprintf(err, errlen, "convolution: every size must be at least 1 (H %zu, W %zu, C %zu, "
             "N %zu, k %zu, s %zu)", H, W, C, N, k, s);
    return ERR_USAGE;
  }
  if (padding == CONV_VALID && (k > H || k > W)) {
    snprintf(err, errlen, "convolution: a %zux%zu kernel with valid padding needs an input of "
             "at least %zux%zu, not %zux%zu", k, k, k, k, H, W);
    return ERR_USAGE;
  }
  if (k >= 4096 || C >= CONV_MAX_TAPS || k * k * C >= CONV_MAX_TAPS) {
    snprintf(err, errlen, "convolution: %zux%zu kernels over %zu channels exceed %zu inputs per "
             "output", k, k, C, CONV_MAX_TAPS - 1);
    return ERR_USAGE;
  }
  *g = (ConvGeom){.height = H, .width = W, .in_ch = C, .out_ch = N, .kernel = k, .stride = s,
                  .padding = padding, .taps = k * k * C};
  axis_geometry(H, k, s, padding, &g->out_height, &g->pad_top, &g->pad_bottom);
  axis_geometry(W, k, s, padding, &g->out_width, &g->pad_left, &g->pad_right);
  return 0;
}
