/* opt_change.c — see opt_change.h. */
#include "app/run/opt_change.h"

#include <stdio.h>

#include "engine/settings.h"
#include "views/views.h"

int opt_change_apply(Optimizer *o, Session *s, uint64_t step, const OptConfig *to, char *label,
                     size_t label_len, char *text, size_t text_len, char *err, size_t errlen) {
  if (label && label_len) label[0] = 0;
  if (text && text_len) text[0] = 0;
  if (optim_check(to, err, errlen)) return -1;
  OptConfig from = *optim_config(o);
  optim_set_config(o, to);
  const OptSetting *ps[SETTINGS_LIVE_MAX];
  size_t np = settings_live(to, ps, SETTINGS_LIVE_MAX);
  int described = 0;
  for (size_t i = 0; i < np; i++) {
    double a = setting_get(ps[i], &from), b = setting_get(ps[i], to);
    if (a == b) continue;
    session_param_change(s, step, ps[i]->name, a, b, NULL);
    if (described++) continue;
    char na[32], nb[32];
    fmt_num(na, sizeof na, a);
    fmt_num(nb, sizeof nb, b);
    if (label) snprintf(label, label_len, "%s %s", ps[i]->name, nb);
    if (text) snprintf(text, text_len, "%s %s -> %s from step %llu", ps[i]->name, na, nb,
                       (unsigned long long)step);
  }
  return 0;
}

int opt_switch_apply(Session *s, uint64_t step, const OptConfig *to, OptSwitch *out, char *err,
                     size_t errlen) {
  Optimizer *o = trainer_optimizer(s->trainer);
  const Model *m = trainer_model(s->trainer);
  const float *signs[MODEL_MAX_LAYERS];
  for (size_t l = 0; l < m->n_layers; l++) signs[l] = m->layer[l].sign;
  const OptConfig from = *optim_config(o);
  if (optim_switch(o, to, signs, out, err, errlen)) return -1;
  char settings[192], text[sizeof settings + sizeof out->message + 8];
  dash_opt_describe(to, settings, sizeof settings);
  snprintf(text, sizeof text, "%s: %s", settings, out->message);
  session_opt_switch(s, step, &from, to, out->exact, text);
  return 0;
}
