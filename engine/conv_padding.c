/* conv_padding.c — the padded-tap correction of the binary convolution
 * (conv_padding.h): classes of clipped output rows and columns, the table of
 * their corrections, and its addition to bgemm's output. */
#include "engine/conv_padding.h"

#include <string.h>

#include "engine/bitpack.h"
#include "engine/conv_im2col.h"

static size_t round64(size_t bytes) { return (bytes + 63) / 64 * 64; }

/* Whether output index o of an axis (input length `in`, zeros `before`)
 * loses kernel taps to the padding. */
static int axis_clipped(size_t o, size_t s, size_t before, size_t k, size_t in) {
  return o * s < before || o * s - before + k > in;
}

static int has_padding(const ConvGeom *g) {
  return g->pad_top || g->pad_left || g->pad_bottom || g->pad_right;
}

/* Where each piece lives in the space, in bytes from its start. */
typedef struct {
  size_t row_classes, col_classes;
  size_t sums, row_class, col_class, row_rep, col_rep, table, total;
} Layout;

static Layout layout(const ConvGeom *g) {
  size_t Ho = g->out_height, Wo = g->out_width, s = g->stride, k = g->kernel;
  Layout l = {.row_classes = 1, .col_classes = 1};
  for (size_t o = 0; o < Ho; o++)
    l.row_classes += (size_t)axis_clipped(o, s, g->pad_top, k, g->height);
  for (size_t o = 0; o < Wo; o++)
    l.col_classes += (size_t)axis_clipped(o, s, g->pad_left, k, g->width);
  l.row_class = l.sums + round64(k * k * g->out_ch * sizeof(int32_t));
  l.col_class = l.row_class + round64(Ho * sizeof(uint32_t));
  l.row_rep = l.col_class + round64(Wo * sizeof(uint32_t));
  l.col_rep = l.row_rep + round64(l.row_classes * sizeof(uint32_t));
  l.table = l.col_rep + round64(l.col_classes * sizeof(uint32_t));
  l.total = l.table + round64(l.row_classes * l.col_classes * g->out_ch * sizeof(float));
  return l;
}

size_t conv_padfix_bytes(const ConvGeom *g) { return has_padding(g) ? layout(g).total : 0; }

/* cls[o] = 0 for the unclipped indices of an axis, 1, 2, ... for the clipped
 * ones in order; rep[c] = an index of class c (class 0 may have none). */
static void axis_classes(size_t out, size_t s, size_t before, size_t k, size_t in, uint32_t *cls,
                         uint32_t *rep) {
  uint32_t next = 1;
  rep[0] = UINT32_MAX;
  for (size_t o = 0; o < out; o++) {
    cls[o] = axis_clipped(o, s, before, k, in) ? next++ : 0;
    rep[cls[o]] = (uint32_t)o;
  }
}

/* sums[t][n] = sum_c w[n][t][c] = 2 popcount - C over the C bits of tap t of
 * row n of wbits. */
static void tap_sums(const ConvGeom *g, const uint64_t *wbits, int32_t *sums) {
  size_t C = g->in_ch, N = g->out_ch, taps = g->kernel * g->kernel, words = bits_words(g->taps);
  for (size_t n = 0; n < N; n++)
    for (size_t t = 0; t < taps; t++) {
      size_t ones = 0;
      for (size_t c = 0; c < C; c += 64)
        ones += (size_t)__builtin_popcountll(
            conv_get_bits(wbits + n * words, t * C + c, C - c < 64 ? C - c : 64));
      sums[t * N + n] = 2 * (int32_t)ones - (int32_t)C;
    }
}

/* fix (N) = the sum of sums[t] over the taps t outside window w. */
static void window_fix(const ConvGeom *g, const int32_t *sums, const ConvWindow *w, float *fix) {
  size_t k = g->kernel, N = g->out_ch;
  memset(fix, 0, N * sizeof *fix);
  for (size_t kh = 0; kh < k; kh++)
    for (size_t kw = 0; kw < k; kw++) {
      if (kh >= w->kh0 && kh < w->kh1 && kw >= w->kw0 && kw < w->kw1) continue;
      const int32_t *tap = sums + (kh * k + kw) * N;
      for (size_t n = 0; n < N; n++) fix[n] += (float)tap[n];
    }
}

ConvPadFix conv_padfix_prepare(const ConvGeom *g, const uint64_t *wbits, void *space) {
  Layout l = layout(g);
  char *base = space;
  int32_t *sums = (int32_t *)(base + l.sums);
  uint32_t *row_class = (uint32_t *)(base + l.row_class);
  uint32_t *col_class = (uint32_t *)(base + l.col_class);
  uint32_t *row_rep = (uint32_t *)(base + l.row_rep), *col_rep = (uint32_t *)(base + l.col_rep);
  float *table = (float *)(base + l.table);
  size_t k = g->kernel, N = g->out_ch;
  axis_classes(g->out_height, g->stride, g->pad_top, k, g->height, row_class, row_rep);
  axis_classes(g->out_width, g->stride, g->pad_left, k, g->width, col_class, col_rep);
  tap_sums(g, wbits, sums);
  for (size_t r = 0; r < l.row_classes; r++)
    for (size_t c = 0; c < l.col_classes; c++) {
      if ((r == 0 && c == 0) || row_rep[r] == UINT32_MAX || col_rep[c] == UINT32_MAX) continue;
      ConvWindow w = conv_window(g, (ConvPosition){0, row_rep[r], col_rep[c]});
      window_fix(g, sums, &w, table + (r * l.col_classes + c) * N);
    }
  return (ConvPadFix){row_class, col_class, l.col_classes, table};
}

void conv_padfix_apply(const ConvGeom *g, const ConvPadFix *fix, size_t p0, size_t p1, float *y) {
  size_t N = g->out_ch;
  ConvPosition q = conv_position(g, p0);
  for (size_t p = p0; p < p1; p++, conv_next_position(g, &q)) {
    size_t r = fix->row_class[q.oh], c = fix->col_class[q.ow];
    if (r == 0 && c == 0) continue;
    const float *add = fix->table + (r * fix->col_classes + c) * N;
    float *row = y + (p - p0) * N;
    for (size_t n = 0; n < N; n++) row[n] += add[n];
  }
}
