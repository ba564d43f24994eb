/* test_session.c — one session for every front end (app/run/session.h) and
 * its sinks (app/run/sink.h): every sink takes every step once, in order,
 * also after another failed; marks stop at the first failure; closes go
 * last-added first; closing the logs draws no chart (the charts are a step of
 * their own, app/charts/run_charts.h); the live view's telemetry asks for
 * statistics on request while its logs' header stays the headless one; and a
 * resumed run restores the flip history with the trainer, whether the
 * telemetry is on for its logs or only for its --screen; and a run without a
 * length saves none. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/charts/run_charts.h"
#include "app/io/checkpoint_file.h"
#include "app/live/tui_worker.h"
#include "app/run/opt_change.h"
#include "app/run/session.h"
#include "proc.h"
#include "tmpdir.h"

TestSuite(sinks);
TestSuite(session, .init = tmpdir_make, .fini = tmpdir_remove);

/* A sink that counts what it is given, fails where told, and writes its
 * name into a shared trace when closed. */
typedef struct {
  char name;
  int steps, param_changes, marks, closes;
  uint64_t last_step;
  uint64_t fail_step; /* step fails here (0: never) */
  int fail_mark, fail_close;
  char *trace;
} Counter;

static int counter_step(void *self, const StepReport *r, const TelemetrySnapshot *t, char *err,
                        size_t errlen) {
  Counter *c = self;
  (void)t;
  cr_assert_eq(r->step, c->last_step + 1, "sink %c: step %llu after %llu", c->name,
               (unsigned long long)r->step, (unsigned long long)c->last_step);
  c->last_step = r->step;
  c->steps++;
  if (r->step != c->fail_step) return 0;
  snprintf(err, errlen, "sink %c failed at step %llu", c->name, (unsigned long long)r->step);
  return -1;
}

static void counter_param_change(void *self, uint64_t step, const char *param, double old_value,
                                 double new_value, const char *text) {
  (void)step, (void)param, (void)old_value, (void)new_value, (void)text;
  ((Counter *)self)->param_changes++;
}

static int counter_mark(void *self, RunFigures *fig, char *err, size_t errlen) {
  Counter *c = self;
  (void)fig;
  c->marks++;
  if (c->fail_mark) snprintf(err, errlen, "sink %c cannot mark", c->name);
  return c->fail_mark ? -1 : 0;
}

static int counter_close(void *self, char *err, size_t errlen) {
  Counter *c = self;
  c->closes++;
  size_t n = strlen(c->trace);
  c->trace[n] = c->name;
  c->trace[n + 1] = 0;
  if (c->fail_close) snprintf(err, errlen, "sink %c cannot close", c->name);
  return c->fail_close ? -1 : 0;
}

static Sink counter_sink(Counter *c) {
  return (Sink){.step = counter_step, .param_change = counter_param_change, .mark = counter_mark,
                .close = counter_close, .self = c};
}

Test(sinks, every_sink_takes_every_step_once_also_after_a_failure) {
  char trace[8] = "";
  Counter a = {.name = 'a', .fail_step = 3, .trace = trace}, b = {.name = 'b', .trace = trace};
  SinkList l = {0};
  cr_assert_eq(sinks_add(&l, counter_sink(&a)), 0);
  cr_assert_eq(sinks_add(&l, counter_sink(&b)), 0);
  char err[128];
  for (uint64_t k = 1; k <= 5; k++) {
    StepReport r = {.step = k};
    int rc = sinks_step(&l, &r, NULL, err, sizeof err);
    cr_assert_eq(rc, k == 3 ? -1 : 0, "step %llu: %d", (unsigned long long)k, rc);
    if (rc) cr_assert_str_eq(err, "sink a failed at step 3");
  }
  sinks_param_change(&l, 6, "alpha", 1e-3, 2e-3, NULL);
  cr_assert_eq(a.steps, 5);
  cr_assert_eq(b.steps, 5, "the sink after a failed one missed steps: %d", b.steps);
  cr_assert_eq(a.param_changes, 1);
  cr_assert_eq(b.param_changes, 1);
}

Test(sinks, marks_stop_at_the_first_failure_and_closes_go_last_added_first) {
  char trace[8] = "";
  Counter a = {.name = 'a', .fail_mark = 1, .trace = trace};
  Counter b = {.name = 'b', .fail_close = 1, .trace = trace}, c = {.name = 'c', .trace = trace};
  SinkList l = {0};
  sinks_add(&l, counter_sink(&a));
  sinks_add(&l, counter_sink(&b));
  sinks_add(&l, counter_sink(&c));
  RunFigures fig = {0};
  char err[128];
  cr_assert_eq(sinks_mark(&l, &fig, err, sizeof err), -1);
  cr_assert_str_eq(err, "sink a cannot mark");
  cr_assert_eq(b.marks + c.marks, 0, "marked after a failure: no checkpoint may follow");
  cr_assert_eq(sinks_close_last(&l, err, sizeof err), 1);
  cr_assert_eq(sinks_close_last(&l, err, sizeof err), -1);
  cr_assert_str_eq(err, "sink b cannot close");
  cr_assert_eq(sinks_close_last(&l, err, sizeof err), 1);
  cr_assert_eq(sinks_close_last(&l, err, sizeof err), 0);
  cr_assert_str_eq(trace, "cba");
  cr_assert_eq(a.closes + b.closes + c.closes, 3, "each closed once");
}

Test(sinks, a_full_list_refuses_one_more) {
  char trace[8] = "";
  Counter a = {.name = 'a', .trace = trace};
  SinkList l = {0};
  for (int i = 0; i < SINK_MAX; i++) cr_assert_eq(sinks_add(&l, counter_sink(&a)), 0);
  cr_assert_eq(sinks_add(&l, counter_sink(&a)), -1);
  cr_assert_eq(l.n, (size_t)SINK_MAX);
}

static Config cfg;
static Session s; /* large: static */

/* Parses the words of args (after a small, fast run's settings) into cfg. */
static void parse(const char *args) {
  char buf[2048], err[512], *argv[64];
  snprintf(buf, sizeof buf, "--data glyphs --model mlp:16 --threads 1 --steps 12 %s", args);
  int argc = 0;
  for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) argv[argc++] = t;
  cr_assert_eq(config_parse(argc, argv, &cfg, err, sizeof err), 0, "%s", err);
}

/* Opens s from args with needs, and its logs. */
static void open_session(const char *args, SessionNeeds needs) {
  char err[2048];
  parse(args);
  cr_assert_eq(session_open(&s, &cfg, &needs, err, sizeof err), EXIT_OK, "%s", err);
  cr_assert_eq(session_open_logs(&s, err, sizeof err), 0, "%s", err);
}

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* The first line of the file at path, in a static buffer. */
static const char *first_line(const char *path) {
  static char line[65536];
  FILE *f = fopen(path, "r");
  cr_assert(f, "%s", path);
  cr_assert(fgets(line, sizeof line, f), "%s is empty", path);
  fclose(f);
  return line;
}

Test(session, each_step_reaches_each_sink_once_and_closing_the_logs_draws_no_chart) {
  setenv("FLIPSCOPE_GNUPLOT", "", 1); /* the charts' data and scripts, no rendering */
  char args[512], err[2048], trace[8] = "";
  snprintf(args, sizeof args, "--export %s", in_tmp("charts"));
  open_session(args, (SessionNeeds){0});
  Counter c = {.name = 'c', .trace = trace};
  cr_assert_eq(session_add_sink(&s, counter_sink(&c)), 0);
  StepReport r;
  int steps = 0;
  while (trainer_step(s.trainer, &r, err, sizeof err) == 1) {
    cr_assert_eq(session_record(&s, &r, err, sizeof err), 0, "%s", err);
    steps++;
    if (r.step == 6) {
      OptConfig to = *optim_config(trainer_optimizer(s.trainer));
      to.alpha *= 2;
      to.gamma *= 2;
      cr_assert_eq(opt_change_apply(trainer_optimizer(s.trainer), &s, 7, &to, NULL, 0, NULL, 0,
                                    err, sizeof err), 0, "%s", err);
    }
  }
  cr_assert_eq(steps, 12);
  cr_assert_eq(c.steps, 12, "%d steps recorded", c.steps);
  cr_assert_eq(c.param_changes, 2, "alpha and gamma: %d", c.param_changes);
  cr_assert_eq(session_close_sink(&s, err, sizeof err), 1, "%s", err);
  cr_assert_eq(c.closes, 1);
  cr_assert_eq(session_close_sink(&s, err, sizeof err), 1, "the logs: %s", err);
  cr_assert_eq(session_close_sink(&s, err, sizeof err), 0, "no sink is left");
  cr_assert(exists(in_tmp("charts/log.csv")) && exists(in_tmp("charts/log.jsonl")));
  cr_assert(!exists(in_tmp("charts/loss.gp")), "closing the logs drew the charts");
  cr_assert_eq(run_charts_render(&s.log.paths, err, sizeof err), 0, "%s", err);
  cr_assert(exists(in_tmp("charts/loss.gp")), "no charts after run_charts_render");
  session_close(&s);
}

Test(session, the_live_view_asks_for_statistics_and_logs_the_headless_header) {
  char args[512];
  snprintf(args, sizeof args, "--log-jsonl %s", in_tmp("headless.jsonl"));
  open_session(args, (SessionNeeds){0});
  cr_assert_not(s.stats_on_request);
  cr_assert_eq(telemetry_config(trainer_telemetry(s.trainer))->every, 1u, "12 steps: every step");
  session_close(&s);
  char headless[65536];
  snprintf(headless, sizeof headless, "%s", first_line(in_tmp("headless.jsonl")));

  char err[2048];
  snprintf(args, sizeof args, "--log-jsonl %s", in_tmp("live.jsonl"));
  parse(args);
  cr_assert_eq(worker_session_open(&s, &cfg, err, sizeof err), EXIT_OK, "%s", err);
  cr_assert_eq(session_open_logs(&s, err, sizeof err), 0, "%s", err);
  cr_assert(s.stats_on_request);
  cr_assert_eq(telemetry_config(trainer_telemetry(s.trainer))->every, 1000000u, "on request");
  session_close(&s);
  cr_assert_str_eq(first_line(in_tmp("live.jsonl")), headless,
                   "a live run could not continue a headless run's log");
}

Test(session, the_live_view_without_logs_writes_private_ones_and_removes_them) {
  char err[2048];
  setenv("TMPDIR", tmp, 1);
  parse("");
  cr_assert_eq(worker_session_open(&s, &cfg, err, sizeof err), EXIT_OK, "%s", err);
  cr_assert_eq(session_open_logs(&s, err, sizeof err), 0, "%s", err);
  char dir[sizeof s.private_dir];
  snprintf(dir, sizeof dir, "%s", s.private_dir);
  cr_assert(!strncmp(dir, tmp, strlen(tmp)), "private logs in %s, not under TMPDIR", dir);
  cr_assert(strstr(s.log.paths.csv, dir) && strstr(s.log.paths.jsonl, dir));
  cr_assert(exists(s.log.paths.csv) && exists(s.log.paths.jsonl));
  session_close(&s);
  cr_assert(!exists(dir), "%s is still there", dir);
}

/* Whether the telemetry of s knows of weights that flipped before it started. */
static double never_flipped(void) {
  Telemetry *tel = trainer_telemetry(s.trainer);
  cr_assert(tel);
  return telemetry_last(tel)->layer[0].never_flipped;
}

Test(session, a_resumed_screen_only_run_restores_the_flip_history) {
  char args[512], err[2048];
  snprintf(args, sizeof args, "--telemetry --save %s", in_tmp("run.ckpt"));
  open_session(args, (SessionNeeds){0});
  StepReport r;
  while (trainer_step(s.trainer, &r, err, sizeof err) == 1) continue;
  double saved = never_flipped();
  cr_assert_lt(saved, 1.0);
  RunFigures fig = {.test_acc = NAN, .val_acc = NAN};
  cr_assert_eq(session_save(&s, cfg.save_path, &fig, err, sizeof err), 0, "%s", err);
  session_close(&s);

  snprintf(args, sizeof args, "--load %s --steps 20", in_tmp("run.ckpt"));
  parse(args);
  cr_assert_eq(session_open(&s, &cfg, &(SessionNeeds){.dashboard = 1}, err, sizeof err), EXIT_OK,
               "%s", err);
  cr_assert(s.resumed && s.resumed_step == 12);
  cr_assert(s.stats_on_request, "no log asks for statistics: the screen does");
  cr_assert_eq(never_flipped(), saved, "the flip history was not restored");
  session_close(&s);
}

/* The --screen file of `flipscope ARGS --screen tmp/name`, without its
 * samples/s figure (a timing), in a static buffer. */
static const char *screen_of(const char *args, const char *name) {
  static char text[65536];
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "%s --screen %s", args, in_tmp(name));
  ProcResult *p = malloc(sizeof *p);
  run_flipscope(cmd, p);
  cr_assert_eq(p->code, 0, "exit %d: %s", p->code, p->err);
  free(p);
  slurp(in_tmp(name), text, sizeof text);
  char *rate = strstr(text, " samples/s");
  cr_assert(rate, "%s", text);
  char *start = rate;
  while (start > text && (start[-1] == '.' || start[-1] == 'k' || (start[-1] >= '0' && start[-1] <= '9')))
    start--;
  memmove(start, rate, strlen(rate) + 1);
  return text;
}

Test(session, a_resumed_screen_is_the_same_with_or_without_logs) {
  setenv("LC_ALL", "C", 1);
  unsetenv("FLIPSCOPE_SCREEN_SIZE");
  char args[1024];
  ProcResult *p = malloc(sizeof *p);
  snprintf(args, sizeof args, "--headless --data glyphs --threads 1 --steps 30 --telemetry --save %s",
           in_tmp("run.ckpt"));
  run_flipscope(args, p);
  cr_assert_eq(p->code, 0, "exit %d: %s", p->code, p->err);
  free(p);
  snprintf(args, sizeof args, "--headless --threads 1 --load %s --steps 60", in_tmp("run.ckpt"));
  char alone[65536];
  snprintf(alone, sizeof alone, "%s", screen_of(args, "alone.txt"));
  char logged[2048];
  snprintf(logged, sizeof logged, "%s --log-jsonl %s", args, in_tmp("run.jsonl"));
  cr_assert_str_eq(screen_of(logged, "logged.txt"), alone,
                   "the flip history (reversals) differs without logs");
}

/* The settings saved in the checkpoint at path, in a static buffer. */
static const char *saved_settings(const char *path) {
  static char text[8192];
  char *got = NULL, err[512];
  cr_assert_eq(ckpt_file_settings(path, &got, err, sizeof err), 0, "%s", err);
  snprintf(text, sizeof text, "%s", got);
  free(got);
  return text;
}

/* A run without a length (the live view's, trained until stopped) saves
 * none: a headless resume asks for one, in one line, and a resume with one
 * trains on; a run with the default length keeps it. */
Test(session, a_run_without_a_length_saves_none_and_a_headless_resume_asks_for_one) {
  char args[512], err[2048];
  snprintf(args, sizeof args, "--data glyphs --model mlp:16 --threads 1 --save %s",
           in_tmp("endless.ckpt"));
  char *argv[16];
  int argc = 0;
  for (char *t = strtok(args, " "); t; t = strtok(NULL, " ")) argv[argc++] = t;
  cr_assert_eq(config_parse(argc, argv, &cfg, err, sizeof err), 0, "%s", err);
  cr_assert_eq(session_open(&s, &cfg, &(SessionNeeds){.live = 1}, err, sizeof err), EXIT_OK, "%s", err);
  trainer_set_length(s.trainer, 0);
  StepReport r;
  for (int i = 0; i < 5; i++) cr_assert_eq(trainer_step(s.trainer, &r, err, sizeof err), 1, "%s", err);
  RunFigures fig = {.test_acc = NAN, .val_acc = NAN};
  cr_assert_eq(session_save(&s, cfg.save_path, &fig, err, sizeof err), 0, "%s", err);
  session_close(&s);
  const char *text = saved_settings(in_tmp("endless.ckpt"));
  cr_assert(!strstr(text, "epochs =") && !strstr(text, "steps ="), "%s", text);

  ProcResult *p = malloc(sizeof *p);
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "--headless --load %s", in_tmp("endless.ckpt"));
  run_flipscope(cmd, p);
  cr_assert_eq(p->code, 2, "exit %d: %s", p->code, p->err);
  cr_assert(strstr(p->err, "has no length") && strstr(p->err, "--steps N"), "%s", p->err);
  snprintf(cmd, sizeof cmd, "--headless --load %s --steps 9", in_tmp("endless.ckpt"));
  run_flipscope(cmd, p);
  cr_assert_eq(p->code, 0, "exit %d: %s", p->code, p->err);
  cr_assert(strstr(p->out, "\"steps\":9"), "%s", p->out);

  snprintf(cmd, sizeof cmd, "--headless --data glyphs --model mlp:16 --threads 1 --save %s",
           in_tmp("default.ckpt"));
  run_flipscope(cmd, p);
  cr_assert_eq(p->code, 0, "exit %d: %s", p->code, p->err);
  cr_assert(strstr(saved_settings(in_tmp("default.ckpt")), "epochs = 3\n"), "the default length was not saved");
  free(p);
}
