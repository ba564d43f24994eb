/* sweep_results.c — results.csv, grid.dat and heatmaps of a sweep (sweep_results.h). */
#include "app/commands/sweep_results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/charts/gnuplot.h"
#include "app/commands/sweep_dir.h"
#include "app/io/json.h"
#include "datasets/input_file.h"

typedef struct {
  int ok;
  double test_acc, train_acc, loss, steps, train_s, samples_per_s, flips_total;
} Result;

/* Point id's summary (r->ok 0 when it has none that can be read). */
static void read_result(const char *out, const char *id, Result *r) {
  memset(r, 0, sizeof *r);
  char *path = sweep_point_file(out, id, ".json");
  char *text = NULL, why[16];
  size_t text_len;
  if (path && input_read(path, SWEEP_MANIFEST_MAX, &text, &text_len, why, sizeof why)) text = NULL;
  json_t *j = text ? json_parse_text(text, text_len, NULL, 0) : NULL;
  if (j) {
    r->ok = 1;
    r->test_acc = json_get_number(j, "test_acc");
    r->train_acc = json_get_number(j, "train_acc");
    r->loss = json_get_number(j, "loss");
    r->steps = json_get_number(j, "steps");
    r->train_s = json_get_number(j, "train_s");
    r->samples_per_s = json_get_number(j, "samples_per_s");
    r->flips_total = json_get_number(j, "flips_total");
  }
  json_decref(j);
  free(text);
  free(path);
}

/* One number cell of results.csv (empty when not finite). */
static void cell(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, ",%.10g", x);
  else fputc(',', f);
}

/* One row of results.csv for point i; its result in *r. */
static void write_row(FILE *csv, const Sweep *s, size_t i, size_t *idx, Result *r) {
  char id[512];
  sweep_point_values(s, i, idx);
  sweep_point_id(s, idx, id, sizeof id);
  read_result(s->out, id, r);
  fprintf(csv, "%s", id);
  for (size_t a = 0; a < s->n_axes; a++) fprintf(csv, ",%s", s->axis[a].value[idx[a]]);
  fprintf(csv, ",%s", r->ok ? "ok" : "missing");
  const double cells[] = {r->test_acc, r->train_acc, r->loss, r->steps,
                          r->train_s, r->samples_per_s, r->flips_total};
  if (r->ok)
    for (size_t k = 0; k < sizeof cells / sizeof *cells; k++) cell(csv, cells[k]);
  else
    fprintf(csv, ",,,,,,,");
  fputc('\n', csv);
}

/* results.csv, and in best (nx x ny, NULL: none) the best result of each
 * cell of the first two axes. Returns 0, or -1 after one line on stderr. */
static int write_results(const Sweep *s, Result *best, size_t ny, size_t *missing) {
  char *csv_path = sweep_path(s->out, "results.csv", "");
  FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
  if (!csv) {
    fprintf(stderr, "flipscope: sweep: cannot write %s: %s\n", csv_path ? csv_path : "",
            strerror(errno));
    free(csv_path);
    return -1;
  }
  fprintf(csv, "id");
  for (size_t a = 0; a < s->n_axes; a++) fprintf(csv, ",%s", s->axis[a].name);
  fprintf(csv, ",status,test_acc,train_acc,loss,steps,train_s,samples_per_s,flips_total\n");
  size_t idx[SWEEP_MAX_AXES];
  for (size_t i = 0; best && i < s->points; i++) {
    Result r;
    write_row(csv, s, i, idx, &r);
    if (!r.ok) {
      (*missing)++;
      continue;
    }
    Result *b = &best[idx[0] * ny + (s->n_axes > 1 ? idx[1] : 0)];
    if (!b->ok || r.test_acc > b->test_acc) *b = r;
  }
  int bad = ferror(csv);
  bad |= fclose(csv) != 0;
  if (bad || !best) fprintf(stderr, "flipscope: sweep: writing %s failed\n", csv_path);
  free(csv_path);
  return bad || !best ? -1 : 0;
}

/* Opens s->out/name for writing; NULL after one line on stderr. */
static FILE *create(const Sweep *s, const char *name) {
  char err[512];
  FILE *f = gp_create(s->out, name, err, sizeof err);
  if (!f) fprintf(stderr, "flipscope: sweep: %s\n", err);
  return f;
}

/* Closes f; -1 after one line on stderr when a write failed. */
static int close_file(FILE *f, const char *name) {
  char err[512];
  if (!gp_close(f, name, err, sizeof err)) return 0;
  fprintf(stderr, "flipscope: sweep: %s\n", err);
  return -1;
}

/* grid.dat: ix iy test_acc flips_total of each cell's best result. */
static int write_grid(const Sweep *s, const Result *best, size_t nx, size_t ny) {
  FILE *g = create(s, "grid.dat");
  if (!g) return -1;
  fprintf(g, "# ix iy test_acc flips_total (indices into the axes' values)\n");
  for (size_t x = 0; x < nx; x++) {
    for (size_t y = 0; y < ny; y++) {
      const Result *b = &best[x * ny + y];
      fprintf(g, "%zu %zu", x, y);
      if (b->ok) fprintf(g, " %.10g %.10g\n", b->test_acc, b->flips_total);
      else fprintf(g, " NaN NaN\n");
    }
    fputc('\n', g);
  }
  return close_file(g, "grid.dat");
}

/* Tics named by an axis's values, at their indices, and the axis label. */
static void axis_tics(FILE *f, const char *which, const SweepAxis *a) {
  fprintf(f, "set %stics (", which);
  for (size_t v = 0; v < a->n; v++) {
    if (v) fputs(", ", f);
    gp_quote(f, a->value[v]);
    fprintf(f, " %zu", v);
  }
  fprintf(f, ")\nset %slabel ", which);
  gp_quote(f, a->name);
  fputc('\n', f);
}

/* The heatmap of column `column` of grid.dat over the first two axes (a
 * line over the first with one axis), titled `what`. */
static void heatmap_body(FILE *f, const Sweep *s, const char *what, int column, const char *fmt,
                         int log_color) {
  fprintf(f, "set title ");
  char title[160];
  snprintf(title, sizeof title, "%s over the sweep%s", what,
           s->n_axes > 2 ? " (best test accuracy over the other axes)" : "");
  gp_quote(f, title);
  fprintf(f, " noenhanced\nunset key\n");
  if (s->n_axes >= 2) {
    axis_tics(f, "x", &s->axis[0]);
    axis_tics(f, "y", &s->axis[1]);
    fprintf(f, "set xrange [-0.5:%zu.5]\nset yrange [-0.5:%zu.5]\n", s->axis[0].n - 1,
            s->axis[1].n - 1);
    fprintf(f, "set palette defined (0 '#fff7ec', 0.5 '#fc8d59', 1 '#7f0000')\nset cblabel ");
    gp_quote(f, what);
    fprintf(f, "\n%s", log_color ? "set logscale cb\n" : "");
    fprintf(f, "plot 'grid.dat' using 1:2:(0.5):(0.5):(column(%d) > 0 || !%d ? column(%d) : NaN) "
               "with boxxyerror fs solid 1.0 noborder fc palette, \\\n"
               "     '' using 1:2:(column(%d) == column(%d) ? sprintf('%s', column(%d)) : '') "
               "with labels font ',8'\n",
            column, log_color, column, column, column, fmt, column);
  } else {
    axis_tics(f, "x", &s->axis[0]);
    fprintf(f, "set xrange [-0.5:%zu.5]\nset grid\n%s", s->axis[0].n - 1,
            log_color ? "set logscale y\n" : "");
    fprintf(f, "set ylabel ");
    gp_quote(f, what);
    fprintf(f, "\nplot 'grid.dat' using 1:(column(%d)) with linespoints pt 7 lw 1.5\n", column);
  }
}

/* base.gp: the heatmap drawn to base.png and base.svg. */
static int write_heatmap_script(const Sweep *s, const char *base, const char *what, int column,
                                const char *fmt, int log_color) {
  char name[64];
  snprintf(name, sizeof name, "%s.gp", base);
  FILE *f = create(s, name);
  if (!f) return -1;
  fprintf(f, "# flipscope sweep chart; rebuild %s.png and %s.svg with: gnuplot %s (in this directory)\n",
          base, base, name);
  for (int png = 1; png >= 0; png--) {
    gp_terminal(f, base, png, 900, 700);
    heatmap_body(f, s, what, column, fmt, log_color);
    fprintf(f, "unset output\n");
  }
  return close_file(f, name);
}

int sweep_results_collect(const Sweep *s, size_t *missing_out) {
  size_t nx = s->n_axes ? s->axis[0].n : 1, ny = s->n_axes > 1 ? s->axis[1].n : 1, missing = 0;
  Result *best = calloc(nx * ny, sizeof *best);
  int bad = write_results(s, best, ny, &missing) || write_grid(s, best, nx, ny);
  free(best);
  *missing_out = missing;
  if (bad || s->n_axes == 0) return bad ? -1 : 0;
  if (write_heatmap_script(s, "acc_heatmap", "final test accuracy", 3, "%.3f", 0) ||
      write_heatmap_script(s, "flips_heatmap", "total flips", 4, "%.3g", 1))
    return -1;
  char gnuplot[1024], err[512];
  if (!gp_find_or_warn(gnuplot, sizeof gnuplot, s->out, NULL)) return 0;
  if (missing == s->points) return 0; /* nothing to draw yet */
  const char *scripts[] = {"acc_heatmap.gp", "flips_heatmap.gp"};
  for (int i = 0; i < 2; i++)
    if (gp_run(gnuplot, s->out, scripts[i], NULL, err, sizeof err))
      fprintf(stderr, "flipscope: warning: %s\n", err);
  return 0;
}
