/* tui.c — the live TUI's UI thread: keys, the UI state, frames.
 *
 * Every frame takes the newest snapshot from the worker, brings the UI state
 * up to date with it (settings shown, messages, the filter of the shown
 * settings), renders the views on a canvas and copies the canvas to the
 * terminal. Frames come every 50 ms (20/s) and at once after a key.
 */
#include "app/live/tui.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "app/io/number_text.h"
#include "app/cli/presets.h"
#include "app/run/session.h"
#include "app/live/tui_filter.h"
#include "app/live/tui_runmenu.h"
#include "app/live/screen_text.h"
#include "app/live/tui_term.h"
#include "app/live/tui_time.h"
#include "app/live/tui_worker.h"
#include "engine/settings.h"
#include "views/keys.h"
#include "views/views.h"

#define FRAME_S 0.05
#define MESSAGE_S 6.0
#define MAX_PRESETS 16
#define MAX_WAITS 32

typedef struct {
  Term term;
  Canvas canvas;
  Worker *w;
  Config cfg;                 /* as started: presets from the menu keep its threads */
  Config run;                 /* the running session's: cfg, then the last one loaded */
  Config loading;             /* the last one sent to load, until the trainer has it */
  uint64_t load_seq;          /* its command (0: none on its way) */
  uint64_t seen_loads;        /* DashSnapshot.loads when it was sent */
  RunMenu run_menu;           /* `m` */
  int asked_run;              /* 1: the restart question would load the run menu's values */
  int loading_run;            /* 1: the load on its way is the run menu's (no preset runs then) */
  DashUi ui;
  DashGhost *ghosts[DASH_GHOSTS]; /* the buffers of the pinned runs (ui.ghost points into them) */
  DashPreset menu[MAX_PRESETS];
  const Preset *preset;       /* the running preset, for `i` */
  const Preset *asked;        /* the preset the restart question would load; NULL: restart */
  double pace;                /* the last pace sent */
  uint64_t length_seq;        /* the last length sent; shown until applied */
  RunState seen_state;        /* the run's state in the last frame */
  uint64_t opt_seq;           /* the last settings sent; shown as pending until applied */
  uint64_t toggle_seq;        /* the last pause/resume sent */
  uint64_t seen_note;
  double message_until;
  TraceRef pins[TRACE_MAX];   /* the weights pinned to the scope, as last sent or published */
  size_t n_pins;
  uint64_t pins_seq;          /* the last pins sent; kept until applied */
  OptConfig filter_opt;       /* the settings and factor ui.filter was computed for */
  double filter_factor;
  int filter_ok;
  int quit;
  /* measurements for FLIPSCOPE_TUI_STATS */
  double t0, last_frame, max_gap, key_t, key_max, key_sum, cmd_max, cmd_sum, frame_cost;
  uint64_t frames, key_n, cmd_n;
  int key_waiting;
  struct {
    uint64_t seq;
    double t;
  } waits[MAX_WAITS];
  size_t n_waits;
} Tui;

/* SIGINT, SIGTERM, SIGHUP: the handler only records the first; the UI loop
 * sees it within a frame and leaves as q does (saving to --save). */
static volatile sig_atomic_t got_signal;
static void on_signal(int sig) {
  if (!got_signal) got_signal = sig;
}

static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_QUIT_SIGNALS (sizeof quit_signals / sizeof *quit_signals)

static void catch_quit_signals(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART; /* the worker's log writes go on */
  for (size_t i = 0; i < N_QUIT_SIGNALS; i++) sigaction(quit_signals[i], &sa, NULL);
}

/* Blocks (block = 1) or unblocks the quit signals in this thread; a thread
 * started meanwhile keeps them blocked, so they reach the UI thread. */
static void block_quit_signals(int block) {
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < N_QUIT_SIGNALS; i++) sigaddset(&set, quit_signals[i]);
  pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void message(Tui *T, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void message(Tui *T, int error, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(T->ui.message, sizeof T->ui.message, fmt, ap);
  va_end(ap);
  T->ui.message_error = error;
  T->message_until = now_s() + MESSAGE_S;
}

/* Queues a command; the quick ones (pause, step, settings, switch) are timed
 * from key to screen (export, save and restart take as long as their work). */
static uint64_t send(Tui *T, Command *c) {
  uint64_t seq = worker_send(T->w, c);
  int quick = c->kind == CMD_TOGGLE || c->kind == CMD_PAUSE || c->kind == CMD_STEP ||
              c->kind == CMD_SET_OPT || c->kind == CMD_SWITCH_OPT || c->kind == CMD_SET_LENGTH ||
              c->kind == CMD_SET_PACE;
  if (!seq) message(T, 1, "busy: the trainer has not caught up with the last commands yet");
  else if (quick && T->n_waits < MAX_WAITS)
    T->waits[T->n_waits].seq = seq, T->waits[T->n_waits++].t = T->key_t;
  return seq;
}

static void send_simple(Tui *T, CmdKind kind) {
  static Command c; /* only the kind matters; static: Command is large */
  c.kind = kind;
  uint64_t seq = send(T, &c);
  if (seq && kind == CMD_TOGGLE) T->toggle_seq = seq, T->ui.state_pending = 1;
}

/* The rows of the filter pane: the live settings of opt, then the run's
 * length (row number np). */
static int pane_rows(const OptConfig *opt) {
  const OptSetting *ps[SETTINGS_LIVE_MAX];
  return (int)settings_live(opt, ps, SETTINGS_LIVE_MAX) + 1;
}

/* Whether the filter pane's selected row is the run's length. */
static int length_selected(const DashUi *ui) { return ui->param == pane_rows(&ui->opt) - 1; }

/* Shows the settings opt and keeps the selected row inside the pane's rows
 * (another optimizer, or IIR sections, can make them fewer): every change
 * of ui.opt goes through here, so no key can index past the table. */
static void show_opt(DashUi *ui, const OptConfig *opt) {
  int rows = pane_rows(opt);
  ui->opt = *opt;
  if (ui->param >= rows) ui->param = rows - 1;
  if (ui->param < 0) ui->param = 0;
}

/* The selected setting of the shown optimizer, or NULL when it has none
 * (or the length row is selected). */
static const OptSetting *selected_param(const DashUi *ui) {
  const OptSetting *ps[SETTINGS_LIVE_MAX];
  int np = (int)settings_live(&ui->opt, ps, SETTINGS_LIVE_MAX);
  return ui->param >= 0 && ui->param < np ? ps[ui->param] : NULL;
}

static void send_opt(Tui *T, const OptConfig *opt, CmdKind kind) {
  char err[256];
  if (optim_check(opt, err, sizeof err)) {
    message(T, 1, "%s", err);
    return;
  }
  static Command c;
  c.kind = kind;
  c.opt = *opt;
  uint64_t seq = send(T, &c);
  if (!seq) return;
  show_opt(&T->ui, opt);
  T->ui.pending = 1;
  T->opt_seq = seq;
}

/* --- keeping the UI state in step with a snapshot --------------------------- */

static void sync_ui(Tui *T, const DashSnapshot *s) {
  DashUi *ui = &T->ui;
  if (ui->pending && s->applied >= T->opt_seq) ui->pending = 0;
  if (ui->state_pending && s->applied >= T->toggle_seq) ui->state_pending = 0;
  if (!ui->pending) show_opt(ui, &s->opt);
  if (ui->length_pending && s->applied >= T->length_seq) ui->length_pending = 0;
  if (s->n_layers && ui->layer >= s->n_layers) ui->layer = s->n_layers - 1;
  if (T->load_seq && s->applied >= T->load_seq) { /* loaded, or refused (the old run goes on) */
    if (s->loads != T->seen_loads) T->run = T->loading;
    if (s->loads != T->seen_loads && T->loading_run) T->preset = NULL;
    T->load_seq = 0;
  }
  if (s->applied >= T->pins_seq) { /* the trainer's pins (it may have dropped some) */
    T->n_pins = s->scope.n_pins;
    memcpy(T->pins, s->scope.pin, sizeof T->pins);
  }
  size_t top = T->n_pins > 1 ? T->n_pins : 0; /* n_pins: all of them overlaid */
  if (ui->scope_sel > top) ui->scope_sel = top;
  if (s->note_seq != T->seen_note) {
    T->seen_note = s->note_seq;
    if (s->note[0]) message(T, s->note_error, "%s", s->note);
  }
  if (ui->message[0] && now_s() > T->message_until) ui->message[0] = 0;
  /* a run that has just ended or diverged says why at once, over older messages */
  if (s->state != T->seen_state && (s->state == RUN_DONE || s->state == RUN_DIVERGED))
    ui->message[0] = 0;
  T->seen_state = s->state;
  double factor = s->factor > 0 ? s->factor : 1;
  if (!T->filter_ok || memcmp(&T->filter_opt, &ui->opt, sizeof ui->opt) != 0 ||
      fabs(factor - T->filter_factor) > 1e-3 * fabs(T->filter_factor)) {
    dash_filter_compute(&ui->opt, factor, &ui->filter);
    T->filter_opt = ui->opt;
    T->filter_factor = factor;
    T->filter_ok = 1;
  }
}

static void frame(Tui *T) {
  double start = now_s();
  const DashSnapshot *s = worker_acquire(T->w);
  sync_ui(T, s);
  dash_render(&T->canvas, s, &T->ui);
  uint64_t applied = s->applied;
  worker_release(T->w);
  term_draw(&T->term, &T->canvas);
  double t = now_s();
  T->frame_cost += t - start;
  if (T->frames++ && t - T->last_frame > T->max_gap) T->max_gap = t - T->last_frame;
  T->last_frame = t;
  if (T->key_waiting) {
    double lat = t - T->key_t;
    T->key_sum += lat, T->key_n++;
    if (lat > T->key_max) T->key_max = lat;
    T->key_waiting = 0;
  }
  for (size_t i = 0; i < T->n_waits;) {
    if (applied >= T->waits[i].seq) {
      double lat = t - T->waits[i].t;
      T->cmd_sum += lat, T->cmd_n++;
      if (lat > T->cmd_max) T->cmd_max = lat;
      T->waits[i] = T->waits[--T->n_waits];
    } else {
      i++;
    }
  }
}

/* The newest command the UI waits for. */
static uint64_t last_sent(const Tui *T) {
  uint64_t seq = T->ui.pending ? T->opt_seq : 0;
  if (T->ui.state_pending && T->toggle_seq > seq) seq = T->toggle_seq;
  if (T->ui.length_pending && T->length_seq > seq) seq = T->length_seq;
  for (size_t i = 0; i < T->n_waits; i++)
    if (T->waits[i].seq > seq) seq = T->waits[i].seq;
  return seq;
}

/* --- the key table's actions (views/keys.h) ------------------------------- */

/* Sends the run's length: steps (0: none). */
static void send_length(Tui *T, size_t steps) {
  static Command c;
  c.kind = CMD_SET_LENGTH;
  c.value = (double)steps;
  uint64_t seq = send(T, &c);
  if (!seq) return;
  T->length_seq = seq;
  T->ui.length = steps;
  T->ui.length_pending = 1;
}

/* The run's length as shown: the one sent, until the trainer has it. */
static size_t shown_length(Tui *T) {
  if (T->ui.length_pending) return T->ui.length;
  const DashSnapshot *s = worker_acquire(T->w);
  size_t length = s->total_steps;
  worker_release(T->w);
  return length;
}

static void nudge_length(Tui *T, int dir) {
  const DashSnapshot *s = worker_acquire(T->w);
  uint64_t step = s->step;
  size_t spe = s->steps_per_epoch;
  worker_release(T->w);
  size_t from = shown_length(T), to = time_length_nudge(from, step, spe, dir);
  if (to == from) message(T, 0, "length: none already, the run trains until q; Enter types one");
  else send_length(T, to);
}

/* The value prompt's length: whole steps, 0 for none. */
static void commit_length(Tui *T) {
  double v;
  if (number_text_real(T->ui.input, &v) || v < 0 || v != floor(v) || v > 1e15) {
    message(T, 1, "length: expected whole steps (0: none, until q), got '%s'", T->ui.input);
    return;
  }
  send_length(T, (size_t)v);
}

static void nudge(Tui *T, int dir) {
  if (length_selected(&T->ui)) {
    nudge_length(T, dir);
    return;
  }
  const OptSetting *p = selected_param(&T->ui);
  if (!p) return;
  double v = setting_get(p, &T->ui.opt), nv = setting_nudge(p, v, dir);
  if (nv == v) {
    message(T, 0, "%s is at its %s", p->name, dir > 0 ? "upper limit" : "lower limit");
    return;
  }
  OptConfig o = T->ui.opt;
  setting_set(p, &o, nv);
  send_opt(T, &o, CMD_SET_OPT);
}

static void open_input(Tui *T) {
  if (length_selected(&T->ui)) {
    snprintf(T->ui.input_label, sizeof T->ui.input_label, "length");
    snprintf(T->ui.input, sizeof T->ui.input, "%zu", shown_length(T));
    T->ui.overlay = OVL_INPUT;
    return;
  }
  const OptSetting *p = selected_param(&T->ui);
  if (!p) return;
  snprintf(T->ui.input_label, sizeof T->ui.input_label, "%s", p->name);
  snprintf(T->ui.input, sizeof T->ui.input, "%.6g", setting_get(p, &T->ui.opt));
  T->ui.overlay = OVL_INPUT;
}

static void commit_input(Tui *T) {
  const OptSetting *p = selected_param(&T->ui);
  T->ui.overlay = OVL_NONE;
  if (!strcmp(T->ui.input_label, "length")) {
    commit_length(T);
    return;
  }
  if (!p || strcmp(p->name, T->ui.input_label) != 0) { /* the optimizer changed meanwhile */
    message(T, 1, "%s: the optimizer changed: not set", T->ui.input_label);
    return;
  }
  double v;
  if (number_text_real(T->ui.input, &v) || !setting_accepts(p, v)) {
    char range[64];
    setting_range_text(p, range, sizeof range);
    message(T, 1, "%s: expected a finite number %s, got '%s'", p->name, range, T->ui.input);
    return;
  }
  OptConfig o = T->ui.opt;
  setting_set(p, &o, v);
  send_opt(T, &o, CMD_SET_OPT);
}

/* The first ghost colour no pinned run has. */
static int free_colour(const DashUi *ui) {
  for (int colour = 0; colour < DASH_GHOSTS; colour++) {
    size_t k = 0;
    while (k < ui->n_ghosts && ui->ghost[k]->colour != colour) k++;
    if (k == ui->n_ghosts) return colour;
  }
  return 0;
}

/* A buffer for the next ghost: a free one, or the oldest ghost's, dropped
 * (its label into dropped); NULL out of memory. */
static DashGhost *ghost_buffer(Tui *T, char *dropped, size_t len) {
  DashUi *ui = &T->ui;
  dropped[0] = 0;
  const DashGhost *oldest = ui->n_ghosts == DASH_GHOSTS ? ui->ghost[0] : NULL;
  if (oldest) {
    snprintf(dropped, len, "%s", oldest->label);
    memmove(ui->ghost, ui->ghost + 1, (DASH_GHOSTS - 1) * sizeof *ui->ghost);
    ui->n_ghosts--;
  }
  /* the oldest's buffer, or one no ghost uses */
  for (int i = 0; i < DASH_GHOSTS; i++) {
    size_t k = 0;
    while (k < ui->n_ghosts && ui->ghost[k] != T->ghosts[i]) k++;
    if (k < ui->n_ghosts) continue;
    if (!T->ghosts[i]) T->ghosts[i] = malloc(sizeof *T->ghosts[i]);
    return T->ghosts[i];
  }
  return NULL;
}

/* p: the run so far becomes the newest ghost (the oldest of four goes). */
static void pin(Tui *T) {
  char dropped[64];
  DashGhost *g = ghost_buffer(T, dropped, sizeof dropped);
  if (!g) {
    message(T, 1, "pin: out of memory");
    return;
  }
  const DashSnapshot *s = worker_acquire(T->w);
  memcpy(g->hist, s->hist, s->n_hist * sizeof *s->hist);
  g->n_hist = s->n_hist;
  char opt[48];
  dash_opt_summary(&s->opt, opt, sizeof opt);
  snprintf(g->label, sizeof g->label, "%s %s", dash_opt_name(s->opt.kind), opt);
  uint64_t step = s->step;
  worker_release(T->w);
  g->colour = free_colour(&T->ui);
  T->ui.ghost[T->ui.n_ghosts++] = g;
  if (dropped[0])
    message(T, 0, "pinned the run at step %llu; %d ghosts at most: the oldest (%s) is gone",
            (unsigned long long)step, DASH_GHOSTS, dropped);
  else
    message(T, 0, "pinned the run at step %llu: ghost %zu of %d under the live curves", (unsigned long long)step,
            T->ui.n_ghosts, DASH_GHOSTS);
}

/* u: removes the newest ghost; its buffer stays for the next pin. */
static void unpin(Tui *T) {
  if (!T->ui.n_ghosts) {
    message(T, 0, "no run is pinned: p pins this one");
    return;
  }
  const DashGhost *g = T->ui.ghost[--T->ui.n_ghosts];
  message(T, 0, "unpinned %s: %zu ghost%s left", g->label, T->ui.n_ghosts, T->ui.n_ghosts == 1 ? "" : "s");
}

/* The curves' next smoothing weight, around. */
static void smooth(Tui *T) {
  T->ui.smooth = (T->ui.smooth + 1) % DASH_SMOOTH_STEPS;
  double w = dash_smooth_weight[T->ui.smooth];
  if (w > 0) message(T, 0, "curves smoothed with weight %g (the raw curves faint underneath)", w);
  else message(T, 0, "curves not smoothed");
}

/* The loss axis log or linear. */
static void log_loss(Tui *T) {
  T->ui.log_loss = !T->ui.log_loss;
  message(T, 0, T->ui.log_loss ? "loss on a log scale" : "loss on a linear scale");
}

/* Sends CMD_LOAD of cfg (a new session in place of the running one); the
 * running session's Config becomes cfg once the trainer has loaded it. */
static int send_load(Tui *T, const Config *cfg) {
  static Command c;
  c.kind = CMD_LOAD;
  c.cfg = *cfg;
  const DashSnapshot *s = worker_acquire(T->w);
  T->seen_loads = s->loads;
  worker_release(T->w);
  uint64_t seq = send(T, &c);
  if (!seq) return -1;
  T->loading = *cfg;
  T->load_seq = seq;
  T->loading_run = 0;
  return 0;
}

static void load_preset(Tui *T, const Preset *p) {
  static Config cfg;
  char err[512];
  if (preset_config(p, 0, NULL, &cfg, err, sizeof err)) {
    message(T, 1, "%s", err);
    return;
  }
  cfg.threads = T->cfg.threads;
  if (send_load(T, &cfg)) return;
  T->preset = p;
  T->ui.n_ghosts = 0;
  T->ui.info_title = p->title;
  T->ui.info_text = p->text;
  T->ui.overlay = OVL_INFO;
}

/* The steps the running optimizer has taken (the optimizer menu's verdicts
 * depend on it). */
static uint64_t optimizer_steps(Tui *T) {
  const DashSnapshot *s = worker_acquire(T->w);
  uint64_t t = s->opt_steps;
  worker_release(T->w);
  return t;
}

/* Lays out and paints the whole screen again at the terminal's size. */
static void redraw(Tui *T) {
  term_resize(&T->term);
  canvas_resize(&T->canvas, T->term.w, T->term.h);
}

/* The selected layer one on (dir > 0) or back, round the model's layers. */
static void move_layer(Tui *T, int dir) {
  const DashSnapshot *s = worker_acquire(T->w);
  size_t n = s->n_layers ? s->n_layers : 1;
  worker_release(T->w);
  T->ui.layer = (T->ui.layer + (dir > 0 ? 1 : n - 1)) % n;
}

/* --- the weights raster's cursor and the weight scope -------------------------- */

/* The weights pane of the screen now (-1 below the minimum size). */
static int weights_pane(const Tui *T, Rect *pane) {
  Layout L;
  if (layout_compute(T->term.w, T->term.h, &L)) return -1;
  *pane = L.pane[PANE_WEIGHTS];
  return 0;
}

/* The sample under the weights raster's cursor in the selected layer of s
 * now, or -1 when the raster shows none. */
static long cursor_sample(const Tui *T, const DashSnapshot *s) {
  Rect pane;
  if (weights_pane(T, &pane) || T->ui.layer >= s->n_layers) return -1;
  WeightsGrid g;
  layout_weights_plan(pane, &s->layer[T->ui.layer], &g);
  int x, y;
  if (!g.shown) return -1;
  return (long)layout_weights_cursor(&g, &s->layer[T->ui.layer], T->ui.cursor, &x, &y);
}

/* The cursor dx cells on (in reading order) or dy rows down, skipping the
 * gaps between a convolution's tiles, when that stays on the raster. */
static void move_cursor(Tui *T, int dx, int dy) {
  const DashSnapshot *s = worker_acquire(T->w);
  Rect pane;
  if (!weights_pane(T, &pane) && T->ui.layer < s->n_layers)
    T->ui.cursor = layout_weights_move(pane, &s->layer[T->ui.layer], T->ui.cursor, dx, dy);
  worker_release(T->w);
}

/* Sends the pinned weights to the trainer. */
static void send_pins(Tui *T) {
  static Command c;
  c.kind = CMD_SET_PINS;
  c.n_pins = T->n_pins;
  memcpy(c.pin, T->pins, sizeof c.pin);
  uint64_t seq = send(T, &c);
  if (seq) T->pins_seq = seq;
}

/* Pins the weight under the cursor to the scope (and shows the scope), or
 * unpins it when it is pinned. */
static void toggle_trace(Tui *T) {
  if (T->ui.focus != PANE_WEIGHTS) {
    message(T, 0, "4 focuses the weights pane: t pins the weight under its cursor");
    return;
  }
  const DashSnapshot *s = worker_acquire(T->w);
  long j = cursor_sample(T, s);
  size_t l = T->ui.layer, in = j >= 0 ? s->layer[l].in : 1;
  TraceRef ref = {(uint32_t)l, j >= 0 ? s->layer[l].index[j] : 0};
  worker_release(T->w);
  if (j < 0) {
    message(T, 0, "no weights sampled yet: t works once the raster shows them");
    return;
  }
  size_t k = 0;
  while (k < T->n_pins && (T->pins[k].layer != ref.layer || T->pins[k].index != ref.index)) k++;
  if (k < T->n_pins) {
    memmove(T->pins + k, T->pins + k + 1, (T->n_pins - k - 1) * sizeof *T->pins);
    T->n_pins--;
    if (T->ui.scope_sel > k || T->ui.scope_sel == T->n_pins) T->ui.scope_sel -= T->ui.scope_sel > 0;
    message(T, 0, "unpinned L%u #%u from the scope", ref.layer + 1, ref.index);
  } else if (T->n_pins == TRACE_MAX) {
    message(T, 0, "%d weights are pinned already: t on one of them unpins it", TRACE_MAX);
    return;
  } else {
    T->pins[T->n_pins] = ref;
    T->ui.scope_sel = T->n_pins++;
    T->ui.left = LEFT_SCOPE;
    message(T, 0, "pinned L%u #%u (row %u, col %u) to the scope as %zu: w hides it, { } choose",
            ref.layer + 1, ref.index, ref.index / (unsigned)in, ref.index % (unsigned)in, T->n_pins);
  }
  send_pins(T);
}

static void show_scope(Tui *T) {
  T->ui.left = T->ui.left == LEFT_SCOPE ? LEFT_PANES : LEFT_SCOPE;
}

/* The pinned weight the scope shows, one on (dir > 0) or back, around;
 * with two or more pinned, "all" (scope_sel == n_pins) comes after the last. */
static void pick_pinned(Tui *T, int dir) {
  if (!T->n_pins) {
    message(T, 0, "no weight is pinned: 4, then the arrows and t pin one");
    return;
  }
  size_t choices = T->n_pins + (T->n_pins > 1); /* the last: all of them overlaid */
  T->ui.scope_sel = (T->ui.scope_sel + (size_t)(dir > 0 ? 1 : choices - 1)) % choices;
}

/* Up / Down: the setting in the filter pane, the layer in the flips and
 * inertia panes, the cursor in the weights pane, nothing in the curves pane. */
static void select_row(Tui *T, int dir) {
  DashUi *ui = &T->ui;
  int rows = pane_rows(&ui->opt);
  if (ui->focus == PANE_FILTER) ui->param = (ui->param + rows + dir) % rows;
  else if (ui->focus == PANE_WEIGHTS) move_cursor(T, 0, dir);
  else if (ui->focus != PANE_CURVES) move_layer(T, dir);
}

static void ask_restart(Tui *T) {
  snprintf(T->ui.confirm, sizeof T->ui.confirm, "Restart training from step 0 with the current settings?");
  T->asked = NULL;
  T->asked_run = 0;
  T->ui.overlay = OVL_CONFIRM;
}

/* The restart question's yes: the preset asked about, the run menu's
 * values, or a restart. */
static void restart(Tui *T) {
  if (T->asked_run) {
    static Config cfg;
    T->ui.overlay = OVL_NONE;
    T->asked_run = 0;
    runmenu_config(&T->run_menu, &T->ui.opt, &cfg);
    if (!send_load(T, &cfg)) T->loading_run = 1;
    return;
  }
  if (T->asked) {
    T->ui.overlay = OVL_NONE;
    load_preset(T, T->asked);
    T->asked = NULL;
    return;
  }
  send_simple(T, CMD_RESTART);
  T->ui.pending = 0;
  T->ui.overlay = OVL_NONE;
}

static void type_value(Tui *T) {
  if (T->ui.focus == PANE_FILTER) open_input(T);
  else if (T->ui.focus == PANE_WEIGHTS) toggle_trace(T);
  else message(T, 0, "Tab to the filter pane (5) to type a value");
}

/* The optimizer menu, each switch marked exact or approximate. */
static void open_optimizers(Tui *T) {
  DashUi *ui = &T->ui;
  const uint64_t t = optimizer_steps(T);
  for (int k = 0; k < OPT_KIND_COUNT; k++) {
    OptConfig to;
    OptSwitch verdict;
    optim_switch_target(&ui->opt, (OptKind)k, t, &to, &verdict);
    ui->opt_exact[k] = verdict.exact;
  }
  ui->menu_sel = (int)ui->opt.kind;
  ui->overlay = OVL_OPTS;
}

/* The optimizer menu's choice: switches unless it is the running one. */
static void switch_chosen(Tui *T) {
  DashUi *ui = &T->ui;
  OptConfig to;
  OptSwitch verdict;
  optim_switch_target(&ui->opt, (OptKind)ui->menu_sel, optimizer_steps(T), &to, &verdict);
  ui->overlay = OVL_NONE;
  if (to.kind != ui->opt.kind) send_opt(T, &to, CMD_SWITCH_OPT);
  else message(T, 0, "already running %s: Up/Down chooses another", dash_opt_name(to.kind));
}

/* The presets menu, on the running preset if any. */
static void open_presets(Tui *T) {
  DashUi *ui = &T->ui;
  ui->menu_sel = 0;
  for (size_t i = 0; i < ui->n_presets; i++)
    if (T->preset && !strcmp(ui->presets[i].name, T->preset->name)) ui->menu_sel = (int)i;
  ui->overlay = OVL_PRESETS;
}

/* The presets menu's choice: loading it restarts, so first the question. */
static void load_chosen(Tui *T) {
  T->asked = preset_at((size_t)T->ui.menu_sel);
  T->asked_run = 0;
  snprintf(T->ui.confirm, sizeof T->ui.confirm, "Load preset %s? Training restarts from step 0.",
           T->asked->name);
  T->ui.overlay = OVL_CONFIRM;
}

/* The pace one notch slower (dir < 0) or faster. */
static void pace(Tui *T, int dir) {
  static Command c;
  double to = time_pace_step(T->pace, dir);
  char text[32];
  fmt_pace(text, sizeof text, to);
  if (to == T->pace) {
    message(T, 0, "pace %s is the %s", text, dir < 0 ? "slowest" : "fastest");
    return;
  }
  c.kind = CMD_SET_PACE;
  c.value = to;
  if (!send(T, &c)) return;
  T->pace = to;
  message(T, 0, to > 0 ? "pace %s: every step is drawn" : "pace %s: as fast as it goes", text);
}

static void show_info(Tui *T) {
  if (T->preset) T->ui.overlay = OVL_INFO;
  else message(T, 0, "no preset is running: P chooses one");
}

/* m: the run menu on the running session's data, model and seed. */
static void open_run_menu(Tui *T) {
  runmenu_open(&T->run_menu, &T->run, T->cfg.data);
  runmenu_show(&T->run_menu, &T->ui);
  T->ui.menu_sel = RUN_ROW_DATA;
  T->ui.run_error[0] = 0;
  T->ui.overlay = OVL_RUN;
}

/* The run menu's row's value one choice on (dir > 0) or back. */
static void run_change(Tui *T, int dir) {
  runmenu_change(&T->run_menu, (RunRow)T->ui.menu_sel, dir);
  runmenu_show(&T->run_menu, &T->ui);
  T->ui.run_error[0] = 0;
}

/* t in the run menu: the prompt for the row's value, starting from it. */
static void run_type(Tui *T) {
  static const char *const labels[RUN_ROWS] = {"data", "model", "seed"};
  DashUi *ui = &T->ui;
  snprintf(ui->input_label, sizeof ui->input_label, "%s", labels[ui->menu_sel]);
  snprintf(ui->input, sizeof ui->input, "%s", ui->run_value[ui->menu_sel]);
  ui->overlay = OVL_RUN_INPUT;
}

/* Enter in the run menu's prompt: the typed value, or its error on the menu's line. */
static void run_typed(Tui *T) {
  char err[DASH_TEXT];
  DashUi *ui = &T->ui;
  if (runmenu_type(&T->run_menu, (RunRow)ui->menu_sel, ui->input, err, sizeof err))
    snprintf(ui->run_error, sizeof ui->run_error, "%s", err);
  else
    ui->run_error[0] = 0;
  runmenu_show(&T->run_menu, ui);
  ui->overlay = OVL_RUN;
}

/* Enter in the run menu: restarting with its values, so first the question. */
static void run_ask(Tui *T) {
  DashUi *ui = &T->ui;
  snprintf(ui->confirm, sizeof ui->confirm, "Restart with data %s, model %s, seed %s?",
           ui->run_value[RUN_ROW_DATA], ui->run_value[RUN_ROW_MODEL], ui->run_value[RUN_ROW_SEED]);
  T->asked = NULL;
  T->asked_run = 1;
  ui->overlay = OVL_CONFIRM;
}

/* The open menu's selection one up (dir < 0) or down, around. */
static void menu_move(Tui *T, int dir) {
  DashUi *ui = &T->ui;
  int n = ui->overlay == OVL_OPTS  ? OPT_KIND_COUNT
          : ui->overlay == OVL_RUN ? RUN_ROWS
                                   : (int)ui->n_presets;
  ui->menu_sel = (ui->menu_sel + n + dir) % n;
}

static void input_erase(DashUi *ui) {
  size_t len = strlen(ui->input);
  if (len) ui->input[len - 1] = 0;
}

static void input_char(DashUi *ui, int ch) {
  size_t len = strlen(ui->input);
  if (len + 1 < sizeof ui->input) ui->input[len] = (char)ch, ui->input[len + 1] = 0;
}

/* A click: the menu entry under it (a second click on the chosen one takes
 * it), else focus for the pane under it and, in the raster, the cursor. */
static void click(Tui *T) {
  DashUi *ui = &T->ui;
  int x = T->term.mouse_x, y = T->term.mouse_y;
  if (ui->overlay == OVL_OPTS || ui->overlay == OVL_PRESETS || ui->overlay == OVL_RUN) {
    int e = view_menu_entry_at(T->term.w, T->term.h, ui, x, y);
    if (e >= 0 && e != ui->menu_sel) ui->menu_sel = e;
    else if (ui->overlay == OVL_RUN) return; /* a row is chosen, not taken */
    else if (e >= 0 && ui->overlay == OVL_OPTS) switch_chosen(T);
    else if (e >= 0) load_chosen(T);
    return;
  }
  Layout L;
  int pane = layout_compute(T->term.w, T->term.h, &L) ? -1 : layout_pane_at(&L, ui->left, x, y);
  if (pane < 0) return;
  ui->focus = (Pane)pane;
  if (pane != PANE_WEIGHTS) return;
  const DashSnapshot *s = worker_acquire(T->w);
  long j = ui->layer < s->n_layers
               ? layout_weights_cell(L.pane[PANE_WEIGHTS], &s->layer[ui->layer], x, y)
               : -1;
  worker_release(T->w);
  if (j >= 0) ui->cursor = (size_t)j;
}

/* Runs the action of the key's binding on the screen that is up (the key
 * table decides which, and whether the key does anything there). */
static void key(Tui *T, int ch) {
  DashUi *ui = &T->ui;
  Layout L;
  int arg;
  const DashKey *k = dash_key_find(dash_key_mode(ui, layout_compute(T->term.w, T->term.h, &L) != 0), ch, &arg);
  if (!k) return;
  switch (k->action) {
  case DASH_ACT_REDRAW: redraw(T); break;
  case DASH_ACT_QUIT: T->quit = 1; break;
  case DASH_ACT_HELP: ui->overlay = OVL_HELP, ui->help_top = 0; break;
  case DASH_ACT_TOGGLE: send_simple(T, CMD_TOGGLE); break;
  case DASH_ACT_STEP: send_simple(T, CMD_STEP); break;
  case DASH_ACT_PACE: pace(T, arg); break;
  case DASH_ACT_ASK_RESTART: ask_restart(T); break;
  case DASH_ACT_CYCLE_PANE: ui->focus = (Pane)((ui->focus + PANE_COUNT + arg) % PANE_COUNT); break;
  case DASH_ACT_FOCUS_PANE: ui->focus = (Pane)arg; break;
  case DASH_ACT_SELECT: select_row(T, arg); break;
  case DASH_ACT_NUDGE: nudge(T, arg); break;
  case DASH_ACT_TYPE_VALUE: type_value(T); break;
  case DASH_ACT_OPTIMIZERS: open_optimizers(T); break;
  case DASH_ACT_LAYER: move_layer(T, arg); break;
  case DASH_ACT_PIN: pin(T); break;
  case DASH_ACT_UNPIN: unpin(T); break;
  case DASH_ACT_SMOOTH: smooth(T); break;
  case DASH_ACT_LOG_LOSS: log_loss(T); break;
  case DASH_ACT_EXPORT:
    send_simple(T, CMD_EXPORT);
    message(T, 0, "exporting charts...");
    break;
  case DASH_ACT_SAVE: send_simple(T, CMD_SAVE); break;
  case DASH_ACT_PRESETS: open_presets(T); break;
  case DASH_ACT_INFO: show_info(T); break;
  case DASH_ACT_BOUNDARY: ui->left = ui->left == LEFT_BOUNDARY ? LEFT_PANES : LEFT_BOUNDARY; break;
  case DASH_ACT_CLEAR_MESSAGE: ui->message[0] = 0; break;
  case DASH_ACT_CLOSE: ui->overlay = OVL_NONE; break;
  case DASH_ACT_MENU_MOVE: menu_move(T, arg); break;
  case DASH_ACT_SWITCH_OPT: switch_chosen(T); break;
  case DASH_ACT_LOAD_PRESET: load_chosen(T); break;
  case DASH_ACT_RESTART: restart(T); break;
  case DASH_ACT_INPUT_SET: commit_input(T); break;
  case DASH_ACT_INPUT_ERASE: input_erase(ui); break;
  case DASH_ACT_INPUT_CHAR: input_char(ui, ch); break;
  case DASH_ACT_CURSOR:
    if (ui->focus == PANE_WEIGHTS) move_cursor(T, arg, 0);
    else message(T, 0, "4 focuses the weights pane, whose cursor the arrows move");
    break;
  case DASH_ACT_TRACE: toggle_trace(T); break;
  case DASH_ACT_SCOPE: show_scope(T); break;
  case DASH_ACT_SCOPE_PICK: pick_pinned(T, arg); break;
  case DASH_ACT_CLICK: click(T); break;
  case DASH_ACT_RUN_MENU: open_run_menu(T); break;
  case DASH_ACT_RUN_CHANGE: run_change(T, arg); break;
  case DASH_ACT_RUN_TYPE: run_type(T); break;
  case DASH_ACT_RUN_TYPED: run_typed(T); break;
  case DASH_ACT_RUN_BACK: ui->overlay = OVL_RUN; break;
  case DASH_ACT_RUN_ASK: run_ask(T); break;
  case DASH_ACT_HELP_SCROLL: {
    int top = ui->help_top + arg, top_max = view_help_top_max(T->term.w, T->term.h);
    ui->help_top = top < 0 ? 0 : top > top_max ? top_max : top;
    break;
  }
  case DASH_ACT_WHEEL:
    if (!layout_compute(T->term.w, T->term.h, &L) &&
        layout_pane_at(&L, ui->left, T->term.mouse_x, T->term.mouse_y) == PANE_FILTER)
      nudge(T, arg);
    break;
  }
}

/* --- start and finish ------------------------------------------------------- */

static void write_stats(const Tui *T, const WorkerStats *ws) {
  const char *path = getenv("FLIPSCOPE_TUI_STATS");
  if (!path || !*path) return;
  FILE *f = fopen(path, "w");
  if (!f) return;
  double secs = T->last_frame - T->t0;
  double train = ws->run_s - ws->eval_s;
  /* CPU time: the whole process, and this (the UI) thread alone */
  struct rusage all, ui;
  getrusage(RUSAGE_SELF, &all);
  getrusage(RUSAGE_THREAD, &ui);
  double cpu = (double)all.ru_utime.tv_sec + 1e-6 * (double)all.ru_utime.tv_usec +
               (double)all.ru_stime.tv_sec + 1e-6 * (double)all.ru_stime.tv_usec;
  double ui_cpu = (double)ui.ru_utime.tv_sec + 1e-6 * (double)ui.ru_utime.tv_usec +
                  (double)ui.ru_stime.tv_sec + 1e-6 * (double)ui.ru_stime.tv_usec;
  fprintf(f,
          "{\"frames\":%llu,\"seconds\":%.3f,\"fps\":%.2f,\"frame_gap_max_ms\":%.1f,"
          "\"frame_cost_ms\":%.3f,\"keys\":%llu,\"key_to_screen_ms_mean\":%.2f,\"key_to_screen_ms_max\":%.2f,"
          "\"commands\":%llu,\"command_to_screen_ms_mean\":%.2f,\"command_to_screen_ms_max\":%.2f,"
          "\"steps\":%llu,\"run_s\":%.3f,\"eval_s\":%.3f,\"samples_per_s\":%.1f,\"utf8\":%d,"
          "\"colors\":%d,\"cpu_s\":%.3f,\"ui_cpu_s\":%.3f}\n",
          (unsigned long long)T->frames, secs, secs > 0 ? (double)(T->frames - 1) / secs : 0,
          1e3 * T->max_gap, T->frames ? 1e3 * T->frame_cost / (double)T->frames : 0,
          (unsigned long long)T->key_n,
          T->key_n ? 1e3 * T->key_sum / (double)T->key_n : 0, 1e3 * T->key_max,
          (unsigned long long)T->cmd_n, T->cmd_n ? 1e3 * T->cmd_sum / (double)T->cmd_n : 0,
          1e3 * T->cmd_max, (unsigned long long)ws->steps, ws->run_s, ws->eval_s,
          train > 0 ? (double)ws->steps * (double)ws->batch / train : 0, T->term.utf8, T->term.colors,
          cpu, ui_cpu);
  fclose(f);
}

/* While curses owns the screen, stderr goes to a file shown after exit. */
static int hide_stderr(FILE **saved_to) {
  FILE *tmp = tmpfile();
  if (!tmp) return -1;
  int saved = dup(STDERR_FILENO);
  if (saved < 0 || dup2(fileno(tmp), STDERR_FILENO) < 0) {
    fclose(tmp);
    return -1;
  }
  *saved_to = tmp;
  return saved;
}

static void restore_stderr(int saved, FILE *tmp) {
  if (saved < 0) return;
  fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  rewind(tmp);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, tmp)) > 0) fwrite(buf, 1, n, stderr);
  fclose(tmp);
}

/* After the terminal is restored: --save (on q and on a signal alike), the
 * logs and --export, stderr back, and the exit code: 0 on q, 128 + the
 * signal, EXIT_RUNTIME when the checkpoint or a log could not be written. */
static int finish(Tui *T, const Config *cfg, int saved_err, FILE *err_file) {
  char err[512], saved[CONFIG_PATH_MAX * 2 + 128];
  int save_rc = cfg->save_path[0] ? worker_save_at_exit(T->w, cfg->save_path, saved, sizeof saved) : 0;
  WorkerStats ws;
  int log_rc = worker_stop(T->w, &ws, err, sizeof err);
  restore_stderr(saved_err, err_file);
  const int sig = got_signal;
  if (sig) fprintf(stderr, "flipscope: stopped by signal %d\n", sig);
  if (cfg->save_path[0]) fprintf(stderr, "flipscope: %s\n", saved);
  if (log_rc) fprintf(stderr, "flipscope: %s\n", err);
  write_stats(T, &ws);
  for (int i = 0; i < DASH_GHOSTS; i++) free(T->ghosts[i]);
  if (save_rc || log_rc) return EXIT_RUNTIME;
  return sig ? 128 + sig : EXIT_OK;
}

/* Opens the session and starts the worker (the quit signals caught, and
 * blocked in the worker's threads); EXIT_OK, or the exit code with the
 * message on stderr. */
static int start_worker(Tui *T, const Config *cfg) {
  char err[512];
  Session *s = calloc(1, sizeof *s); /* the worker's from here on */
  if (!s) {
    fprintf(stderr, "flipscope: out of memory\n");
    return EXIT_RUNTIME;
  }
  int rc = worker_session_open(s, cfg, err, sizeof err);
  if (rc != EXIT_OK) {
    fprintf(stderr, "flipscope: %s\n", err);
    session_close(s);
    free(s);
    return rc;
  }
  catch_quit_signals();
  block_quit_signals(1);
  T->w = worker_start(s, cfg, 0, err, sizeof err);
  block_quit_signals(0);
  if (!T->w) {
    fprintf(stderr, "flipscope: %s\n", err);
    return EXIT_RUNTIME;
  }
  return EXIT_OK;
}

/* The UI state at start: the filter pane focused, the presets menu, and
 * the running preset's explanation open. */
static void init_ui(Tui *T) {
  T->ui.utf8 = T->term.utf8;
  T->ui.focus = PANE_FILTER;
  T->ui.layer = 0;
  T->ui.n_ghosts = 0;
  T->ui.n_presets = preset_count() < MAX_PRESETS ? preset_count() : MAX_PRESETS;
  for (size_t i = 0; i < T->ui.n_presets; i++) {
    const Preset *p = preset_at(i);
    T->menu[i] = (DashPreset){p->name, p->title, p->text};
  }
  T->ui.presets = T->menu;
  if (T->cfg.trace.n || T->cfg.trace.per_layer) T->ui.left = LEFT_SCOPE; /* its weights are pinned */
  if (T->preset) {
    T->ui.info_title = T->preset->title;
    T->ui.info_text = T->preset->text;
    T->ui.overlay = OVL_INFO;
  }
}

/* Frames and keys until q or a quit signal: a frame every FRAME_S, at once
 * after keys, and a few ms after a command the UI waits for is applied. */
static void run_loop(Tui *T) {
  T->t0 = T->last_frame = now_s();
  frame(T);
  double next = now_s() + FRAME_S;
  while (!T->quit && !got_signal) {
    /* while a command is on its way, look for its snapshot every few ms */
    int waiting = T->n_waits > 0 || T->ui.pending || T->ui.state_pending || T->ui.length_pending;
    int wait_ms = (int)ceil((next - now_s()) * 1e3);
    if (waiting && wait_ms > 4) wait_ms = 4;
    int ch = term_key(&T->term, wait_ms < 0 ? 0 : wait_ms > 50 ? 50 : wait_ms);
    if (ch == TERM_NO_KEY && waiting && worker_applied(T->w) >= last_sent(T)) {
      frame(T);
      next = now_s() + FRAME_S;
      continue;
    }
    if (ch != TERM_NO_KEY) {
      T->key_t = now_s();
      T->key_waiting = 1;
      do key(T, ch);
      while (!T->quit && !got_signal && (ch = term_key(&T->term, 0)) != TERM_NO_KEY);
      if (T->quit || got_signal) break;
      frame(T);
      next = now_s() + FRAME_S;
    } else if (now_s() >= next) {
      frame(T);
      next += FRAME_S;
      if (next < now_s()) next = now_s() + FRAME_S;
    }
  }
}

/* --screen: the last frame's dashboard as text, at the terminal's size. */
static void write_screen(Tui *T, const Config *cfg) {
  char err[512];
  const DashSnapshot *snap = worker_acquire(T->w);
  DashUi ui = T->ui;
  ui.overlay = OVL_NONE;
  if (screen_write(cfg->screen_path, snap, &ui, T->term.w, T->term.h, T->term.utf8, err, sizeof err))
    fprintf(stderr, "flipscope: %s\n", err);
  worker_release(T->w);
}

int tui_run(const Config *cfg, char *why, size_t why_len) {
  if (!term_usable(why, why_len)) return TUI_NO_TERMINAL;
  static Tui T; /* large (ghost, menus); one per process */
  memset(&T, 0, sizeof T);
  T.cfg = *cfg;
  T.run = *cfg;
  T.pace = cfg->pace;
  if (cfg->preset[0]) T.preset = preset_find(cfg->preset);
  int rc = start_worker(&T, cfg);
  if (rc != EXIT_OK) return rc;
  char err[512];
  FILE *err_file = NULL;
  int saved_err = hide_stderr(&err_file);
  if (term_start(&T.term, err, sizeof err) || canvas_init(&T.canvas, T.term.w, T.term.h)) {
    restore_stderr(saved_err, err_file);
    fprintf(stderr, "flipscope: %s\n", err);
    worker_stop(T.w, NULL, NULL, 0);
    return EXIT_RUNTIME;
  }
  /* The UI thread yields to training when the cores are busy: a frame late by a
   * millisecond is invisible, a training thread stalled at a barrier is not. */
  setpriority(PRIO_PROCESS, (id_t)gettid(), getpriority(PRIO_PROCESS, (id_t)gettid()) + 5);
  init_ui(&T);
  run_loop(&T);
  if (cfg->screen_path[0]) write_screen(&T, cfg);
  term_stop(&T.term);
  canvas_free(&T.canvas);
  return finish(&T, cfg, saved_err, err_file);
}
