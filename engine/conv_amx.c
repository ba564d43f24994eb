/* conv_amx.c — a stride-1 convolution's gradients on AMX tiles
 * (conv_amx.h has the math). */
#include "engine/conv_amx.h"

#include <string.h>

#include "engine/amx_tiles.h"
#include "engine/bitpack.h"

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

/* One pixel (oh, ow) of image b's dy as copy_image reads it: its N floats,
 * or below max pooling the window's pooled N floats and winners with the
 * number (0..3) of the pixel in its window; neither (values NULL: zeros) in
 * an unread last row or column. */
typedef struct {
  const float *values;
  const uint8_t *arg;
  int place;
} DyPixel;

static DyPixel dy_pixel(const ConvGeom *g, const ConvAmxBackward *a, size_t b, size_t oh,
                        size_t ow) {
  const size_t Ho = g->out_height, Wo = g->out_width, N = g->out_ch;
  if (!a->pool_arg) return (DyPixel){a->dy + ((b * Ho + oh) * Wo + ow) * N, NULL, 0};
  size_t ph = oh / 2, pw = ow / 2, Hp = Ho / 2, Wp = Wo / 2;
  if (ph == Hp || pw == Wp) return (DyPixel){NULL, NULL, 0};
  size_t window = ((b * Hp + ph) * Wp + pw) * N;
  return (DyPixel){a->dy + window, a->pool_arg + window, (int)(oh % 2 * 2 + ow % 2)};
}

/* Channels n .. n + 15 of pixel p (zeros from N on): the pooled value where
 * the pixel won its window, 0 where it did not (maxpool2_backward's dx). */
static __m512 dy16(const DyPixel *p, size_t N, size_t n) {
  size_t count = valid16(N, n);
  if (!p->values) return _mm512_setzero_ps();
  __m512 v = load16(p->values + n, count);
  if (!p->arg) return v;
  __m512i won = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(first_lanes(count), p->arg + n));
  return _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(won, _mm512_set1_epi32(p->place)), v);
}

/* Image b of dy (Ho x Wo x N) rounded into the zero-bordered copy: zeros
 * written only around dy's pixels (whole rows above and below, the columns
 * left and right), each pixel of the grid written once. The pixels past the
 * grid feed only outputs that are dropped (q >= H Wp), so they are left as
 * they are. */
static void copy_image(const ConvGeom *g, const ConvAmxShape *s, const ConvAmxBackward *a,
                       size_t b, uint16_t *copy) {
  const size_t N = g->out_ch, Ho = g->out_height, Wo = g->out_width, px = s->np * sizeof *copy;
  for (size_t r = 0; r < s->hp; r++) {
    uint16_t *row = copy + r * s->wp * s->np;
    if (r < s->top || r >= s->top + Ho) {
      memset(row, 0, s->wp * px);
      continue;
    }
    memset(row, 0, s->left * px);
    memset(row + (s->left + Wo) * s->np, 0, (s->wp - s->left - Wo) * px);
  }
  for (size_t oh = 0; oh < Ho; oh++)
    for (size_t ow = 0; ow < Wo; ow++) {
      DyPixel p = dy_pixel(g, a, b, oh, ow);
      uint16_t *dst = copy + ((oh + s->top) * s->wp + ow + s->left) * s->np;
      for (size_t n = 0; n < N; n += 32)
        _mm512_storeu_si512(dst + n, round32(dy16(&p, N, n), dy16(&p, N, n + 16)));
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

/* One image's dx from its copy (the weights packed in tiles). */
static void image_input_gradient(const Out *o, const uint16_t *copy, const uint16_t *tiles) {
  for (size_t mt = 0; mt < o->s->tiles; mt += 2)
    for (size_t p = 0; p < o->s->panels; p += 2)
      tile_block(o, copy, tiles, mt, p, mt + 1 < o->s->tiles, p + 1 < o->s->panels);
}

/* Image b's input: its floats, or the bits of its sign (NULL). */
typedef struct {
  const float *x;
  const uint64_t *bits;
  size_t b;
} GridInput;

/* One pixel of the padded grid: its C floats, or its bits' row and first
 * bit, or neither outside the image. */
typedef struct {
  const float *values;
  const uint64_t *row;
  size_t bit;
} GridPixel;

static GridPixel grid_pixel(const ConvGeom *g, const GridInput *in, size_t row, size_t col) {
  size_t ih = row - g->pad_top, iw = col - g->pad_left; /* wraps above and left of x */
  GridPixel p = {NULL, NULL, 0};
  if (ih >= g->height || iw >= g->width) return p;
  size_t image_row = in->b * g->height + ih;
  if (in->bits) {
    p.row = in->bits + image_row * bits_words(g->width * g->in_ch);
    p.bit = iw * g->in_ch;
  } else p.values = in->x + (image_row * g->width + iw) * g->in_ch;
  return p;
}

/* Channels c .. c + 15 of pixel p as floats (+-1 from a bit set or clear;
 * c is a multiple of 16, so the 16 bits lie in one word). */
static __m512 pixel16(const GridPixel *p, size_t c) {
  if (p->values) return _mm512_loadu_ps(p->values + c);
  if (!p->row) return _mm512_setzero_ps();
  size_t bit = p->bit + c;
  __mmask16 plus = (__mmask16)(p->row[bit / 64] >> bit % 64);
  return _mm512_mask_blend_ps(plus, _mm512_set1_ps(-1.0f), _mm512_set1_ps(1.0f));
}

/* The copies of image b's grid in pairs: pair r of `from` (0 even, 1 odd)
 * holds, as u32 c, pixels 2 r + from and 2 r + from + 1 of channel c. The
 * grid is walked once, pixel p and p + 1 making pair p / 2 of copy p % 2. */
static void copy_pairs(const ConvGeom *g, const ConvAmxWeights *s, const GridInput *in,
                       uint16_t *even, uint16_t *odd) {
  const size_t C = g->in_ch;
  size_t row = 0, col = 0;
  GridPixel lo = grid_pixel(g, in, row, col);
  for (size_t p = 0; p < 2 * s->pairs; p++) {
    if (++col == s->wp) col = 0, row++;
    GridPixel hi = grid_pixel(g, in, row, col);
    uint16_t *pair = (p % 2 ? odd : even) + 2 * (p / 2 * C);
    for (size_t c = 0; c < C; c += 16)
      _mm512_store_si512(pair + 2 * c, round32_paired(pixel16(&lo, c), pixel16(&hi, c)));
    lo = hi;
  }
}

/* dy^T of one image (Ho x Wo x N) from its bf16 copy (c: the copy's shape)
 * into N rows of Q bf16: row n holds dy[i][j][n] at q = i Wp + j, 0 where
 * j >= Wo or q >= Ho Wp. Per 32 q and 16 n, pairs of q are put side by side
 * and the 16 x 16 pairs transposed. */
static void transpose_copy(const ConvGeom *g, const ConvAmxShape *c, const ConvAmxWeights *s,
                           const uint16_t *copy, uint16_t *dyt) {
  const size_t N = g->out_ch, Ho = g->out_height, Wo = g->out_width;
  const uint16_t *rows[32];
  size_t i = 0, j = 0;
  for (size_t q0 = 0; q0 < s->q; q0 += 32) {
    for (size_t t = 0; t < 32; t++) { /* the copy's pixel of q0 + t, or NULL */
      rows[t] = i < Ho && j < Wo ? copy + ((i + c->top) * c->wp + j + c->left) * c->np : NULL;
      if (++j == s->wp) j = 0, i++;
    }
    for (size_t n0 = 0; n0 < N; n0 += 16) {
      __m512i pairs[16]; /* pairs[t] u32 n: dy of q0 + 2 t and q0 + 2 t + 1 at n0 + n */
      for (size_t t = 0; t < 16; t++) {
        const uint16_t *lo = rows[2 * t], *hi = rows[2 * t + 1];
        __m256i l = lo ? _mm256_loadu_si256((const __m256i *)(lo + n0)) : _mm256_setzero_si256();
        __m256i h = hi ? _mm256_loadu_si256((const __m256i *)(hi + n0)) : _mm256_setzero_si256();
        pairs[t] = pair_halves(_mm512_inserti64x4(_mm512_castsi256_si512(l), h, 1));
      }
      transpose16(pairs);
      for (size_t n = 0; n < 16; n++) _mm512_store_si512(dyt + (n0 + n) * s->q + q0, pairs[n]);
    }
  }
}

/* Adds one image's dy^T . X_tap into the sum's tiles (n panels np, np + 1,
 * channel panels cp, cp + 1 (two_c) of tap (kh, kw)), or sets them (first):
 * accumulators 0 (np, cp), 1 (np, cp + 1), 2 (np + 1, cp), 3 (np + 1,
 * cp + 1); A tiles (dy^T) in 4 and 5, B tiles (pairs) in 6 and 7. */
static void weight_block(const ConvGeom *g, const ConvAmxWeights *s, const uint16_t *dyt,
                         const uint16_t *even, const uint16_t *odd, size_t np, int two_n,
                         size_t tap, size_t cp, int two_c, int first, float *sum) {
  const size_t C = g->in_ch, K = g->taps, k = g->kernel, ldc = K * sizeof(float);
  const size_t off = tap / k * s->wp + tap % k, a_stride = s->q * 2, b_stride = C * 4;
  float *c0 = sum + np * 16 * K + tap * C + cp * 16, *c1 = c0 + 16, *c2 = c0 + 16 * K;
  float *c3 = c2 + 16;
  if (first) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  } else {
    _tile_loadd(0, c0, ldc);
    if (two_c) _tile_loadd(1, c1, ldc);
    if (two_n) _tile_loadd(2, c2, ldc);
    if (two_n && two_c) _tile_loadd(3, c3, ldc);
  }
  const uint16_t *a0 = dyt + np * 16 * s->q, *a1 = a0 + 16 * s->q;
  for (size_t step = 0; step < s->steps; step++) {
    size_t start = step * 32 + off; /* the pixel of the tile's first pair */
    const uint16_t *b = (start % 2 ? odd : even) + 2 * (start / 2 * C + cp * 16);
    _tile_loadd(4, a0 + step * 32, a_stride);
    _tile_loadd(6, b, b_stride);
    _tile_dpbf16ps(0, 4, 6);
    if (two_c) {
      _tile_loadd(7, b + 32, b_stride);
      _tile_dpbf16ps(1, 4, 7);
    }
    if (two_n) {
      _tile_loadd(5, a1 + step * 32, a_stride);
      _tile_dpbf16ps(2, 5, 6);
      if (two_c) _tile_dpbf16ps(3, 5, 7);
    }
  }
  _tile_stored(0, c0, ldc);
  if (two_c) _tile_stored(1, c1, ldc);
  if (two_n) _tile_stored(2, c2, ldc);
  if (two_n && two_c) _tile_stored(3, c3, ldc);
}

/* Adds one image's weight gradient into sum (or sets it: first) from dy^T
 * and the pairs of its input's grid. */
static void image_weight_gradient(const ConvGeom *g, const ConvAmxWeights *s,
                                  const uint16_t *dyt, const uint16_t *even, const uint16_t *odd,
                                  int first, float *sum) {
  for (size_t np = 0; np < s->n_panels; np += 2)
    for (size_t tap = 0; tap < g->kernel * g->kernel; tap++)
      for (size_t cp = 0; cp < s->c_panels; cp += 2)
        weight_block(g, s, dyt, even, odd, np, np + 1 < s->n_panels, tap, cp,
                     cp + 1 < s->c_panels, first, sum);
}

void conv_amx_backward(const ConvGeom *g, const ConvAmxBackward *a, size_t b0, size_t b1,
                       float *sum, void *scratch) {
  const ConvAmxShape s = conv_amx_shape(g);
  const ConvAmxWeights ws = conv_amx_weights_shape(g);
  const ConvAmxScratch at = conv_amx_scratch(g);
  char *base = scratch;
  uint16_t *copy = (uint16_t *)base, *tiles = (uint16_t *)(base + at.tiles);
  uint16_t *dyt = (uint16_t *)(base + at.dyt), *even = (uint16_t *)(base + at.even);
  uint16_t *odd = (uint16_t *)(base + at.odd);
  float *edge = (float *)(base + at.edge);
  const size_t dx_image = g->height * g->width * g->in_ch;
  if (a->dx) pack_weights(g, &s, a->w, tiles);
  tiles_configure();
  for (size_t b = b0; b < b1; b++) {
    copy_image(g, &s, a, b, copy);
    if (a->dx) image_input_gradient(&(Out){g, &s, a->dx + b * dx_image, edge}, copy, tiles);
    if (!sum) continue;
    transpose_copy(g, &s, &ws, copy, dyt);
    copy_pairs(g, &ws, &(GridInput){a->x, a->xbits, b}, even, odd);
    image_weight_gradient(g, &ws, dyt, even, odd, b == b0, sum);
  }
  _tile_release();
}
