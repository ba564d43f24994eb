/* test_defaults.c — each optimizer's defaults: the schedule its rate follows
 * when --schedule is not given, and the defaults --help shows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/config.h"
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
  help_line(r.out, "lr", line, sizeof line);
  expect_shown(line, "sgd ", defaults_of(OPT_SGD).lr);
  expect_shown(line, "adam and adamw ", defaults_of(OPT_ADAM).lr);
  cr_assert_eq(defaults_of(OPT_ADAM).lr, defaults_of(OPT_ADAMW).lr);
  help_line(r.out, "gamma", line, sizeof line);
  expect_shown(line, "CEMA: rate of the first EMA (default ", defaults_of(OPT_CEMA).gamma);
  expect_shown(line, "Bop: its EMA's rate (default ", defaults_of(OPT_BOP).gamma);
  expect_shown(line, "Bop2 (default ", defaults_of(OPT_BOP2).gamma);
  help_line(r.out, "alpha", line, sizeof line);
  expect_shown(line, "(default ", defaults_of(OPT_CEMA).alpha);
  help_line(r.out, "schedule", line, sizeof line);
  cr_assert(strstr(line, "linear for cema, sgd, adam, adamw; const for bop, bop2, iir"), "%s", line);
}
