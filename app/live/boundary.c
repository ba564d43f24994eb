/* boundary.c — the decision-boundary grid (see boundary.h). */
#include "app/live/boundary.h"

#include <math.h>
#include <string.h>

#define CHUNK 256 /* grid points per forward pass (<= any model's batch_cap) */

/* The plane: the points' range in each feature, with a tenth more on each side. */
static void plane_of(const DataSplit *train, DashBoundary *out) {
  float lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY}, x[2];
  uint8_t y;
  for (size_t i = 0; i < train->n; i++) {
    data_gather_range(train, i, 1, x, &y);
    for (int k = 0; k < 2; k++) lo[k] = fminf(lo[k], x[k]), hi[k] = fmaxf(hi[k], x[k]);
  }
  for (int k = 0; k < 2; k++) {
    float pad = (hi[k] - lo[k]) * 0.1f + 1e-3f;
    lo[k] -= pad, hi[k] += pad;
  }
  out->x0 = lo[0], out->x1 = hi[0], out->y0 = lo[1], out->y1 = hi[1];
}

/* Every (n / DASH_POINTS)-th training point, so the subset spreads over the split. */
static void points_of(const DataSplit *train, DashBoundary *out) {
  size_t n = train->n < DASH_POINTS ? train->n : DASH_POINTS;
  for (size_t j = 0; j < n; j++) {
    float x[2];
    data_gather_range(train, j * train->n / n, 1, x, &out->pc[j]);
    out->px[j] = x[0], out->py[j] = x[1];
  }
  out->n_points = n;
}

/* Class and confidence of one row of logits: the top probability, rescaled
 * so that a tie among all classes is 0 and certainty 255. */
static void decide(const float *logits, size_t classes, uint8_t *cls, uint8_t *conf) {
  size_t best = 0;
  for (size_t k = 1; k < classes; k++)
    if (logits[k] > logits[best]) best = k;
  double sum = 0;
  for (size_t k = 0; k < classes; k++) sum += exp((double)logits[k] - logits[best]);
  double p = 1.0 / sum, chance = 1.0 / (double)classes;
  double q = classes > 1 ? (p - chance) / (1.0 - chance) : 1.0;
  *cls = (uint8_t)best;
  *conf = (uint8_t)lround(255.0 * fmin(1.0, fmax(0.0, q)));
}

void boundary_compute(Trainer *t, const DataSplit *train, DashBoundary *out) {
  out->valid = 0;
  if (train->dim != 2 || train->n == 0) return;
  plane_of(train, out);
  points_of(train, out);
  Model *m = trainer_model(t);
  float x[CHUNK * 2];
  const size_t cells = DASH_GRID_W * DASH_GRID_H;
  for (size_t first = 0; first < cells; first += CHUNK) {
    size_t B = cells - first < CHUNK ? cells - first : CHUNK;
    for (size_t i = 0; i < B; i++) {
      size_t col = (first + i) % DASH_GRID_W, row = (first + i) / DASH_GRID_W;
      x[2 * i] = out->x0 + (out->x1 - out->x0) * ((float)col + 0.5f) / DASH_GRID_W;
      x[2 * i + 1] = out->y1 - (out->y1 - out->y0) * ((float)row + 0.5f) / DASH_GRID_H;
    }
    const float *logits = model_forward(m, x, B, 0);
    for (size_t i = 0; i < B; i++) {
      size_t col = (first + i) % DASH_GRID_W, row = (first + i) / DASH_GRID_W;
      decide(logits + i * m->classes, m->classes, &out->cls[row][col], &out->conf[row][col]);
    }
  }
  TrainerState st;
  trainer_state(t, &st);
  out->step = *st.step;
  out->valid = 1;
}
