/* sweep.c — `flipscope sweep` (docs/sweeps.md): a grid of headless runs over
 * ranges or lists of option values (sweep_grid.h), run here in up to --jobs
 * processes or printed as commands for GNU parallel or a Slurm job array
 * (sweep_jobs.h); resumable (a point whose result file exists is skipped);
 * collected into one results CSV and heatmaps of final accuracy and total
 * flips (sweep_results.h), all in one directory (sweep_dir.h). This file
 * holds the command's arguments and the order of the work. */
#include "app/commands/sweep.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli/config.h"
#include "app/commands/sweep_dir.h"
#include "app/commands/sweep_grid.h"
#include "app/commands/sweep_jobs.h"
#include "app/commands/sweep_results.h"
#include "app/io/number_text.h"
#include "app/run/outputs.h"

/* "flipscope: sweep: MSG [ARG]" on stderr; the usage exit code. */
static int usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "flipscope: sweep: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
  return EXIT_USAGE;
}

/* The --help text, on stdout. */
static void print_help(void) {
  printf("usage: flipscope sweep [--out DIR] [--jobs N] [--emit-jobs] [--point-logs]\n"
         "                       --NAME LO:HI:log|lin:N | --NAME V1,V2,... [...] [fixed options]\n"
         "       flipscope sweep --collect DIR\n"
         "  Runs every combination of the swept values headless (flipscope --headless with\n"
         "  the fixed options), skipping points already finished in DIR; writes\n"
         "  DIR/results.csv and heatmaps of test accuracy and total flips.\n"
         "  --out DIR       the sweep directory (default: sweep)\n"
         "  --jobs N        runs at a time (default 1); each gets cores/N threads unless --threads\n"
         "  --emit-jobs     print one command per unfinished point instead of running them\n"
         "  --collect DIR   merge the finished points of DIR into results and charts\n"
         "  --point-logs    also keep each point's CSV and JSONL logs in DIR/points\n");
}

/* ---------------------------------------------------------------- the arguments
 *
 * A sweep's command line mixes its own options (own_options) with flipscope
 * options for the points, in any order: `--jobs 2 --alpha 1e-4:1e-2:log:3
 * --data glyphs`. Only app/cli/config.c knows the points' options and which
 * of them take a value (config_option_takes_value), and getopt_long would
 * read an abbreviation of a point option as a sweep option (--o as --out), so
 * the words are separated first (split_words): a word --NAME or --NAME=VALUE
 * whose NAME is exactly a sweep option goes, with the next word when it takes
 * a value and has no "=", to the words getopt_long parses (parse_own); every
 * other word is a point option, taken with its value the same way, and
 * becomes a swept or a fixed option (point_option), in the order given. A
 * word that is not an option, or names none, is left for point_option to
 * refuse. The sweep's own options are read before the points' ones. */

enum { OWN_OUT = 1, OWN_JOBS, OWN_COLLECT, OWN_EMIT_JOBS, OWN_POINT_LOGS, OWN_HEADLESS, OWN_HELP };

/* The flags take no value (one given after "=" is ignored, as it always was);
 * --headless is accepted and dropped, since every point runs headless. */
static const struct option own_options[] = {
    {"out", required_argument, NULL, OWN_OUT},
    {"jobs", required_argument, NULL, OWN_JOBS},
    {"collect", required_argument, NULL, OWN_COLLECT},
    {"emit-jobs", optional_argument, NULL, OWN_EMIT_JOBS},
    {"point-logs", optional_argument, NULL, OWN_POINT_LOGS},
    {"headless", optional_argument, NULL, OWN_HEADLESS},
    {"help", optional_argument, NULL, OWN_HELP},
    {NULL, 0, NULL, 0}};

/* A point option as given: its name ("" when the word is not --NAME or NAME
 * is too long), its value (NULL: none), and whether it takes one. */
typedef struct {
  const char *word;
  char name[64];
  const char *value;
  int takes; /* config_option_takes_value(name): 1, 0, or -1 (no such option) */
} PointWord;

/* The arguments, separated. */
typedef struct {
  char **own; /* own[0] names the program for getopt_long; the sweep's own words follow */
  int n_own;
  PointWord *point;
  int n_point;
} Args;

/* NAME and VALUE of a word --NAME[=VALUE]. Returns 0 when it is not one or
 * NAME does not fit. */
static int option_word(const char *word, char name[64], const char **value) {
  name[0] = 0;
  *value = NULL;
  if (strncmp(word, "--", 2) != 0) return 0;
  const char *eq = strchr(word, '=');
  size_t nlen = eq ? (size_t)(eq - word - 2) : strlen(word + 2);
  if (nlen >= 64) return 0;
  memcpy(name, word + 2, nlen);
  name[nlen] = 0;
  *value = eq ? eq + 1 : NULL;
  return 1;
}

/* The sweep option called exactly name, or NULL. */
static const struct option *own_option(const char *name) {
  for (const struct option *o = own_options; o->name; o++)
    if (!strcmp(o->name, name)) return o;
  return NULL;
}

/* The name of the sweep option whose code is val. */
static const char *own_name(int val) {
  for (const struct option *o = own_options; o->name; o++)
    if (o->val == val) return o->name;
  return "?";
}

/* Separates argv into the sweep's own words and the point options (see above). */
static void split_words(int argc, char **argv, Args *a) {
  a->own[a->n_own++] = "flipscope sweep";
  for (int i = 0; i < argc; i++) {
    char name[64];
    const char *value;
    int is_option = option_word(argv[i], name, &value);
    const struct option *own = is_option ? own_option(name) : NULL;
    if (own) {
      a->own[a->n_own++] = argv[i];
      if (own->has_arg == required_argument && !value && i + 1 < argc) a->own[a->n_own++] = argv[++i];
      continue;
    }
    PointWord *p = &a->point[a->n_point++];
    p->word = argv[i];
    snprintf(p->name, sizeof p->name, "%s", name);
    p->value = value;
    p->takes = is_option ? config_option_takes_value(name) : -1;
    if (p->takes > 0 && !value && i + 1 < argc) p->value = argv[++i];
  }
}

/* A value that goes into the emitted job lines must stay on its line. */
static int has_control(const char *value) {
  for (const unsigned char *p = (const unsigned char *)value; *p; p++)
    if (*p < 0x20 || *p == 0x7f) return 1;
  return 0;
}

/* The refusal of a value with a control character, for option name. */
static int control_error(const char *name) {
  char err[512];
  snprintf(err, sizeof err, "--%s: a value with a newline or another control character "
                            "cannot go into a sweep's command lines", name);
  return usage_error(err, NULL);
}

/* The refusal of option name given without its value. */
static int missing_value(const char *name) {
  char err[512];
  snprintf(err, sizeof err, "--%s: missing value", name);
  return usage_error(err, NULL);
}

/* --out, --collect or --jobs (own) with its value. Returns -1 to go on, or
 * the exit code; *collect_dir is set by --collect. */
static int own_value(Sweep *s, int own, const char *value, const char **collect_dir) {
  if (has_control(value)) return control_error(own_name(own));
  if (own == OWN_JOBS) {
    unsigned long long j;
    if (number_text_count(value, &j) || j < 1 || j > 256)
      return usage_error("--jobs: expected an integer in 1..256, got", value);
    s->jobs = (int)j;
    return -1;
  }
  if (!*value || strlen(value) >= sizeof s->out) return usage_error("bad directory", value);
  snprintf(s->out, sizeof s->out, "%s", value);
  if (own == OWN_COLLECT) *collect_dir = s->out;
  return -1;
}

/* The sweep's own words into s. Returns -1 to go on, or the exit code. */
static int parse_own(Args *a, Sweep *s, const char **collect_dir) {
  optind = 0; /* glibc: start afresh */
  opterr = 0; /* the messages are ours */
  int c, rc = -1;
  while (rc < 0 && (c = getopt_long(a->n_own, a->own, "+:", own_options, NULL)) != -1) {
    switch (c) {
    case OWN_HELP: print_help(); return EXIT_OK;
    case OWN_EMIT_JOBS: s->emit = 1; break;
    case OWN_POINT_LOGS: s->point_logs = 1; break;
    case OWN_HEADLESS: break;
    case OWN_OUT:
    case OWN_JOBS:
    case OWN_COLLECT: rc = own_value(s, c, optarg, collect_dir); break;
    case ':': rc = missing_value(own_name(optopt)); break;
    default: rc = usage_error("unknown option", a->own[optind - 1]); break;
    }
  }
  return rc;
}

/* Point option p becomes swept. Returns -1 to go on, or the exit code. */
static int add_axis(Sweep *s, const PointWord *p) {
  char err[512];
  if (s->n_axes == SWEEP_MAX_AXES) return usage_error("too many swept options (at most 8)", NULL);
  for (size_t k = 0; k < s->n_axes; k++)
    if (!strcmp(s->axis[k].name, p->name)) return usage_error("swept twice:", p->word);
  if (sweep_axis_parse(p->name, p->value, config_option_numeric(p->name) == 2, &s->axis[s->n_axes],
                       err, sizeof err))
    return usage_error(err, NULL);
  if (!strcmp(p->name, "threads")) s->threads_given = 1;
  s->n_axes++;
  return -1;
}

/* Point option p into s, swept or fixed. Returns -1 to go on, or the exit code. */
static int point_option(Sweep *s, const PointWord *p) {
  if (strncmp(p->word, "--", 2) != 0) return usage_error("unexpected argument", p->word);
  if (p->takes < 0) return usage_error("unknown option", p->word);
  if (p->takes && !p->value) return missing_value(p->name);
  if (p->value && has_control(p->value)) return control_error(p->name);
  static const char *const refused[] = {"result", "log", "log-jsonl", "export", "save", "config"};
  for (size_t k = 0; k < sizeof refused / sizeof *refused; k++)
    if (!strcmp(p->name, refused[k])) {
      char err[512];
      snprintf(err, sizeof err, "--%s: not in a sweep (each point writes DIR/points/ID.json; "
                                "--point-logs keeps the logs)", p->name);
      return usage_error(err, NULL);
    }
  if (p->value && sweep_is_axis(p->name, p->value)) return add_axis(s, p);
  if (!strcmp(p->name, "threads")) s->threads_given = 1;
  if (s->n_fixed + 2 > SWEEP_MAX_FIXED) return usage_error("too many options", NULL);
  char word[96];
  snprintf(word, sizeof word, "--%s", p->name);
  s->fixed[s->n_fixed++] = strdup(word);
  if (p->value) s->fixed[s->n_fixed++] = strdup(p->value);
  return -1;
}

/* argv into s. Returns -1 to go on, or the exit code (after --help or a
 * usage error); *collect_dir is set by --collect. */
static int parse_args(int argc, char **argv, Sweep *s, const char **collect_dir) {
  Args a = {.own = calloc((size_t)argc + 2, sizeof *a.own),
            .point = calloc((size_t)argc + 1, sizeof *a.point)};
  int rc = -1;
  if (!a.own || !a.point) {
    fprintf(stderr, "flipscope: sweep: out of memory\n");
    rc = EXIT_RUNTIME;
  } else {
    split_words(argc, argv, &a);
    rc = parse_own(&a, s, collect_dir);
  }
  for (int i = 0; rc < 0 && i < a.n_point; i++) rc = point_option(s, &a.point[i]);
  free(a.own);
  free(a.point);
  return rc;
}

/* ---------------------------------------------------------------- the work */

/* Results and charts from the finished points, and a line saying how many. */
static int collect_and_report(const Sweep *s) {
  size_t missing;
  if (sweep_results_collect(s, &missing)) return EXIT_RUNTIME;
  fprintf(stderr, "flipscope: sweep: %zu points, %zu finished; results in %s/results.csv\n",
          s->points, s->points - missing, s->out);
  return EXIT_OK;
}

/* --collect DIR: the grid from DIR's manifest. */
static int collect_only(Sweep *s, const char *dir) {
  if (s->n_axes || s->n_fixed) return usage_error("--collect DIR takes no other options", NULL);
  if (sweep_dir_open(dir, s)) return EXIT_RUNTIME;
  if (sweep_count_points(s)) return usage_error("more than 100000 points", NULL);
  return collect_and_report(s);
}

/* Every point checked, the directory made, the points run (or printed), the results collected. */
static int run_sweep(Sweep *s) {
  char err[512];
  if (s->n_axes == 0)
    return usage_error("nothing to sweep: give a range (--alpha 1e-4:1e-1:log:4) or a list "
                       "(--seed 1,2,3)", NULL);
  if (sweep_count_points(s)) return usage_error("more than 100000 points", NULL);
  if (sweep_check_points(s, err, sizeof err)) return usage_error(err, NULL);
  int rc = sweep_dir_prepare(s);
  if (rc) return rc;
  long failed = sweep_jobs_run(s);
  if (failed < 0) return EXIT_RUNTIME;
  if (s->emit) return outputs_flush_stdout("the job lines") ? EXIT_RUNTIME : EXIT_OK;
  rc = collect_and_report(s);
  return rc == EXIT_OK && failed ? EXIT_RUNTIME : rc;
}

int sweep_command(int argc, char **argv) {
  static Sweep s; /* megabytes of axis values */
  memset(&s, 0, sizeof s);
  snprintf(s.out, sizeof s.out, "sweep");
  s.jobs = 1;
  const char *collect_dir = NULL;
  int rc = parse_args(argc, argv, &s, &collect_dir);
  if (rc < 0) rc = collect_dir ? collect_only(&s, collect_dir) : run_sweep(&s);
  sweep_free(&s);
  return rc;
}
