/* test_switch.c — headless --change STEP:opt=NAME: the optimizer switches as
 * the live view's menu switches it (the wd-filter lesson: latent SGD to its
 * exact CEMA), the log records the new optimizer with its settings, the
 * charts name the optimizer the run ended with, and older logs still read. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "proc.h"
#include "tmpdir.h"

TestSuite(switch, .init = tmpdir_make, .fini = tmpdir_remove);

static ProcResult result; /* large: static */

/* The wd-filter preset on a small model for 40 steps, with `extra` flags,
 * logging to NAME.csv and NAME.jsonl in the temp dir. */
static void run_wd_filter(const char *name, const char *extra) {
  char csv[16], jsonl[16];
  snprintf(csv, sizeof csv, "%s.csv", name);
  snprintf(jsonl, sizeof jsonl, "%s.jsonl", name);
  run_flipscopef(&result, "--headless --preset wd-filter --model mlp:32x32 --steps 40 --threads 1 "
                 "--log %s --log-jsonl %s %s", in_tmp(csv), in_tmp(jsonl), extra);
  cr_assert_eq(result.code, 0, "%s", result.err);
}

/* The records of type `type` of a JSONL log, as a JSON array. */
static json_t *records(const char *path, const char *type) {
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "%s", path);
  json_t *all = json_array();
  char line[1 << 17];
  while (fgets(line, sizeof line, f)) {
    json_t *j = json_loads(line, 0, NULL);
    cr_assert_not_null(j, "%s: not JSON: %.80s", path, line);
    const char *t = json_string_value(json_object_get(j, "type"));
    if (t && !strcmp(t, type)) json_array_append(all, j);
    json_decref(j);
  }
  fclose(f);
  return all;
}

Test(switch, wd_filter_switch_is_logged_with_the_new_settings_and_charted, .timeout = 60) {
  char extra[700];
  snprintf(extra, sizeof extra, "--change 20:opt=cema --export %s", in_tmp("charts"));
  run_wd_filter("sw", extra);
  cr_assert(strstr(result.err, "sgd -> cema") && strstr(result.err, "exact"), "%s", result.err);
  json_t *ev = records(in_tmp("sw.jsonl"), "param_change");
  cr_assert_eq(json_array_size(ev), 1, "one switch, one record");
  json_t *e = json_array_get(ev, 0);
  cr_assert_eq(json_integer_value(json_object_get(e, "step")), 20);
  cr_assert_str_eq(json_string_value(json_object_get(e, "param")), "opt");
  cr_assert_str_eq(json_string_value(json_object_get(e, "from")), "sgd");
  cr_assert_str_eq(json_string_value(json_object_get(e, "to")), "cema");
  cr_assert(json_is_true(json_object_get(e, "exact")));
  json_t *set = json_object_get(e, "settings");
  cr_assert_str_eq(json_string_value(json_object_get(set, "opt")), "cema");
  cr_assert_float_eq(json_number_value(json_object_get(set, "alpha")), 1e-3, 1e-15);
  cr_assert_float_eq(json_number_value(json_object_get(set, "gamma")), 1, 1e-15);
  const char *text = json_string_value(json_object_get(e, "text"));
  cr_assert(text && !strncmp(text, "cema alpha 0.001 gamma 1: ", 26), "%s", text);
  json_decref(ev);

  char *bode = file_read_or_fail(in_tmp("charts/bode.gp"), NULL);
  char *dash = file_read_or_fail(in_tmp("charts/dashboard.gp"), NULL);
  cr_assert(strstr(bode, "'sgd lr 0.1 wd 0.01 (= cema alpha 0.001 gamma 1)'"), "%s", bode);
  cr_assert(strstr(bode, "'end of run: cema alpha 0.001 gamma 1'"), "%s", bode);
  cr_assert(strstr(dash, "'optimizer: sgd lr 0.1 wd 0.01, then cema alpha 0.001 gamma 1 "
                         "from step 20'"),
            "%s", dash);
  free(bode);
  free(dash);
}

/* The sampled inertia of every layer of step record rec, in one array. */
static void inertia_of(json_t *rec, double *out, size_t *n) {
  *n = 0;
  size_t l;
  json_t *layer, *v;
  json_array_foreach(json_object_get(rec, "layers"), l, layer) {
    size_t k;
    json_array_foreach(json_object_get(layer, "inertia"), k, v) out[(*n)++] = json_number_value(v);
  }
}

Test(switch, the_exact_switch_continues_the_uninterrupted_run, .timeout = 60) {
  run_wd_filter("sw", "--change 20:opt=cema");
  run_wd_filter("sgd", "");
  json_t *a = records(in_tmp("sw.jsonl"), "step"), *b = records(in_tmp("sgd.jsonl"), "step");
  cr_assert_eq(json_array_size(a), 40);
  cr_assert_eq(json_array_size(b), 40);
  /* The inertia of CEMA is the filter state i = -wd w of SGD's latent w,
   * and the log gives both in filter units: c = 1 throughout. */
  double c = NAN;
  for (size_t s = 0; s < 40; s++) {
    json_t *ra = json_array_get(a, s), *rb = json_array_get(b, s);
    size_t l;
    json_t *la;
    json_array_foreach(json_object_get(ra, "layers"), l, la) {
      json_t *lb = json_array_get(json_object_get(rb, "layers"), l);
      cr_assert_str_eq(json_string_value(json_object_get(la, "sign")),
                       json_string_value(json_object_get(lb, "sign")), "step %zu layer %zu", s + 1,
                       l);
      cr_assert_eq(json_integer_value(json_object_get(la, "flips")),
                   json_integer_value(json_object_get(lb, "flips")), "step %zu layer %zu",
                   s + 1, l);
    }
    cr_assert_eq(json_number_value(json_object_get(ra, "loss")),
                 json_number_value(json_object_get(rb, "loss")), "step %zu", s + 1);
    if (s + 1 < 20) continue;
    static double ia[8192], ib[8192];
    size_t na, nb;
    inertia_of(ra, ia, &na);
    inertia_of(rb, ib, &nb);
    cr_assert_eq(na, nb);
    for (size_t k = 0; k < na; k++) {
      if (isnan(c) && ib[k] != 0) c = ia[k] / ib[k];
      cr_assert(fabs(ia[k] - c * ib[k]) <= 2e-3 * fabs(c * ib[k]) + 1e-9,
                "step %zu weight %zu: %g against %g x %g", s + 1, k, ia[k], c, ib[k]);
    }
  }
  cr_assert(fabs(c - 1) < 1e-3, "the unit changed by %g", c);
  json_decref(a);
  json_decref(b);
}

/* Column `name` of the CSV rows of steps 1..n into out[0..n); returns the rows read. */
static size_t csv_column(const char *path, const char *name, double *out, size_t n) {
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f, "%s", path);
  char line[4096];
  cr_assert(fgets(line, sizeof line, f), "%s is empty", path);
  int col = -1, k = 0;
  char *save = NULL;
  for (char *w = strtok_r(line, ",\n", &save); w; w = strtok_r(NULL, ",\n", &save), k++)
    if (!strcmp(w, name)) col = k;
  cr_assert_geq(col, 0, "%s has no column %s", path, name);
  size_t rows = 0;
  while (rows < n && fgets(line, sizeof line, f)) {
    const char *p = line;
    for (int i = 0; i < col && p; i++) p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
    cr_assert_not_null(p, "%s row %zu", path, rows + 1);
    out[rows++] = atof(p);
  }
  fclose(f);
  return rows;
}

/* The wd-filter lesson's exact switch shows no kink in the inertia: the
 * telemetry gives latent SGD's inertia in filter units (-k w, k = wd = 0.01
 * here), as CEMA's own, so each layer's median |inertia| (the fan's scale)
 * goes on through step 20 as the uninterrupted SGD run's does, within 2e-3
 * (CEMA keeps its state in float: the mapped i = -k w and its updates round
 * differently from SGD's w), and its step-to-step change at the switch stays
 * under 25 % (the natural drift here is under 10 % a step; a change of unit
 * would be a factor 1/k = 100). */
Test(switch, the_inertia_median_has_no_jump_at_the_switch, .timeout = 60) {
  run_wd_filter("sw", "--change 20:opt=cema");
  run_wd_filter("sgd", "");
  for (int l = 0; l < 3; l++) {
    char name[32];
    snprintf(name, sizeof name, "inertia_abs_median_l%d", l);
    double sw[40], sgd[40];
    cr_assert_eq(csv_column(in_tmp("sw.csv"), name, sw, 40), 40);
    cr_assert_eq(csv_column(in_tmp("sgd.csv"), name, sgd, 40), 40);
    for (int s = 0; s < 40; s++) {
      cr_assert_gt(sgd[s], 0, "layer %d step %d", l, s + 1);
      cr_assert(fabs(sw[s] - sgd[s]) <= 2e-3 * sgd[s],
                "layer %d step %d: %g switched, %g uninterrupted", l, s + 1, sw[s], sgd[s]);
    }
    double change = sw[19] / sw[18]; /* steps 19 -> 20, the first run by CEMA */
    cr_assert(change > 0.75 && change < 1.25, "layer %d: median |inertia| x%g at the switch", l,
              change);
  }
}

Test(switch, a_switch_logged_without_its_settings_still_reads, .timeout = 60) {
  run_wd_filter("new", "--change 20:opt=cema");
  /* The same log with the switch recorded as the live view recorded it
   * before the settings were logged: the codes and a text. */
  FILE *in = fopen(in_tmp("new.jsonl"), "r"), *out = fopen(in_tmp("old.jsonl"), "w");
  cr_assert(in && out);
  static char line[1 << 17];
  static const char old_record[] = "{\"type\":\"param_change\",\"step\":20,\"param\":\"opt\","
                                   "\"old\":3,\"new\":0,\"text\":\"sgd -> cema\"}\n";
  while (fgets(line, sizeof line, in)) fputs(strstr(line, "\"param_change\"") ? old_record : line, out);
  fclose(in);
  fclose(out);
  run_flipscopef(&result, "export %s %s", in_tmp("old.jsonl"), in_tmp("charts"));
  cr_assert_eq(result.code, 0, "%s", result.err);
  char *bode = file_read_or_fail(in_tmp("charts/bode.gp"), NULL);
  cr_assert(strstr(bode, "'end of run: cema alpha 0.001 gamma 1'"), "%s", bode);
  free(bode);
}

Test(switch, names_and_settings_after_a_switch_are_checked) {
  static const struct {
    const char *changes, *message;
  } bad[] = {
      {"--change 10:opt=nosuch", "--change 10:opt: unknown optimizer 'nosuch'"},
      {"--change 10:opt=cema --change 20:lr=0.2", "--change 20:lr: cema has no setting lr"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    run_flipscopef(&result, "--headless --preset wd-filter --steps 30 %s", bad[i].changes);
    cr_assert_eq(result.code, 2, "%s: %s", bad[i].changes, result.err);
    cr_assert(strstr(result.err, bad[i].message), "%s: %s", bad[i].changes, result.err);
    cr_assert_eq(strchr(result.err, '\n'), strrchr(result.err, '\n'), "one line: %s", result.err);
  }
  /* The settings of the optimizer switched to can change after it. */
  run_flipscopef(&result, "--headless --preset wd-filter --model mlp:16 --steps 30 --threads 1 "
                 "--change 10:opt=cema --change 20:alpha=2e-3");
  cr_assert_eq(result.code, 0, "%s", result.err);
  cr_assert(strstr(result.err, "alpha 0.001 -> 0.002 from step 20"), "%s", result.err);
}
