/* run_opt.c — a run's optimizer settings from its log (run_opt.h). */
#include "app/charts/run_opt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/config.h"
#include "engine/settings.h"

/* Rebuilds an OptConfig from an object like the header's "opt" (option
 * names and values), as the command line would read it. 0, or -1. */
static int opt_from_object(const json_t *opt, OptConfig *out) {
  if (!json_is_object(opt)) return -1;
  size_t argc = 0;
  char **argv = calloc(json_object_size(opt) + 1, sizeof *argv);
  int rc = argv ? 0 : -1;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)opt, key, v) {
    if (rc) break;
    if (!config_option_is_optimizer(key)) continue; /* never a path (config, load, ...) */
    char value[256];
    if (json_is_string(v)) snprintf(value, sizeof value, "%s", json_string_value(v));
    else if (json_is_boolean(v))
      snprintf(value, sizeof value, "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_number(v)) snprintf(value, sizeof value, "%.17g", json_number_value(v));
    else continue;
    size_t len = strlen(key) + strlen(value) + 4;
    argv[argc] = malloc(len);
    if (!argv[argc]) rc = -1;
    else snprintf(argv[argc++], len, "--%s=%s", key, value);
  }
  if (rc == 0) {
    Config *cfg = malloc(sizeof *cfg);
    char err[256];
    rc = cfg && config_parse((int)argc, argv, cfg, err, sizeof err) == 0 ? 0 : -1;
    if (rc == 0) *out = cfg->opt;
    free(cfg);
  }
  for (size_t i = 0; argv && i < argc; i++) free(argv[i]);
  free(argv);
  return rc;
}

/* Applies param_change e to c: a switch of optimizer goes to the settings it
 * logged (in logs from before they were logged, to optim_switch_target's,
 * which the live view's menu picked); any other change sets its setting.
 * Returns 1 when it was a switch, -1 when it could not be applied, else 0. */
static int apply_event(const LogEvent *e, OptConfig *c) {
  if (!strcmp(e->param, "opt")) {
    if (e->settings) return opt_from_object(e->settings, c) ? -1 : 1;
    double k = e->new_value;
    if (!(k >= 0 && k < OPT_KIND_COUNT) || !optim_ops((OptKind)k)) return -1;
    const OptConfig from = *c;
    OptSwitch verdict;
    optim_switch_target(&from, (OptKind)k, e->step > 1 ? (uint64_t)e->step - 1 : 0, c, &verdict);
    return 1;
  }
  const OptSetting *s = setting_lookup(e->param, strlen(e->param));
  if (!s || !isfinite(e->new_value)) return -1;
  setting_set(s, c, e->new_value);
  return 0;
}

int run_opt_read(const LogRun *r, RunOpt *o) {
  memset(o, 0, sizeof *o);
  if (!r->header || opt_from_object(json_object_get(r->header, "opt"), &o->start)) return -1;
  o->changed = o->start;
  for (size_t i = 0; i < r->nev; i++) {
    int got = apply_event(&r->ev[i], &o->changed);
    if (got >= 0) o->has_changes = 1;
    if (got == 1) o->switch_step = r->ev[i].step;
  }
  o->end = o->changed;
  double last_rate = r->nrec ? r->rec[r->nrec - 1].rate : NAN;
  if (isfinite(last_rate) && last_rate > 0) optim_set_base_rate(&o->end, last_rate);
  return 0;
}
