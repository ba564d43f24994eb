/* filter_cmd.c — `flipscope filter`: the optimizer flags are parsed by
 * config_parse (--response N is taken out first: it belongs to this command
 * only), engine/filter.h does the mathematics, and this file prints
 *   {"opt":…, "linear":…, "alpha":…, "gamma":…, "tau":…, "real_poles":…,
 *    "poles":[…], "cema_equivalent":…,
 *    "state_map":{"i_per_w":…, "m_per_buf":…, "m_per_w":…} (latent SGD) | null,
 *    "dc_gain":…, "cutoff":…, "flip_rate_white":…, "note":"…", "response":[[w,db,phase],…]}
 * with null where a value is undefined; complex poles print as [re, im];
 * "note" only when there is a caveat, "response" only with --response.
 */
#include "app/commands/filter_cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/config.h"
#include "app/io/number_text.h"
#include "engine/filter.h"

#define RESPONSE_MAX 100000

static void num(double x) {
  if (isfinite(x)) printf("%.10g", x);
  else printf("null");
}

static void str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    if (*s == '"' || *s == '\\') putchar('\\');
    putchar(*s);
  }
  putchar('"');
}

static void print_poles(const Filter *f) {
  printf("[");
  for (int k = 0; k < f->order; k++) {
    printf(k ? "," : "");
    if (f->real_poles) {
      num(f->pole_re[k]);
    } else {
      printf("[");
      num(f->pole_re[k]);
      printf(",");
      num(f->pole_im[k]);
      printf("]");
    }
  }
  printf("]");
}

/* rows = 3 n doubles: the frequencies, magnitudes in dB, phases. */
static void print_response(const Filter *f, size_t n, double *rows) {
  double *w = rows, *db = w + n, *phase = db + n;
  filter_response(f, n, w, db, phase);
  printf(",\"response\":[");
  for (size_t k = 0; k < n; k++) {
    printf(k ? ",[" : "[");
    num(w[k]);
    printf(",");
    num(db[k]);
    printf(",");
    num(phase[k]);
    printf("]");
  }
  printf("]");
}

static void print_filter(const Filter *f, const OptConfig *cfg) {
  printf("{\"opt\":");
  str(optim_ops(cfg->kind)->name);
  printf(",\"linear\":%s,\"alpha\":", f->linear ? "true" : "false");
  num(f->alpha);
  printf(",\"gamma\":");
  num(f->gamma);
  printf(",\"tau\":");
  num(f->tau);
  printf(",\"real_poles\":%s,\"poles\":", f->linear && f->real_poles ? "true" : "false");
  if (f->linear) print_poles(f);
  else printf("null");
  printf(",\"cema_equivalent\":%s,\"state_map\":", f->cema ? "true" : "false");
  /* i = -k w; m from (buf, w) only where a CEMA equivalent exists */
  if (f->k != 0) {
    printf("{\"i_per_w\":");
    num(-f->k);
    printf(",\"m_per_buf\":");
    num(f->cema ? f->m_buf : NAN);
    printf(",\"m_per_w\":");
    num(f->cema ? f->m_w : NAN);
    printf("}");
  } else {
    printf("null");
  }
  printf(",\"dc_gain\":");
  num(filter_dc_gain(f));
  printf(",\"cutoff\":");
  num(filter_cutoff(f));
  printf(",\"flip_rate_white\":");
  num(filter_flip_rate_white(f));
  if (f->note[0]) {
    printf(",\"note\":");
    str(f->note);
  }
}

/* Takes --response N (or --response=N) out of argv; returns the other
 * arguments' count, or -1 with err set. */
static int take_response(int argc, char **argv, char **rest, size_t *n, char *err, size_t errlen) {
  int kept = 0;
  for (int i = 0; i < argc; i++) {
    const char *v = NULL;
    if (!strcmp(argv[i], "--response")) {
      if (i + 1 >= argc) {
        snprintf(err, errlen, "--response: missing value");
        return -1;
      }
      v = argv[++i];
    } else if (!strncmp(argv[i], "--response=", 11)) {
      v = argv[i] + 11;
    } else {
      rest[kept++] = argv[i];
      continue;
    }
    unsigned long long x;
    if (number_text_count(v, &x) || x < 1 || x > RESPONSE_MAX) {
      snprintf(err, errlen, "--response: expected an integer in 1..%d, got '%s'", RESPONSE_MAX, v);
      return -1;
    }
    *n = (size_t)x;
  }
  return kept;
}

int filter_command(int argc, char **argv) {
  char err[512];
  char **rest = malloc(((size_t)argc + 1) * sizeof *rest);
  size_t response = 0;
  Config cfg;
  Filter f;
  int kept = rest ? take_response(argc, argv, rest, &response, err, sizeof err) : -1;
  if (!rest) snprintf(err, sizeof err, "out of memory");
  int bad = kept < 0 || config_parse(kept, rest, &cfg, err, sizeof err) ||
            filter_from_config(&cfg.opt, &f, err, sizeof err);
  free(rest);
  if (bad) {
    fprintf(stderr, "flipscope: filter: %s\n", err);
    return EXIT_USAGE;
  }
  if (cfg.help) {
    printf("usage: flipscope filter [optimizer options] [--response N]\n");
    config_usage();
    return EXIT_OK;
  }
  double *rows = response ? malloc(3 * response * sizeof *rows) : NULL;
  if (response && !rows) {
    fprintf(stderr, "flipscope: filter: out of memory for %zu response rows\n", response);
    return EXIT_RUNTIME;
  }
  print_filter(&f, &cfg.opt);
  if (rows) print_response(&f, response, rows);
  printf("}\n");
  free(rows);
  return EXIT_OK;
}
