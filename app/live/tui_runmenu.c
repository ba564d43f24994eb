/* tui_runmenu.c — the run menu's choices and the Config they make (see
 * tui_runmenu.h). */
#include "app/live/tui_runmenu.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/cli/model_text.h"
#include "app/io/number_text.h"
#include "datasets/load.h"
#include "datasets/playground.h"

/* The models offered for flat data (the 2-D sets, CSV) and for images;
 * "+" marks a real first layer (README's recipe for the 2-D sets). */
static const char *const flat_models[] = {"mlp:128x64+", "mlp:16x8"};
static const char *const image_models[] = {"mlp:256x256", "mlp:1024x1024", "cnn:c16-p-c32-p-f64",
                                           "cnn:c32-c32-p-c64-c64-p-f256"};

static int flat_data(const char *spec) {
  return playground_parse(spec) >= 0 || strncmp(spec, "csv:", 4) == 0;
}

static int same_model(const ModelSpec *a, const ModelSpec *b) {
  char ta[128], tb[128];
  model_spec_describe(a, ta, sizeof ta);
  model_spec_describe(b, tb, sizeof tb);
  return strcmp(ta, tb) == 0;
}

/* Adds spec to the model choices unless it is one already; returns its index. */
static size_t add_model(RunMenu *m, const ModelSpec *spec) {
  for (size_t i = 0; i < m->n_model; i++)
    if (same_model(&m->model[i], spec)) return i;
  if (m->n_model == RUN_MENU_MODELS) return 0;
  m->model[m->n_model] = *spec;
  return m->n_model++;
}

/* The model choices for data[data_i]: its suggestions (with the running
 * model's activation and scaling), the running model and the typed one; the
 * chosen model stays chosen when it is among them, else the first. */
static void fill_models(RunMenu *m, const ModelSpec *chosen) {
  int flat = flat_data(m->data[m->data_i]);
  const char *const *names = flat ? flat_models : image_models;
  size_t n = flat ? sizeof flat_models / sizeof *flat_models
                  : sizeof image_models / sizeof *image_models;
  m->n_model = 0;
  for (size_t i = 0; i < n; i++) {
    char text[64], err[256];
    snprintf(text, sizeof text, "%s", names[i]);
    char *plus = strchr(text, '+');
    if (plus) *plus = 0;
    ModelSpec spec;
    if (model_text_parse(text, &spec, err, sizeof err)) continue; /* the tables parse */
    spec.real_first = plus != NULL;
    spec.ste = m->base.model.ste, spec.scale = m->base.model.scale;
    add_model(m, &spec);
  }
  add_model(m, &m->base.model);
  if (m->has_typed) add_model(m, &m->typed);
  m->model_i = 0;
  for (size_t i = 0; i < m->n_model; i++)
    if (chosen && same_model(&m->model[i], chosen)) m->model_i = i;
}

static void add_data(RunMenu *m, const char *spec) {
  for (size_t i = 0; i < m->n_data; i++)
    if (!strcmp(m->data[i], spec)) return;
  if (m->n_data < RUN_MENU_DATA) snprintf(m->data[m->n_data++], CONFIG_PATH_MAX, "%s", spec);
}

void runmenu_open(RunMenu *m, const Config *run, const char *started) {
  memset(m, 0, sizeof *m);
  m->base = *run;
  add_data(m, "glyphs");
  if (fashion_available(NULL)) add_data(m, "fashion");
  static const char *const flat[] = {"spiral", "xor", "circles", "gauss"};
  for (size_t i = 0; i < sizeof flat / sizeof *flat; i++) add_data(m, flat[i]);
  add_data(m, started);
  add_data(m, run->data);
  for (size_t i = 0; i < m->n_data; i++)
    if (!strcmp(m->data[i], run->data)) m->data_i = i;
  fill_models(m, &run->model);
  m->seed = run->train.seed;
}

void runmenu_change(RunMenu *m, RunRow row, int dir) {
  if (row == RUN_ROW_DATA) {
    ModelSpec chosen = m->model[m->model_i];
    m->data_i = (m->data_i + m->n_data + (size_t)(dir > 0 ? 1 : m->n_data - 1)) % m->n_data;
    fill_models(m, &chosen);
  } else if (row == RUN_ROW_MODEL) {
    m->model_i = (m->model_i + (size_t)(dir > 0 ? 1 : m->n_model - 1)) % m->n_model;
  } else if (row == RUN_ROW_SEED) {
    if (dir > 0 && m->seed < UINT64_MAX) m->seed++;
    if (dir < 0 && m->seed > 0) m->seed--;
  }
}

/* "TEXT [real-first] [real-last]" into *spec (the running model's
 * activation and scaling); 0, or -1 with one line in err. */
static int parse_model(const RunMenu *m, const char *text, ModelSpec *spec, char *err,
                       size_t errlen) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", text);
  char *save = NULL, *word = strtok_r(buf, " ", &save);
  if (!word) {
    snprintf(err, errlen, "model: type one, e.g. mlp:64x64 or cnn:c16-p-f64");
    return -1;
  }
  if (model_text_parse(word, spec, err, errlen)) return -1;
  spec->ste = m->base.model.ste, spec->scale = m->base.model.scale;
  while ((word = strtok_r(NULL, " ", &save))) {
    if (!strcmp(word, "real-first")) spec->real_first = 1;
    else if (!strcmp(word, "real-last")) spec->real_last = 1;
    else {
      snprintf(err, errlen, "model: '%s' is not real-first or real-last", word);
      return -1;
    }
  }
  return model_spec_check(spec, err, errlen);
}

int runmenu_type(RunMenu *m, RunRow row, const char *text, char *err, size_t errlen) {
  if (row == RUN_ROW_SEED) {
    unsigned long long seed;
    if (number_text_count(text, &seed)) {
      snprintf(err, errlen, "seed: expected a whole number 0 or more, got '%s'", text);
      return -1;
    }
    m->seed = seed;
    return 0;
  }
  if (row == RUN_ROW_DATA) {
    if (!text[0] || strchr(text, ' ')) {
      snprintf(err, errlen, "data: type one set as --data takes it, e.g. xor or csv:FILE");
      return -1;
    }
    ModelSpec chosen = m->model[m->model_i];
    add_data(m, text);
    for (size_t i = 0; i < m->n_data; i++)
      if (!strcmp(m->data[i], text)) m->data_i = i;
    fill_models(m, &chosen);
    return 0;
  }
  ModelSpec spec;
  if (parse_model(m, text, &spec, err, errlen)) return -1;
  m->typed = spec;
  m->has_typed = 1;
  m->model_i = add_model(m, &spec);
  return 0;
}

void runmenu_show(const RunMenu *m, DashUi *ui) {
  snprintf(ui->run_value[RUN_ROW_DATA], sizeof ui->run_value[0], "%s", m->data[m->data_i]);
  model_spec_describe(&m->model[m->model_i], ui->run_value[RUN_ROW_MODEL], sizeof ui->run_value[0]);
  snprintf(ui->run_value[RUN_ROW_SEED], sizeof ui->run_value[0], "%llu",
           (unsigned long long)m->seed);
  snprintf(ui->run_where[RUN_ROW_DATA], sizeof ui->run_where[0], "%zu of %zu", m->data_i + 1,
           m->n_data);
  snprintf(ui->run_where[RUN_ROW_MODEL], sizeof ui->run_where[0], "%zu of %zu", m->model_i + 1,
           m->n_model);
  ui->run_where[RUN_ROW_SEED][0] = 0;
}

void runmenu_config(const RunMenu *m, const OptConfig *opt, Config *out) {
  *out = m->base;
  const char *data = m->data[m->data_i];
  snprintf(out->data, sizeof out->data, "%s", data);
  out->model = m->model[m->model_i];
  out->train.seed = m->seed;
  out->opt = *opt;
  out->load_path[0] = 0, out->saved_precision = -1, out->saved_augment = -1;
  out->preset[0] = 0;
  int playground = playground_parse(data) >= 0, csv = strncmp(data, "csv:", 4) == 0;
  if (!playground) out->noise = 0;
  if (!playground && !csv) out->train_frac = 0;
  if (!csv) out->label_col = 0;
  if (flat_data(data)) out->train.augment = 0;
}
