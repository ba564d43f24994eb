/* checkpoint.c — writing and reading checkpoints (format in checkpoint.h).
 *
 * The writer runs twice over the same code: once to measure every section,
 * once to emit it through the caller's sink with the CRC folded in as it
 * goes. The reader also runs one code path in three modes: structure only
 * (inspect), checking values against a trainer, and applying them; a restore
 * checks everything before it changes anything.
 */
#include "engine/checkpoint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "engine/error.h"
#include "engine/model_shape.h"

enum { SEC_CONF, SEC_APPS, SEC_TRNR, SEC_DATA, SEC_MODL, SEC_REAL, SEC_RADM, SEC_OPTM, SEC_COUNT };
static const char sec_tag[SEC_COUNT][5] = {"CONF", "APPS", "TRNR", "DATA", "MODL", "REAL", "RADM",
                                           "OPTM"};

/* MODL's flags: bit 0 a real first layer, bit 1 a real last layer (version
 * 3), bit 2 a CNN whose spec and input follow (version 4). */
enum { MODL_REAL_FIRST = 1, MODL_REAL_LAST = 2, MODL_CNN = 4 };
static uint32_t model_flags(const Model *m) {
  return (m->spec.real_first ? MODL_REAL_FIRST : 0) | (m->spec.real_last ? MODL_REAL_LAST : 0) |
         (m->spec.cnn ? MODL_CNN : 0);
}

/* The version a model is written as: the oldest that can hold it (2: no
 * real layers, 3: real layers, 4: a CNN), so older flipscopes read what
 * they can. */
static uint32_t model_version(const Model *m) {
  return m->spec.cnn ? 4 : m->spec.real_first || m->spec.real_last ? 3 : 2;
}

/* Whether a checkpoint of this version has section s. */
static int section_present(int s, uint32_t version) { return s != SEC_REAL || version >= 3; }

/* ---- little-endian encoding ---- */

static void le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void le64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* ---- the data's fingerprint ---- */

/* Feature bytes read per split: enough to tell data sets apart, little enough
 * to take about a millisecond. */
#define FINGERPRINT_FEATURE_BYTES ((size_t)1 << 20)

/* Folds one split into crc. Features are hashed as they lie in memory (floats
 * in the machine's order; bytes with their scale and offset, per channel for
 * colour images, so grey sets hash as they did before channels existed). */
static uLong fingerprint_split(uLong crc, const DataSplit *d) {
  uint8_t shape[24] = {0};
  if (d) le64(shape, d->n), le64(shape + 8, d->dim), le64(shape + 16, d->classes);
  crc = crc32_z(crc, shape, sizeof shape);
  if (!d || !d->n || !d->dim) return crc;
  if (d->labels) crc = crc32_z(crc, d->labels, d->n);
  const uint8_t *x = d->x_u8 ? d->x_u8 : (const uint8_t *)d->x_f32;
  size_t row_bytes = d->dim * (d->x_u8 ? 1 : sizeof(float));
  size_t rows = FINGERPRINT_FEATURE_BYTES / row_bytes;
  rows = rows < 1 ? 1 : rows > d->n ? d->n : rows;
  for (size_t i = 0; x && i < rows; i++) {
    size_t r = (size_t)((uint64_t)i * d->n / rows); /* evenly spaced */
    crc = crc32_z(crc, x + r * row_bytes, row_bytes);
  }
  if (d->x_u8) { /* each channel's (scale, offset); one pair for grey and flat data */
    size_t pairs = d->channels > 1 ? d->channels : 1;
    float affine[2 * DATA_MAX_CHANNELS];
    for (size_t c = 0; c < pairs; c++)
      affine[2 * c] = d->u8_scale[c], affine[2 * c + 1] = d->u8_offset[c];
    crc = crc32_z(crc, (const void *)affine, 2 * pairs * sizeof *affine);
  }
  return crc;
}

uint32_t checkpoint_data_fingerprint(const DataSplit *train, const DataSplit *test) {
  return (uint32_t)fingerprint_split(fingerprint_split(crc32(0L, Z_NULL, 0), train), test);
}

/* ---- writer ---- */

typedef struct {
  CkptSink sink;      /* NULL: measuring */
  void *ctx;
  uint64_t written;
  uLong crc;
  int failed;
  size_t used;
  uint8_t buf[1 << 16];
} Writer;

static void flush(Writer *w) {
  if (w->used && w->sink && !w->failed) {
    w->crc = crc32(w->crc, w->buf, (uInt)w->used);
    if (w->sink(w->ctx, w->buf, w->used)) w->failed = 1;
  }
  w->used = 0;
}

static void put(Writer *w, const void *data, size_t len) {
  const uint8_t *p = data;
  w->written += len;
  if (!w->sink) return;
  while (len) {
    if (w->used == sizeof w->buf) flush(w);
    size_t k = sizeof w->buf - w->used < len ? sizeof w->buf - w->used : len;
    memcpy(w->buf + w->used, p, k);
    w->used += k, p += k, len -= k;
  }
}

static void put32(Writer *w, uint32_t v) {
  uint8_t b[4];
  le32(b, v);
  put(w, b, 4);
}
static void put64(Writer *w, uint64_t v) {
  uint8_t b[8];
  le64(b, v);
  put(w, b, 8);
}
static void put_f64(Writer *w, double x) {
  uint64_t u;
  memcpy(&u, &x, 8);
  put64(w, u);
}
static void put_f32s(Writer *w, const float *x, size_t n) {
  uint8_t b[4096];
  for (size_t i = 0; i < n;) {
    size_t k = 0;
    for (; k < sizeof b / 4 && i < n; k++, i++) {
      uint32_t u;
      memcpy(&u, &x[i], 4);
      le32(b + 4 * k, u);
    }
    put(w, b, 4 * k);
  }
}
/* Signs as bits: bit j (byte j / 8, LSB first) is 1 where sign[j] > 0. */
static void put_signs(Writer *w, const float *sign, size_t n) {
  uint8_t b[4096];
  for (size_t i = 0; i < n;) {
    size_t k = 0;
    for (; k < sizeof b && i < n; k++) {
      uint8_t byte = 0;
      for (int bit = 0; bit < 8 && i < n; bit++, i++) byte |= (uint8_t)((sign[i] > 0) << bit);
      b[k] = byte;
    }
    put(w, b, k);
  }
}

/* Optional last section TELE: the telemetry's flip history, when it is on.
 * u64 step, u64 layers; per layer u64 weights, ever-bit words, ever-flipped
 * count; then per layer the ever bits (u64 each) and last-flip steps (u16). */
static void write_telemetry(Writer *w, Trainer *t, uint64_t *len) {
  Telemetry *tel = trainer_telemetry(t);
  if (!tel) return;
  TrainerState st;
  trainer_state(t, &st);
  const Model *m = trainer_model(t);
  put(w, "TELE", 4);
  put64(w, *len);
  uint64_t start = w->written;
  put64(w, *st.step);
  put64(w, m->n_layers);
  TelemetryHistory h[MODEL_MAX_LAYERS];
  for (size_t l = 0; l < m->n_layers; l++) {
    telemetry_history(tel, l, &h[l]);
    put64(w, h[l].n);
    put64(w, h[l].ever_words);
    put64(w, *h[l].ever_flipped);
  }
  for (size_t l = 0; l < m->n_layers; l++) {
    for (size_t i = 0; i < h[l].ever_words; i++) put64(w, h[l].ever[i]);
    uint8_t b[4096];
    for (size_t i = 0; i < h[l].n;) {
      size_t k = 0;
      for (; k < sizeof b && i < h[l].n; k += 2, i++) b[k] = (uint8_t)h[l].last[i], b[k + 1] = (uint8_t)(h[l].last[i] >> 8);
      put(w, b, k);
    }
  }
  if (!w->sink) *len = w->written - start;
}

/* TRNR: the trainer's step, settings, schedule and epoch order. */
static void write_trnr(Writer *w, Trainer *t, const TrainerState *st) {
  const TrainConfig *c = st->cfg;
  put64(w, *st->step);
  put64(w, c->batch);
  put64(w, c->epochs);
  put64(w, c->max_steps);
  put64(w, c->eval_every);
  put_f64(w, c->real_lr);
  put64(w, c->seed);
  put32(w, (uint32_t)c->schedule.kind);
  put32(w, (uint32_t)c->schedule.per_step);
  put32(w, (uint32_t)c->schedule.n_milestones);
  for (size_t k = 0; k < c->schedule.n_milestones; k++) put64(w, c->schedule.milestones[k]);
  put64(w, trainer_total_steps(t));
  put64(w, trainer_steps_per_epoch(t));
  for (int k = 0; k < 4; k++) put64(w, st->shuffle_rng->s[k]);
  put64(w, st->train->n);
  for (size_t i = 0; i < st->train->n; i++) put32(w, st->order[i]);
}

/* MODL's CNN part: the input image, then each hidden layer's spec. */
static void write_cnn_spec(Writer *w, const ModelSpec *spec, const ModelInput *in) {
  put64(w, in->height);
  put64(w, in->width);
  put64(w, in->channels);
  put64(w, spec->n_hidden);
  for (size_t i = 0; i < spec->n_hidden; i++) {
    const LayerShape *s = &spec->shape[i];
    put64(w, spec->hidden[i]);
    uint32_t fields[5] = {(uint32_t)s->kernel, (uint32_t)s->stride, (uint32_t)s->padding,
                          (uint32_t)s->shortcut, (uint32_t)s->pool};
    for (int f = 0; f < 5; f++) put32(w, fields[f]);
  }
}

/* MODL: the shape, then each layer's signs and batch-norm parameters. */
static void write_modl(Writer *w, const Model *m) {
  put64(w, m->n_layers);
  put64(w, m->input.dim);
  put64(w, m->classes);
  if (model_version(m) >= 3) put32(w, model_flags(m));
  if (m->spec.cnn) write_cnn_spec(w, &m->spec, &m->input);
  for (size_t l = 0; l < m->n_layers; l++) {
    put64(w, m->layer[l].in);
    put64(w, m->layer[l].out);
  }
  for (size_t l = 0; l < m->n_layers; l++) {
    const Layer *L = &m->layer[l];
    put_signs(w, L->sign, L->in * L->out);
    put_f32s(w, L->bn_scale, L->out);
    put_f32s(w, L->bn_shift, L->out);
    put_f32s(w, L->run_mean, L->out);
    put_f32s(w, L->run_var, L->out);
  }
}

/* REAL: each real layer's shape, weights and batch-norm parameters. */
static void write_real(Writer *w, const Model *m) {
  const Layer *real[2] = {m->spec.real_first ? &m->real_first : NULL,
                          m->spec.real_last ? &m->real_last : NULL};
  for (int k = 0; k < 2; k++) {
    const Layer *L = real[k];
    if (!L) continue;
    put64(w, L->in);
    put64(w, L->out);
    put_f32s(w, L->sign, L->in * L->out);
    put_f32s(w, L->bn_scale, L->out);
    put_f32s(w, L->bn_shift, L->out);
    put_f32s(w, L->run_mean, L->out);
    put_f32s(w, L->run_var, L->out);
  }
}

/* OPTM: the optimizer's kind, settings, step, layer sizes and state arrays. */
static void write_optm(Writer *w, Optimizer *o) {
  const OptConfig *oc = optim_config(o);
  const OptimizerOps *ops = optim_ops(oc->kind);
  put32(w, (uint32_t)oc->kind);
  put32(w, (uint32_t)ops->states);
  const double reals[] = {oc->alpha, oc->gamma, oc->tau,       oc->sigma,    oc->lr,
                          oc->beta1, oc->beta2, oc->eps,       oc->momentum, oc->dampening,
                          oc->wd,    oc->init_scale, oc->clip};
  for (size_t k = 0; k < sizeof reals / sizeof *reals; k++) put_f64(w, reals[k]);
  put32(w, (uint32_t)oc->nesterov);
  put32(w, (uint32_t)oc->decoupled_wd);
  put32(w, (uint32_t)oc->iir_sections);
  for (int k = 0; k < OPT_MAX_SECTIONS; k++) put_f64(w, oc->iir_poles[k]);
  put32(w, (uint32_t)oc->iir_biquad);
  for (int k = 0; k < 5; k++) put_f64(w, oc->iir_coef[k]);
  put64(w, optim_steps(o));
  put64(w, optim_layers(o));
  for (size_t l = 0; l < optim_layers(o); l++) put64(w, optim_layer_size(o, l));
  for (size_t l = 0; l < optim_layers(o); l++)
    for (int k = 0; k < ops->states; k++)
      put_f32s(w, optim_state(o, l)[k], optim_layer_size(o, l));
}

/* Emits every section; sec_len[] is filled when measuring and used when not. */
static void write_sections(Writer *w, Trainer *t, const CkptExtra *x, uint32_t data_fp,
                           uint64_t *sec_len) {
  TrainerState st;
  trainer_state(t, &st);
  uint32_t version = model_version(trainer_model(t));
  for (int s = 0; s < SEC_COUNT; s++) {
    if (!section_present(s, version)) continue;
    put(w, sec_tag[s], 4);
    put64(w, sec_len[s]);
    uint64_t start = w->written;
    switch (s) {
    case SEC_CONF: put(w, x->config, x->config_len); break;
    case SEC_APPS: put(w, x->app, x->app_len); break;
    case SEC_TRNR: write_trnr(w, t, &st); break;
    case SEC_DATA: put32(w, data_fp); break;
    case SEC_MODL: write_modl(w, trainer_model(t)); break;
    case SEC_REAL: write_real(w, trainer_model(t)); break;
    case SEC_RADM:
      put64(w, st.real_opt->n);
      put64(w, st.real_opt->t);
      put_f32s(w, st.real_opt->m, st.real_opt->n);
      put_f32s(w, st.real_opt->v, st.real_opt->n);
      break;
    case SEC_OPTM: write_optm(w, trainer_optimizer(t)); break;
    }
    if (!w->sink) sec_len[s] = w->written - start;
  }
  write_telemetry(w, t, &sec_len[SEC_COUNT]);
}

int checkpoint_write(Trainer *t, const CkptExtra *extra, CkptSink sink, void *ctx, char *err,
                     size_t errlen) {
  static const CkptExtra none = {0};
  if (!extra) extra = &none;
  uint64_t sec_len[SEC_COUNT + 1] = {0};
  Writer *w = calloc(1, sizeof *w);
  if (!w) return error_fail(err, errlen, "out of memory writing a checkpoint");
  TrainerState st;
  trainer_state(t, &st);
  uint32_t data_fp = checkpoint_data_fingerprint(st.train, st.test);
  write_sections(w, t, extra, data_fp, sec_len); /* measure */
  uint64_t total = CKPT_HEADER_BYTES + w->written + 4;
  memset(w, 0, sizeof *w);
  w->sink = sink;
  w->ctx = ctx;
  w->crc = crc32(0L, Z_NULL, 0);
  put(w, CKPT_MAGIC, 8);
  put32(w, model_version(trainer_model(t)));
  put32(w, CKPT_HEADER_BYTES);
  put64(w, total);
  write_sections(w, t, extra, data_fp, sec_len);
  flush(w);
  uint8_t crc[4];
  le32(crc, (uint32_t)w->crc);
  int failed = w->failed || sink(ctx, crc, 4);
  free(w);
  return failed ? error_fail(err, errlen, "writing the checkpoint failed") : 0;
}

/* ---- reader ---- */

typedef struct {
  const uint8_t *p;
  size_t left;
  const char *sec;    /* section tag, for messages */
  int bad;
  char *err;
  size_t errlen;
} Reader;

static int corrupt(Reader *r, const char *what) {
  if (!r->bad) error_fail(r->err, r->errlen, "corrupt: section %s: %s", r->sec, what);
  r->bad = 1;
  return -1;
}

static const uint8_t *take(Reader *r, size_t n) {
  if (r->bad) return NULL;
  if (n > r->left) {
    corrupt(r, "ends early");
    return NULL;
  }
  const uint8_t *p = r->p;
  r->p += n, r->left -= n;
  return p;
}
static uint32_t get32(Reader *r) {
  const uint8_t *p = take(r, 4);
  return p ? rd32(p) : 0;
}
static uint64_t get64(Reader *r) {
  const uint8_t *p = take(r, 8);
  return p ? rd64(p) : 0;
}
static double get_f64(Reader *r) {
  uint64_t u = get64(r);
  double x;
  memcpy(&x, &u, 8);
  return x;
}
/* n floats into dst (NULL: only checked); all must be finite, and >= 0 when
 * nonneg. */
static void get_f32s(Reader *r, float *dst, size_t n, int nonneg, const char *what) {
  if (r->bad) return;
  if (n > r->left / 4) {
    corrupt(r, "ends early");
    return;
  }
  const uint8_t *p = take(r, 4 * n);
  for (size_t i = 0; i < n; i++) {
    uint32_t u = rd32(p + 4 * i);
    float x;
    memcpy(&x, &u, 4);
    if (!isfinite(x) || (nonneg && x < 0)) {
      char msg[96];
      snprintf(msg, sizeof msg, "%s holds %s", what, isfinite(x) ? "a negative value" : "NaN or infinity");
      corrupt(r, msg);
      return;
    }
    if (dst) dst[i] = x;
  }
}

/* a * b, or SIZE_MAX when that overflows. */
static size_t mul(size_t a, size_t b) {
  size_t c;
  return __builtin_mul_overflow(a, b, &c) ? SIZE_MAX : c;
}

typedef struct {
  Trainer *t;        /* NULL: structure only */
  int apply;         /* write everything into t */
  int apply_tel;     /* write the telemetry history into t (when it has telemetry) */
  int check_data;    /* refuse a data fingerprint other than data_fp */
  uint32_t data_fp;
  CkptInfo *info;
} Target;

static void read_trnr(Reader *r, const Target *g) {
  CkptInfo *in = g->info;
  in->step = get64(r);
  in->batch = get64(r);
  uint64_t epochs = get64(r), max_steps = get64(r), eval_every = get64(r);
  double real_lr = get_f64(r);
  in->seed = get64(r);
  (void)epochs, (void)max_steps, (void)eval_every, (void)real_lr;
  uint32_t kind = get32(r), per_step = get32(r), n_ms = get32(r);
  if (!r->bad && (kind > SCHED_STEP || per_step > 1 || n_ms > SCHEDULE_MAX_MILESTONES)) {
    corrupt(r, "bad schedule");
    return;
  }
  for (uint32_t k = 0; k < n_ms; k++) get64(r);
  in->total_steps = get64(r);
  in->steps_per_epoch = get64(r);
  Rng rng;
  for (int k = 0; k < 4; k++) rng.s[k] = get64(r);
  in->n_train = get64(r);
  if (r->bad) return;
  if (!(rng.s[0] | rng.s[1] | rng.s[2] | rng.s[3])) {
    corrupt(r, "the shuffle generator's state is zero");
    return;
  }
  if (in->n_train == 0 || in->n_train > UINT32_MAX || in->n_train > r->left / 4) {
    corrupt(r, "bad training-split size");
    return;
  }
  if (in->batch == 0 || in->batch > in->n_train || in->steps_per_epoch != in->n_train / in->batch) {
    corrupt(r, "bad batch size or steps per epoch");
    return;
  }
  TrainerState st;
  if (g->t) trainer_state(g->t, &st);
  if (g->apply && in->n_train != st.train->n) return; /* checked (after the model) before applying */
  /* The permutation must be one: every index below n exactly once. */
  size_t n = (size_t)in->n_train;
  uint8_t *seen = calloc(n / 8 + 1, 1);
  if (!seen) {
    corrupt(r, "out of memory checking the permutation");
    return;
  }
  const uint8_t *p = take(r, 4 * n);
  for (size_t i = 0; i < n; i++) {
    uint32_t v = rd32(p + 4 * i);
    if (v >= n || (seen[v / 8] >> (v % 8) & 1)) {
      free(seen);
      corrupt(r, "the epoch permutation is not a permutation");
      return;
    }
    seen[v / 8] |= (uint8_t)(1u << (v % 8));
  }
  free(seen);
  if (g->apply) {
    *st.step = in->step;
    *st.shuffle_rng = rng;
    for (size_t i = 0; i < n; i++) st.order[i] = rd32(p + 4 * i);
  }
}

/* A layer's out batch-norm scales, shifts and running statistics (into L
 * unless it is NULL). */
static void read_norm(Reader *r, Layer *L, size_t out) {
  get_f32s(r, L ? L->bn_scale : NULL, out, 0, "a batch-norm scale");
  get_f32s(r, L ? L->bn_shift : NULL, out, 0, "a batch-norm shift");
  get_f32s(r, L ? L->run_mean : NULL, out, 0, "a running mean");
  get_f32s(r, L ? L->run_var : NULL, out, 1, "a running variance");
}

/* Refuses a checkpoint whose model is not m's (shape or real layers). */
static void check_same_model(Reader *r, const Model *m, const CkptInfo *in) {
  char have[192], want[192], real[128] = "";
  CkptInfo mine = {.n_layers = m->n_layers, .input_dim = m->input.dim, .classes = m->classes,
                   .real_first = m->spec.real_first, .real_last = m->spec.real_last,
                   .cnn = m->spec.cnn, .spec = m->spec, .input = m->input};
  int same = m->n_layers == in->n_layers && m->input.dim == in->input_dim &&
             m->classes == in->classes && m->spec.real_first == in->real_first &&
             m->spec.real_last == in->real_last && m->spec.cnn == in->cnn;
  for (size_t l = 0; same && l < m->n_layers; l++)
    same = m->layer[l].in == in->layer_in[l] && m->layer[l].out == in->layer_out[l];
  if (same && in->cnn) { /* the same spec on an image of the same shape */
    checkpoint_model_name(in, have, sizeof have);
    checkpoint_model_name(&mine, want, sizeof want);
    same = strcmp(have, want) == 0;
  }
  if (same) return;
  for (size_t l = 0; l < m->n_layers; l++)
    mine.layer_in[l] = m->layer[l].in, mine.layer_out[l] = m->layer[l].out;
  checkpoint_model_name(in, have, sizeof have);
  checkpoint_model_name(&mine, want, sizeof want);
  if (m->spec.real_first != in->real_first || m->spec.real_last != in->real_last)
    snprintf(real, sizeof real, ", %s, %s", error_setting("real-first").text,
             error_setting("real-last").text);
  error_fail(r->err, r->errlen, "the checkpoint's model is %s; this run's %s%s and %s make %s", have,
       error_setting("model").text, real, error_setting("data").text, want);
  r->bad = 1;
}

/* MODL's CNN part (version 4): the spec must give, from its input, the
 * binary layers MODL lists. */
static void read_cnn_shape(Reader *r, CkptInfo *in) {
  uint64_t h = get64(r), w = get64(r), c = get64(r), hidden = get64(r);
  if (r->bad) return;
  if (!h || !w || !c || hidden >= MODEL_MAX_LAYERS || mul(mul(h, w), c) != in->input_dim) {
    corrupt(r, "the CNN's input or layer count is bad");
    return;
  }
  ModelSpec *spec = &in->spec;
  *spec = (ModelSpec){.n_hidden = (size_t)hidden, .cnn = 1, .real_first = in->real_first,
                      .real_last = in->real_last};
  for (size_t i = 0; i < spec->n_hidden; i++) {
    uint64_t units = get64(r);
    uint32_t f[5];
    for (int k = 0; k < 5; k++) f[k] = get32(r);
    if (r->bad) return;
    if (!units || units > MODEL_MAX_WIDTH || f[0] > 63 || f[1] > 63 || f[2] > CONV_VALID ||
        f[3] > 1 || f[4] > POOL_GLOBAL) {
      corrupt(r, "a CNN layer's spec is out of range");
      return;
    }
    spec->hidden[i] = (size_t)units;
    spec->shape[i] = (LayerShape){f[0], f[1], (ConvPadding)f[2], (int)f[3], (PoolKind)f[4]};
  }
  in->input = (ModelInput){in->input_dim, (size_t)h, (size_t)w, (size_t)c};
  Model shape;
  char why[256];
  if (model_shape(&shape, spec, &in->input, in->classes, 1, why, sizeof why) ||
      shape.n_layers != in->n_layers) {
    corrupt(r, "the CNN's spec does not fit its input");
    return;
  }
  for (size_t l = 0; l < in->n_layers; l++) {
    uint64_t a = get64(r), b = get64(r);
    if (r->bad) return;
    if (a != shape.layer[l].in || b != shape.layer[l].out) {
      corrupt(r, "layer shapes do not match the CNN's spec");
      return;
    }
    in->layer_in[l] = (size_t)a;
    in->layer_out[l] = (size_t)b;
  }
  const Layer *real[2] = {&shape.real_first, &shape.real_last};
  for (int k = 0; k < 2; k++) in->real_in[k] = real[k]->in, in->real_out[k] = real[k]->out;
}

/* An MLP's layers (versions 2 and 3): the binary layers chain from the
 * inputs (or the real first layer) to the classes (or the real last layer). */
static void read_mlp_shape(Reader *r, CkptInfo *in) {
  for (size_t l = 0; l < in->n_layers; l++) {
    uint64_t a = get64(r), b = get64(r);
    if (r->bad) return;
    int free_in = l == 0 && in->real_first, last = l + 1 == in->n_layers;
    uint64_t want_in = l ? in->layer_out[l - 1] : in->input_dim;
    if ((free_in ? a == 0 || a > MODEL_MAX_WIDTH : a != want_in) || b == 0 ||
        (last && !in->real_last ? b != in->classes : b > MODEL_MAX_WIDTH)) {
      corrupt(r, "layer shapes do not chain from the inputs to the classes");
      return;
    }
    in->layer_in[l] = (size_t)a;
    in->layer_out[l] = (size_t)b;
  }
  if (in->real_first) in->real_in[0] = in->input_dim, in->real_out[0] = in->layer_in[0];
  if (in->real_last) in->real_in[1] = in->layer_out[in->n_layers - 1], in->real_out[1] = in->classes;
}

/* MODL's shape. */
static void read_shape(Reader *r, CkptInfo *in) {
  uint64_t layers = get64(r), input = get64(r), classes = get64(r);
  uint32_t flags = in->version >= 3 ? get32(r) : 0;
  uint32_t known = MODL_REAL_FIRST | MODL_REAL_LAST | (in->version >= 4 ? MODL_CNN : 0);
  if (r->bad) return;
  int real = (flags & MODL_REAL_FIRST) + !!(flags & MODL_REAL_LAST);
  if (layers == 0 || layers > MODEL_MAX_LAYERS || input == 0 || classes == 0 || classes > 256 ||
      (flags & ~known) || layers + (size_t)real > MODEL_MAX_LAYERS) {
    corrupt(r, "bad model shape");
    return;
  }
  in->n_layers = (size_t)layers;
  in->input_dim = (size_t)input;
  in->classes = (size_t)classes;
  in->real_first = !!(flags & MODL_REAL_FIRST);
  in->real_last = !!(flags & MODL_REAL_LAST);
  in->cnn = !!(flags & MODL_CNN);
  if (in->cnn) read_cnn_shape(r, in);
  else read_mlp_shape(r, in);
}

static void read_modl(Reader *r, const Target *g) {
  CkptInfo *in = g->info;
  read_shape(r, in);
  if (r->bad) return;
  Model *m = g->t ? trainer_model(g->t) : NULL;
  if (m) check_same_model(r, m, in);
  for (size_t l = 0; l < in->n_layers && !r->bad; l++) {
    size_t n = mul(in->layer_in[l], in->layer_out[l]), out = in->layer_out[l];
    size_t bytes = n == SIZE_MAX ? SIZE_MAX : n / 8 + (n % 8 != 0);
    const uint8_t *bits = take(r, bytes);
    if (!bits) return;
    Layer *L = m && g->apply ? &m->layer[l] : NULL;
    if (L)
      for (size_t j = 0; j < n; j++) L->sign[j] = (bits[j / 8] >> (j % 8) & 1) ? 1.0f : -1.0f;
    read_norm(r, L, out);
    if (L) model_repack(m, l);
  }
}

/* The real layers' shapes (in, out) from MODL's: [0] first, [1] last; 0 x 0
 * for one the model does not have. */
static void real_shapes(const CkptInfo *in, size_t shape[2][2]) {
  for (int k = 0; k < 2; k++) shape[k][0] = in->real_in[k], shape[k][1] = in->real_out[k];
}

static void read_real(Reader *r, const Target *g) {
  const CkptInfo *in = g->info;
  Model *m = g->t && g->apply ? trainer_model(g->t) : NULL;
  Layer *real[2] = {m ? &m->real_first : NULL, m ? &m->real_last : NULL};
  size_t shape[2][2];
  real_shapes(in, shape);
  for (int k = 0; k < 2 && !r->bad; k++) {
    if (!shape[k][1]) continue;
    uint64_t a = get64(r), b = get64(r);
    if (r->bad) return;
    if (a != shape[k][0] || b != shape[k][1]) {
      corrupt(r, "a real layer's shape does not chain with the binary layers");
      return;
    }
    get_f32s(r, real[k] ? real[k]->sign : NULL, mul(shape[k][0], shape[k][1]), 0,
             "a real layer's weight");
    read_norm(r, real[k], shape[k][1]);
  }
}

static void read_radm(Reader *r, const Target *g) {
  uint64_t n = get64(r), t = get64(r);
  if (r->bad) return;
  size_t want = 0, shape[2][2];
  for (size_t l = 0; l < g->info->n_layers; l++) want += 2 * g->info->layer_out[l];
  real_shapes(g->info, shape);
  for (int k = 0; k < 2; k++) want += shape[k][0] * shape[k][1] + 2 * shape[k][1];
  if (n != want) {
    corrupt(r, "the Adam state does not match the real parameters");
    return;
  }
  RealAdam *ra = NULL;
  if (g->t && g->apply) {
    TrainerState st;
    trainer_state(g->t, &st);
    ra = st.real_opt;
    ra->t = t;
  }
  get_f32s(r, ra ? ra->m : NULL, (size_t)n, 0, "Adam's first moment");
  get_f32s(r, ra ? ra->v : NULL, (size_t)n, 1, "Adam's second moment");
}

static void read_optm(Reader *r, const Target *g) {
  CkptInfo *in = g->info;
  OptConfig *c = &in->opt;
  uint32_t kind = get32(r), states = get32(r);
  if (r->bad) return;
  const OptimizerOps *ops = kind < OPT_KIND_COUNT ? optim_ops((OptKind)kind) : NULL;
  if (!ops || states != (uint32_t)ops->states) {
    corrupt(r, "unknown optimizer or state count");
    return;
  }
  c->kind = (OptKind)kind;
  double *reals[] = {&c->alpha, &c->gamma, &c->tau,   &c->sigma,     &c->lr,
                     &c->beta1, &c->beta2, &c->eps,   &c->momentum,  &c->dampening,
                     &c->wd,    &c->init_scale, &c->clip};
  for (size_t k = 0; k < sizeof reals / sizeof *reals; k++) *reals[k] = get_f64(r);
  c->nesterov = (int)get32(r);
  c->decoupled_wd = (int)get32(r);
  c->iir_sections = (int)get32(r);
  for (int k = 0; k < OPT_MAX_SECTIONS; k++) c->iir_poles[k] = get_f64(r);
  c->iir_biquad = (int)get32(r);
  for (int k = 0; k < 5; k++) c->iir_coef[k] = get_f64(r);
  in->opt_steps = get64(r);
  uint64_t layers = get64(r);
  if (r->bad) return;
  if (layers != in->n_layers) {
    corrupt(r, "the optimizer's layers do not match the model");
    return;
  }
  for (size_t l = 0; l < in->n_layers; l++)
    if (get64(r) != mul(in->layer_in[l], in->layer_out[l]) && !r->bad) {
      corrupt(r, "an optimizer layer's size does not match the model");
      return;
    }
  Optimizer *o = g->t ? trainer_optimizer(g->t) : NULL;
  if (o && optim_config(o)->kind != c->kind) {
    error_fail(r->err, r->errlen, "the checkpoint's optimizer is %s; this run's %s is %s", ops->name,
         error_setting("opt").text, optim_ops(optim_config(o)->kind)->name);
    r->bad = 1;
    return;
  }
  for (size_t l = 0; l < in->n_layers; l++)
    for (uint32_t k = 0; k < states; k++)
      get_f32s(r, o && g->apply ? optim_state(o, l)[k] : NULL,
               mul(in->layer_in[l], in->layer_out[l]), 0, "the optimizer state");
  if (o && g->apply && !r->bad) optim_set_steps(o, in->opt_steps);
}

static void read_tele(Reader *r, const Target *g) {
  CkptInfo *in = g->info;
  uint64_t step = get64(r), layers = get64(r);
  if (r->bad) return;
  if (step != in->step || layers != in->n_layers) {
    corrupt(r, "the flip history does not match the model or the step");
    return;
  }
  uint64_t n[MODEL_MAX_LAYERS], words[MODEL_MAX_LAYERS], ever_flipped[MODEL_MAX_LAYERS];
  for (size_t l = 0; l < in->n_layers; l++) {
    n[l] = get64(r), words[l] = get64(r), ever_flipped[l] = get64(r);
    if (r->bad) return;
    size_t in_l = in->layer_in[l], out_l = in->layer_out[l];
    if (n[l] != mul(in_l, out_l) || words[l] != mul(out_l, (in_l + 63) / 64) ||
        ever_flipped[l] > n[l]) {
      corrupt(r, "the flip history's sizes do not match the model");
      return;
    }
  }
  Telemetry *tel = g->t && g->apply_tel ? trainer_telemetry(g->t) : NULL;
  for (size_t l = 0; l < in->n_layers && !r->bad; l++) {
    TelemetryHistory h;
    if (tel && (telemetry_history(tel, l, &h) || h.n != n[l] || h.ever_words != words[l])) tel = NULL;
    if (words[l] > r->left / 8) {
      corrupt(r, "ends early");
      return;
    }
    const uint8_t *ever = take(r, 8 * (size_t)words[l]);
    if (n[l] > r->left / 2) {
      corrupt(r, "ends early");
      return;
    }
    const uint8_t *last = take(r, 2 * (size_t)n[l]);
    /* The count must be the bits' own, and no bit may lie past a row's end. */
    size_t in_l = in->layer_in[l], row_words = (in_l + 63) / 64, count = 0;
    uint64_t pad = in_l % 64 ? ~0ull << (in_l % 64) : 0;
    for (size_t i = 0; i < words[l]; i++) {
      uint64_t v = rd64(ever + 8 * i);
      if (i % row_words == row_words - 1 && (v & pad)) {
        corrupt(r, "the flip history has bits past a row's end");
        return;
      }
      count += (size_t)__builtin_popcountll(v);
    }
    if (count != ever_flipped[l]) {
      corrupt(r, "the flip history's count does not match its bits");
      return;
    }
    if (!tel) continue;
    for (size_t i = 0; i < words[l]; i++) h.ever[i] = rd64(ever + 8 * i);
    for (size_t i = 0; i < n[l]; i++) h.last[i] = (uint16_t)(last[2 * i] | last[2 * i + 1] << 8);
    *h.ever_flipped = (size_t)ever_flipped[l];
  }
  if (tel && !r->bad) telemetry_history_restored(tel, trainer_model(g->t));
  in->has_telemetry = !r->bad;
}

/* The header, the length and the checksum: 0, or -1 with a message. */
static int check_envelope(const uint8_t *buf, size_t len, CkptInfo *in, char *err, size_t errlen) {
  const size_t magic_len = strlen(CKPT_MAGIC);
  if (len == 0) return error_fail(err, errlen, "empty file (0 bytes; truncated?)");
  if (memcmp(buf, CKPT_MAGIC, len < magic_len ? len : magic_len) != 0)
    return error_fail(err, errlen, "not a flipscope checkpoint (bad magic; expected \"%s\")", CKPT_MAGIC);
  if (len < CKPT_HEADER_BYTES)
    return error_fail(err, errlen, "truncated: %zu bytes, shorter than the %d-byte header", len,
                CKPT_HEADER_BYTES);
  in->version = rd32(buf + 8);
  if (in->version < CKPT_VERSION_OLDEST || in->version > CKPT_VERSION)
    return error_fail(err, errlen, "checkpoint format version %u; this flipscope reads versions %d to %d",
                (unsigned)in->version, CKPT_VERSION_OLDEST, CKPT_VERSION);
  if (rd32(buf + 12) != CKPT_HEADER_BYTES)
    return error_fail(err, errlen, "corrupt: header size %u, expected %d", (unsigned)rd32(buf + 12),
                CKPT_HEADER_BYTES);
  in->bytes = rd64(buf + 16);
  if (in->bytes > len)
    return error_fail(err, errlen, "truncated: %zu of %llu bytes", len, (unsigned long long)in->bytes);
  if (in->bytes < len)
    return error_fail(err, errlen, "corrupt: %zu bytes after the checkpoint's end at byte %llu",
                len - (size_t)in->bytes, (unsigned long long)in->bytes);
  if (len < CKPT_HEADER_BYTES + 4)
    return error_fail(err, errlen, "truncated: %zu bytes, no room for the checksum", len);
  uint32_t stored = rd32(buf + len - 4);
  uint32_t actual = (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), buf, len - 4);
  if (stored != actual)
    return error_fail(err, errlen, "checksum mismatch (stored %08x, computed %08x): the file is corrupt",
                (unsigned)stored, (unsigned)actual);
  return 0;
}

/* The n bytes after a section's tag and length in body: *r reads them, and
 * body moves past them. */
static int enter_section(Reader *body, const char *tag, uint64_t n, Reader *r) {
  if (n > body->left) {
    body->sec = tag;
    return corrupt(body, "longer than the file");
  }
  *r = (Reader){.p = body->p, .left = (size_t)n, .sec = tag, .err = body->err,
                .errlen = body->errlen};
  take(body, (size_t)n);
  return 0;
}

/* After a section was read with r: 0, or -1 when it was bad or has bytes left. */
static int leave_section(Reader *r) {
  if (r->bad) return -1;
  if (r->left) return corrupt(r, "unexpected bytes at its end");
  return 0;
}

/* Reads section s (one of sec_tag) with r. */
static void read_section(Reader *r, int s, const Target *g) {
  CkptInfo *in = g->info;
  switch (s) {
  case SEC_CONF:
    in->config = (const char *)r->p;
    in->config_len = r->left;
    take(r, r->left);
    break;
  case SEC_APPS:
    in->app = r->p;
    in->app_len = r->left;
    take(r, r->left);
    break;
  case SEC_TRNR: read_trnr(r, g); break;
  case SEC_DATA: in->data_fingerprint = get32(r); break;
  case SEC_MODL: read_modl(r, g); break;
  case SEC_REAL: read_real(r, g); break;
  case SEC_RADM: read_radm(r, g); break;
  case SEC_OPTM: read_optm(r, g); break;
  }
}

/* The data and the batch against the trainer's, after the model: its
 * mismatch says more. 0, or -1 with a message. */
static int check_run(const CkptInfo *in, const Target *g, char *err, size_t errlen) {
  TrainerState st;
  trainer_state(g->t, &st);
  if (in->n_train != st.train->n)
    return error_fail(err, errlen,
                "the checkpoint was trained on %llu samples, this data's training split has %zu "
                "(another data set, %s or %s?)",
                (unsigned long long)in->n_train, st.train->n, error_setting("train-frac").text,
                error_setting("val-frac").text);
  if (in->batch != st.cfg->batch)
    return error_fail(err, errlen, "the checkpoint was trained with %s %llu, not %zu",
                error_setting("batch").text, (unsigned long long)in->batch, st.cfg->batch);
  if (g->check_data && in->data_fingerprint != g->data_fp)
    return error_fail(err, errlen, "saved with different data (fingerprint %08x, this data %08x)",
                (unsigned)in->data_fingerprint, (unsigned)g->data_fp);
  return 0;
}

static int parse(const uint8_t *buf, size_t len, const Target *g, char *err, size_t errlen) {
  CkptInfo *in = g->info;
  memset(in, 0, sizeof *in);
  if (check_envelope(buf, len, in, err, errlen)) return -1;
  Reader body = {.p = buf + CKPT_HEADER_BYTES, .left = len - CKPT_HEADER_BYTES - 4,
                 .sec = "header", .err = err, .errlen = errlen};
  for (int s = 0; s < SEC_COUNT; s++) {
    if (!section_present(s, in->version)) continue;
    const uint8_t *tag = take(&body, 4);
    uint64_t n = get64(&body);
    if (body.bad) return -1;
    if (memcmp(tag, sec_tag[s], 4) != 0) {
      char msg[64];
      snprintf(msg, sizeof msg, "expected section %s here", sec_tag[s]);
      return corrupt(&body, msg);
    }
    Reader r;
    if (enter_section(&body, sec_tag[s], n, &r)) return -1;
    read_section(&r, s, g);
    if (leave_section(&r)) return -1;
  }
  if (body.left >= 12 && memcmp(body.p, "TELE", 4) == 0) { /* optional */
    take(&body, 4);
    Reader r;
    if (enter_section(&body, "TELE", get64(&body), &r)) return -1;
    read_tele(&r, g);
    if (leave_section(&r)) return -1;
  }
  if (body.left) return corrupt(&body, "unexpected bytes after the last section");
  return g->t ? check_run(in, g, err, errlen) : 0;
}

int checkpoint_inspect(const uint8_t *buf, size_t len, CkptInfo *info, char *err, size_t errlen) {
  Target g = {.info = info};
  return parse(buf, len, &g, err, errlen);
}

int checkpoint_restore(Trainer *t, const uint8_t *buf, size_t len, char *err, size_t errlen) {
  CkptInfo info;
  TrainerState st;
  trainer_state(t, &st);
  Target check = {.t = t, .check_data = 1,
                  .data_fp = checkpoint_data_fingerprint(st.train, st.test), .info = &info};
  Target apply = {.t = t, .apply = 1, .apply_tel = 1, .info = &info};
  if (parse(buf, len, &check, err, errlen)) return -1;
  if (parse(buf, len, &apply, err, errlen)) return -1; /* cannot fail after the check */
  Telemetry *tel = trainer_telemetry(t);
  if (tel && !info.has_telemetry) telemetry_resync(tel, trainer_model(t), 1);
  return 0;
}

int checkpoint_restore_telemetry(Trainer *t, const uint8_t *buf, size_t len, char *err,
                                 size_t errlen) {
  Telemetry *tel = trainer_telemetry(t);
  if (!tel) return 1;
  CkptInfo info;
  Target check = {.t = t, .info = &info}, apply = {.t = t, .apply_tel = 1, .info = &info};
  TrainerState st;
  trainer_state(t, &st);
  if (parse(buf, len, &check, err, errlen)) return -1;
  if (info.step != *st.step || !info.has_telemetry) {
    telemetry_resync(tel, trainer_model(t), 1);
    return 1;
  }
  return parse(buf, len, &apply, err, errlen);
}

void checkpoint_model_name(const CkptInfo *info, char *buf, size_t len) {
  char name[160];
  if (info->cnn) {
    const ModelInput *in = &info->input;
    model_spec_describe(&info->spec, name, sizeof name);
    snprintf(buf, len, "%s (%zux%zux%zu images, %zu classes)", name, in->height, in->width,
             in->channels, info->classes);
    return;
  }
  /* Hidden widths: the real first layer's, then each binary layer's but the last
   * binary layer's when that gives the classes. */
  ModelSpec spec = {.real_first = info->real_first, .real_last = info->real_last};
  if (info->real_first && info->n_layers) spec.hidden[spec.n_hidden++] = info->layer_in[0];
  size_t binary_hidden = info->n_layers ? info->n_layers - !info->real_last : 0;
  for (size_t l = 0; l < binary_hidden && spec.n_hidden < MODEL_MAX_LAYERS - 1; l++)
    spec.hidden[spec.n_hidden++] = info->layer_out[l];
  model_spec_describe(&spec, name, sizeof name);
  snprintf(buf, len, "%s (%zu inputs, %zu classes)", name, info->input_dim, info->classes);
}
