/* test_settings.c — the table of optimizer settings (engine/settings.h) and the
 * fronts that read it: the defaults, --help, the values flags, config files
 * and --change accept, the live view's +/- steps, and the log header. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/cli/config.h"
#include "app/io/number_text.h"
#include "engine/settings.h"
#include "proc.h"
#include "tmpdir.h"

TestSuite(settings, .init = tmpdir_make, .fini = tmpdir_remove);

static const OptSetting *find(const char *name) { return setting_lookup(name, strlen(name)); }

Test(settings, defaults_come_from_the_table) {
  size_t n;
  const OptSetting *table = settings_table(&n);
  for (int k = 0; k < OPT_KIND_COUNT; k++) {
    OptConfig c;
    optim_defaults((OptKind)k, &c);
    for (size_t i = 0; i < n; i++)
      cr_assert_eq(setting_get(&table[i], &c), setting_default(&table[i], (OptKind)k), "%s of %s",
                   table[i].name, optim_ops((OptKind)k)->name);
    char err[256];
    cr_assert_eq(optim_check(&c, err, sizeof err), 0, "%s's defaults: %s",
                 optim_ops((OptKind)k)->name, err);
  }
  cr_assert_eq(setting_default(find("lr"), OPT_SGD), 0.1);
  cr_assert_eq(setting_default(find("lr"), OPT_ADAM), 1e-3);
  cr_assert_eq(setting_default(find("gamma"), OPT_BOP), 1e-4);
  cr_assert_eq(setting_default(find("gamma"), OPT_CEMA), 0.1);
}

/* Whether config_parse refuses argv {a, b} (b may be NULL). */
static int refused(const char *a, const char *b) {
  char *argv[] = {(char *)a, (char *)b, NULL};
  Config *cfg = malloc(sizeof *cfg);
  char err[512];
  int rc = config_parse(b ? 2 : 1, argv, cfg, err, sizeof err);
  free(cfg);
  return rc != 0;
}

/* The same value through a config file. */
static int refused_in_file(const char *opt, const char *key, const char *value) {
  char path[256], arg[300];
  snprintf(path, sizeof path, "%s", in_tmp("run.cfg"));
  FILE *f = fopen(path, "w");
  cr_assert(f);
  fprintf(f, "opt = %s\n%s = %s\n", opt, key, value);
  fclose(f);
  snprintf(arg, sizeof arg, "--config=%s", path);
  return refused(arg, NULL);
}

Test(settings, every_front_accepts_the_same_values) {
  const char *values[] = {"0", "1e-3", "0.5", "1", "10", "-0.5", "0x10", "inf", "1e400", "1e-3x", ".5"};
  const char *names[] = {"alpha", "gamma", "tau", "sigma", "lr", "beta1", "momentum", "wd", "eps"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    const OptSetting *t = find(names[i]);
    OptKind kind = OPT_CEMA;
    while (!(t->kinds & (1u << kind))) kind++;
    const char *opt = optim_ops(kind)->name;
    for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
      double x;
      /* what the live view's typed value accepts (app/live/tui.c commit_input) */
      int live_ok = number_text_real(values[v], &x) == 0 && setting_accepts(t, x);
      char opt_arg[32], arg[128];
      snprintf(opt_arg, sizeof opt_arg, "--opt=%s", opt);
      snprintf(arg, sizeof arg, "--%s=%s", t->name, values[v]);
      cr_assert_eq(!refused(opt_arg, arg), live_ok, "--%s %s", t->name, values[v]);
      cr_assert_eq(!refused_in_file(opt, t->name, values[v]), live_ok, "file: %s = %s", t->name,
                   values[v]);
      if (!t->pane) continue;
      snprintf(arg, sizeof arg, "--change=1:%s=%s", t->name, values[v]);
      cr_assert_eq(!refused(opt_arg, arg), live_ok, "--change 1:%s=%s", t->name, values[v]);
    }
  }
}

Test(settings, refusal_names_the_range) {
  ProcResult r;
  run_flipscope("--headless --alpha 10", &r);
  cr_assert_eq(r.code, 2);
  cr_assert(strstr(r.err, "--alpha: expected a finite number in (0, 1]"), "%s", r.err);
  run_flipscope("--headless --opt sgd --lr 0x1p-3", &r);
  cr_assert_eq(r.code, 2);
  cr_assert(strstr(r.err, "--lr: expected a finite number > 0"), "%s", r.err);
}

Test(settings, abbreviated_options_are_refused) {
  ProcResult r;
  run_flipscope("--headless --data xor --steps 1 --sched const", &r);
  cr_assert_eq(r.code, 2);
  cr_assert(strstr(r.err, "unknown option '--sched'"), "%s", r.err);
}

Test(settings, change_names_what_can_change) {
  ProcResult r;
  run_flipscope("--headless --data xor --steps 1 --opt sgd --change 1:init-scale=1", &r);
  cr_assert_eq(r.code, 2);
  cr_assert(strstr(r.err, "init-scale cannot change mid-run"), "%s", r.err);
  cr_assert(strstr(r.err, "lr, wd, momentum, dampening, clip"), "%s", r.err);
  run_flipscope("--headless --data xor --steps 2 --batch 10 --opt iir --change 2:pole1=0.5", &r);
  cr_assert_eq(r.code, 0, "an IIR pole changes mid-run as in the live view: %s", r.err);
}

Test(settings, live_settings_in_pane_order) {
  OptConfig c;
  const OptSetting *ps[SETTINGS_LIVE_MAX];
  optim_defaults(OPT_SGD, &c);
  const char *sgd[] = {"lr", "wd", "momentum", "dampening", "clip"};
  cr_assert_eq(settings_live(&c, ps, SETTINGS_LIVE_MAX), 5);
  for (int i = 0; i < 5; i++) cr_assert_str_eq(ps[i]->name, sgd[i]);
  optim_defaults(OPT_IIR, &c);
  cr_assert_eq(settings_live(&c, ps, SETTINGS_LIVE_MAX), 2, "two default poles");
  cr_assert_str_eq(ps[1]->name, "pole2");
  c.iir_biquad = 1;
  cr_assert_eq(settings_live(&c, ps, SETTINGS_LIVE_MAX), 5);
  cr_assert_str_eq(ps[3]->name, "a1");
  cr_assert_null(setting_live(&c, "pole1"), "a biquad has no poles");
}

Test(settings, nudge_log_and_linear) {
  const OptSetting *alpha = find("alpha"), *momentum = find("momentum"), *wd = find("wd");
  double v = 1e-3;
  for (int i = 0; i < 4; i++) v = setting_nudge(alpha, v, 1);
  cr_assert_eq(v, 1e-2, "four presses of + make a decade: %.17g", v);
  cr_assert_float_eq(setting_nudge(alpha, 1e-3, 1), 1e-3 * pow(10, 0.25), 1e-15);
  cr_assert_eq(setting_nudge(alpha, 1, 1), 1, "alpha stays <= 1 (a closed bound)");
  cr_assert_float_eq(setting_nudge(momentum, 0.9, 1), 0.95, 1e-12);
  cr_assert_float_eq(setting_nudge(momentum, 0.98, 1), 0.995, 1e-12,
                     "a tenth of a step short of the open bound 1");
  cr_assert_eq(setting_nudge(momentum, 0, -1), 0);
  cr_assert_eq(setting_nudge(wd, 0, 1), wd->step, "+ from zero on a log scale");
  cr_assert_eq(setting_nudge(find("lr"), 1e-300, -1) > 0, 1, "lr never reaches 0");
  for (double x = 0; x < 1; x = setting_nudge(momentum, x, 1)) {
    cr_assert(setting_accepts(momentum, x), "%g", x);
    if (x == setting_nudge(momentum, x, 1)) break;
  }
}

Test(settings, log_header_holds_the_table) {
  char path[300], cmd[600], line[8192];
  snprintf(path, sizeof path, "%s", in_tmp("l.jsonl"));
  snprintf(cmd, sizeof cmd, "--headless --data xor --steps 1 --batch 10 --log-jsonl %s", path);
  ProcResult r;
  run_flipscope(cmd, &r);
  cr_assert_eq(r.code, 0, "%s", r.err);
  FILE *f = fopen(path, "r");
  cr_assert(f && fgets(line, sizeof line, f));
  fclose(f);
  size_t n;
  const OptSetting *table = settings_table(&n);
  for (size_t i = 0; i < n; i++) {
    char key[40];
    snprintf(key, sizeof key, "\"%s\":", table[i].name);
    cr_assert_eq(strstr(line, key) != NULL, !table[i].element, "%s in the header", table[i].name);
  }
}
