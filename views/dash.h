/* dash.h — the dashboard's view model: what every pane draws from.
 *
 * A DashSnapshot is an immutable copy of the run published by the trainer
 * thread (app/live/tui_worker.c) or built by `--headless --screen`; it holds only
 * what the views need — a bucketed step history, markers, and a fixed sample
 * of weights per layer — never whole layers. DashUi is the front end's own
 * state (focus, selection, overlays, the pinned run, the filter of the shown
 * settings). Views read both and write cells; they call nothing else.
 */
#ifndef FLIPSCOPE_DASH_H
#define FLIPSCOPE_DASH_H

#include <stddef.h>
#include <stdint.h>

#include "engine/model.h"
#include "engine/optim.h"
#include "engine/schedule.h"
#include "engine/trace.h"
#include "views/canvas.h"

#define DASH_LAYERS MODEL_MAX_LAYERS
#define DASH_HIST 512       /* history buckets; pairs merge when full */
#define DASH_SAMPLES 256    /* sampled weights per layer */
#define DASH_BANDS 9        /* min, 7, 16, 31, 50, 69, 84, 93, max percentiles */
#define DASH_BINS 64        /* inertia histogram bins */
#define DASH_MARKS 32       /* parameter-change markers kept */
#define DASH_RESP 160       /* frequency-response points */
#define DASH_TEXT 320
#define DASH_GRID_W 64      /* decision-boundary grid: columns ... */
#define DASH_GRID_H 32      /* ... and rows */
#define DASH_POINTS 400     /* training points drawn over it */
#define DASH_SCOPE 512      /* steps the weight scope keeps of its pinned weights */

extern const double dash_band_pct[DASH_BANDS];

#define DASH_SMOOTH_STEPS 4 /* the curves' smoothing weights `S` cycles through */
extern const double dash_smooth_weight[DASH_SMOOTH_STEPS]; /* 0, 0.6, 0.9, 0.99 */

typedef enum { RUN_RUNNING, RUN_PAUSED, RUN_DIVERGED, RUN_DONE } RunState;

/* One bucket of consecutive steps [first, last]; sums so buckets merge. */
typedef struct {
  uint64_t first, last;
  uint32_t steps;
  double loss, train_acc, rate;     /* sums over the steps */
  double test_acc;                  /* last evaluation in the bucket; NAN if none */
  double flips[DASH_LAYERS];        /* sums of flips per step */
  double reversals;                 /* sum over steps and layers */
  float bands[DASH_LAYERS][DASH_BANDS]; /* inertia percentiles, latest in the bucket (NAN none) */
} DashBucket;

typedef struct {
  uint64_t step;                    /* the first step run with the new setting */
  char label[40];
} DashMark;

/* The model's decision over the input plane of 2-feature data: per grid
 * cell the predicted class and the confidence, and a fixed subset of the
 * training points. */
typedef struct {
  int valid;                        /* 0: not 2-D data, or not computed yet */
  float x0, x1, y0, y1;             /* the plane: feature 0 across, feature 1 up */
  uint8_t cls[DASH_GRID_H][DASH_GRID_W];  /* row 0 at the top (feature 1 = y1) */
  uint8_t conf[DASH_GRID_H][DASH_GRID_W]; /* 0 (a tie) .. 255 (certain) */
  size_t n_points;
  float px[DASH_POINTS], py[DASH_POINTS];
  uint8_t pc[DASH_POINTS];          /* the points' labels */
  uint64_t step;                    /* the step it was computed after */
} DashBoundary;

/* One step of the weight scope: per pinned weight (in the order of
 * DashScope.pin) its value in filter units after the step and its sign;
 * NAN and 0 for a weight not pinned yet at that step. */
typedef struct {
  uint64_t step;
  uint8_t kind;                     /* the OptKind that ran the step */
  float threshold;                  /* flip where sign * filter > threshold (trace.h) */
  float filter[TRACE_MAX];
  int8_t sign[TRACE_MAX];
} DashScopeStep;

/* The weight scope: the pinned weights (at most TRACE_MAX) and their last
 * DASH_SCOPE steps, oldest first, with the newest step in full (gradient,
 * optimizer states: engine/trace.h). n_pins 0: nothing pinned, nothing kept. */
typedef struct {
  size_t n_pins;
  TraceRef pin[TRACE_MAX];
  size_t n;                         /* steps in at[] */
  DashScopeStep at[DASH_SCOPE];
  TraceSnapshot last;               /* the newest step (last.step 0: none yet) */
} DashScope;

/* One layer: its sampled weights (a fixed seeded subset) and statistics. */
typedef struct {
  size_t in, out;                   /* the layer's shape: out rows of in weights */
  size_t kernel, in_ch;             /* a convolution's k x k x C kernels (kernel 0: dense) */
  size_t n;                         /* samples */
  float inertia[DASH_SAMPLES];
  int8_t sign[DASH_SAMPLES];
  uint32_t age[DASH_SAMPLES];       /* steps since the last flip; UINT32_MAX: never */
  uint32_t index[DASH_SAMPLES];     /* flat index (row * in + col) in the layer, ascending */
  float bands[DASH_BANDS];          /* inertia percentiles (NAN: not measured yet) */
  int hist_log;                     /* 1: bins of log10 |inertia|; 0: of signed inertia */
  float hist_lo, hist_hi;
  uint32_t hist[DASH_BINS];
  float abs_median;                 /* median |inertia| (the weights raster's yardstick) */
  double near_zero;                 /* share with |inertia| near zero (about to flip) */
  double never_flipped;             /* share never flipped since the start */
  double flips_recent;              /* flips per step, recent mean */
} DashLayer;

typedef struct {
  /* what runs */
  char data[64], model[96];
  size_t batch;
  int threads;
  int bf16;                         /* the real-valued products run in bf16 (--precision) */
  OptConfig opt;
  Schedule schedule;
  size_t n_layers, weights;         /* binary layers, binary weights in all */
  /* progress */
  uint64_t step;
  uint64_t opt_steps;               /* steps the optimizer has run (optim_steps) */
  size_t total_steps, steps_per_epoch, epoch, epochs;
  double samples_per_s, rate;       /* measured (0 while not running); the scheduled rate of the last step */
  double steps_per_s;               /* measured, as samples_per_s */
  double pace;                      /* steps per second asked for; 0: as fast as it goes */
  double factor;                    /* the schedule's multiplier of the base rate, next step */
  double loss, train_acc, test_acc; /* last step; test: last evaluation (NAN none) */
  double flip_ratio;                /* flips per weight per step, recent mean */
  double reversal;                  /* share of recent flips that undid one within K steps */
  int reversal_k;
  RunState state;
  char status[DASH_TEXT];           /* why it paused or diverged; "" otherwise */
  uint64_t applied;                 /* sequence number of the last command applied */
  uint64_t note_seq;                /* one-off messages (export path, switch mapping) */
  uint64_t loads;                   /* new sessions loaded (CMD_LOAD that succeeded) */
  char note[DASH_TEXT];
  int note_error;
  /* history */
  DashBucket hist[DASH_HIST];
  size_t n_hist;
  uint64_t span;                    /* steps per full bucket */
  DashMark marks[DASH_MARKS];
  size_t n_marks;
  DashLayer layer[DASH_LAYERS];
  DashBoundary boundary;
  DashScope scope;
} DashSnapshot;

#define DASH_GHOSTS 4 /* pinned runs kept */

/* A pinned run, drawn as a ghost under the live curves. */
typedef struct {
  char label[64];                   /* its optimizer and settings: "sgd lr 0.1 wd 0.01" */
  int colour;                       /* 0 .. DASH_GHOSTS-1: its style (dash_ghost_style) */
  DashBucket hist[DASH_HIST];
  size_t n_hist;
} DashGhost;

/* The filter equivalent to the shown settings (app/live/tui_filter.c fills it). */
typedef struct {
  int valid;                        /* 0: refused settings; note says why */
  double factor;                    /* the schedule's multiplier of the base rate now */
  int linear, stable, real_poles, order, cema, integrator;
  double pole_re[4], pole_im[4];
  double alpha, gamma, tau;
  double cutoff;                    /* rad/step; 0 integrator; NAN undefined */
  double flip_white;                /* predicted white-noise flips per weight per step */
  char note[DASH_TEXT];
  int n;                            /* response points, log-spaced in w */
  double w[DASH_RESP], db[DASH_RESP];
} DashFilter;

typedef enum { PANE_CURVES, PANE_FLIPS, PANE_INERTIA, PANE_WEIGHTS, PANE_FILTER, PANE_COUNT } Pane;
/* What takes the left column (curves, flips, inertia): those panes, the
 * decision boundary (`D`) or the weight scope (`w`). */
typedef enum { LEFT_PANES, LEFT_BOUNDARY, LEFT_SCOPE } LeftColumn;
/* OVL_RUN: the run menu (data, model, seed); OVL_RUN_INPUT: its typed model or seed. */
typedef enum {
  OVL_NONE, OVL_HELP, OVL_PRESETS, OVL_OPTS, OVL_CONFIRM, OVL_INPUT, OVL_INFO, OVL_RUN,
  OVL_RUN_INPUT
} Overlay;

/* The run menu's rows. */
typedef enum { RUN_ROW_DATA, RUN_ROW_MODEL, RUN_ROW_SEED, RUN_ROWS } RunRow;

typedef struct {
  const char *name, *title, *text;
} DashPreset;

typedef struct {
  int utf8;                         /* informs a few layout choices only */
  Pane focus;
  int param;                        /* selected row of the filter pane (the last: the length) */
  int length_pending;               /* 1: length sent, not applied yet: shown instead of the run's */
  size_t length;                    /* the run's length sent, in steps (0: none) */
  size_t layer;                     /* selected layer */
  OptConfig opt;                    /* the settings shown (maybe not yet applied) */
  int pending;                      /* 1: sent, the trainer applies them next step */
  int state_pending;                /* 1: pause or resume sent, not applied yet */
  DashFilter filter;                /* of opt */
  const DashGhost *ghost[DASH_GHOSTS]; /* the pinned runs, the oldest first */
  size_t n_ghosts;
  char message[DASH_TEXT];          /* a line for the footer; "" none */
  int message_error;
  Overlay overlay;
  int menu_sel;
  const DashPreset *presets;
  size_t n_presets;
  int opt_exact[OPT_KIND_COUNT];    /* optimizer menu: 1 exact switch, 0 approximate */
  char input_label[32], input[64];  /* OVL_INPUT, OVL_RUN_INPUT */
  char run_value[RUN_ROWS][96];     /* OVL_RUN: each row's value as shown */
  char run_where[RUN_ROWS][16];     /* its place in the row's choices: "3 of 7" ("" none) */
  char run_error[DASH_TEXT];        /* OVL_RUN: the last typed value's error ("" none) */
  char confirm[320];                /* OVL_CONFIRM question */
  const char *info_title, *info_text; /* OVL_INFO */
  LeftColumn left;                  /* what the left column shows */
  size_t cursor;                    /* the weights raster's cursor: a sample of the selected layer */
  size_t scope_sel;                 /* the pinned weight the scope shows (index into scope.pin;
                                       n_pins, when more than one: all of them overlaid) */
  int help_top;                     /* the first row the help shows (it scrolls when too long) */
  int smooth;                       /* the curves' smoothing: dash_smooth_weight[smooth] */
  int log_loss;                     /* 1: the loss on a log scale */
} DashUi;

/* "cema", "sgd", ... (the --opt names). */
const char *dash_opt_name(OptKind kind);
/* "linear", "cosine/step", "step:2,4" (the --schedule spec, "/step" when per step). */
void dash_schedule_name(const Schedule *s, char *buf, size_t len);

#endif
