/* numcheck.c — NaN and infinity checks (see numcheck.h). */
#include "engine/numcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/error.h"

/* Blocks of 1024: the exponent test over a block vectorises (a max of the
 * exponent bits); only a block that has a bad value is searched again. */
size_t numcheck_first_bad(const float *x, size_t n) {
  for (size_t i = 0; i < n; i += 1024) {
    size_t end = n - i < 1024 ? n : i + 1024;
    uint32_t top = 0;
    for (size_t j = i; j < end; j++) {
      uint32_t u;
      memcpy(&u, &x[j], 4);
      u &= 0x7f800000u;
      top = u > top ? u : top;
    }
    if (top == 0x7f800000u)
      for (size_t j = i; j < end; j++) {
        uint32_t u;
        memcpy(&u, &x[j], 4);
        if ((u & 0x7f800000u) == 0x7f800000u) return j;
      }
  }
  return n;
}

static const char *what(float x) { return x != x ? "NaN" : "infinity"; }

int numcheck_backward(const Model *m, size_t B, uint64_t step, int full, char *err,
                      size_t errlen) {
  for (size_t l = m->n_layers; l-- > 0;) {
    const Layer *L = &m->layer[l];
    size_t n = layer_values(L, B), k = full ? numcheck_first_bad(L->dz, n) : n;
    if (k < n) {
      snprintf(err, errlen,
               "step %llu: layer %zu: the gradient holds %s (dL/dh, row %zu, unit %zu); lower the "
               "rates or check the data",
               (unsigned long long)step, l, what(L->dz[k]), k / L->out, k % L->out);
      return -1;
    }
    const struct {
      const float *x;
      const char *name;
    } real[] = {{L->bn_dscale, "batch-norm scale gradient"}, {L->bn_dshift, "batch-norm shift gradient"},
                {L->rstd, "batch-norm 1/std"},               {L->bn_scale, "batch-norm scale"},
                {L->bn_shift, "batch-norm shift"},           {L->run_mean, "running mean"},
                {L->run_var, "running variance"}};
    for (size_t r = 0; r < sizeof real / sizeof *real; r++) {
      size_t j = numcheck_first_bad(real[r].x, L->out);
      if (j < L->out) {
        snprintf(err, errlen, "step %llu: layer %zu: the %s holds %s (unit %zu); lower %s",
                 (unsigned long long)step, l, real[r].name, what(real[r].x[j]), j,
                 error_setting("real-lr").text);
        return -1;
      }
    }
  }
  return 0;
}

int numcheck_state(const Model *m, const Optimizer *o, const RealAdam *ra, uint64_t step,
                   char *err, size_t errlen) {
  /* A check every NUMCHECK_EVERY steps: the last one passed at `since`. */
  unsigned long long since = step ? (step - 1) / NUMCHECK_EVERY * NUMCHECK_EVERY : 0;
  if (o) {
    const OptimizerOps *ops = optim_ops(optim_config(o)->kind);
    for (size_t l = 0; l < optim_layers(o); l++) {
      size_t n = optim_layer_size(o, l);
      for (int s = 0; s < ops->states; s++) {
        const float *x = optim_state(o, l)[s];
        size_t j = numcheck_first_bad(x, n);
        if (j == n) continue;
        char name[48];
        if (s == ops->inertia_state) snprintf(name, sizeof name, "its inertia");
        else snprintf(name, sizeof name, "its state array %d", s);
        snprintf(err, errlen,
                 "step %llu: layer %zu: the %s optimizer's state holds %s (%s, weight %zu; finite "
                 "at step %llu); lower the rates",
                 (unsigned long long)step, l, ops->name, what(x[j]), name, j, since);
        return -1;
      }
    }
  }
  if (ra) {
    const float *arrays[2] = {ra->m, ra->v};
    for (int a = 0; a < 2; a++) {
      size_t j = numcheck_first_bad(arrays[a], ra->n);
      if (j == ra->n) continue;
      /* Which layer owns parameter j: binary layers hold 2 x out each, in
       * order; the real layers' parameters come after them. */
      size_t l = 0, off = 0;
      while (l < m->n_layers && j >= off + 2 * m->layer[l].out) off += 2 * m->layer[l++].out;
      char owner[48];
      if (l < m->n_layers) snprintf(owner, sizeof owner, "layer %zu: the batch-norm", l);
      else snprintf(owner, sizeof owner, "the real layers: their");
      snprintf(err, errlen,
               "step %llu: %s Adam's %s moment holds %s (finite at step %llu); lower %s",
               (unsigned long long)step, owner, a ? "second" : "first", what(arrays[a][j]), since,
               error_setting("real-lr").text);
      return -1;
    }
  }
  return 0;
}

/* Whether L's batch-norm output after a training forward pass has a value
 * that is not finite (model_layer_z). */
static int bn_output_bad(const Layer *L, size_t B) {
  size_t n = layer_values(L, B);
  float *buf = L->keeps_z ? NULL : malloc(n * sizeof *buf);
  if (!L->keeps_z && !buf) return 0; /* without the memory to look, the layer is passed over */
  int bad = numcheck_first_bad(model_layer_z(L, B, 1, buf), n) < n;
  free(buf);
  return bad;
}

void numcheck_forward_culprit(const Model *m, size_t B, char *buf, size_t len) {
  for (size_t l = 0; l < m->n_layers; l++) {
    const Layer *L = &m->layer[l];
    size_t n = layer_values(L, B);
    if (numcheck_first_bad(L->h, n) < n) {
      snprintf(buf, len, "layer %zu's product is the first that is not finite%s", l,
               l ? "" : "; check the input data");
      return;
    }
    if (bn_output_bad(L, B)) {
      snprintf(buf, len, "layer %zu's batch-norm output is the first that is not finite", l);
      return;
    }
  }
  snprintf(buf, len, "every layer's output is finite; the logits overflow the loss");
}
