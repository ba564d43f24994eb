/* test_tui.c — the TUI's training thread without a terminal: commands apply
 * between steps and never reset training, pause and single steps, switching
 * optimizer with the exact mapping, divergence and resuming from the last
 * good state, restart, export; and the command line around the live view:
 * --headless --screen, --preset, a stdout that is not a terminal; the
 * run's length and pace (app/live/tui_time.h) and the measured rate; the
 * run menu's choices and the session they load (app/live/tui_runmenu.h). The
 * terminal itself is tested in tmux by tests/e2e_tui.sh. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/run/session.h"
#include "app/live/tui_filter.h"
#include "app/live/tui_runmenu.h"
#include "app/live/tui_time.h"
#include "app/live/tui_worker.h"
#include "proc.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static Config cfg;

/* A worker on glyphs with args (which may leave the length out). */
static Worker *start_with(const char *args) {
  char buf[512], err[512], *argv[64];
  snprintf(buf, sizeof buf, "--data glyphs --model mlp:32x32 --threads 1 %s", args);
  int argc = 0;
  for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) argv[argc++] = t;
  cr_assert_eq(config_parse(argc, argv, &cfg, err, sizeof err), 0, "%s", err);
  Session *s = calloc(1, sizeof *s);
  cr_assert_eq(worker_session_open(s, &cfg, err, sizeof err), EXIT_OK, "%s", err);
  Worker *w = worker_start(s, &cfg, 0, err, sizeof err);
  cr_assert(w, "%s", err);
  return w;
}

/* A worker on glyphs for 1000 epochs with args. */
static Worker *start(const char *args) {
  char buf[512];
  snprintf(buf, sizeof buf, "--epochs 1000 %s", args);
  return start_with(buf);
}

/* Copies the newest snapshot's small fields. */
typedef struct {
  uint64_t step, applied, note_seq;
  size_t total_steps;
  double steps_per_s;
  RunState state;
  OptConfig opt;
  size_t n_marks, n_hist;
  char note[DASH_TEXT], status[DASH_TEXT], mark[40];
} Seen;

static Seen look(Worker *w) {
  Seen v;
  const DashSnapshot *s = worker_acquire(w);
  v.step = s->step, v.applied = s->applied, v.note_seq = s->note_seq, v.state = s->state;
  v.opt = s->opt, v.n_marks = s->n_marks, v.n_hist = s->n_hist;
  v.total_steps = s->total_steps, v.steps_per_s = s->steps_per_s;
  snprintf(v.status, sizeof v.status, "%s", s->status);
  snprintf(v.note, sizeof v.note, "%s", s->note);
  snprintf(v.mark, sizeof v.mark, "%s", s->n_marks ? s->marks[s->n_marks - 1].label : "");
  worker_release(w);
  return v;
}

#define WAIT_FOR(w, cond, secs)                                                                    \
  do {                                                                                             \
    double until_ = now_s() + (secs);                                                              \
    Seen v;                                                                                        \
    for (;;) {                                                                                     \
      v = look(w);                                                                                 \
      if (cond) break;                                                                             \
      cr_assert(now_s() < until_, "timed out waiting for " #cond " (step %llu, state %d, note %s)", \
                (unsigned long long)v.step, (int)v.state, v.note);                                 \
      usleep(2000);                                                                                \
    }                                                                                              \
  } while (0)

static Command command; /* large: static */

static uint64_t send_kind(Worker *w, CmdKind k) {
  memset(&command, 0, sizeof command);
  command.kind = k;
  return worker_send(w, &command);
}

static uint64_t send_opt(Worker *w, CmdKind k, const OptConfig *o) {
  memset(&command, 0, sizeof command);
  command.kind = k;
  command.opt = *o;
  return worker_send(w, &command);
}

Test(tui_worker, setting_applies_next_step_without_reset) {
  Worker *w = start("");
  WAIT_FOR(w, v.step >= 20, 10);
  Seen before = look(w);
  OptConfig o = before.opt;
  o.alpha *= 2;
  uint64_t seq = send_opt(w, CMD_SET_OPT, &o);
  cr_assert(seq > 0);
  WAIT_FOR(w, v.applied >= seq, 5);
  Seen after = look(w);
  cr_assert_eq(after.opt.alpha, o.alpha);
  cr_assert_geq(after.step, before.step, "training went back: %llu -> %llu",
                (unsigned long long)before.step, (unsigned long long)after.step);
  cr_assert_str_eq(after.mark, "alpha 0.002");
  WAIT_FOR(w, v.step > after.step + 5, 5);
  cr_assert_eq(worker_stop(w, NULL, NULL, 0), 0);
}

static uint64_t send_value(Worker *w, CmdKind k, double value) {
  memset(&command, 0, sizeof command);
  command.kind = k;
  command.value = value;
  return worker_send(w, &command);
}

/* glyphs has 12,000 training samples: 120 steps per epoch at batch 100, so
 * the default 3 epochs end at step 360. */
Test(tui_worker, no_length_trains_past_the_default_epochs) {
  Worker *w = start_with("");
  WAIT_FOR(w, v.step > 400, 20);
  Seen v = look(w);
  cr_assert_eq(v.total_steps, 0, "a run without a length shows one: %zu", v.total_steps);
  cr_assert_eq(v.state, RUN_RUNNING);
  cr_assert_eq(worker_stop(w, NULL, NULL, 0), 0);
}

Test(tui_worker, the_length_ends_the_run_and_a_longer_one_goes_on) {
  Worker *w = start_with("--steps 30");
  WAIT_FOR(w, v.state == RUN_DONE, 10);
  usleep(50000);
  Seen done = look(w);
  cr_assert_eq(done.step, 30);
  cr_assert_str_eq(done.status, "done: raise the length to go on, r restarts");
  uint64_t seq = send_value(w, CMD_SET_LENGTH, 50);
  WAIT_FOR(w, v.applied >= seq && v.state == RUN_DONE && v.step == 50, 10);
  cr_assert_eq(look(w).total_steps, 50);
  /* no length: it goes on past 50 */
  seq = send_value(w, CMD_SET_LENGTH, 0);
  WAIT_FOR(w, v.applied >= seq && v.step > 60 && v.state == RUN_RUNNING, 10);
  cr_assert_eq(worker_stop(w, NULL, NULL, 0), 0);
}

/* At 20 steps/s the measured rate says so (not the unpaced figure), and
 * every step is published. */
Test(tui_worker, a_pace_runs_that_many_steps_a_second) {
  Worker *w = start("");
  WAIT_FOR(w, v.step >= 5, 10);
  uint64_t seq = send_value(w, CMD_SET_PACE, 20);
  WAIT_FOR(w, v.applied >= seq, 5);
  uint64_t first = look(w).step, last = first, missed = 0;
  double t0 = now_s();
  while (now_s() - t0 < 1.0) {
    uint64_t step = look(w).step;
    if (step > last + 1) missed++;
    last = step;
    usleep(2000);
  }
  double rate = (double)(last - first) / (now_s() - t0), seen = look(w).steps_per_s;
  cr_assert(rate > 14 && rate < 26, "paced at 20 steps/s, ran %.1f", rate);
  cr_assert(seen > 14 && seen < 26, "paced at 20 steps/s, the snapshot says %.1f", seen);
  cr_assert_eq(missed, 0, "%llu steps were never published", (unsigned long long)missed);
  cr_assert_eq(worker_stop(w, NULL, NULL, 0), 0);
}

Test(tui_time, pace_ladder) {
  cr_assert_eq(time_pace_step(0, -1), 50);
  cr_assert_eq(time_pace_step(0, 1), 0, "nothing is faster than as fast as it goes");
  cr_assert_eq(time_pace_step(50, 1), 0);
  cr_assert_eq(time_pace_step(1, -1), 0.5);
  cr_assert_eq(time_pace_step(0.5, -1), 0.25);
  cr_assert_eq(time_pace_step(0.25, -1), 0.25, "0.25 steps/s is the slowest");
  cr_assert_eq(time_pace_step(3, -1), 2, "--pace 3 goes to the next notch down");
  cr_assert_eq(time_pace_step(3, 1), 5);
  cr_assert_eq(time_pace_step(100, -1), 50);
  cr_assert_eq(time_pace_step(100, 1), 0);
}

Test(tui_time, length_nudge) {
  cr_assert_eq(time_length_nudge(12, 12, 120, 1), 21, "12 x 10^0.25 = 21.3");
  cr_assert_eq(time_length_nudge(21, 12, 120, -1), 12);
  cr_assert_eq(time_length_nudge(1, 0, 120, 1), 2, "at least one step more");
  cr_assert_eq(time_length_nudge(2, 0, 120, -1), 1);
  cr_assert_eq(time_length_nudge(1, 0, 120, -1), 1, "never below one step");
  cr_assert_eq(time_length_nudge(0, 250, 120, -1), 360, "none: the end of this epoch");
  cr_assert_eq(time_length_nudge(0, 250, 120, 1), 0, "none stays none on +");
}

Test(tui_worker, pause_and_single_step) {
  Worker *w = start("");
  WAIT_FOR(w, v.step >= 5, 10);
  uint64_t seq = send_kind(w, CMD_TOGGLE);
  WAIT_FOR(w, v.applied >= seq && v.state == RUN_PAUSED, 5);
  Seen p = look(w);
  usleep(100000);
  cr_assert_eq(look(w).step, p.step, "steps while paused");
  seq = send_kind(w, CMD_STEP);
  WAIT_FOR(w, v.applied >= seq && v.step == p.step + 1, 5);
  usleep(50000);
  Seen q = look(w);
  cr_assert_eq(q.step, p.step + 1);
  cr_assert_eq(q.state, RUN_PAUSED);
  seq = send_kind(w, CMD_TOGGLE);
  WAIT_FOR(w, v.state == RUN_RUNNING && v.step > p.step + 3, 5);
  worker_stop(w, NULL, NULL, 0);
}

Test(tui_worker, exact_switch_sgd_to_cema) {
  Worker *w = start("--opt sgd --lr 0.1 --wd 0.01 --schedule const");
  WAIT_FOR(w, v.step >= 10, 10);
  Seen before = look(w);
  OptConfig to;
  OptSwitch verdict;
  optim_switch_target(&before.opt, OPT_CEMA, before.step, &to, &verdict);
  cr_assert_eq(verdict.exact, 1);
  uint64_t seq = send_opt(w, CMD_SWITCH_OPT, &to);
  WAIT_FOR(w, v.applied >= seq, 5);
  Seen after = look(w);
  cr_assert_eq(after.opt.kind, OPT_CEMA);
  cr_assert(strstr(after.note, "exact"), "note: %s", after.note);
  cr_assert_str_eq(after.mark, "-> cema");
  cr_assert_geq(after.step, before.step);
  worker_stop(w, NULL, NULL, 0);
}

Test(tui_worker, divergence_pauses_then_resumes_from_a_good_state) {
  Worker *w = start("--opt sgd --lr 1e300");
  WAIT_FOR(w, v.state == RUN_DIVERGED, 10);
  Seen d = look(w);
  OptConfig o = d.opt;
  o.lr = 0.1;
  send_opt(w, CMD_SET_OPT, &o);
  uint64_t seq = send_kind(w, CMD_TOGGLE);
  WAIT_FOR(w, v.applied >= seq, 5);
  cr_assert(strstr(look(w).note, "resumed from step"), "note: %s", look(w).note);
  WAIT_FOR(w, v.state == RUN_RUNNING && v.step > d.step + 50, 10);
  worker_stop(w, NULL, NULL, 0);
}

Test(tui_worker, restart_starts_over_with_the_current_settings) {
  Worker *w = start("");
  WAIT_FOR(w, v.step >= 200, 10);
  Seen before = look(w);
  OptConfig o = before.opt;
  o.gamma = 0.5;
  send_opt(w, CMD_SET_OPT, &o);
  uint64_t seq = send_kind(w, CMD_RESTART);
  WAIT_FOR(w, v.applied >= seq, 5);
  Seen after = look(w);
  cr_assert_lt(after.step, before.step);
  cr_assert_eq(after.opt.gamma, 0.5);
  cr_assert_eq(after.n_marks, 0);
  worker_stop(w, NULL, NULL, 0);
}

Test(tui_worker, export_writes_charts) {
  char dir[] = "/tmp/flipscope-test-exportXXXXXX";
  cr_assert(mkdtemp(dir));
  Worker *w = start("");
  WAIT_FOR(w, v.step >= 30, 10);
  memset(&command, 0, sizeof command);
  command.kind = CMD_EXPORT;
  snprintf(command.path, sizeof command.path, "%s/charts", dir);
  uint64_t seq = worker_send(w, &command);
  WAIT_FOR(w, v.applied >= seq, 60);
  Seen v = look(w);
  cr_assert(strstr(v.note, "charts exported to"), "note: %s", v.note);
  char path[300];
  snprintf(path, sizeof path, "%s/charts/loss.gp", dir);
  struct stat st;
  cr_assert_eq(stat(path, &st), 0, "%s missing", path);
  worker_stop(w, NULL, NULL, 0);
  char rm[400];
  snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
  cr_assert_eq(system(rm), 0);
}

/* --- the command line: --screen, --preset, no terminal ------------------------ */


Test(tui_cli, headless_screen_writes_the_dashboard) {
  char path[] = "/tmp/flipscope-test-screenXXXXXX";
  close(mkstemp(path));
  char args[256];
  snprintf(args, sizeof args, "--headless --data glyphs --model mlp:16 --steps 30 --threads 1 --screen %s",
           path);
  setenv("LC_ALL", "C", 1);
  unsetenv("FLIPSCOPE_SCREEN_SIZE");
  ProcResult r;
  run_flipscope(args, &r);
  cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
  cr_assert(strstr(r.out, "\"steps\":30"), "%s", r.out);
  char text[65536];
  slurp(path, text, sizeof text);
  unlink(path);
  cr_assert(strstr(text, "+[5 filter cema]"), "%s", text);
  cr_assert(strstr(text, " done "), "%s", text);
  cr_assert(strstr(text, "step 30/30"), "%s", text);
  int lines = 0;
  for (const char *p = text; *p; p++) lines += *p == '\n';
  cr_assert_eq(lines, 30, "%d lines", lines);
}

Test(tui_cli, unknown_preset_is_a_usage_error) {
  ProcResult r;
  run_flipscope("--headless --preset nosuch", &r);
  cr_assert_eq(r.code, 2, "exit %d: %s", r.code, r.err);
  cr_assert(strstr(r.err, "--preset") && strstr(r.err, "wd-filter"), "%s", r.err);
  cr_assert_eq(strchr(r.err, '\n'), r.err + strlen(r.err) - 1, "one line: %s", r.err);
}

Test(tui_cli, preset_settings_under_the_users_flags) {
  ProcResult r;
  run_flipscope("--headless --preset wd-filter --steps 5 --threads 1 --model mlp:16", &r);
  cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
  cr_assert(strstr(r.out, "\"opt\":\"sgd\"") && strstr(r.out, "\"data\":\"glyphs\""), "%s", r.out);
  cr_assert(strstr(r.out, "\"model\":\"mlp:16\""), "the user's --model wins: %s", r.out);
}

Test(tui_cli, no_terminal_trains_headless_and_says_so) {
  ProcResult r;
  run_flipscope("--data glyphs --model mlp:16 --steps 5 --threads 1", &r);
  cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
  cr_assert(strstr(r.err, "not a terminal"), "%s", r.err);
  cr_assert(strstr(r.out, "\"steps\":5"), "%s", r.out);
  cr_assert(!strchr(r.out, '\033'), "escape sequences on stdout");
}

/* --pace is the live view's: a headless run warns once and trains as fast
 * as it can; the pace is not one of the settings a checkpoint keeps. */
Test(tui_cli, headless_pace_warns_and_is_ignored) {
  ProcResult r;
  run_flipscope("--headless --data glyphs --model mlp:16 --steps 3 --threads 1 --pace 2", &r);
  cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
  cr_assert(strstr(r.err, "flipscope: --pace has no effect without the live view: ignored\n"), "%s",
            r.err);
  Config c;
  char err[256], text[8192], *argv[] = {"--pace", "0.25"};
  cr_assert_eq(config_parse(2, argv, &c, err, sizeof err), 0, "%s", err);
  cr_assert_eq(c.pace, 0.25);
  cr_assert_eq(c.length_given, 0, "no --epochs or --steps: no length given");
  config_format_saved(&c, NULL, text, sizeof text);
  cr_assert(!strstr(text, "pace"), "a checkpoint would keep the pace:\n%s", text);
}

/* The weight scope: pinned weights are captured at once and after every
 * step, with the states of the optimizer that ran it; an unknown weight is
 * refused with a note; none pinned keeps nothing. */
static uint64_t send_pins(Worker *w, const TraceRef *pin, size_t n) {
  memset(&command, 0, sizeof command);
  command.kind = CMD_SET_PINS;
  command.n_pins = n;
  memcpy(command.pin, pin, n * sizeof *pin);
  return worker_send(w, &command);
}

/* The newest snapshot's scope (large: static). */
static DashScope scope_seen;
static const DashScope *look_scope(Worker *w) {
  const DashSnapshot *s = worker_acquire(w);
  scope_seen = s->scope;
  worker_release(w);
  return &scope_seen;
}

Test(tui_worker, pinned_weights_are_captured_every_step_across_a_switch) {
  Worker *w = start("--opt sgd --lr 0.1 --wd 0.01 --schedule const");
  WAIT_FOR(w, v.step >= 3, 10);
  uint64_t seq = send_kind(w, CMD_TOGGLE);
  WAIT_FOR(w, v.applied >= seq && v.state == RUN_PAUSED, 5);
  cr_assert_eq(look_scope(w)->n_pins, 0);
  cr_assert_eq(look_scope(w)->n, 0, "nothing kept while none is pinned");
  const TraceRef pin[2] = {{0, 17}, {1, 3}};
  seq = send_pins(w, pin, 2);
  WAIT_FOR(w, v.applied >= seq, 5);
  Seen p = look(w);
  const DashScope *sc = look_scope(w);
  cr_assert_eq(sc->n_pins, 2);
  cr_assert_eq(sc->n, 1, "captured when pinned");
  cr_assert_eq(sc->at[0].step, p.step);
  cr_assert_eq(sc->last.kind, OPT_SGD);
  cr_assert_str_eq(trace_state_name(sc->last.kind, 0), "w");
  for (int i = 0; i < 3; i++) {
    seq = send_kind(w, CMD_STEP);
    WAIT_FOR(w, v.applied >= seq && v.step == p.step + 1 + (uint64_t)i, 5);
  }
  sc = look_scope(w);
  cr_assert_eq(sc->n, 4, "one entry a step");
  for (size_t i = 0; i < sc->n; i++) {
    cr_assert_eq(sc->at[i].step, p.step + i);
    for (int k = 0; k < 2; k++) {
      cr_assert(isfinite(sc->at[i].filter[k]), "step %zu weight %d", i, k);
      cr_assert(sc->at[i].sign[k] == 1 || sc->at[i].sign[k] == -1);
    }
  }
  OptConfig bop;
  optim_defaults(OPT_BOP, &bop);
  bop.tau = 1e-6;
  seq = send_opt(w, CMD_SWITCH_OPT, &bop);
  WAIT_FOR(w, v.applied >= seq, 5);
  seq = send_kind(w, CMD_STEP);
  WAIT_FOR(w, v.applied >= seq && v.step == p.step + 4, 5);
  sc = look_scope(w);
  cr_assert_eq(sc->last.kind, OPT_BOP, "the trace follows the optimizer that ran");
  cr_assert_eq(sc->at[sc->n - 1].kind, OPT_BOP);
  cr_assert_float_eq(sc->at[sc->n - 1].threshold, 1e-6, 1e-12);
  cr_assert_eq(sc->at[sc->n - 2].threshold, 0, "SGD's steps keep their threshold 0");
  const TraceRef bad = {0, 1u << 30};
  seq = send_pins(w, &bad, 1);
  WAIT_FOR(w, v.applied >= seq, 5);
  cr_assert(strstr(look(w).note, "no weight 0:1073741824"), "note: %s", look(w).note);
  cr_assert_eq(look_scope(w)->n_pins, 0);
  cr_assert_eq(look_scope(w)->n, 0);
  worker_stop(w, NULL, NULL, 0);
}

Test(tui_worker, trace_weights_are_pinned_at_start) {
  Worker *w = start("--trace-weights 0:5,1:7");
  WAIT_FOR(w, v.step >= 3, 10);
  const DashScope *sc = look_scope(w);
  cr_assert_eq(sc->n_pins, 2);
  cr_assert_eq(sc->pin[0].layer, 0);
  cr_assert_eq(sc->pin[0].index, 5);
  cr_assert_eq(sc->pin[1].index, 7);
  cr_assert_geq(sc->n, 3);
  worker_stop(w, NULL, NULL, 0);
}

/* --- the run menu (app/live/tui_runmenu.h) ----------------------------------- */

static RunMenu menu; /* large: static */

/* The menu's data row on spec (it must be one of its choices). */
static void menu_data(const char *spec) {
  for (size_t i = 0; i < menu.n_data && strcmp(menu.data[menu.data_i], spec); i++)
    runmenu_change(&menu, RUN_ROW_DATA, 1);
  cr_assert_str_eq(menu.data[menu.data_i], spec);
}

/* The shown value of the menu's row. */
static const char *menu_value(RunRow row) {
  static DashUi ui;
  runmenu_show(&menu, &ui);
  return ui.run_value[row];
}

Test(tui_runmenu, choices_follow_the_data_and_the_start) {
  char err[512], *argv[] = {"--data", "csv:points/two.csv", "--label-col", "3",
                            "--model", "mlp:40"};
  cr_assert_eq(config_parse(6, argv, &cfg, err, sizeof err), 0, "%s", err);
  runmenu_open(&menu, &cfg, "csv:points/two.csv");
  cr_assert_str_eq(menu_value(RUN_ROW_DATA), "csv:points/two.csv", "the started set stays");
  cr_assert_str_eq(menu_value(RUN_ROW_MODEL), "mlp:40", "the running model is chosen at first");
  cr_assert_str_eq(menu_value(RUN_ROW_SEED), "1");
  menu_data("xor");
  cr_assert_str_eq(menu_value(RUN_ROW_MODEL), "mlp:40", "the chosen model stays chosen");
  runmenu_change(&menu, RUN_ROW_MODEL, 1);
  cr_assert_str_eq(menu_value(RUN_ROW_MODEL), "mlp:128x64 real-first");
  menu_data("glyphs");
  cr_assert_str_eq(menu_value(RUN_ROW_MODEL), "mlp:256x256",
                   "a suggestion of the old data is not one of the new");
  runmenu_change(&menu, RUN_ROW_MODEL, -1);
  cr_assert_str_eq(menu_value(RUN_ROW_MODEL), "mlp:40", "the running model is the last choice");
  runmenu_change(&menu, RUN_ROW_SEED, -1);
  runmenu_change(&menu, RUN_ROW_SEED, -1);
  cr_assert_str_eq(menu_value(RUN_ROW_SEED), "0", "the seed stops at 0");
  menu_data("csv:points/two.csv");
}

Test(tui_runmenu, typed_values_are_checked) {
  char err[512], *argv[] = {"--data", "glyphs", "--model", "mlp:32"};
  cr_assert_eq(config_parse(4, argv, &cfg, err, sizeof err), 0, "%s", err);
  runmenu_open(&menu, &cfg, "glyphs");
  cr_assert_eq(runmenu_type(&menu, RUN_ROW_MODEL, "mlp:12y", err, sizeof err), -1);
  cr_assert(strstr(err, "--model"), "%s", err);
  cr_assert(!strchr(err, '\n'), "one line: %s", err);
  cr_assert_str_eq(menu_value(RUN_ROW_MODEL), "mlp:32", "a refused text leaves the model");
  cr_assert_eq(runmenu_type(&menu, RUN_ROW_MODEL, "mlp:8 real-fist", err, sizeof err), -1);
  cr_assert(strstr(err, "real-fist"), "%s", err);
  cr_assert_eq(runmenu_type(&menu, RUN_ROW_MODEL, "mlp: real-first", err, sizeof err), -1,
               "no binary layer left");
  cr_assert_eq(runmenu_type(&menu, RUN_ROW_MODEL, "cnn:c8-p-f16 real-first", err, sizeof err), 0,
               "%s", err);
  cr_assert_str_eq(menu_value(RUN_ROW_MODEL), "cnn:c8-p-f16 real-first");
  cr_assert_eq(runmenu_type(&menu, RUN_ROW_SEED, "-3", err, sizeof err), -1);
  cr_assert(strstr(err, "seed"), "%s", err);
  cr_assert_eq(runmenu_type(&menu, RUN_ROW_SEED, "42", err, sizeof err), 0, "%s", err);
  cr_assert_str_eq(menu_value(RUN_ROW_SEED), "42");
  cr_assert_eq(runmenu_type(&menu, RUN_ROW_DATA, "circles", err, sizeof err), 0, "%s", err);
  cr_assert_str_eq(menu_value(RUN_ROW_DATA), "circles");
}

Test(tui_runmenu, the_config_changes_the_three_and_keeps_the_rest) {
  char err[512], *argv[] = {"--data", "glyphs", "--model", "mlp:32", "--opt", "sgd", "--lr", "0.2",
                            "--augment", "flip", "--batch", "64"};
  cr_assert_eq(config_parse(12, argv, &cfg, err, sizeof err), 0, "%s", err);
  snprintf(cfg.load_path, sizeof cfg.load_path, "old.ckpt");
  runmenu_open(&menu, &cfg, "glyphs");
  menu_data("xor");
  runmenu_change(&menu, RUN_ROW_MODEL, 1); /* from mlp:32 (the last) round to the first */
  runmenu_change(&menu, RUN_ROW_SEED, 1);
  OptConfig now = cfg.opt;
  now.lr = 0.05;
  static Config out;
  runmenu_config(&menu, &now, &out);
  cr_assert_str_eq(out.data, "xor");
  char model[128];
  model_spec_describe(&out.model, model, sizeof model);
  cr_assert_str_eq(model, "mlp:128x64 real-first");
  cr_assert_eq(out.train.seed, cfg.train.seed + 1);
  cr_assert_eq(out.opt.kind, OPT_SGD);
  cr_assert_eq(out.opt.lr, 0.05, "the optimizer's settings as they are now");
  cr_assert_eq(out.train.batch, 64);
  cr_assert_eq(out.train.augment, 0, "a 2-D set takes no augmentation");
  cr_assert_str_eq(out.load_path, "", "no checkpoint to resume");
}

/* The load command the run menu makes for data (a menu choice), a typed
 * model and (unless NULL) a typed seed, into `command`. */
static void menu_load_command(const char *data, const char *model, const char *seed) {
  char err[512];
  runmenu_open(&menu, &cfg, cfg.data);
  menu_data(data);
  cr_assert_eq(runmenu_type(&menu, RUN_ROW_MODEL, model, err, sizeof err), 0, "%s", err);
  if (seed) cr_assert_eq(runmenu_type(&menu, RUN_ROW_SEED, seed, err, sizeof err), 0, "%s", err);
  memset(&command, 0, sizeof command);
  command.kind = CMD_LOAD;
  runmenu_config(&menu, &cfg.opt, &command.cfg);
}

/* The data, model and seed the newest snapshot shows, and the sessions loaded. */
static void look_run(Worker *w, char *data, char *model, uint64_t *loads, size_t *in0,
                     size_t *out0) {
  const DashSnapshot *s = worker_acquire(w);
  snprintf(data, 64, "%s", s->data);
  snprintf(model, 96, "%s", s->model);
  *loads = s->loads, *in0 = s->layer[0].in, *out0 = s->layer[0].out;
  worker_release(w);
}

Test(tui_worker, the_run_menus_config_loads_that_data_and_model) {
  Worker *w = start("");
  WAIT_FOR(w, v.step >= 5, 10);
  menu_load_command("xor", "mlp:16x8", "7");
  char data[64], model[96];
  uint64_t seq = worker_send(w, &command), loads;
  size_t in0, out0;
  WAIT_FOR(w, v.applied >= seq, 10);
  look_run(w, data, model, &loads, &in0, &out0);
  cr_assert_str_eq(data, "xor");
  cr_assert_str_eq(model, "mlp:16x8");
  cr_assert_eq(loads, 1);
  cr_assert_eq(in0, 2, "xor's two features into the first layer");
  cr_assert_eq(out0, 16);
  WAIT_FOR(w, v.step >= 5, 10);
  worker_stop(w, NULL, NULL, 0);
}

Test(tui_worker, a_model_that_does_not_fit_the_data_leaves_the_old_run) {
  Worker *w = start("");
  WAIT_FOR(w, v.step >= 5, 10);
  menu_load_command("xor", "cnn:c16-p-f64", NULL);
  char data[64], model[96];
  uint64_t before = look(w).step, seq = worker_send(w, &command), loads;
  size_t in0, out0;
  WAIT_FOR(w, v.applied >= seq, 10);
  Seen after = look(w);
  cr_assert(strstr(after.note, "needs images"), "the session's own error: %s", after.note);
  cr_assert(!strchr(after.note, '\n'), "one line: %s", after.note);
  look_run(w, data, model, &loads, &in0, &out0);
  cr_assert_str_eq(data, "glyphs");
  cr_assert_str_eq(model, "mlp:32x32");
  cr_assert_eq(loads, 0);
  WAIT_FOR(w, v.step > before + 5, 10); /* the old run goes on */
  worker_stop(w, NULL, NULL, 0);
}
