/* test_scope.c — the weight scope without a terminal: the feed's ring of the
 * pinned weights' steps (kept across a change of pins, the newest 512, the
 * same step replaced, cut back on a return to an earlier state), the scope
 * pane drawing a flip in the column of its step and staying in its
 * rectangle, and the geometry the mouse uses (the raster's cells, the pane
 * under a cell, a menu's entries). Golden screens are in test_views.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "app/live/dash_feed.h"
#include "views/views.h"

static DashFeed feed;
static DashSnapshot snap;

/* One step of the weights ref[0..n): weight k's value step + 1000 k, sign +1. */
static void push(const TraceRef *ref, size_t n, uint64_t step) {
  TraceSnapshot t = {.step = step, .kind = OPT_CEMA, .states = 2, .n = n};
  for (size_t k = 0; k < n; k++) {
    t.ref[k] = ref[k];
    t.filter[k] = (float)(step + 1000 * k);
    t.sign[k] = 1;
  }
  feed_scope_step(&feed, &t);
}

Test(scope_feed, keeps_the_newest_steps_oldest_first) {
  memset(&feed, 0, sizeof feed);
  TraceRef ab[2] = {{0, 5}, {1, 9}};
  for (uint64_t step = 1; step <= 600; step++) push(ab, 2, step);
  feed_fill(&feed, &snap);
  cr_assert_eq(snap.scope.n, DASH_SCOPE);
  cr_assert_eq(snap.scope.n_pins, 2);
  for (size_t i = 0; i < DASH_SCOPE; i++) {
    uint64_t step = 600 - DASH_SCOPE + 1 + i;
    cr_assert_eq(snap.scope.at[i].step, step, "entry %zu", i);
    cr_assert_float_eq(snap.scope.at[i].filter[1], (float)(step + 1000), 0.5);
  }
  cr_assert_eq(snap.scope.last.step, 600);
  push(ab, 2, 600); /* the same step again (a pin while paused) */
  feed_fill(&feed, &snap);
  cr_assert_eq(snap.scope.n, DASH_SCOPE);
  cr_assert_eq(snap.scope.at[DASH_SCOPE - 1].step, 600);
  cr_assert_eq(snap.scope.at[DASH_SCOPE - 2].step, 599);
}

Test(scope_feed, a_weight_that_stays_pinned_keeps_its_steps) {
  memset(&feed, 0, sizeof feed);
  TraceRef ab[2] = {{0, 5}, {1, 9}}, bc[2] = {{1, 9}, {2, 1}};
  for (uint64_t step = 1; step <= 40; step++) push(ab, 2, step);
  feed_scope_pins(&feed, bc, 2);
  feed_fill(&feed, &snap);
  cr_assert_eq(snap.scope.n, 40);
  cr_assert_eq(snap.scope.pin[0].index, 9);
  for (size_t i = 0; i < 40; i++) {
    cr_assert_float_eq(snap.scope.at[i].filter[0], (float)(i + 1 + 1000), 0.5, "B moved to slot 0");
    cr_assert(isnan(snap.scope.at[i].filter[1]), "C was not pinned at step %zu", i + 1);
    cr_assert_eq(snap.scope.at[i].sign[1], 0);
  }
  push(bc, 2, 41);
  feed_fill(&feed, &snap);
  cr_assert_float_eq(snap.scope.at[40].filter[1], 41 + 1000, 0.5);
  feed_truncate(&feed, 30);
  feed_fill(&feed, &snap);
  cr_assert_eq(snap.scope.n, 30);
  cr_assert_eq(snap.scope.at[29].step, 30);
  feed_scope_pins(&feed, NULL, 0);
  feed_fill(&feed, &snap);
  cr_assert_eq(snap.scope.n, 0);
  cr_assert_eq(snap.scope.n_pins, 0);
}

/* Two weights of a 64x32 layer over steps 1..400: weight k's value falls
 * (CEMA's i) rises through 0 at step flip[k], where its sign turns from +1
 * to -1. */
static void flip_scene(const uint64_t flip[2]) {
  memset(&snap, 0, sizeof snap);
  snap.n_layers = 1;
  snap.layer[0].in = 64, snap.layer[0].out = 32;
  DashScope *sc = &snap.scope;
  sc->n_pins = 2;
  sc->pin[0] = (TraceRef){0, 100};
  sc->pin[1] = (TraceRef){0, 200};
  for (uint64_t step = 1; step <= 400; step++) {
    DashScopeStep *e = &sc->at[sc->n++];
    e->step = step;
    e->kind = OPT_CEMA;
    for (int k = 0; k < TRACE_MAX; k++) e->filter[k] = NAN;
    for (int k = 0; k < 2; k++) {
      e->filter[k] = (float)(1e-4 * ((double)step - (double)flip[k] + 0.5)); /* b = -sign i */
      e->sign[k] = step < flip[k] ? 1 : -1;
    }
  }
  sc->last.step = 400;
}

/* The columns of the flip marks ('x' in the flip style) inside r. */
static int flip_marks(const Canvas *c, Rect r, int *col) {
  int n = 0;
  for (int y = r.y; y < r.y + r.h; y++)
    for (int x = r.x; x < r.x + r.w; x++) {
      const Cell *cell = &c->cells[y * c->w + x];
      if (cell->style == ST_FLIP && cell->ascii == 'x') col[n < 8 ? n : 7] = x, n++;
    }
  return n;
}

/* The flip of the weight shown is drawn where its step is: the newest
 * step in the inner right column, two steps a cell, so step f in column
 * right - (400 - f) / 2, on the trace and on the sign strip alike
 * (flip 371 fills a cell with -1; 340 shares one with the +1 before it). */
static void check_flip_column(int w, int h, size_t sel) {
  const uint64_t flip[2] = {371, 340};
  flip_scene(flip);
  Layout L;
  cr_assert_eq(layout_compute(w, h, &L), 0);
  Canvas c;
  canvas_init(&c, w, h);
  DashUi ui = {.left = LEFT_SCOPE, .scope_sel = sel, .focus = PANE_COUNT};
  view_scope(&c, L.left, &snap, &ui);
  int right = L.left.x + L.left.w - 2, want = right - (int)(400 - flip[sel]) / 2, col[8];
  Rect inner = {L.left.x + 1, L.left.y + 1, L.left.w - 2, L.left.h - 2};
  cr_assert_eq(flip_marks(&c, inner, col), 1, "one flip mark at %dx%d", w, h);
  cr_assert_eq(col[0], want, "the flip of step %llu at column %d, not %d (%dx%d)",
               (unsigned long long)flip[sel], want, col[0], w, h);
  int strip = L.left.y + L.left.h - 4; /* above the axis line and the state line */
  const Cell *sign = &c.cells[strip * c.w + want];
  cr_assert_eq(sign->style, ST_FLIP, "the sign strip lights the flip");
  /* the flip's step the cell's right half (400 - f even): the step before it, +1, shares it */
  char want_sign = (400 - flip[sel]) % 2 ? '-' : '*';
  cr_assert_eq(sign->ascii, want_sign, "the sign after the flip, '*' in a cell of both");
  cr_assert_eq(c.cells[strip * c.w + want - 2].ascii, '+', "the sign before it");
  canvas_free(&c);
}

Test(scope_view, a_flip_is_drawn_in_the_column_of_its_step) {
  check_flip_column(80, 24, 0);
  check_flip_column(132, 40, 0);
  check_flip_column(132, 40, 1);
}

Test(scope_view, stays_inside_its_rectangle) {
  const uint64_t flip[2] = {371, 340};
  flip_scene(flip);
  for (int w = 80; w <= 220; w += 13)
    for (int h = 24; h <= 70; h += 7) {
      Layout L;
      cr_assert_eq(layout_compute(w, h, &L), 0);
      Canvas c;
      canvas_init(&c, w + 4, h + 4);
      Rect r = {L.left.x + 2, L.left.y + 2, L.left.w, L.left.h};
      DashUi ui = {.left = LEFT_SCOPE};
      view_scope(&c, r, &snap, &ui);
      for (int y = 0; y < c.h; y++)
        for (int x = 0; x < c.w; x++) {
          if (x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h) continue;
          cr_assert_eq(c.cells[y * c.w + x].cp, ' ', "drawn outside at (%d, %d), %dx%d", x, y, w, h);
        }
      canvas_free(&c);
    }
}

Test(scope_view, without_pins_it_says_how_to_pin) {
  memset(&snap, 0, sizeof snap);
  Canvas c;
  canvas_init(&c, 80, 24);
  Layout L;
  layout_compute(80, 24, &L);
  view_scope(&c, L.left, &snap, NULL);
  char *text = canvas_to_text(&c, 0);
  cr_assert(strstr(text, "no weight is pinned"), "%s", text);
  cr_assert(strstr(text, "t (or Enter) pins"), "%s", text);
  free(text);
  canvas_free(&c);
}

Test(mouse_geometry, a_raster_cell_is_its_sample) {
  Layout L;
  layout_compute(100, 30, &L);
  Rect p = L.pane[PANE_WEIGHTS];
  DashLayer dense = {.in = 64, .out = 32, .n = 256};
  for (size_t j = 0; j < 256; j++) dense.index[j] = (uint32_t)(j * 8);
  WeightsGrid g;
  layout_weights_plan(p, &dense, &g);
  cr_assert_gt(g.shown, 0);
  cr_assert_eq(g.k, 0, "a dense layer has no tiles");
  for (size_t j = 0; j < g.shown; j++) {
    int x = p.x + 1 + (int)(j % (size_t)g.cols), y = p.y + 1 + (int)(j / (size_t)g.cols);
    cr_assert_eq(layout_weights_cell(p, &dense, x, y), (long)j);
    cr_assert_eq(layout_pane_at(&L, LEFT_PANES, x, y), PANE_WEIGHTS);
  }
  cr_assert_eq(layout_weights_cell(p, &dense, p.x, p.y + 1), -1, "the frame");
  cr_assert_eq(layout_weights_cell(p, &dense, p.x + 1, p.y + p.h - 2), -1, "the legend");
  Rect cv = L.pane[PANE_CURVES];
  cr_assert_eq(layout_pane_at(&L, LEFT_PANES, cv.x + 3, cv.y + 3), PANE_CURVES);
  cr_assert_eq(layout_pane_at(&L, LEFT_SCOPE, cv.x + 3, cv.y + 3), -1, "the scope hides the curves");
  cr_assert_eq(layout_pane_at(&L, LEFT_PANES, 3, 0), -1, "the header");
}

/* A convolution's raster: 3x3 tiles with a one-cell gap; a click on a tap
 * finds its sample, a click on the gap none, and the cursor steps over the
 * gap to the next tile (across) or the next row of tiles (down). */
Test(mouse_geometry, a_tile_cell_is_its_kernel_tap) {
  Layout L;
  layout_compute(132, 40, &L);
  Rect p = L.pane[PANE_WEIGHTS];
  DashLayer conv = {.in = 3 * 3 * 4, .out = 32, .kernel = 3, .in_ch = 4, .n = 28 * 9};
  for (size_t j = 0; j < conv.n; j++) /* tile t = j / 9: out channel t, in channel t % 4 */
    conv.index[j] = (uint32_t)(j / 9 * conv.in + j % 9 * 4 + j / 9 % 4);
  WeightsGrid g;
  layout_weights_plan(p, &conv, &g);
  cr_assert_eq(g.k, 3);
  cr_assert_gt(g.across, 1);
  cr_assert_eq(g.tiles, 28, "132x40 shows every tile");
  int x0 = p.x + 1, y0 = p.y + 1;
  for (size_t t = 0; t < g.tiles; t++)
    for (int tap = 0; tap < 9; tap++) {
      int x = x0 + (int)(t % (size_t)g.across) * 4 + tap % 3;
      int y = y0 + (int)(t / (size_t)g.across) * 4 + tap / 3;
      long j = layout_weights_cell(p, &conv, x, y);
      cr_assert_geq(j, 0, "tile %zu tap %d", t, tap);
      size_t col = conv.index[j] % conv.in;
      cr_assert_eq(conv.index[j] / conv.in, t, "tile %zu's output channel", t);
      cr_assert_eq(col / 4, (size_t)tap, "tile %zu tap %d", t, tap);
      cr_assert_eq(col % 4, t % 4, "tile %zu's input channel", t);
    }
  cr_assert_eq(layout_weights_cell(p, &conv, x0 + 3, y0), -1, "the gap between tiles");
  cr_assert_eq(layout_weights_cell(p, &conv, x0, y0 + 3), -1, "the gap between rows of tiles");
  cr_assert_eq(layout_weights_move(p, &conv, 2, 1, 0), 9, "across the gap: tile 1's first tap");
  cr_assert_eq(layout_weights_move(p, &conv, 9, -1, 0), 2, "and back");
  cr_assert_eq(layout_weights_move(p, &conv, 6, 0, 1), (size_t)g.across * 9,
               "down to the next row of tiles");
  cr_assert_eq(layout_weights_move(p, &conv, 0, 0, -1), 0, "the top stays");
  cr_assert_eq(layout_weights_move(p, &conv, 0, -1, 0), 0, "the first cell stays");
}

Test(mouse_geometry, a_menu_entry_is_where_it_is_drawn) {
  DashUi ui = {.overlay = OVL_OPTS, .menu_sel = 0};
  memset(&snap, 0, sizeof snap);
  Canvas c;
  canvas_init(&c, 100, 30);
  view_overlay(&c, &snap, &ui);
  char *text = canvas_to_text(&c, 0);
  for (int k = 0; k < OPT_KIND_COUNT; k++) {
    const char *name = dash_opt_name((OptKind)k);
    int row = -1, col = -1;
    const char *line = text;
    for (int y = 0; line && *line && row < 0; y++) {
      const char *nl = strchr(line, '\n');
      const char *at = strstr(line, name);
      /* the entry's name starts the menu row (after "| " and the frame) */
      if (at && (!nl || at < nl) && at - line >= 2 && at[-1] == ' ' && at[-2] == '|') row = y, col = (int)(at - line);
      line = nl ? nl + 1 : NULL;
    }
    cr_assert_geq(row, 0, "%s is not in the menu:\n%s", name, text);
    cr_assert_eq(view_menu_entry_at(100, 30, &ui, col + 1, row), k, "%s at row %d", name, row);
  }
  cr_assert_eq(view_menu_entry_at(100, 30, &ui, 1, 1), -1, "outside the menu");
  ui.overlay = OVL_NONE;
  cr_assert_eq(view_menu_entry_at(100, 30, &ui, 50, 15), -1, "no menu open");
  free(text);
  canvas_free(&c);
}
