/* telemetry.c — flip tracking fused into the optimizer's block callback, and
 * the per-layer statistics behind every view, log and chart (telemetry.h). */
#include "engine/telemetry.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bitpack.h"
#include "engine/filter.h"
#include "engine/parallel.h"
#include "engine/rng.h"

/* Every AGING_EVERY steps, flips older than AGE_CLAMP steps are clamped to
 * AGE_CLAMP, so the 16-bit "step of last flip" never wraps: between two
 * passes no age exceeds AGE_CLAMP + AGING_EVERY < 65536. */
enum { AGE_CLAMP = 1u << 15, AGING_EVERY = 1u << 14 };

/* The statistics subsample of a layer with more than TEL_STATS_MAX weights:
 * runs of SUB_RUN consecutive weights (one cache line of floats), one run
 * starting every `stride` weights, stride coprime with the row length so the
 * runs start at every column alike. Reading runs instead of single weights
 * costs a sixteenth of the cache misses. Smaller layers are read whole. */
enum { SUB_RUN = 16 };

const double tel_percentile_ranks[TEL_PERCENTILES] = {0, 7, 16, 31, 50, 69, 84, 93, 100};

typedef struct {
  size_t in, out, n, words; /* words: bits_words(in) per row */
  uint64_t *bits;           /* out x words: packed signs as of the last step */
  uint64_t *ever;           /* out x words: 1 where the weight flipped at least once */
  uint16_t *last;           /* n: step (mod 2^16) of the weight's last flip */
  uint32_t *row_flips;      /* a convolution's: this step's flips per row (output channel) */
  size_t stride, count;     /* the statistics subsample: SUB_RUN weights from every stride-th */
  atomic_size_t reversals, first_flips; /* this step, summed over blocks */
  size_t ever_flipped;
} LayerTrack;

struct Telemetry {
  TelemetryConfig cfg;
  size_t layers;
  LayerTrack track[MODEL_MAX_LAYERS];
  uint64_t step;
  uint16_t step16;
  int stats_requested;
  uint32_t *keys, *tmp;     /* layers x TEL_STATS_MAX each: the subsamples as sortable keys */
  const float *stats_inertia[MODEL_MAX_LAYERS]; /* this step's, for the parallel statistics */
  float stats_scale;        /* filter units per unit of inertia this step (filter_inertia_scale) */
  float edge[TEL_HIST_BINS + 1]; /* the log histogram's bin edges as magnitudes */
  TelemetrySnapshot cur;    /* built by the training thread (telemetry_last) */
};

static void log_edges(float edge[TEL_HIST_BINS + 1]);

void telemetry_defaults(TelemetryConfig *c) {
  c->reversal_window = 16;
  c->every = 1;
  c->samples = TEL_MAX_SAMPLES;
  c->hist = TEL_HIST_LOG;
  c->near_zero_rel = 0.05;
}

static size_t gcd(size_t a, size_t b) {
  while (b) {
    size_t r = a % b;
    a = b;
    b = r;
  }
  return a;
}

static void clamp_config(TelemetryConfig *c) {
  if (c->reversal_window < 1) c->reversal_window = 1;
  if (c->reversal_window > AGE_CLAMP - 1) c->reversal_window = AGE_CLAMP - 1;
  if (c->every < 1) c->every = 1;
  if (c->samples > TEL_MAX_SAMPLES) c->samples = TEL_MAX_SAMPLES;
  if (!(c->near_zero_rel >= 0)) c->near_zero_rel = 0;
}

void telemetry_free(Telemetry *t) {
  if (!t) return;
  for (size_t l = 0; l < t->layers; l++) {
    free(t->track[l].bits);
    free(t->track[l].ever);
    free(t->track[l].last);
    free(t->track[l].row_flips);
  }
  free(t->keys);
  free(t->tmp);
  free(t);
}

/* Sorts out[0..n) ascending (insertion sort: at most 256). */
static void sort_indices(uint32_t *out, unsigned n) {
  for (unsigned i = 1; i < n; i++)
    for (unsigned k = i; k > 0 && out[k - 1] > out[k]; k--) {
      uint32_t tmp = out[k];
      out[k] = out[k - 1];
      out[k - 1] = tmp;
    }
}

/* Draws `want` distinct indices below n (all of them when n <= want), ascending. */
static unsigned draw_sample(Rng *rng, size_t n, unsigned want, uint32_t *out) {
  if (n <= want) {
    for (size_t i = 0; i < n; i++) out[i] = (uint32_t)i;
    return (unsigned)n;
  }
  unsigned got = 0;
  while (got < want) {
    uint32_t j = (uint32_t)rng_below(rng, n);
    unsigned i = 0;
    while (i < got && out[i] != j) i++;
    if (i == got) out[got++] = j;
  }
  sort_indices(out, got);
  return got;
}

/* The sample of a convolution (N kernels of k x k x C taps, row n = kernel n
 * in (kh, kw, c) order, c fastest): T = min(want / k^2, N C) whole tiles,
 * the k^2 taps (n, kh, kw, c) of one (output channel n, input channel c).
 * Tile t takes p = floor(t N C / T) of the N C pairs, n = p / C and
 * c = (n + p mod C) mod C, so the tiles spread evenly over the output
 * channels and their input channels vary. Deterministic; ascending flat
 * index n (k^2 C) + (kh k + kw) C + c. 0 when not one tile fits. */
static unsigned tile_sample(const ConvGeom *g, unsigned want, uint32_t *out) {
  size_t k = g->kernel, C = g->in_ch, N = g->out_ch, taps = k * k, pairs = N * C;
  size_t tiles = taps ? want / taps : 0;
  if (tiles > pairs) tiles = pairs;
  unsigned got = 0;
  for (size_t t = 0; t < tiles; t++) {
    size_t p = t * pairs / tiles, n = p / C, c = (n + p % C) % C;
    for (size_t tap = 0; tap < taps; tap++) out[got++] = (uint32_t)(n * taps * C + tap * C + c);
  }
  sort_indices(out, got);
  return got;
}

Telemetry *telemetry_create(const TelemetryConfig *c, const Model *m, uint64_t seed, char *err,
                            size_t errlen) {
  Telemetry *t = calloc(1, sizeof *t);
  if (!t) goto oom;
  t->cfg = *c;
  clamp_config(&t->cfg);
  t->layers = m->n_layers;
  t->keys = malloc(m->n_layers * TEL_STATS_MAX * sizeof *t->keys);
  t->tmp = malloc(m->n_layers * TEL_STATS_MAX * sizeof *t->tmp);
  if (!t->keys || !t->tmp) goto oom;
  log_edges(t->edge);
  Rng rng;
  rng_seed(&rng, seed, RNG_STREAM_SAMPLE);
  t->cur.layers = m->n_layers;
  t->cur.test_acc = NAN;
  for (size_t l = 0; l < m->n_layers; l++) {
    LayerTrack *k = &t->track[l];
    k->in = m->layer[l].in;
    k->out = m->layer[l].out;
    k->n = k->in * k->out;
    k->words = bits_words(k->in);
    k->bits = calloc(k->out * k->words + 1, sizeof *k->bits);
    k->ever = calloc(k->out * k->words + 1, sizeof *k->ever);
    k->last = calloc(k->n + 1, sizeof *k->last);
    if (m->layer[l].conv && !(k->row_flips = calloc(k->out, sizeof *k->row_flips))) goto oom;
    if (!k->bits || !k->ever || !k->last) goto oom;
    if (k->n <= TEL_STATS_MAX) {
      k->stride = SUB_RUN;
      k->count = k->n;
    } else {
      size_t runs = TEL_STATS_MAX / SUB_RUN;
      k->stride = k->n / runs;
      while (gcd(k->stride, k->in) != 1 && k->stride > SUB_RUN) k->stride--;
      k->count = runs * SUB_RUN;
    }
    TelemetryLayer *L = &t->cur.layer[l];
    L->weights = k->n;
    L->in = k->in;
    L->out = k->out;
    L->never_flipped = 1.0;
    L->channels = k->row_flips ? k->out : 0;
    L->channel_flips = k->row_flips;
    const Layer *layer = &m->layer[l];
    L->samples = layer->conv ? tile_sample(&layer->geom, t->cfg.samples, L->sample_index) : 0;
    if (!L->samples) L->samples = draw_sample(&rng, k->n, t->cfg.samples, L->sample_index);
  }
  telemetry_resync(t, m, 1);
  t->cur.hist = t->cfg.hist;
  t->cur.reversal_window = t->cfg.reversal_window;
  t->cur.every = t->cfg.every;
  t->cur.near_zero_rel = t->cfg.near_zero_rel;
  return t;
oom:
  telemetry_free(t);
  snprintf(err, errlen, "out of memory allocating telemetry");
  return NULL;
}

const TelemetryConfig *telemetry_config(const Telemetry *t) { return &t->cfg; }

void telemetry_set_config(Telemetry *t, const TelemetryConfig *c) {
  unsigned samples = t->cfg.samples;
  t->cfg = *c;
  t->cfg.samples = samples;
  clamp_config(&t->cfg);
}

void telemetry_request_stats(Telemetry *t) { t->stats_requested = 1; }

void telemetry_resync(Telemetry *t, const Model *m, int forget) {
  for (size_t l = 0; l < t->layers; l++) {
    LayerTrack *k = &t->track[l];
    bits_pack_rows(m->layer[l].sign, k->out, k->in, k->bits);
    if (forget) {
      memset(k->ever, 0, k->out * k->words * sizeof *k->ever);
      memset(k->last, 0, k->n * sizeof *k->last);
      k->ever_flipped = 0;
      t->cur.layer[l].ever_flipped = 0;
      t->cur.layer[l].never_flipped = 1.0;
    }
  }
}

void telemetry_begin_step(Telemetry *t, uint64_t step) {
  t->step = step;
  t->step16 = (uint16_t)step;
  for (size_t l = 0; l < t->layers; l++) {
    LayerTrack *k = &t->track[l];
    atomic_store_explicit(&k->reversals, 0, memory_order_relaxed);
    atomic_store_explicit(&k->first_flips, 0, memory_order_relaxed);
    if (k->row_flips) memset(k->row_flips, 0, k->out * sizeof *k->row_flips);
  }
  if (step % AGING_EVERY == 0)
    for (size_t l = 0; l < t->layers; l++) {
      LayerTrack *k = &t->track[l];
      for (size_t j = 0; j < k->n; j++)
        if ((uint16_t)(t->step16 - k->last[j]) >= AGE_CLAMP)
          k->last[j] = (uint16_t)(t->step16 - AGE_CLAMP);
    }
}

/* The flipped weights of a block, gathered before their last-flip steps are
 * read: (index << 1) | 1 when the weight had flipped before (a reversal
 * candidate). FLIP_BATCH at a time. */
enum { FLIP_BATCH = 1024, PREFETCH_AHEAD = 16 };

/* Reads and sets the last-flip step of each gathered weight and returns how
 * many of the candidates flipped back within the window. The steps sit at
 * random places in a table of 2 bytes per weight (3.7 MB for W1), so nearly
 * every access misses the cache: prefetching PREFETCH_AHEAD entries ahead
 * keeps that many misses in flight instead of one per flip. */
static size_t stamp_flips(uint16_t *last, const uint64_t *flipped, size_t n, uint16_t now,
                          uint16_t window) {
  size_t reversals = 0;
  for (size_t i = 0; i < n; i++) {
    if (i + PREFETCH_AHEAD < n) __builtin_prefetch(&last[flipped[i + PREFETCH_AHEAD] >> 1], 1);
    size_t c = flipped[i] >> 1;
    if (flipped[i] & 1) reversals += (uint16_t)(now - last[c]) <= window;
    last[c] = now;
  }
  return reversals;
}

void telemetry_block(Telemetry *t, size_t layer, const float *sign, size_t begin, size_t end,
                     size_t flips, const uint64_t *packed) {
  if (!flips) return;
  LayerTrack *k = &t->track[layer];
  const size_t K = k->in, W = k->words;
  const uint16_t now = t->step16, window = (uint16_t)t->cfg.reversal_window;
  enum { CHUNK_WORDS = 512 };
  uint64_t fresh[CHUNK_WORDS]; /* packed signs of up to 64 * CHUNK_WORDS columns of a row */
  uint64_t flipped[FLIP_BATCH];
  size_t reversals = 0, first = 0, n = 0;
  for (size_t r = begin / K; r * K < end; r++) {
    uint64_t *old = k->bits + r * W, *ever = k->ever + r * W;
    for (size_t w0 = 0; w0 < W; w0 += CHUNK_WORDS) {
      size_t c0 = w0 * 64, cols = K - c0 < 64 * CHUNK_WORDS ? K - c0 : 64 * CHUNK_WORDS;
      const uint64_t *now_bits = fresh;
      if (packed) now_bits = packed + (r - begin / K) * W + w0;
      else bits_pack_rows(sign + r * K + c0, 1, cols, fresh);
      for (size_t w = w0; w < w0 + bits_words(cols); w++) {
        uint64_t d = now_bits[w - w0] ^ old[w];
        if (!d) continue;
        old[w] = now_bits[w - w0];
        uint64_t again = d & ever[w];
        for (uint64_t nw = d & ~ever[w]; nw; nw &= nw - 1) first++; /* sparse: no POPCNT needed */
        ever[w] |= d;
        for (; d; d &= d - 1) {
          if (n == FLIP_BATCH) {
            reversals += stamp_flips(k->last, flipped, n, now, window);
            n = 0;
          }
          unsigned bit = (unsigned)__builtin_ctzll(d);
          flipped[n++] = (uint64_t)(r * K + w * 64 + bit) << 1 | (again >> bit & 1);
          if (k->row_flips) k->row_flips[r]++; /* rows belong to one block: no race */
        }
      }
    }
  }
  reversals += stamp_flips(k->last, flipped, n, now, window);
  if (reversals) atomic_fetch_add_explicit(&k->reversals, reversals, memory_order_relaxed);
  if (first) atomic_fetch_add_explicit(&k->first_flips, first, memory_order_relaxed);
}

static size_t rank_index(double pct, size_t n) { return (size_t)(pct / 100.0 * (double)(n - 1) + 0.5); }

/* The 65 edges of the log histogram as magnitudes 10^(LO + (HI-LO) b / 64). */
static void log_edges(float edge[TEL_HIST_BINS + 1]) {
  for (int b = 0; b <= TEL_HIST_BINS; b++)
    edge[b] = (float)pow(10.0, TEL_LOG_LO + (TEL_LOG_HI - TEL_LOG_LO) * b / TEL_HIST_BINS);
}

/* The bin b with edge[b] <= a < edge[b+1], clamped to 0..63 (zero and NAN: 0). */
static int log_bin(const float edge[TEL_HIST_BINS + 1], float a) {
  if (!(a >= edge[1])) return 0;
  if (a >= edge[TEL_HIST_BINS - 1]) return TEL_HIST_BINS - 1;
  int lo = 1, hi = TEL_HIST_BINS - 1;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (a >= edge[mid]) lo = mid;
    else hi = mid;
  }
  return lo;
}

static int linear_bin(float lo, float hi, float v) {
  if (!(hi > lo)) return TEL_HIST_BINS / 2;
  double b = floor(((double)v - lo) / ((double)hi - lo) * TEL_HIST_BINS);
  if (!(b >= 0)) return 0;
  if (b >= TEL_HIST_BINS) return TEL_HIST_BINS - 1;
  return (int)b;
}

int telemetry_hist_bin(TelHistMode mode, float lo, float hi, float v) {
  if (mode == TEL_HIST_LINEAR) return linear_bin(lo, hi, v);
  float edge[TEL_HIST_BINS + 1];
  log_edges(edge);
  return log_bin(edge, fabsf(v));
}

/* Floats as unsigned keys in the same order (negative ones reversed), and back. */
static inline uint32_t float_key(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u & 0x80000000u ? ~u : u | 0x80000000u;
}

static inline float key_float(uint32_t k) {
  uint32_t u = k & 0x80000000u ? k ^ 0x80000000u : ~k;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* LSD radix sort of n keys, 8 bits a pass; the result ends up in keys. */
static void radix_sort(uint32_t *keys, uint32_t *tmp, size_t n) {
  size_t count[4][256] = {{0}};
  for (size_t i = 0; i < n; i++)
    for (int p = 0; p < 4; p++) count[p][(keys[i] >> (8 * p)) & 255]++;
  uint32_t *src = keys, *dst = tmp;
  for (int p = 0; p < 4; p++) {
    if (count[p][(keys[0] >> (8 * p)) & 255] == n) continue; /* every key has this digit */
    size_t sum = 0;
    for (int d = 0; d < 256; d++) {
      size_t c = count[p][d];
      count[p][d] = sum;
      sum += c;
    }
    for (size_t i = 0; i < n; i++) dst[count[p][(src[i] >> (8 * p)) & 255]++] = src[i];
    uint32_t *swap = src;
    src = dst;
    dst = swap;
  }
  if (src != keys) memcpy(keys, src, n * sizeof *keys);
}

/* The first index in sorted keys[0..n) whose float is >= v (v not NAN). */
static size_t lower_bound(const uint32_t *keys, size_t n, float v) {
  uint32_t kv = float_key(v);
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (keys[mid] < kv) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* The statistics of one layer from its subsample: gathered run by run (the
 * row and column are tracked, not divided out per weight), sorted once by a
 * radix sort; percentiles are ranks, median |inertia| a merge outwards from
 * zero, the near-zero share two binary searches, and the log histogram a walk
 * of the bin edges along the sorted magnitudes. */
static void layer_stats(Telemetry *t, size_t l, const float *inertia, float scale) {
  LayerTrack *k = &t->track[l];
  TelemetryLayer *L = &t->cur.layer[l];
  uint32_t *key = t->keys + l * TEL_STATS_MAX;
  const size_t n = k->count, K = k->in, W = k->words;
  const uint16_t now = t->step16;
  memset(L->age, 0, sizeof L->age);
  for (size_t i = 0, start = 0; i < n; start += k->stride) {
    size_t row = start / K, col = start % K, ahead = start + 4 * k->stride;
    if (ahead < k->n) { /* the run four ahead: its lines arrive while this one is read */
      __builtin_prefetch(inertia + ahead);
      __builtin_prefetch(k->last + ahead);
      __builtin_prefetch(k->ever + (ahead / K) * W + (ahead % K) / 64);
    }
    for (size_t j = start; j < start + SUB_RUN && i < n; j++, i++) {
      key[i] = float_key(scale * inertia[j]);
      int bucket = 0;
      if (k->ever[row * W + col / 64] >> (col % 64) & 1) {
        unsigned age = (uint16_t)(now - k->last[j]);
        bucket = age == 0 ? 1 : 2 + (31 - __builtin_clz(age));
        if (bucket >= TEL_AGE_BUCKETS) bucket = TEL_AGE_BUCKETS - 1;
      }
      L->age[bucket]++;
      if (++col == K) {
        col = 0;
        row++;
      }
    }
  }
  L->stats_count = n;
  if (n == 0) return;
  radix_sort(key, t->tmp + l * TEL_STATS_MAX, n);
  for (int p = 0; p < TEL_PERCENTILES; p++)
    L->pct[p] = key_float(key[rank_index(tel_percentile_ranks[p], n)]);
  /* Negative values sit in [0, z) with magnitudes falling towards z, the rest in [z, n). */
  size_t z = 0;
  while (z < n && !(key[z] & 0x80000000u)) z++;
  size_t neg = z, pos = z;
  float median = 0;
  /* Take the smaller magnitude from either side; a side that is used up is
   * never taken again, so NaN (which compares false) cannot run off an end. */
  for (size_t taken = 0; taken <= n / 2 && (neg > 0 || pos < n); taken++) {
    float a = neg > 0 ? -key_float(key[neg - 1]) : INFINITY;
    float b = pos < n ? key_float(key[pos]) : INFINITY;
    if (neg > 0 && (pos == n || !(a > b))) median = a, neg--;
    else median = b, pos++;
  }
  L->abs_median = median;
  float band = (float)(t->cfg.near_zero_rel * median);
  L->near_zero_band = band;
  size_t near = lower_bound(key, n, nextafterf(band, INFINITY)) - lower_bound(key, n, -band);
  L->near_zero = (double)near / (double)n;
  memset(L->hist, 0, sizeof L->hist);
  if (t->cfg.hist == TEL_HIST_LOG) {
    L->hist_lo = (float)TEL_LOG_LO;
    L->hist_hi = (float)TEL_LOG_HI;
    /* Magnitudes ascending: [z, n) forwards, [0, z) backwards. */
    int b = 0;
    for (size_t i = z; i < n; i++) {
      float a = key_float(key[i]);
      while (b < TEL_HIST_BINS - 1 && a >= t->edge[b + 1]) b++;
      L->hist[b]++;
    }
    b = 0;
    for (size_t i = z; i-- > 0;) {
      float a = -key_float(key[i]);
      while (b < TEL_HIST_BINS - 1 && a >= t->edge[b + 1]) b++;
      L->hist[b]++;
    }
  } else {
    float lo = key_float(key[0]), hi = key_float(key[n - 1]);
    float m = fabsf(lo) > fabsf(hi) ? fabsf(lo) : fabsf(hi);
    L->hist_lo = -m;
    L->hist_hi = m;
    for (size_t i = 0; i < n; i++) L->hist[linear_bin(-m, m, key_float(key[i]))]++;
  }
}

static void stats_body(void *ctx, size_t begin, size_t end) {
  Telemetry *t = ctx;
  for (size_t l = begin; l < end; l++)
    if (t->stats_inertia[l]) layer_stats(t, l, t->stats_inertia[l], t->stats_scale);
}

void telemetry_end_step(Telemetry *t, const TelemetryStep *s, const Model *m, const Optimizer *opt) {
  TelemetrySnapshot *c = &t->cur;
  c->step = s->step;
  c->epoch = s->epoch;
  c->rate = s->rate;
  c->loss = s->loss;
  c->train_acc = s->train_acc;
  c->test_acc = s->test_acc;
  c->hist = t->cfg.hist;
  c->reversal_window = t->cfg.reversal_window;
  c->every = t->cfg.every;
  c->near_zero_rel = t->cfg.near_zero_rel;
  int stats = s->force_stats || t->stats_requested || s->step % t->cfg.every == 0;
  t->stats_requested = 0;
  c->stats_fresh = stats;
  if (stats) c->stats_step = s->step;
  size_t total = 0, weights = 0;
  const float scale = opt ? (float)filter_inertia_scale(optim_config(opt)) : 1.0f;
  t->stats_scale = scale;
  for (size_t l = 0; l < t->layers; l++) {
    LayerTrack *k = &t->track[l];
    TelemetryLayer *L = &c->layer[l];
    L->flips = s->layer_flips ? s->layer_flips[l] : 0;
    L->flip_ratio = k->n ? (double)L->flips / (double)k->n : 0;
    L->reversals = atomic_load_explicit(&k->reversals, memory_order_relaxed);
    k->ever_flipped += atomic_load_explicit(&k->first_flips, memory_order_relaxed);
    L->ever_flipped = k->ever_flipped;
    L->never_flipped = k->n ? 1.0 - (double)k->ever_flipped / (double)k->n : 1.0;
    const float *inertia = opt ? optim_inertia(opt, l) : NULL;
    const float *sign = m->layer[l].sign;
    for (unsigned i = 0; i < L->samples; i++) {
      uint32_t j = L->sample_index[i];
      L->sample_sign[i] = sign[j] < 0 ? -1 : 1;
      L->sample_inertia[i] = inertia ? scale * inertia[j] : 0.0f;
    }
    t->stats_inertia[l] = stats ? inertia : NULL;
    total += L->flips;
    weights += k->n;
  }
  /* The statistics of the layers in parallel (each has its own scratch). */
  if (stats) par_for(t->layers, 1, stats_body, t);
  c->flips = total;
  c->flip_ratio = weights ? (double)total / (double)weights : 0;
}

const TelemetrySnapshot *telemetry_last(const Telemetry *t) { return &t->cur; }

/* ---- checkpoints: the flip history (engine/checkpoint.c, section TELE) ---- */

int telemetry_history(Telemetry *t, size_t layer, TelemetryHistory *h) {
  if (layer >= t->layers) return -1;
  LayerTrack *k = &t->track[layer];
  *h = (TelemetryHistory){.n = k->n, .ever_words = k->out * k->words, .ever = k->ever,
                          .last = k->last, .ever_flipped = &k->ever_flipped};
  return 0;
}

void telemetry_history_restored(Telemetry *t, const Model *m) {
  telemetry_resync(t, m, 0);
  for (size_t l = 0; l < t->layers; l++) {
    const LayerTrack *k = &t->track[l];
    t->cur.layer[l].ever_flipped = k->ever_flipped;
    t->cur.layer[l].never_flipped = k->n ? 1.0 - (double)k->ever_flipped / (double)k->n : 1.0;
  }
}
