/* model_shape.c — a model spec as text, its checks, and the layers' shapes
 * (model_shape.h). */
#include "engine/model_shape.h"

#include <stdio.h>
#include <string.h>

#include "engine/error.h"

/* A convolution's text: "c64", then k K (K != 3), s S (S > 1), v, r. */
static size_t conv_text(size_t units, const LayerShape *s, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "c%zu", units);
  if (s->kernel != 3 && used < len) used += (size_t)snprintf(buf + used, len - used, "k%zu", s->kernel);
  if (s->stride > 1 && used < len) used += (size_t)snprintf(buf + used, len - used, "s%zu", s->stride);
  if (s->padding == CONV_VALID && used < len) used += (size_t)snprintf(buf + used, len - used, "v");
  if (s->shortcut && used < len) used += (size_t)snprintf(buf + used, len - used, "r");
  return used;
}

/* Hidden layer i as its spec text has it: "c64r-p", "f256". */
static void layer_text(const ModelSpec *spec, size_t i, char *buf, size_t len) {
  const LayerShape *s = &spec->shape[i];
  if (!s->kernel) {
    snprintf(buf, len, "f%zu", spec->hidden[i]);
    return;
  }
  size_t used = conv_text(spec->hidden[i], s, buf, len);
  static const char pool_text[][3] = {"", "-p", "-a", "-g"};
  if (used < len) snprintf(buf + used, len - used, "%s", pool_text[s->pool]);
}

void model_spec_format(const ModelSpec *spec, char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, spec->cnn ? "cnn:" : "mlp:");
  char layer[64];
  for (size_t i = 0; i < spec->n_hidden && used < len; i++) {
    if (spec->cnn) layer_text(spec, i, layer, sizeof layer);
    else snprintf(layer, sizeof layer, "%zu", spec->hidden[i]);
    used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? (spec->cnn ? "-" : "x") : "", layer);
  }
}

void model_spec_describe(const ModelSpec *spec, char *buf, size_t len) {
  model_spec_format(spec, buf, len);
  size_t used = strlen(buf);
  if (spec->real_first && used < len) used += (size_t)snprintf(buf + used, len - used, " real-first");
  if (spec->real_last && used < len) used += (size_t)snprintf(buf + used, len - used, " real-last");
  if (spec->ste != STE_HARDTANH && used < len)
    used += (size_t)snprintf(buf + used, len - used, " ste %s", ste_names[spec->ste]);
  if (spec->scale != SCALE_NONE && used < len)
    snprintf(buf + used, len - used, " scale %s", scale_names[spec->scale]);
}

/* The spec must leave a binary layer between the real ones. */
static int check_binary_layer(const ModelSpec *spec, char *err, size_t errlen) {
  int real = (spec->real_first != 0) + (spec->real_last != 0);
  if (spec->n_hidden + 1 > (size_t)real) return 0;
  char which[128];
  if (real == 2)
    snprintf(which, sizeof which, "%s and %s leave", error_setting("real-first").text,
             error_setting("real-last").text);
  else
    snprintf(which, sizeof which, "%s leaves",
             error_setting(spec->real_first ? "real-first" : "real-last").text);
  snprintf(err, errlen, "%s no binary layer: give %s at least %d hidden layer%s", which,
           error_setting("model").text, real, real == 2 ? "s" : "");
  return -1;
}

/* Writes "--model cnn:...: layer 2 (c64r): " into err; returns its length. */
static size_t layer_prefix(const ModelSpec *spec, size_t i, char *err, size_t errlen) {
  char text[96], layer[64];
  model_spec_format(spec, text, sizeof text);
  layer_text(spec, i, layer, sizeof layer);
  int n = snprintf(err, errlen, "%s %s: layer %zu (%s): ", error_setting("model").text, text, i + 1,
                   layer);
  return n < 0 ? 0 : (size_t)n < errlen ? (size_t)n : errlen - 1;
}

/* What the input does not decide: dense layers after convolutions only, a
 * shortcut in a stride-1 'same' convolution with no pooling and a layer below. */
static int check_layers(const ModelSpec *spec, char *err, size_t errlen) {
  for (size_t i = 0; i < spec->n_hidden; i++) {
    const LayerShape *s = &spec->shape[i];
    const char *why = NULL;
    if (s->kernel && i && !spec->shape[i - 1].kernel)
      why = "a convolution cannot follow a dense layer (the image is flattened there)";
    else if (s->shortcut && (s->stride > 1 || s->padding == CONV_VALID || s->pool))
      why = "a real shortcut (r) needs stride 1, 'same' padding and no pooling, so its output "
            "has its input's shape";
    else if (s->shortcut && i == 0)
      why = "a real shortcut (r) needs a layer below whose real output it adds; the first layer "
            "reads the data";
    if (!why) continue;
    size_t used = layer_prefix(spec, i, err, errlen);
    snprintf(err + used, errlen - used, "%s", why);
    return -1;
  }
  return 0;
}

int model_spec_check(const ModelSpec *spec, char *err, size_t errlen) {
  if (check_binary_layer(spec, err, errlen)) return -1;
  return check_layers(spec, err, errlen);
}

size_t model_sequence(Model *m, Layer **seq) {
  size_t n = 0;
  if (m->spec.real_first) seq[n++] = &m->real_first;
  for (size_t l = 0; l < m->n_layers; l++) seq[n++] = &m->layer[l];
  if (m->spec.real_last) seq[n++] = &m->real_last;
  return n;
}

/* The image flowing through the layers; height 0 once it is flattened. */
typedef struct {
  size_t height, width, channels, features;
} Flow;

/* Shapes convolution L (hidden layer i) on image f and moves f past it. */
static int shape_conv(Layer *L, const ModelSpec *spec, size_t i, Flow *f, char *err,
                      size_t errlen) {
  const LayerShape *s = &spec->shape[i];
  size_t used = layer_prefix(spec, i, err, errlen);
  ConvGeom geom;
  if (conv_geom_init(&geom, f->height, f->width, f->channels, spec->hidden[i], s->kernel,
                     s->stride ? s->stride : 1, s->padding, err + used, errlen - used))
    return ERR_USAGE;
  const ConvGeom *g = &geom;
  size_t h = g->out_height, w = g->out_width;
  if ((s->pool == POOL_MAX2 || s->pool == POOL_AVG2) && (h < 2 || w < 2)) {
    snprintf(err + used, errlen - used, "2x2 pooling needs an image of at least 2x2, not %zux%zu", h, w);
    return ERR_USAGE;
  }
  if (s->shortcut && (h != f->height || w != f->width || g->out_ch != f->channels)) {
    snprintf(err + used, errlen - used, "a real shortcut (r) adds the input, %zux%zux%zu, which "
             "needs as many output channels as it has (%zu)", f->height, f->width, f->channels,
             f->channels);
    return ERR_USAGE;
  }
  if (s->pool == POOL_MAX2 || s->pool == POOL_AVG2) h /= 2, w /= 2;
  if (s->pool == POOL_GLOBAL) h = w = 1;
  *L = (Layer){.in = g->taps, .out = g->out_ch, .conv = 1, .geom = *g, .pool = s->pool,
               .shortcut = s->shortcut, .pixels = h * w, .out_height = h, .out_width = w,
               .in_features = f->features};
  *f = (Flow){h, w, g->out_ch, h * w * g->out_ch};
  return 0;
}

/* Lays out layer d of the flow (a hidden layer, or the classifier at d = n_hidden). */
static int shape_layer(Model *m, Layer *L, const ModelSpec *spec, size_t d, Flow *f, char *err,
                       size_t errlen) {
  if (d < spec->n_hidden && spec->shape[d].kernel) {
    if (shape_conv(L, spec, d, f, err, errlen)) return ERR_USAGE;
  } else {
    size_t units = d < spec->n_hidden ? spec->hidden[d] : m->classes;
    *L = (Layer){.in = f->features, .out = units, .pixels = 1, .out_height = 1, .out_width = 1,
                 .in_features = f->features};
    *f = (Flow){0, 0, 0, units};
  }
  int real = L == &m->real_first || L == &m->real_last;
  m->n_real += 2 * L->out + (real ? L->in * L->out : 0);
  return 0;
}

int model_shape(Model *m, const ModelSpec *spec, const ModelInput *in, size_t classes,
                size_t batch_cap, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  if (model_spec_check(spec, err, errlen)) return ERR_USAGE;
  int image = in->height && in->width && in->channels;
  if (spec->cnn && !image) {
    snprintf(err, errlen, "%s cnn:... needs images (height x width x channels); this data set "
             "is flat (%zu features per sample): give it an mlp: model", error_setting("model").text,
             in->dim);
    return ERR_USAGE;
  }
  m->spec = *spec;
  m->spec.real_first = spec->real_first != 0;
  m->spec.real_last = spec->real_last != 0;
  m->input = *in;
  m->classes = classes;
  m->batch_cap = batch_cap;
  size_t dense = spec->n_hidden + 1, first = (size_t)m->spec.real_first;
  m->n_layers = dense - first - (size_t)m->spec.real_last;
  Flow f = {spec->cnn ? in->height : 0, in->width, in->channels, in->dim};
  Layer *seq[MODEL_MAX_LAYERS + 2];
  size_t n = model_sequence(m, seq);
  for (size_t d = 0; d < n; d++)
    if (shape_layer(m, seq[d], spec, d, &f, err, errlen)) return ERR_USAGE;
  /* A layer's signs are packed as its reader takes them: a row per image row
   * for a convolution, a row per sample for a dense layer. */
  for (size_t d = 0; d + 1 < n; d++) seq[d]->pack_rows = seq[d + 1]->conv ? seq[d]->out_height : 1;
  for (size_t d = 0; d < n; d++)
    seq[d]->keeps_z = d + 1 == n || seq[d]->shortcut || seq[d + 1]->shortcut;
  return 0;
}
