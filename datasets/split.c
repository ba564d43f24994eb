/* split.c — train/test blocks, shuffling, the validation hold-out and
 * standardisation (see split.h). */
#include "datasets/split.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/error.h"

int split_alloc_f32(Dataset *out, const char *name, size_t n_train, size_t n_test, size_t dim,
                    size_t classes, char *err, size_t errlen) {
  size_t n = n_train + n_test;
  void *storage = NULL;
  if (dim && n <= SIZE_MAX / 8 / dim) storage = malloc(n * dim * sizeof(float) + n + 1);
  if (!storage) {
    snprintf(err, errlen, "%s: out of memory (%.0f MB for %zu samples of %zu features)", name,
             (double)n * ((double)dim * 4 + 1) / 1048576.0, n, dim);
    return -1;
  }
  float *x = storage;
  uint8_t *y = (uint8_t *)(x + n * dim);
  DataSplit split = {.dim = dim, .classes = classes};
  out->train = split;
  out->train.n = n_train;
  out->train.x_f32 = x;
  out->train.labels = y;
  out->test = split;
  out->test.n = n_test;
  out->test.x_f32 = x + n_train * dim;
  out->test.labels = y + n_train;
  memset(&out->val, 0, sizeof out->val);
  out->storage = storage;
  return 0;
}

void split_shuffle_rows(float *x, uint8_t *y, size_t n, size_t dim, Rng *r) {
  for (size_t i = n; i-- > 1;) {
    size_t j = (size_t)rng_below(r, i + 1);
    if (j == i) continue;
    for (size_t k = 0; k < dim; k++) {
      float t = x[i * dim + k];
      x[i * dim + k] = x[j * dim + k];
      x[j * dim + k] = t;
    }
    uint8_t t = y[i];
    y[i] = y[j];
    y[j] = t;
  }
}

size_t split_count(size_t n, double frac) {
  double want = floor(frac * (double)n + 0.5);
  if (want < 1) want = 1;
  if (want > (double)n - 1) want = (double)n - 1;
  return (size_t)want;
}

/* Copies rows [first, first + count) of s (or the rows whose mark equals
 * `which`, when mark is not NULL) into x / y; returns the rows copied. */
static size_t copy_rows(const DataSplit *s, const uint8_t *mark, int which, uint8_t *x,
                        uint8_t *y) {
  size_t row = s->x_u8 ? s->dim : s->dim * sizeof(float);
  const uint8_t *src = s->x_u8 ? s->x_u8 : (const uint8_t *)s->x_f32;
  size_t got = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (mark && mark[i] != which) continue;
    memcpy(x + got * row, src + i * row, row);
    y[got++] = s->labels[i];
  }
  return got;
}

int split_hold_out(Dataset *d, double frac, uint64_t seed, char *err, size_t errlen) {
  const DataSplit *tr = &d->train;
  size_t n_val = (size_t)floor(frac * (double)tr->n + 0.5);
  if (n_val == 0 || n_val >= tr->n) {
    snprintf(err, errlen, "%s: %g of %zu training samples leaves %s split empty",
             error_setting("val-frac").text, frac, tr->n,
             n_val == 0 ? "the validation" : "the training");
    return ERR_USAGE;
  }
  const int bytes = tr->x_u8 != NULL;
  const size_t row = bytes ? tr->dim : tr->dim * sizeof(float);
  const size_t n_train = tr->n - n_val, n_test = d->test.n, n = tr->n + n_test;
  uint8_t *mark = calloc(tr->n, 1);
  uint32_t *pick = malloc(tr->n * sizeof *pick);
  uint8_t *storage = malloc(n * row + n + 1);
  if (!mark || !pick || !storage) {
    free(mark);
    free(pick);
    free(storage);
    snprintf(err, errlen, "%s: out of memory (%.0f MB)", error_setting("val-frac").text,
             (double)(n * row) / 1048576.0);
    return ERR_RUNTIME;
  }
  /* The first n_val entries of a seeded partial Fisher-Yates pick the rows. */
  Rng r;
  rng_seed(&r, seed, RNG_STREAM_SPLIT);
  for (size_t i = 0; i < tr->n; i++) pick[i] = (uint32_t)i;
  for (size_t i = 0; i < n_val; i++) {
    size_t j = i + (size_t)rng_below(&r, tr->n - i);
    uint32_t t = pick[i];
    pick[i] = pick[j];
    pick[j] = t;
    mark[pick[i]] = 1;
  }
  free(pick);
  uint8_t *x_train = storage, *x_val = x_train + n_train * row, *x_test = x_val + n_val * row;
  uint8_t *y_train = storage + n * row, *y_val = y_train + n_train, *y_test = y_val + n_val;
  copy_rows(tr, mark, 0, x_train, y_train);
  copy_rows(tr, mark, 1, x_val, y_val);
  copy_rows(&d->test, NULL, 0, x_test, y_test);
  free(mark);

  DataSplit train = *tr, test = d->test;
  train.n = n_train;
  train.labels = y_train;
  test.labels = y_test;
  DataSplit val = train;
  val.n = n_val;
  val.labels = y_val;
  if (bytes) {
    train.x_u8 = x_train, val.x_u8 = x_val, test.x_u8 = x_test;
  } else {
    train.x_f32 = (const float *)x_train, val.x_f32 = (const float *)x_val;
    test.x_f32 = (const float *)x_test;
  }
  free(d->storage);
  d->storage = storage;
  d->train = train;
  d->val = val;
  d->test = test;
  return 0;
}

/* x <- (x - mean) * inv over the dim features of n rows, clipped to
 * +-SPLIT_MAX_Z (training values never reach it: |z| <= sqrt(n)). */
static void apply_standardise(const DataSplit *s, const double *mean, const double *inv) {
  float *x = (float *)s->x_f32;
  for (size_t i = 0; i < s->n; i++)
    for (size_t k = 0; k < s->dim; k++) {
      double z = ((double)x[i * s->dim + k] - mean[k]) * inv[k];
      x[i * s->dim + k] = (float)(z > SPLIT_MAX_Z ? SPLIT_MAX_Z : z < -SPLIT_MAX_Z ? -SPLIT_MAX_Z : z);
    }
}

void split_standardise(Dataset *d) {
  const DataSplit *tr = &d->train;
  if (!tr->x_f32 || tr->n == 0 || tr->dim == 0) return;
  double *mean = calloc(2 * tr->dim, sizeof *mean);
  if (!mean) return; /* a few KB; without it the features stay as they are */
  double *inv = mean + tr->dim;
  for (size_t i = 0; i < tr->n; i++)
    for (size_t k = 0; k < tr->dim; k++) mean[k] += tr->x_f32[i * tr->dim + k];
  for (size_t k = 0; k < tr->dim; k++) mean[k] /= (double)tr->n;
  /* Two passes: the variance of the centred values, without cancellation. */
  for (size_t i = 0; i < tr->n; i++)
    for (size_t k = 0; k < tr->dim; k++) {
      double c = tr->x_f32[i * tr->dim + k] - mean[k];
      inv[k] += c * c;
    }
  for (size_t k = 0; k < tr->dim; k++) {
    double sd = sqrt(inv[k] / (double)tr->n);
    inv[k] = sd > 0 && isfinite(1.0 / sd) ? 1.0 / sd : 1.0;
  }
  apply_standardise(&d->train, mean, inv);
  if (d->val.n && d->val.x_f32) apply_standardise(&d->val, mean, inv);
  if (d->test.n && d->test.x_f32) apply_standardise(&d->test, mean, inv);
  free(mean);
}

void split_standardise_channels(Dataset *d) {
  const DataSplit *tr = &d->train;
  const size_t C = tr->channels;
  if (!tr->x_u8 || C == 0 || C > DATA_MAX_CHANNELS || tr->n == 0 || tr->dim % C) return;
  /* Exact: the statistics come from each channel's byte histogram. */
  uint64_t hist[DATA_MAX_CHANNELS][256] = {{0}};
  const size_t total = tr->n * tr->dim;
  for (size_t p = 0; p < total; p += C)
    for (size_t c = 0; c < C; c++) hist[c][tr->x_u8[p + c]]++;
  float scale[DATA_MAX_CHANNELS] = {0}, offset[DATA_MAX_CHANNELS] = {0};
  const double count = (double)(total / C);
  for (size_t c = 0; c < C; c++) {
    double sum = 0, sq = 0;
    for (int v = 0; v < 256; v++) sum += (double)v * (double)hist[c][v];
    const double mean = sum / count;
    for (int v = 0; v < 256; v++) {
      const double centred = (double)v - mean;
      sq += centred * centred * (double)hist[c][v];
    }
    const double sd = sqrt(sq / count), inv = sd > 0 ? 1.0 / sd : 1.0;
    scale[c] = (float)inv;
    offset[c] = (float)(-mean * inv);
  }
  DataSplit *splits[3] = {&d->train, &d->val, &d->test};
  for (int k = 0; k < 3; k++) {
    if (!splits[k]->n) continue;
    memcpy(splits[k]->u8_scale, scale, sizeof scale);
    memcpy(splits[k]->u8_offset, offset, sizeof offset);
  }
}

int split_classes_gap(const size_t counts[SPLIT_MAX_CLASSES], unsigned *lo, unsigned *hi) {
  unsigned top = SPLIT_MAX_CLASSES - 1;
  while (top > 0 && !counts[top]) top--;
  for (unsigned c = 0; c < top; c++) {
    if (counts[c]) continue;
    *lo = c;
    while (!counts[c + 1]) c++;
    *hi = c;
    return 1;
  }
  return 0;
}
