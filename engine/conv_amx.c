/* conv_amx.c — a stride-1 convolution's input gradient on AMX tiles
 * (conv_amx.h has the math). */
#include "engine/conv_amx.h"

#include <string.h>

#include "engine/amx_tiles.h"

/* w (N x k x k x C floats) as B tiles: panel p (channels c from 16 p), step
 * s = (kh k + kw) Np / 32 + chunk, at tiles + (p steps + s) TILE_ELEMS; row q
 * pairs n = 32 chunk + 2 q and n + 1, column j is c = 16 p + j; zeros where
 * n >= N or c >= C. */
static void pack_weights(const ConvGeom *g, const ConvAmxShape *s, const float *w,
                         uint16_t *tiles) {
  const size_t N = g->out_ch, C = g->in_ch, K = g->taps, chunks = s->np / 32;
  const __m512 zero = _mm512_setzero_ps();
  for (size_t tap = 0; tap < g->kernel * g->kernel; tap++)
    for (size_t chunk = 0; chunk < chunks; chunk++)
      for (size_t p = 0; p < s->panels; p++) {
        size_t c0 = p * TILE_N, cols = valid16(C, c0), step = tap * chunks + chunk;
        uint16_t *tile = tiles + (p * s->steps + step) * TILE_ELEMS;
        for (size_t q = 0; q < TILE_K / 2; q++) {
          size_t n = chunk * TILE_K + 2 * q;
          const float *row = w + tap * C + c0;
          __m512 lo = n < N ? load16(row + n * K, cols) : zero;
          __m512 hi = n + 1 < N ? load16(row + (n + 1) * K, cols) : zero;
          _mm512_store_si512(tile + q * TILE_K, round32_paired(lo, hi));
        }
      }
}

/* Image b of dy (Ho x Wo x N) rounded into the zero-bordered copy. */
static void copy_image(const ConvGeom *g, const ConvAmxShape *s, const float *dy,
                       uint16_t *copy) {
  const size_t N = g->out_ch, Ho = g->out_height, Wo = g->out_width;
  memset(copy, 0, s->pixels * s->np * sizeof *copy);
  for (size_t oh = 0; oh < Ho; oh++)
    for (size_t ow = 0; ow < Wo; ow++) {
      const float *src = dy + (oh * Wo + ow) * N;
      uint16_t *dst = copy + ((oh + s->top) * s->wp + ow + s->left) * s->np;
      for (size_t n = 0; n < N; n += 32)
        _mm512_storeu_si512(dst + n, round32(load16(src + n, valid16(N, n)),
                                             load16(src + n + 16, valid16(N, n + 16))));
    }
}

/* Where the outputs of one image go: C tile rows q = m0 .. m0 + 15 of the
 * padded grid, columns c0 .. c0 + 15, through the tile buffer `edge`. */
typedef struct {
  const ConvGeom *g;
  const ConvAmxShape *s;
  float *dx; /* the image's H x W x C */
  float *edge;
} Out;

/* Copies the edge tile's rows that are pixels of dx (j < W) to dx. */
static void copy_out(const Out *o, size_t m0, size_t c0) {
  const size_t W = o->g->width, C = o->g->in_ch, last = o->g->height * o->s->wp;
  __mmask16 cols = first_lanes(valid16(C, c0));
  size_t i = m0 / o->s->wp, j = m0 % o->s->wp;
  for (size_t r = 0; r < TILE_M && m0 + r < last; r++) {
    if (j < W)
      _mm512_mask_storeu_ps(o->dx + (i * W + j) * C + c0, cols,
                            _mm512_load_ps(o->edge + r * TILE_N));
    if (++j == o->s->wp) j = 0, i++;
  }
}

/* Stores accumulator t (a constant) as C tile (m0, c0). */
#define STORE_TILE(t, o, m0, c0)                            \
  do {                                                      \
    _tile_stored(t, (o)->edge, TILE_N * sizeof(float));     \
    copy_out(o, m0, c0);                                    \
  } while (0)

/* Output tiles mt, mt + 1 (two_m) by panels p, p + 1 (two_n) over every
 * step: accumulators 0 (mt, p), 1 (mt, p + 1), 2 (mt + 1, p), 3 (mt + 1,
 * p + 1); A tiles (from the copy) in 4 and 5, B tiles in 6 and 7. */
static void tile_block(const Out *o, const uint16_t *copy, const uint16_t *tiles, size_t mt,
                       size_t p, int two_m, int two_n) {
  const ConvAmxShape *s = o->s;
  const size_t k = o->g->kernel, chunks = s->np / 32, stride = s->np * sizeof *copy;
  const uint16_t *a = copy + mt * TILE_M * s->np, *b0 = tiles + p * s->steps * TILE_ELEMS;
  const uint16_t *b1 = b0 + s->steps * TILE_ELEMS;
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (size_t step = 0; step < s->steps; step++) {
    size_t tap = step / chunks, kh = tap / k, kw = tap % k;
    const uint16_t *a0 =
        a + ((k - 1 - kh) * s->wp + (k - 1 - kw)) * s->np + step % chunks * TILE_K;
    _tile_loadd(4, a0, stride);
    _tile_loadd(6, b0 + step * TILE_ELEMS, TILE_STRIDE);
    _tile_dpbf16ps(0, 4, 6);
    if (two_n) {
      _tile_loadd(7, b1 + step * TILE_ELEMS, TILE_STRIDE);
      _tile_dpbf16ps(1, 4, 7);
    }
    if (two_m) {
      _tile_loadd(5, a0 + TILE_M * s->np, stride);
      _tile_dpbf16ps(2, 5, 6);
      if (two_n) _tile_dpbf16ps(3, 5, 7);
    }
  }
  size_t m0 = mt * TILE_M, c0 = p * TILE_N;
  STORE_TILE(0, o, m0, c0);
  if (two_n) STORE_TILE(1, o, m0, c0 + TILE_N);
  if (two_m) STORE_TILE(2, o, m0 + TILE_M, c0);
  if (two_m && two_n) STORE_TILE(3, o, m0 + TILE_M, c0 + TILE_N);
}

void conv_amx_backward_input(const ConvGeom *g, const float *dy, const float *w, size_t b0,
                             size_t b1, float *dx, void *scratch) {
  const ConvAmxShape s = conv_amx_shape(g);
  uint16_t *copy = scratch;
  uint16_t *tiles = copy + (s.pixels * s.np * 2 + 63) / 64 * 32;
  float *edge = (float *)(tiles + s.steps * s.panels * TILE_ELEMS);
  const size_t dy_image = g->out_height * g->out_width * g->out_ch;
  const size_t dx_image = g->height * g->width * g->in_ch;
  pack_weights(g, &s, w, tiles);
  tiles_configure();
  for (size_t b = b0; b < b1; b++) {
    copy_image(g, &s, dy + b * dy_image, copy);
    Out o = {g, &s, dx + b * dx_image, edge};
    for (size_t mt = 0; mt < s.tiles; mt += 2)
      for (size_t p = 0; p < s.panels; p += 2)
        tile_block(&o, copy, tiles, mt, p, mt + 1 < s.tiles, p + 1 < s.panels);
  }
  _tile_release();
}
