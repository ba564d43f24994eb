/* views.h — the dashboard's panes, each a pure renderer: (snapshot, ui state)
 * in, cells out, inside the rectangle it is given. dash_render lays them out
 * and draws the whole screen, overlays included. */
#ifndef FLIPSCOPE_VIEWS_H
#define FLIPSCOPE_VIEWS_H

#include "views/canvas.h"
#include "views/dash.h"

#define DASH_MIN_W 80
#define DASH_MIN_H 24

typedef struct {
  Rect header, footer;
  Rect pane[PANE_COUNT];   /* curves, flips, inertia, weights, filter (frames included) */
  Rect left;               /* the left column (curves to inertia): the decision boundary or the scope */
} Layout;

/* Lays out a w x h screen; -1 when it is below DASH_MIN_W x DASH_MIN_H. */
int layout_compute(int w, int h, Layout *out);
/* The pane shown at cell (x, y) with `left` in the left column, or -1 (the
 * header, the footer, the boundary or the scope). */
int layout_pane_at(const Layout *L, LeftColumn left, int x, int y);
/* The weights raster of the weights pane `pane` showing layer L's samples:
 * cols x rows cells inside the frame above the legend. A dense layer: sample
 * j at column j % cols of row j / cols. A convolution whose samples are
 * whole k x k tiles (engine/telemetry.h): tile t (its (out channel n, in
 * channel c) ascending) is a k x k block, tap (kh, kw) at row kh, column kw,
 * the blocks `across` to a row with a one-cell gap, the grid's last row left
 * for the key (and a layout as dense when not one tile fits). */
typedef struct {
  int cols, rows;
  int k, across;                  /* k 0: one sample per cell in reading order */
  size_t tiles;                   /* tiles shown */
  size_t shown;                   /* samples shown */
  uint32_t tile[DASH_SAMPLES];    /* the sample's tiles as n * in_ch + c, ascending */
} WeightsGrid;
void layout_weights_plan(Rect pane, const DashLayer *L, WeightsGrid *g);
/* The sample at cell (cx, cy) of the grid (0, 0 its top left), or -1: the
 * one map from cells to samples, for drawing, the cursor and the mouse. */
long layout_weights_at(const WeightsGrid *g, const DashLayer *L, int cx, int cy);
/* The sample shown at screen cell (x, y) of that raster, or -1 for none. */
long layout_weights_cell(Rect pane, const DashLayer *L, int x, int y);
/* The sample the cursor shows when it is on sample `cursor`: that one when
 * the grid draws it, else the last one drawn; its cell in *x, *y. Needs
 * g->shown > 0. */
size_t layout_weights_cursor(const WeightsGrid *g, const DashLayer *L, size_t cursor, int *x,
                             int *y);
/* The cursor on sample `from` (as layout_weights_cursor shows it) moved: dx
 * cells on in reading order, or dy rows down in its column, skipping the
 * gaps; `from` when that leaves the raster. */
size_t layout_weights_move(Rect pane, const DashLayer *L, size_t from, int dx, int dy);

void view_header(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui);
void view_curves(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui);
void view_flips(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui);
void view_inertia(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui);
void view_weights(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui);
void view_boundary(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui);
void view_scope(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui);
void view_filter(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui);
void view_footer(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui);
/* The key table's hints (views/keys.h) for the screen mode (a DASH_IN_* bit)
 * and what holds now (DASH_NOW_* bits), left to right from x: those for the
 * front now first, the footer's right-end ones last, each only if it fits
 * whole before end. Returns the x after the last one drawn. */
int view_key_hints(Canvas *c, int x, int y, int end, unsigned mode, unsigned now);
/* The cells view_key_hints takes when all fit. */
int view_key_hints_width(unsigned mode, unsigned now);
/* Overlays drawn over the panes: help, menus, prompts, the preset text. */
void view_overlay(Canvas *c, const DashSnapshot *s, const DashUi *ui);
/* The largest DashUi.help_top of the help on a w x h screen: 0 when all its
 * rows fit, else it scrolls. */
int view_help_top_max(int w, int h);
/* The entry of the open menu (optimizers, presets) drawn at cell (x, y) of
 * a w x h screen, or -1 (no menu open, or not on an entry). */
int view_menu_entry_at(int w, int h, const DashUi *ui, int x, int y);
/* The whole screen of a terminal below the minimum size. */
void view_too_small(Canvas *c, int need_w, int need_h);

/* Clears c and draws everything (or the too-small screen). */
void dash_render(Canvas *c, const DashSnapshot *s, const DashUi *ui);

/* Shared by the panes: the mean of a bucket field over the buckets covering
 * steps [a, b); NAN when none. */
typedef enum { SERIES_LOSS, SERIES_TRAIN, SERIES_TEST, SERIES_FLIPS, SERIES_RATE } Series;
double dash_series(const DashBucket *h, size_t n, Series what, size_t layer, double a, double b);
/* TensorBoard's smoothing of v[0..n) in place: s_k = w s_(k-1) + (1-w) v_k
 * from s_0 = 0, debiased: v_k becomes s_k / (1 - w^k) (k from 1), so the
 * first value stays and a constant series stays constant; w = 0 leaves v. */
void dash_smooth(double *v, int n, double w);
/* The right edge of a time axis holding n steps: the next of 1, 1.5, 2, 3,
 * 4, 5, 6, 8 x 10^k at or above n (at least 10), so graphs grow to the right
 * and rescale only now and then. */
double dash_time_axis(double n);
/* The name and value list of the optimizer settings, e.g. "alpha 0.001 gamma 0.1". */
void dash_opt_summary(const OptConfig *cfg, char *buf, size_t len);
/* The optimizer's name, then its summary: "cema alpha 0.001 gamma 1". */
void dash_opt_describe(const OptConfig *cfg, char *buf, size_t len);
/* The layer's name: "L1 784x1024" (dense), "L2 c64 3x3x32" (a convolution). */
void dash_layer_name(const DashSnapshot *s, size_t l, char *buf, size_t len);
Style dash_layer_style(size_t l);
/* A pinned run's faint colour: ST_GHOST, ST_GHOST1 .. ST_GHOST3. */
Style dash_ghost_style(int colour);
/* Frames the pane r (hotkey pane + 1, lit when ui focuses it) about the
 * selected layer, titled "WHAT L1 784x1024"; returns that layer (0 without ui). */
size_t dash_layer_box(Canvas *c, Rect r, const DashSnapshot *s, const DashUi *ui, Pane pane, const char *what);

#endif
