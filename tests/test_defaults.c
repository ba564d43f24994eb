/* test_defaults.c — each optimizer's defaults: the schedule its rate follows
 * when --schedule is not given, and the defaults --help shows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/config.h"
#include "engine/settings.h"
#include "proc.h"

/* The --help line of option `name` (from "  --name" to the end of its line). */
static void help_line(const char *help, const char *name, char *line, size_t len) {
  char key[48];
  snprintf(key, sizeof key, "  --%s ", name);
  const char *p = strstr(help, key);
  cr_assert_not_null(p, "--help has no line for --%s", name);
  size_t n = strcspn(p, "\n");
  snprintf(line, len, "%.*s", (int)(n < len ? n : len - 1), p);
}

static OptConfig defaults_of(OptKind kind) {
  OptConfig c;
  optim_defaults(kind, &c);
  return c;
}

/* `line` shows `what` followed by the number v. */
static void expect_shown(const char *line, const char *what, double v) {
  const char *p = strstr(line, what);
  cr_assert_not_null(p, "'%s' lacks '%s'", line, what);
  double shown = strtod(p + strlen(what), NULL);
  cr_assert_eq(shown, v, "'%s': %s%g, the default is %g", line, what, shown, v);
}

Test(defaults, schedule_follows_the_optimizer) {
  const struct {
    const char *opt;
    ScheduleKind want;
  } cases[] = {{"cema", SCHED_LINEAR}, {"sgd", SCHED_LINEAR}, {"adam", SCHED_LINEAR},
               {"adamw", SCHED_LINEAR}, {"bop", SCHED_CONST}, {"bop2", SCHED_CONST},
               {"iir", SCHED_CONST}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    char *argv[] = {"--opt", (char *)cases[i].opt};
    Config cfg;
    char err[256];
    cr_assert_eq(config_parse(2, argv, &cfg, err, sizeof err), 0, "%s", err);
    cr_assert_eq(cfg.train.schedule.kind, cases[i].want, "--opt %s: schedule %d", cases[i].opt,
                 (int)cfg.train.schedule.kind);
  }
  char *none[] = {"--epochs", "2"};
  Config cfg;
  char err[256];
  cr_assert_eq(config_parse(2, none, &cfg, err, sizeof err), 0, "%s", err);
  cr_assert_eq(cfg.train.schedule.kind, SCHED_LINEAR, "cema, the default optimizer, decays alpha");
  char *given[] = {"--schedule", "linear", "--opt", "bop"};
  cr_assert_eq(config_parse(4, given, &cfg, err, sizeof err), 0, "%s", err);
  cr_assert_eq(cfg.train.schedule.kind, SCHED_LINEAR, "an explicit --schedule wins, wherever it is");
}

Test(defaults, help_shows_each_optimizers_defaults) {
  ProcResult r;
  run_flipscope("--help", &r);
  cr_assert_eq(r.code, 0);
  char line[512];
  /* every setting's line names each optimizer's default, as optim_defaults sets it */
  size_t n;
  const OptSetting *table = settings_table(&n);
  for (size_t i = 0; i < n; i++) {
    if (table[i].element || table[i].type == SETTING_FLAG) continue;
    help_line(r.out, table[i].name, line, sizeof line);
    int same = strstr(line, "; default ") != NULL;
    for (int k = 0; k < OPT_KIND_COUNT; k++) {
      if (!(table[i].kinds & (1u << k))) continue;
      OptConfig c = defaults_of((OptKind)k);
      char what[40];
      if (same) snprintf(what, sizeof what, "; default ");
      else snprintf(what, sizeof what, " %s ", optim_ops((OptKind)k)->name);
      expect_shown(line, what, setting_get(&table[i], &c));
    }
  }
  help_line(r.out, "lr", line, sizeof line);
  expect_shown(line, " sgd ", 0.1);
  help_line(r.out, "gamma", line, sizeof line);
  expect_shown(line, " bop ", 1e-4);
  help_line(r.out, "schedule", line, sizeof line);
  cr_assert(strstr(line, "linear for cema, sgd, adam, adamw; const for bop, bop2, iir"), "%s", line);
}
