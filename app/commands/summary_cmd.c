/* summary_cmd.c — `flipscope --model SPEC --summary`: the model's layers as
 * larq.models.summary prints them (summary_cmd.h). */
#include "app/commands/summary_cmd.h"

#include <stdio.h>
#include <string.h>

#include "app/cli/errors.h"
#include "app/run/session.h"
#include "engine/model_shape.h"
#include "engine/trainer.h"

/* One row's figures; binary ones have 1-bit weights, real ones 32-bit. */
typedef struct {
  double binary_params, real_params, binary_macs, real_macs;
} Figures;

static void add(Figures *total, const Figures *f) {
  total->binary_params += f->binary_params;
  total->real_params += f->real_params;
  total->binary_macs += f->binary_macs;
  total->real_macs += f->real_macs;
}

/* "conv 3x3 s2 valid, shortcut, max pool" or "dense". */
static void layer_kind(const Layer *L, int real, char *buf, size_t len) {
  static const char *pool[] = {"", ", max pool", ", avg pool", ", global avg"};
  if (!L->conv)
    snprintf(buf, len, "%sdense", real ? "real " : "");
  else
    snprintf(buf, len, "%sconv %zux%zu s%zu %s%s%s", real ? "real " : "", L->geom.kernel,
             L->geom.kernel, L->geom.stride, L->geom.padding == CONV_VALID ? "valid" : "same",
             L->shortcut ? ", shortcut" : "", pool[L->pool]);
}

static void shape_text(size_t h, size_t w, size_t c, char *buf, size_t len) {
  if (h) snprintf(buf, len, "%zux%zux%zu", h, w, c);
  else snprintf(buf, len, "%zu", c);
}

/* A count with thousands separators ("1,234,567"), "-" for zero. */
static const char *count_text(double x, char *buf, size_t len) {
  if (x == 0) return "-";
  char digits[32];
  int n = snprintf(digits, sizeof digits, "%.0f", x);
  size_t used = 0;
  for (int i = 0; i < n && used + 2 < len; i++) {
    if (i && (n - i) % 3 == 0) buf[used++] = ',';
    buf[used++] = digits[i];
  }
  buf[used] = 0;
  return buf;
}

/* Prints layer d of the sequence (the input it reads in *h, *w, *c, moved on). */
static void print_layer(const Model *m, const Layer *L, size_t d, size_t *h, size_t *w, size_t *c,
                        Figures *total) {
  int real = L == &m->real_first || L == &m->real_last;
  int binary_input = d > 0 && !real;
  double weights = (double)L->in * (double)L->out;
  double positions = L->conv ? (double)(L->geom.out_height * L->geom.out_width) : 1;
  Figures f = {real ? 0 : weights, (real ? weights : 0) + 2.0 * (double)L->out, 0, 0};
  *(binary_input ? &f.binary_macs : &f.real_macs) = positions * weights;
  char kind[64], in[32], out[32], bp[32], rp[32], bm[32], rm[32];
  layer_kind(L, real, kind, sizeof kind);
  shape_text(*h, *w, *c, in, sizeof in);
  int image = L->conv && L->pixels > 0;
  *h = image ? L->out_height : 0, *w = image ? L->out_width : 0, *c = L->out;
  shape_text(*h, *w, *c, out, sizeof out);
  double kb = (f.binary_params / 8 + f.real_params * 4) / 1024;
  printf("%2zu  %-34s %-10s %-10s %11s %9s %9.2f %13s %12s\n", d + 1, kind, in, out,
         count_text(f.binary_params, bp, sizeof bp), count_text(f.real_params, rp, sizeof rp), kb,
         count_text(f.binary_macs, bm, sizeof bm), count_text(f.real_macs, rm, sizeof rm));
  add(total, &f);
}

static void print_table(const Model *m, const char *data) {
  char spec[160];
  model_spec_describe(&m->spec, spec, sizeof spec);
  printf("%s on %s: %zu inputs%s, %zu classes\n", spec, data, m->input.dim,
         m->spec.cnn ? " as an image" : "", m->classes);
  printf("%2s  %-34s %-10s %-10s %11s %9s %9s %13s %12s\n", "#", "layer", "input", "output",
         "1-bit par.", "32-bit p.", "memory kB", "1-bit MACs", "32-bit MACs");
  Layer *seq[MODEL_MAX_LAYERS + 2];
  size_t n = model_sequence((Model *)m, seq);
  size_t h = m->spec.cnn ? m->input.height : 0, w = m->input.width;
  size_t c = m->spec.cnn ? m->input.channels : m->input.dim;
  Figures total = {0};
  for (size_t d = 0; d < n; d++) print_layer(m, seq[d], d, &h, &w, &c, &total);
  char bp[32], rp[32], bm[32], rm[32];
  double kb = (total.binary_params / 8 + total.real_params * 4) / 1024;
  double float_kb = (total.binary_params + total.real_params) * 4 / 1024;
  printf("%2s  %-34s %-10s %-10s %11s %9s %9.2f %13s %12s\n", "", "total", "", "",
         count_text(total.binary_params, bp, sizeof bp),
         count_text(total.real_params, rp, sizeof rp), kb,
         count_text(total.binary_macs, bm, sizeof bm), count_text(total.real_macs, rm, sizeof rm));
  printf("model size %.2f kB (binary weights 1 bit each, real parameters 32 bits); as float32 "
         "%.2f kB, %.1fx larger\n", kb, float_kb, kb > 0 ? float_kb / kb : 0);
  printf("32-bit parameters count each layer's batch-norm scale and shift (its running mean and "
         "variance, 2 more per channel, are not trained); MACs are per sample, a layer's 1-bit "
         "when both its input and its weights are binary\n");
}

int summary_command(const Config *cfg) {
  char err[512];
  Dataset data = {0};
  DatasetOptions dopt = session_dataset_options(cfg);
  int rc = dataset_load(cfg->data, &dopt, &data, err, sizeof err);
  if (rc == 0) {
    Model shape;
    ModelInput in = trainer_model_input(&data.train);
    rc = model_shape(&shape, &cfg->model, &in, data.train.classes, 1, err, sizeof err);
    if (rc == 0) print_table(&shape, data.name);
  }
  if (rc) fprintf(stderr, "flipscope: %s\n", err);
  dataset_free(&data);
  return rc ? errors_exit_status(rc) : EXIT_OK;
}
