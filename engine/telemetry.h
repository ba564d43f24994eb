/* telemetry.h — what the optimizer does to every binary weight, measured once
 * in the engine and served to the TUI, the logs and the charts.
 *
 * Per step and per binary layer:
 *   flips, flip ratio, reversals (flips that undo the weight's previous flip
 *   made at most K steps earlier), the share of weights never flipped since
 *   the start (exact, every step);
 *   the inertia distribution, in filter units for every optimizer (the filter
 *   state; -k w for a latent weight w: filter_inertia_scale x optim_inertia),
 *   so b = -sign(inertia) always and an exact switch keeps the values:
 *   TensorBoard's nine percentile bands, a 64-bin histogram (log10 |inertia|
 *   on a fixed range, or signed inertia on [-max, max]), median |inertia|,
 *   the share of weights with |inertia| <= near_zero_rel * median |inertia|,
 *   and the steps-since-last-flip distribution — computed on a fixed spread-out
 *   subsample of at most TEL_STATS_MAX weights per layer, and only every
 *   `every` steps (plus the last step) because they cost more;
 *   a fixed seeded sample of up to TEL_MAX_SAMPLES weights per layer (drawn
 *   from RNG_STREAM_SAMPLE) with their sign and inertia, every step; a
 *   convolution's sample is instead whole k x k kernel tiles (all k^2 taps
 *   of an (output channel, input channel) pair), spread evenly over its
 *   output channels — drawn at random only when not one tile fits.
 *
 * Cost: flip tracking is fused into the optimizer's block callback
 * (telemetry_block, from the backward pass threads): where a block flipped
 * any weight, its signs are re-packed (SIMD) and compared with the packed
 * signs of the previous step; only flipped weights touch the per-weight
 * uint16 "step of last flip" array. Nothing is allocated after create.
 *
 * Readers: the training thread reads telemetry_last; a snapshot is a plain
 * value without pointers, so front ends copy what they need (the live view's
 * worker into its dashboard feed, app/live/dash_feed.h).
 */
#ifndef FLIPSCOPE_TELEMETRY_H
#define FLIPSCOPE_TELEMETRY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/model.h"
#include "engine/optim.h"

#define TEL_PERCENTILES 9   /* min, 7, 16, 31, 50, 69, 84, 93, max (TensorBoard) */
#define TEL_HIST_BINS 64
/* Steps since a weight's last flip, bucketed: [0] never flipped, [1] flipped
 * this step (0 steps ago), [b] for b = 2..17: [2^(b-2), 2^(b-1)) steps ago;
 * the last bucket holds everything >= 2^15 (older flips are clamped there). */
#define TEL_AGE_BUCKETS 18
#define TEL_MAX_SAMPLES 256
#define TEL_STATS_MAX 4096  /* subsample size cap for the distribution statistics */
#define TEL_LOG_LO (-10.0)  /* log histogram range: log10 |inertia| in [LO, HI) */
#define TEL_LOG_HI 2.0

/* The percentile ranks of the nine bands, in percent. */
extern const double tel_percentile_ranks[TEL_PERCENTILES];

typedef enum { TEL_HIST_LOG = 0, TEL_HIST_LINEAR = 1 } TelHistMode;

typedef struct {
  unsigned reversal_window; /* K: a flip within K steps of the previous one is a reversal (1..32767; default 16) */
  unsigned every;           /* distribution stats every N steps (>= 1; default 1) */
  unsigned samples;         /* sampled weights per layer (0..TEL_MAX_SAMPLES; default 256) */
  TelHistMode hist;         /* default TEL_HIST_LOG */
  double near_zero_rel;     /* band: |inertia| <= near_zero_rel * median |inertia| (default 0.05) */
} TelemetryConfig;

void telemetry_defaults(TelemetryConfig *c);

typedef struct {
  size_t weights;           /* in * out */
  size_t in, out;
  /* every step */
  size_t flips;
  double flip_ratio;        /* flips / weights */
  size_t reversals;         /* flips this step that undo a flip of <= K steps ago */
  size_t ever_flipped;      /* weights flipped at least once since the start */
  double never_flipped;     /* 1 - ever_flipped / weights */
  size_t channels;          /* a convolution's output channels (out); 0 for a dense layer */
  const uint32_t *channel_flips; /* channels: this step's flips per output channel, valid
                                  * until the next step */
  unsigned samples;
  uint32_t sample_index[TEL_MAX_SAMPLES]; /* flat index (row * in + col), ascending */
  float sample_inertia[TEL_MAX_SAMPLES];
  int8_t sample_sign[TEL_MAX_SAMPLES];    /* +1 / -1 */
  /* distribution statistics, as of step stats_step (see TelemetrySnapshot) */
  size_t stats_count;       /* weights in the subsample */
  float pct[TEL_PERCENTILES];             /* percentiles of signed inertia */
  float abs_median;         /* median |inertia| */
  float near_zero_band;     /* the band's half-width: near_zero_rel * abs_median */
  double near_zero;         /* share of the subsample with |inertia| <= band */
  float hist_lo, hist_hi;   /* histogram range: log10|inertia| (log) or inertia (linear) */
  uint32_t hist[TEL_HIST_BINS];           /* bin b covers lo + (hi-lo) [b, b+1) / 64; clamped */
  uint32_t age[TEL_AGE_BUCKETS];          /* steps since last flip over the subsample */
} TelemetryLayer;

typedef struct {
  uint64_t step;            /* the step this snapshot describes (1-based; 0: none yet) */
  size_t epoch;
  double rate, loss, train_acc, test_acc; /* test_acc NAN where not evaluated */
  size_t flips;
  double flip_ratio;
  uint64_t stats_step;      /* step of the distribution statistics (0: none yet) */
  int stats_fresh;          /* 1: computed at this very step */
  TelHistMode hist;
  unsigned reversal_window, every;
  double near_zero_rel;
  size_t layers;
  TelemetryLayer layer[MODEL_MAX_LAYERS];
} TelemetrySnapshot;

typedef struct Telemetry Telemetry;

/* Sizes everything for model m (and packs its current signs); sample indices
 * are drawn from (seed, RNG_STREAM_SAMPLE). NULL with a message on failure. */
Telemetry *telemetry_create(const TelemetryConfig *c, const Model *m, uint64_t seed, char *err,
                            size_t errlen);
void telemetry_free(Telemetry *t);
const TelemetryConfig *telemetry_config(const Telemetry *t);
/* Changes `every`, reversal_window, hist or near_zero_rel between steps
 * (samples and sizes stay). */
void telemetry_set_config(Telemetry *t, const TelemetryConfig *c);
/* Asks for the distribution statistics at the next step whatever `every` says. */
void telemetry_request_stats(Telemetry *t);

/* Called by the trainer before the optimizer steps of step number `step` (1-based). */
void telemetry_begin_step(Telemetry *t, uint64_t step);
/* Called from the optimizer's block callback after it stepped weights
 * [begin, end) of `layer` (whole rows) and made `flips` flips there; `sign`
 * is the layer's whole sign array. `packed`, when not NULL, already holds the
 * block's new signs packed (bits_pack_rows layout, row begin/K first), so they
 * are not packed again. Thread-safe for disjoint blocks. */
void telemetry_block(Telemetry *t, size_t layer, const float *sign, size_t begin, size_t end,
                     size_t flips, const uint64_t *packed);
/* Ends the step: reads inertia from opt, fills and publishes the snapshot.
 * layer_flips[l] are the flips the trainer counted. */
typedef struct {
  uint64_t step;
  size_t epoch;
  double rate, loss, train_acc, test_acc;
  const size_t *layer_flips;
  int force_stats;          /* 1: compute the distribution statistics now (e.g. last step) */
} TelemetryStep;
void telemetry_end_step(Telemetry *t, const TelemetryStep *s, const Model *m, const Optimizer *opt);
/* Re-reads the model's signs without counting flips (after a checkpoint load
 * or a reset); with forget, also forgets every weight's flip history. */
void telemetry_resync(Telemetry *t, const Model *m, int forget);

/* The last published snapshot, for the training thread only (no lock). */
const TelemetrySnapshot *telemetry_last(const Telemetry *t);

/* The bin of value v in a 64-bin histogram (also used by tests). */
int telemetry_hist_bin(TelHistMode mode, float lo, float hi, float v);

/* Checkpoints (engine/checkpoint.c): a layer's flip history, in place —
 * which weights ever flipped (bits in the packed-sign layout, ever_words
 * words), the step (mod 2^16) of each weight's last flip, and how many ever
 * flipped. -1 for a layer that does not exist. After writing into them,
 * call telemetry_history_restored (which also re-reads the model's signs). */
typedef struct {
  size_t n, ever_words;
  uint64_t *ever;
  uint16_t *last;
  size_t *ever_flipped;
} TelemetryHistory;
int telemetry_history(Telemetry *t, size_t layer, TelemetryHistory *h);
void telemetry_history_restored(Telemetry *t, const Model *m);

#endif
