/* config.c — the command-line and --config parser, driven by one option table.
 *
 * Settings are gathered as (key, value, origin) pairs: first the lines of the
 * --config file, then the flags, so flags win. The optimizer named last
 * decides the defaults; then every pair is applied and validated in order.
 */
#include "app/cli/config.h"

#include "app/cli/model_text.h"
#include "app/cli/schedule_text.h"
#include "app/cli/trace_text.h"
#include "app/io/checkpoint_file.h"
#include "app/io/number_text.h"
#include "datasets/input_file.h"
#include "engine/augment.h"
#include "engine/settings.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_FILE_MAX ((size_t)1 << 20) /* bytes of a --config file */

typedef enum {
  K_FLAG,     /* no value on the command line; true/false/1/0 in a file */
  K_SHAPE_FLAG, /* a K_FLAG that shapes the model: saved with a checkpoint when on */
  K_RATE,     /* finite double >= 0 */
  K_POSITIVE, /* finite double > 0 */
  K_FRACTION, /* finite double in [0, 1) */
  K_UNIT,     /* finite double in (0, 1) */
  K_COUNT,    /* integer >= 1 */
  K_COUNT0,   /* integer >= 0 */
  K_SEED,     /* any unsigned 64-bit integer */
  K_PATH,     /* string */
  K_POLES,    /* 1..OPT_MAX_SECTIONS comma-separated numbers: an iir cascade */
  K_BIQUAD,   /* exactly five comma-separated numbers: an iir biquad */
  K_MODEL, K_OPT, K_SCHEDULE, K_SCHEDULE_UNIT, K_THREADS, K_PRECISION, K_CHOICE, K_AUGMENT,
  K_CONFIG,
  K_CHANGE,   /* STEP:NAME=VALUE, repeatable: an optimizer setting changed mid-run */
  K_TRACE,    /* LAYER:INDEX,... or N: weights traced step by step (engine/trace.h) */
  K_SETTING   /* an optimizer setting of engine/settings.h: its row says the rest */
} OptionKind;
/* K_CHOICE: one of the names choices_of() gives, stored as its index (an
 * enum whose 0 is the default) at offset. */

typedef struct {
  const char *name;
  OptionKind kind;
  size_t offset;
  const char *help; /* NULL for K_SETTING: the setting's row has it */
} OptionDef;

#define AT(field) offsetof(Config, field)

static const OptionDef app_options[] = {
    {"headless", K_FLAG, AT(headless), "train without the TUI: progress on stderr, JSON on stdout"},
    {"data", K_PATH, AT(data),
     "auto | glyphs | fashion | idx:DIR | cifar10:DIR | csv:FILE | spiral | xor | circles | gauss (default auto)"},
    {"noise", K_RATE, AT(noise), "spiral, xor, circles, gauss: noise 0..1 (Playground: 0..0.5; default 0)"},
    {"train-frac", K_UNIT, AT(train_frac), "2-D sets and CSV: share of samples for training (default 0.5, CSV 0.8)"},
    {"val-frac", K_FRACTION, AT(val_frac), "hold this share of the training split out as validation (val_acc)"},
    {"label-col", K_COUNT, AT(label_col), "CSV: the label's column, counted from 1 (default 1)"},
    {"model", K_MODEL, 0, "mlp:H1xH2... hidden widths, or cnn:c32-p-c64-p-f256 for images (README; default mlp:1024x1024)"},
    {"real-first", K_SHAPE_FLAG, AT(model.real_first), "the first layer (dense or convolution) keeps real weights, trained by Adam at --real-lr"},
    {"real-last", K_SHAPE_FLAG, AT(model.real_last), "the last dense layer keeps real weights, trained by Adam at --real-lr"},
    {"ste", K_CHOICE, AT(model.ste), "hardtanh | approxsign | identity: the sign's gradient in the backward pass (default hardtanh; approxsign: Bi-Real Net's)"},
    {"scale", K_CHOICE, AT(model.scale), "none | mean: scale each binary output channel by its latent weights' mean |w| (XNOR-Net; sgd, adam, adamw; default none)"},
    {"opt", K_OPT, 0, "cema | bop | bop2 | sgd | adam | adamw | iir (default cema)"},
    /* the optimizer settings of engine/settings.h come here (all_options) */
    {"poles", K_POLES, 0, "iir: cascade of first-order sections, e.g. 0.9,0.99 (|p| < 1)"},
    {"iir", K_BIQUAD, 0, "iir: one biquad b0,b1,b2,a1,a2 (stable poles)"},
    {"change", K_CHANGE, 0,
     "STEP:NAME=VALUE: set NAME (alpha, lr, ...) to VALUE before step STEP, or STEP:opt=NAME: "
     "switch to optimizer NAME as the live view's o does; repeatable"},
    {"schedule", K_SCHEDULE, 0, "const | linear | cosine | step:E1,E2 (default: linear for cema, sgd, adam, adamw; const for bop, bop2, iir)"},
    {"schedule-unit", K_SCHEDULE_UNIT, 0, "epoch | step: when the schedule advances (default epoch)"},
    {"real-lr", K_RATE, AT(train.real_lr), "Adam rate of batch-norm parameters and real layers (default 1e-3)"},
    {"epochs", K_COUNT, AT(train.epochs), "epochs to train (default 3)"},
    {"steps", K_COUNT, AT(train.max_steps), "stop after N steps"},
    {"batch", K_COUNT, AT(train.batch), "mini-batch size (default 100)"},
    {"augment", K_AUGMENT, AT(train.augment), "crop | flip | crop,flip: random crops of the training images padded by 4 zero pixels, random left-right flips (image sets; default none)"},
    {"eval-every", K_COUNT0, AT(train.eval_every), "also evaluate on the test split every N steps"},
    {"seed", K_SEED, AT(train.seed), "seed of initial signs, shuffling and data (default 1)"},
    {"threads", K_THREADS, AT(threads), "worker threads for all kernels, OpenBLAS included (default: all cores)"},
    {"precision", K_PRECISION, AT(train.precision), "fp32 | bf16: inputs of the real-valued products, bf16 on AMX (default: bf16 where the CPU has AMX-BF16, else fp32)"},
    {"log", K_PATH, AT(log_path), "write one CSV row per step to FILE"},
    {"save", K_PATH, AT(save_path), "save a checkpoint to FILE at the end and when stopped (signals, a closed pipe, a full log)"},
    {"save-every", K_COUNT0, AT(save_every), "with --save: also save every N steps (default 0: off)"},
    {"load", K_PATH, AT(load_path), "resume from checkpoint FILE; its saved settings are the defaults"},
    {"log-jsonl", K_PATH, AT(jsonl_path), "write telemetry (histograms, bands, samples) as JSON lines to FILE"},
    {"export", K_PATH, AT(export_dir), "write gnuplot data, scripts and charts to DIR at the end"},
    {"title", K_PATH, AT(title), "title of the exported charts"},
    {"trace-weights", K_TRACE, 0,
     "LAYER:INDEX,... (8 in all) or N per layer: log these weights' gradient, state and sign"},
    {"telemetry", K_FLAG, AT(telemetry), "flip telemetry (default: on with --log, --log-jsonl, --export)"},
    {"telemetry-every", K_COUNT, AT(telemetry_every), "distribution statistics every N steps (default: ~500 per run)"},
    {"reversal-window", K_COUNT, AT(reversal_window), "a flip undone within K steps is a reversal (default 16)"},
    {"telemetry-samples", K_COUNT0, AT(telemetry_samples), "sampled weights per layer, 0..256 (default 256)"},
    {"hist-linear", K_FLAG, AT(hist_linear), "inertia histogram of signed values (default: log10 |inertia|)"},
    {"near-zero", K_RATE, AT(near_zero), "near-zero band: |inertia| <= X * median |inertia| (default 0.05)"},
    {"result", K_PATH, AT(result_path), "also write the final JSON summary to FILE (atomically)"},
    {"preset", K_PATH, AT(preset), "a guided experiment: wd-filter | lr-decay | bop-threshold | momentum-pole"},
    {"pace", K_RATE, AT(pace), "live view: N steps per second at the start (0: as fast as it goes; default 0)"},
    {"screen", K_PATH, AT(screen_path), "write the final dashboard as text to FILE (with --headless too)"},
    {"config", K_CONFIG, 0, "read key = value lines (same keys as these options) from FILE"},
    {"summary", K_FLAG, AT(summary), "print the model's layers (shapes, parameters, memory, MACs) for --data and stop"},
    {"help", K_FLAG, AT(help), "print this reference"},
    {"version", K_FLAG, AT(version), "print the version"},
};

/* Names options had before a rename, so that the settings saved in older
 * checkpoints (and older config files) still read. */
static const struct {
  const char *old, *now;
} renamed[] = {{"flipflop-window", "reversal-window"}};

#define APP_OPTIONS (sizeof app_options / sizeof *app_options)
#define OPTIONS_MAX (APP_OPTIONS + 64)

/* Every option in --help's order: the app's, with the optimizer settings of
 * engine/settings.h (those with an option of their own) after --opt. */
static OptionDef options[OPTIONS_MAX];
static size_t n_options;
static pthread_once_t options_once = PTHREAD_ONCE_INIT;

static void build_options(void) {
  size_t count;
  const OptSetting *table = settings_table(&count);
  for (size_t i = 0; i < APP_OPTIONS; i++) {
    options[n_options++] = app_options[i];
    if (app_options[i].kind != K_OPT) continue;
    for (size_t k = 0; k < count && n_options < OPTIONS_MAX; k++)
      if (!table[k].element)
        options[n_options++] = (OptionDef){table[k].name, K_SETTING, AT(opt) + table[k].offset, NULL};
  }
}

static const OptionDef *all_options(size_t *count) {
  pthread_once(&options_once, build_options);
  *count = n_options;
  return options;
}

static const OptionDef *find_option(const char *name, size_t len) {
  size_t n;
  const OptionDef *defs = all_options(&n);
  for (size_t i = 0; i < sizeof renamed / sizeof *renamed; i++)
    if (strlen(renamed[i].old) == len && strncmp(renamed[i].old, name, len) == 0)
      name = renamed[i].now, len = strlen(name);
  for (size_t i = 0; i < n; i++)
    if (strlen(defs[i].name) == len && strncmp(defs[i].name, name, len) == 0) return &defs[i];
  return NULL;
}

/* The optimizer setting behind a K_SETTING option. */
static const OptSetting *setting_of(const OptionDef *d) {
  return setting_lookup(d->name, strlen(d->name));
}

/* Whether d is given without a value on the command line. */
static int is_flag(const OptionDef *d) {
  return d->kind == K_FLAG || d->kind == K_SHAPE_FLAG ||
         (d->kind == K_SETTING && setting_of(d)->type == SETTING_FLAG);
}

int config_option_numeric(const char *name) {
  const OptionDef *d = find_option(name, strlen(name));
  if (!d) return -1;
  switch (d->kind) {
  case K_RATE: case K_POSITIVE: case K_FRACTION: case K_UNIT:
    return 1;
  case K_SETTING:
    return setting_of(d)->type == SETTING_REAL;
  case K_COUNT: case K_COUNT0: case K_SEED: case K_THREADS:
    return 2;
  default:
    return 0;
  }
}

int config_option_is_optimizer(const char *name) {
  const OptionDef *d = find_option(name, strlen(name));
  return d && (d->kind == K_SETTING || d->kind == K_OPT || d->kind == K_POLES ||
               d->kind == K_BIQUAD);
}

int config_option_takes_value(const char *name) {
  const OptionDef *d = find_option(name, strlen(name));
  return d ? !is_flag(d) : -1;
}

/* The optimizers that option d belongs to (bits 1 << OptKind; 0: a run
 * option, which all have). The IIR lists are IIR's. */
static unsigned optimizers_of(const OptionDef *d) {
  if (d->kind == K_POLES || d->kind == K_BIQUAD) return 1u << OPT_IIR;
  return d->kind == K_SETTING ? setting_of(d)->kinds : 0;
}

/* x as --help spells a default: 0.1, 0.999, 1e-3, 3e-2. */
static void help_number(double x, char *buf, size_t len) {
  if (x == 0 || fabs(x) > 0.05) {
    snprintf(buf, len, "%g", x);
    return;
  }
  int e = (int)floor(log10(fabs(x)));
  snprintf(buf, len, "%ge%d", round(x / pow(10, e) * 1e6) / 1e6, e);
}

/* "cema 0.1, bop 1e-4, bop2 1e-6", or "default 1e-3" when the optimizers
 * that have setting s share its default; nothing for a flag. */
static void default_text(const OptSetting *s, char *buf, size_t len) {
  size_t used = 0;
  int same = 1, first = -1;
  for (int k = 0; k < OPT_KIND_COUNT; k++)
    if (s->kinds & (1u << k)) {
      if (first < 0) first = k;
      same &= setting_default(s, (OptKind)k) == setting_default(s, (OptKind)first);
    }
  buf[0] = 0;
  if (s->type == SETTING_FLAG || first < 0) return;
  char x[32];
  if (same) {
    help_number(setting_default(s, (OptKind)first), x, sizeof x);
    snprintf(buf, len, "; default %s", x);
    return;
  }
  for (int k = 0; k < OPT_KIND_COUNT && used < len; k++)
    if (s->kinds & (1u << k)) {
      help_number(setting_default(s, (OptKind)k), x, sizeof x);
      used += (size_t)snprintf(buf + used, len - used, "%s %s %s", used ? "," : "; default:",
                               optim_ops((OptKind)k)->name, x);
    }
}

/* The --help line of setting s: "MEANING (OPTIMIZERS; default ...; RANGE)". */
static void setting_help(const OptSetting *s, char *buf, size_t len) {
  char kinds[64] = "", defaults[160], range[64] = "";
  size_t used = 0;
  for (int k = 0; k < OPT_KIND_COUNT && used < sizeof kinds; k++)
    if (s->kinds & (1u << k))
      used += (size_t)snprintf(kinds + used, sizeof kinds - used, "%s%s", used ? ", " : "",
                               optim_ops((OptKind)k)->name);
  default_text(s, defaults, sizeof defaults);
  setting_range_text(s, range + 2, sizeof range - 2);
  if (range[2]) memcpy(range, "; ", 2);
  snprintf(buf, len, "%s (%s%s%s)", s->meaning, kinds, defaults, range);
}

void config_usage(void) {
  printf("usage: flipscope [--headless] [OPTIONS]\n"
         "       flipscope filter [OPTIONS]\n"
         "       flipscope export [--title T] LOG [LOG2] DIR   (charts from logs; --help)\n"
         "       flipscope sweep [--jobs N] [--emit-jobs] --NAME LO:HI:log:N ... (--help)\n"
         "       flipscope checkpoint FILE   (checks a checkpoint, prints what it holds)\n"
         "\noptions:\n");
  size_t n;
  const OptionDef *defs = all_options(&n);
  for (size_t i = 0; i < n; i++) {
    const OptionDef *o = &defs[i];
    const char *arg = is_flag(o) ? "" : " V";
    char help[320];
    if (o->kind == K_SETTING) setting_help(setting_of(o), help, sizeof help);
    else snprintf(help, sizeof help, "%s", o->help);
    printf("  --%s%s%*s%s\n", o->name, arg, (int)(18 - strlen(o->name) - strlen(arg)), "", help);
  }
}

/* One setting to apply: a value for an option, and where it came from. */
typedef struct {
  const OptionDef *def;
  char *value;     /* NULL for a flag given on the command line */
  char where[96];  /* "--lr" or "run.cfg:3: lr" for messages */
} Setting;

typedef struct {
  Setting *items;
  size_t count, cap;
  char *file_text; /* the --config file, values point into it */
  char *saved_text; /* the --load checkpoint's saved settings, likewise */
} Settings;

static int settings_add(Settings *s, const OptionDef *def, char *value, const char *where) {
  if (s->count == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 32;
    Setting *items = realloc(s->items, cap * sizeof *items);
    if (!items) return -1;
    s->items = items;
    s->cap = cap;
  }
  Setting *it = &s->items[s->count++];
  it->def = def;
  it->value = value;
  snprintf(it->where, sizeof it->where, "%s", where);
  return 0;
}

static int parse_double(const char *v, double *out) { return number_text_real(v, out); }

static int parse_u64(const char *v, unsigned long long *out) { return number_text_count(v, out); }

static int parse_bool(const char *v, int *out) {
  if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) *out = 1;
  else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) *out = 0;
  else return -1;
  return 0;
}

/* Reads comma-separated finite numbers into out[0..max); returns how many, or
 * -1 on a malformed list or more than max numbers. */
static int parse_list(const char *v, double *out, int max) {
  int n = 0;
  for (const char *p = v;; p++) {
    const char *end;
    double x;
    if (!number_text_real_prefix(p, &x, &end) || n == max || (*end && *end != ',')) return -1;
    out[n++] = x;
    if (!*end) return n;
    p = end;
  }
}

/* v as the value of real-valued option d; `where` names it in err. */
static int parse_real(const OptionDef *d, const char *where, const char *v, double *out, char *err,
                      size_t errlen) {
  double x;
  if (parse_double(v, &x) || x < 0 || ((d->kind == K_POSITIVE || d->kind == K_UNIT) && x == 0) ||
      ((d->kind == K_FRACTION || d->kind == K_UNIT) && x >= 1)) {
    const char *want = d->kind == K_RATE       ? "a finite number >= 0"
                       : d->kind == K_POSITIVE ? "a finite number > 0"
                       : d->kind == K_UNIT     ? "a number in (0, 1)"
                                               : "a number in [0, 1)";
    snprintf(err, errlen, "%s: expected %s, got '%s'", where, want, v);
    return -1;
  }
  *out = x;
  return 0;
}

/* v as the value of the real optimizer setting t: a number in its range. */
static int parse_setting(const OptSetting *t, const char *where, const char *v, double *out,
                         char *err, size_t errlen) {
  double x;
  if (parse_double(v, &x) || !setting_accepts(t, x)) {
    char range[64];
    setting_range_text(t, range, sizeof range);
    snprintf(err, errlen, "%s: expected a finite number %s%s%s%s, got '%s'", where, range,
             t->why ? " (" : "", t->why ? t->why : "", t->why ? ")" : "", v);
    return -1;
  }
  *out = x;
  return 0;
}

/* --change STEP:opt=NAME (after parse_change read STEP): a switch to
 * optimizer NAME, kept as the change "opt" with the kind as its value. */
static int parse_switch(const char *where, uint64_t step, const char *name, Config *cfg,
                        char *err, size_t errlen) {
  int kind = optim_parse_kind(name);
  if (kind < 0) {
    snprintf(err, errlen, "%s %llu:opt: unknown optimizer '%s' (cema, bop, bop2, sgd, adam, adamw, "
             "iir)", where, (unsigned long long)step, name);
    return -1;
  }
  ConfigChange *c = &cfg->changes[cfg->n_changes++];
  c->step = step;
  c->value = kind;
  snprintf(c->name, sizeof c->name, "opt");
  return 0;
}

/* --change STEP:NAME=VALUE: NAME a real optimizer setting (engine/settings.h)
 * or "opt" (parse_switch),
 * VALUE checked as the setting's option checks it. Whether the optimizer
 * has NAME and can change it mid-run is checked once the optimizer is known
 * (check_changes). */
static int parse_change(const Setting *s, Config *cfg, char *err, size_t errlen) {
  const char *v = s->value, *colon = strchr(v, ':'), *eq = colon ? strchr(colon, '=') : NULL;
  char step[24];
  unsigned long long n;
  size_t step_len = colon ? (size_t)(colon - v) : 0, name_len = eq ? (size_t)(eq - colon - 1) : 0;
  if (!eq || !step_len || step_len >= sizeof step || !name_len) {
    snprintf(err, errlen, "%s: expected STEP:NAME=VALUE (e.g. 300:alpha=1e-4), got '%s'", s->where, v);
    return -1;
  }
  memcpy(step, v, step_len);
  step[step_len] = 0;
  if (parse_u64(step, &n) || n == 0) {
    snprintf(err, errlen, "%s: expected a step >= 1 before ':', got '%s'", s->where, step);
    return -1;
  }
  if (cfg->n_changes == CONFIG_MAX_CHANGES) {
    snprintf(err, errlen, "%s: at most %d changes", s->where, CONFIG_MAX_CHANGES);
    return -1;
  }
  ConfigChange *c = &cfg->changes[cfg->n_changes];
  if (name_len == 3 && !strncmp(colon + 1, "opt", 3))
    return parse_switch(s->where, n, eq + 1, cfg, err, errlen);
  const OptSetting *t = setting_lookup(colon + 1, name_len);
  if (!t || t->type != SETTING_REAL || name_len >= sizeof cfg->changes[0].name) {
    snprintf(err, errlen, "%s: '%.*s' is not an optimizer setting (alpha, gamma, lr, wd, ...)",
             s->where, (int)name_len, colon + 1);
    return -1;
  }
  char where[128];
  snprintf(where, sizeof where, "%s %llu:%s", s->where, n, t->name);
  if (parse_setting(t, where, eq + 1, &c->value, err, errlen)) return -1;
  c->step = n;
  snprintf(c->name, sizeof c->name, "%s", t->name);
  cfg->n_changes++;
  return 0;
}

/* A flag's value: none (given as --NAME), or true/false/1/0/yes/no. */
static int apply_flag(const Setting *s, int *out, char *err, size_t errlen) {
  if (!s->value) return *out = 1, 0;
  if (parse_bool(s->value, out) == 0) return 0;
  snprintf(err, errlen, "%s: expected true or false, got '%s'", s->where, s->value);
  return -1;
}

/* The names a K_CHOICE option takes, in the order of its enum. */
typedef struct {
  const char *option;
  const char *const *names;
  int n;
} Choices;
static const Choices choice_lists[] = {{"ste", ste_names, STE_KIND_COUNT},
                                       {"scale", scale_names, SCALE_KIND_COUNT}};

static const Choices *choices_of(const OptionDef *d) {
  for (size_t i = 0; i < sizeof choice_lists / sizeof *choice_lists; i++)
    if (strcmp(choice_lists[i].option, d->name) == 0) return &choice_lists[i];
  return NULL; /* not reached: every K_CHOICE row has a list */
}

/* A K_CHOICE value: the index of its name; the error lists the names. */
static int apply_choice(const Setting *s, int *out, char *err, size_t errlen) {
  const Choices *c = choices_of(s->def);
  for (int k = 0; k < c->n; k++)
    if (strcmp(s->value, c->names[k]) == 0) return *out = k, 0;
  char names[128] = "";
  for (int k = 0, used = 0; k < c->n && used < (int)sizeof names; k++)
    used += snprintf(names + used, sizeof names - (size_t)used, "%s%s",
                     k == 0 ? "" : k + 1 == c->n ? " or " : ", ", c->names[k]);
  snprintf(err, errlen, "%s: expected %s, got '%s'", s->where, names, s->value);
  return -1;
}

/* An optimizer setting of engine/settings.h, into cfg->opt. */
static int apply_setting(const Setting *s, Config *cfg, char *err, size_t errlen) {
  const OptSetting *t = setting_of(s->def);
  int on;
  double x;
  if (t->type == SETTING_REAL) {
    if (parse_setting(t, s->where, s->value, &x, err, errlen)) return -1;
  } else {
    if (apply_flag(s, &on, err, errlen)) return -1;
    x = on;
  }
  setting_set(t, &cfg->opt, x);
  return 0;
}

/* A count (K_COUNT >= 1, K_COUNT0 >= 0, K_THREADS 1..64) or a seed. */
static int apply_count(const Setting *s, void *field, char *err, size_t errlen) {
  OptionKind kind = s->def->kind;
  unsigned long long n;
  if (kind == K_SEED) {
    if (parse_u64(s->value, &n) == 0) return *(uint64_t *)field = n, 0;
    snprintf(err, errlen, "%s: expected an unsigned integer, got '%s'", s->where, s->value);
    return -1;
  }
  if (parse_u64(s->value, &n) || (kind != K_COUNT0 && n == 0) || n > 1000000000ull ||
      (kind == K_THREADS && n > 64)) {
    snprintf(err, errlen, "%s: expected an integer %s, got '%s'", s->where,
             kind == K_COUNT0 ? ">= 0" : kind == K_THREADS ? "in 1..64" : ">= 1", s->value);
    return -1;
  }
  if (kind == K_THREADS) *(int *)field = (int)n;
  else *(size_t *)field = (size_t)n;
  return 0;
}

/* --poles P1,...,PK (K_POLES) or --iir b0,b1,b2,a1,a2 (K_BIQUAD). */
static int apply_iir(const Setting *s, Config *cfg, char *err, size_t errlen) {
  int poles = s->def->kind == K_POLES;
  double xs[OPT_MAX_SECTIONS];
  int count = parse_list(s->value, xs, poles ? OPT_MAX_SECTIONS : 5);
  if (count < 0 || (!poles && count != 5)) {
    if (poles)
      snprintf(err, errlen, "%s: expected 1 to %d comma-separated numbers, got '%s'", s->where,
               OPT_MAX_SECTIONS, s->value);
    else
      snprintf(err, errlen, "%s: expected five numbers b0,b1,b2,a1,a2, got '%s'", s->where,
               s->value);
    return -1;
  }
  cfg->opt.iir_biquad = !poles;
  cfg->opt.iir_sections = poles ? count : 0;
  memcpy(poles ? cfg->opt.iir_poles : cfg->opt.iir_coef, xs, (size_t)count * sizeof *xs);
  return 0;
}

static int apply(const Setting *s, Config *cfg, char *err, size_t errlen) {
  const OptionDef *d = s->def;
  void *field = (char *)cfg + d->offset;
  const char *v = s->value;
  switch (d->kind) {
  case K_FLAG:
  case K_SHAPE_FLAG:
    return apply_flag(s, (int *)field, err, errlen);
  case K_RATE:
  case K_POSITIVE:
  case K_FRACTION:
  case K_UNIT:
    return parse_real(d, s->where, v, (double *)field, err, errlen);
  case K_CHANGE:
    return parse_change(s, cfg, err, errlen);
  case K_TRACE:
    return trace_text_parse(v, s->where, &cfg->trace, err, errlen);
  case K_SETTING:
    return apply_setting(s, cfg, err, errlen);
  case K_COUNT:
  case K_COUNT0:
  case K_THREADS:
  case K_SEED:
    return apply_count(s, field, err, errlen);
  case K_PATH:
    if (!*v || strlen(v) >= CONFIG_PATH_MAX) {
      snprintf(err, errlen, "%s: expected a non-empty value shorter than %d bytes", s->where,
               CONFIG_PATH_MAX);
      return -1;
    }
    strcpy((char *)field, v);
    return 0;
  case K_POLES:
  case K_BIQUAD:
    return apply_iir(s, cfg, err, errlen);
  case K_MODEL: { /* the text leaves the flags that shape the model as they are */
    ModelSpec flags = cfg->model;
    if (model_text_parse(v, &cfg->model, err, errlen)) return -1;
    cfg->model.real_first = flags.real_first, cfg->model.real_last = flags.real_last;
    cfg->model.ste = flags.ste, cfg->model.scale = flags.scale;
    return 0;
  }
  case K_CHOICE:
    return apply_choice(s, (int *)field, err, errlen);
  case K_SCHEDULE: {
    int per_step = cfg->train.schedule.per_step;
    if (schedule_text_parse(v, &cfg->train.schedule, err, errlen)) return -1;
    cfg->train.schedule.per_step = per_step;
    return 0;
  }
  case K_PRECISION: {
    int precision = precision_parse(v);
    if (precision < 0) {
      snprintf(err, errlen, "%s: expected fp32 or bf16, got '%s'", s->where, v);
      return -1;
    }
    cfg->train.precision = (Precision)precision;
    return 0;
  }
  case K_AUGMENT: {
    int kinds = augment_parse(v);
    if (kinds < 0) {
      snprintf(err, errlen, "%s: expected none, crop, flip or crop,flip, got '%s'", s->where, v);
      return -1;
    }
    cfg->train.augment = (unsigned)kinds;
    return 0;
  }
  case K_SCHEDULE_UNIT:
    if (strcmp(v, "epoch") && strcmp(v, "step")) {
      snprintf(err, errlen, "%s: expected epoch or step, got '%s'", s->where, v);
      return -1;
    }
    cfg->train.schedule.per_step = !strcmp(v, "step");
    return 0;
  case K_OPT:    /* applied before the others, see config_parse */
  case K_CONFIG: /* read before the others */
    return 0;
  }
  return 0;
}

static int parse_config_text(const char *label, char *text, Settings *s, char *err,
                             size_t errlen);

static int hex_digit(char c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes the quoted value starting at v ('"') in place. Only blanks or a
 * comment may follow the closing quote. Returns 0 or -1. */
static int unquote(char *v) {
  char *r = v + 1, *w = v;
  for (; *r != '"'; r++) {
    if (!*r) return -1;
    if (*r != '\\') {
      *w++ = *r;
      continue;
    }
    switch (*++r) {
    case 'n': *w++ = '\n'; break;
    case 'r': *w++ = '\r'; break;
    case 't': *w++ = '\t'; break;
    case '"': case '\\': *w++ = *r; break;
    case 'x': {
      int hi = hex_digit(r[1]), lo = hi < 0 ? -1 : hex_digit(r[2]);
      if (lo < 0 || (hi | lo) == 0) return -1;
      *w++ = (char)(hi << 4 | lo);
      r += 2;
      break;
    }
    default: return -1;
    }
  }
  const char *rest = r + 1 + strspn(r + 1, " \t\r");
  if (*rest && *rest != '#') return -1;
  *w = 0;
  return 0;
}

/* Reads FILE's "key = value" lines ('#' starts a comment) into s. */
static int read_config_file(const char *path, Settings *s, char *err, size_t errlen) {
  char msg[CONFIG_PATH_MAX + 128];
  size_t len;
  if (input_read(path, CONFIG_FILE_MAX, &s->file_text, &len, msg, sizeof msg)) {
    snprintf(err, errlen, "--config: %s", msg);
    return -1;
  }
  return parse_config_text(path, s->file_text, s, err, errlen);
}

/* Adds the "key = value" lines of text (changed in place) to s; `label`
 * names their source in messages (FILE:LINE: key). */
static int parse_config_text(const char *label, char *text, Settings *s, char *err,
                             size_t errlen) {
  int line_no = 0;
  int first_line[OPTIONS_MAX] = {0}; /* where each key was given */
  for (char *line = text, *next; line; line = next) {
    line_no++;
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    char *key = line + strspn(line, " \t\r");
    if (!*key || *key == '#') continue;
    char *eq = strchr(key, '='), *hash = strchr(key, '#');
    if (hash && (!eq || hash < eq)) { /* a comment before any '=' */
      *hash = 0;
      eq = NULL;
    }
    size_t key_len = eq ? strcspn(key, " \t=") : 0;
    int only_key = eq && key + key_len + strspn(key + key_len, " \t") == eq;
    const OptionDef *def = only_key ? find_option(key, key_len) : NULL;
    if (!def || def->kind == K_CONFIG) {
      snprintf(err, errlen, "%s:%d: %s '%.*s'", label, line_no,
               eq ? "unknown key" : "expected key = value, got",
               eq ? (int)(only_key ? key_len : (size_t)(eq - key)) : 40, key);
      return -1;
    }
    int *first = &first_line[def - options];
    if (*first && def->kind != K_CHANGE) {
      snprintf(err, errlen, "%s:%d: %s: given twice (first on line %d)", label, line_no, def->name,
               *first);
      return -1;
    }
    *first = line_no;
    char *value = eq + 1 + strspn(eq + 1, " \t");
    if (*value == '"') { /* a quoted value: "...", with \\ \" \n \r \t \xNN */
      if (unquote(value)) {
        snprintf(err, errlen, "%s:%d: %s: bad quoted value (unterminated, a bad escape, or text "
                 "after the closing quote)", label, line_no, def->name);
        return -1;
      }
    } else {
      if ((hash = strchr(value, '#'))) *hash = 0;
      size_t vlen = strlen(value);
      while (vlen && strchr(" \t\r", value[vlen - 1])) value[--vlen] = 0;
    }
    char where[96];
    snprintf(where, sizeof where, "%s:%d: %s", label, line_no, def->name);
    if (settings_add(s, def, value, where)) return -1;
  }
  return 0;
}

static void config_defaults(Config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  strcpy(cfg->data, "auto");
  model_text_parse("mlp:1024x1024", &cfg->model, NULL, 0);
  optim_defaults(OPT_CEMA, &cfg->opt);
  cfg->train.batch = 100;
  cfg->train.epochs = 3;
  cfg->train.real_lr = 1e-3;
  cfg->train.seed = 1;
  cfg->train.precision = precision_default();
  cfg->saved_precision = cfg->saved_augment = -1;
  cfg->train.schedule.kind = optim_ops(OPT_CEMA)->default_schedule;
  cfg->telemetry = -1;
  cfg->reversal_window = 16;
  cfg->telemetry_samples = 256;
  cfg->near_zero = 0.05;
}

static int layer_saved_settings(Settings *s, size_t *saved, char *err, size_t errlen);

/* bf16 runs only where one of its kernels can (engine/matmul.h). */
static int check_precision(const Config *cfg, char *err, size_t errlen) {
  const char *missing = cfg->train.precision == PRECISION_BF16 ? bf16_products_missing() : NULL;
  if (missing)
    snprintf(err, errlen, "--precision bf16: this CPU lacks %s (--precision fp32 runs anywhere)",
             missing);
  return missing ? -1 : 0;
}

/* A resumed run augments as the checkpoint's run did: other crops and flips
 * would not continue it (the checkpoint's settings are the default). */
static int check_augment(const Config *cfg, char *err, size_t errlen) {
  if (cfg->saved_augment < 0 || (unsigned)cfg->saved_augment == cfg->train.augment) return 0;
  snprintf(err, errlen, "--load %s: saved by a run with --augment %s, resumed with --augment %s: "
           "give the same --augment (or leave it out)", cfg->load_path,
           augment_name((unsigned)cfg->saved_augment), augment_name(cfg->train.augment));
  return -1;
}

/* The names of the settings of o that can change mid-run, for messages. */
static void live_names(const OptConfig *o, char *buf, size_t len) {
  const OptSetting *ps[SETTINGS_LIVE_MAX];
  size_t np = settings_live(o, ps, SETTINGS_LIVE_MAX), used = 0;
  snprintf(buf, len, "none");
  for (size_t k = 0; k < np && used < len; k++)
    used += (size_t)snprintf(buf + used, len - used, "%s%s", k ? ", " : "", ps[k]->name);
}

int config_change_step(const Config *cfg, uint64_t step, uint64_t t, OptConfig *o,
                       OptConfig *switched, const ConfigChange **bad) {
  int sw = 0;
  *bad = NULL;
  for (size_t i = 0; i < cfg->n_changes; i++) {
    const ConfigChange *c = &cfg->changes[i];
    if (c->step != step || strcmp(c->name, "opt")) continue;
    const OptConfig from = *o;
    OptSwitch verdict;
    optim_switch_target(&from, (OptKind)c->value, t, o, &verdict);
    sw = 1;
  }
  if (sw && switched) *switched = *o;
  for (size_t i = 0; i < cfg->n_changes; i++) {
    const ConfigChange *c = &cfg->changes[i];
    if (c->step != step || !strcmp(c->name, "opt")) continue;
    const OptSetting *live = setting_live(o, c->name);
    if (live) setting_set(live, o, c->value);
    else if (!*bad) *bad = c;
  }
  return sw;
}

/* The --change settings must be the optimizer's at their step (the ones the
 * live view can change) and give valid settings at every step they apply,
 * in step order. */
static int check_changes(const Config *cfg, char *err, size_t errlen) {
  OptConfig o = cfg->opt;
  for (uint64_t step = 0;;) { /* the next step with changes, all of them */
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < cfg->n_changes; i++)
      if (cfg->changes[i].step > step && cfg->changes[i].step < next) next = cfg->changes[i].step;
    if (next == UINT64_MAX) return 0;
    const ConfigChange *c;
    config_change_step(cfg, next, next - 1, &o, NULL, &c);
    if (c) {
      char names[128];
      live_names(&o, names, sizeof names);
      const char *name = optim_ops(o.kind)->name;
      if (setting_applies(setting_lookup(c->name, strlen(c->name)), &o))
        snprintf(err, errlen,
                 "--change %llu:%s: %s cannot change mid-run (%s's settings that can: %s)",
                 (unsigned long long)c->step, c->name, c->name, name, names);
      else
        snprintf(err, errlen, "--change %llu:%s: %s has no setting %s (it has: %s)",
                 (unsigned long long)c->step, c->name, name, c->name, names);
      return -1;
    }
    char msg[400];
    if (optim_check(&o, msg, sizeof msg)) {
      snprintf(err, errlen, "--change %llu: %s", (unsigned long long)next, msg);
      return -1;
    }
    step = next;
  }
}

/* A message that names a flag ("--model: ..."), when that setting came from
 * a file, names its FILE:LINE: key instead (the last setting of it counts). */
static void name_origin(const Settings *s, char *err, size_t errlen) {
  if (strncmp(err, "--", 2) != 0) return;
  size_t len = strcspn(err + 2, ": =");
  const Setting *from = NULL, *quoted = NULL; /* the last of that name; the one err quotes */
  for (size_t i = 0; i < s->count; i++)
    if (strlen(s->items[i].def->name) == len && !strncmp(s->items[i].def->name, err + 2, len)) {
      from = &s->items[i];
      const char *v = from->value;
      if (!quoted && v && *v && strstr(err + 2 + len, v)) quoted = from;
    }
  if (quoted) from = quoted;
  if (!from || !strncmp(from->where, "--", 2)) return;
  char rest[512];
  snprintf(rest, sizeof rest, "%s", err + 2 + len);
  snprintf(err, errlen, "%s%s", from->where, rest);
}

void config_warn_unused(int argc, char **argv, const Config *cfg, FILE *out) {
  const OptionDef *warned[OPTIONS_MAX];
  size_t n = 0;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "--", 2) != 0) continue;
    const OptionDef *def = find_option(argv[i] + 2, strcspn(argv[i] + 2, "="));
    unsigned kinds = def ? optimizers_of(def) : 0;
    if (!kinds || (kinds & (1u << cfg->opt.kind))) continue;
    int seen = 0;
    for (size_t k = 0; k < n; k++) seen |= warned[k] == def;
    if (seen) continue;
    warned[n++] = def;
    fprintf(out, "flipscope: warning: --%s has no effect with --opt %s\n", def->name,
            optim_ops(cfg->opt.kind)->name);
  }
}

/* getopt_long keeps its state in globals: one parse at a time. */
static pthread_mutex_t getopt_lock = PTHREAD_MUTEX_INITIALIZER;

/* The long options getopt_long reads, one per option (val: 256 + its index);
 * a flag's value is optional (--nesterov, or --nesterov=false). */
static struct option *long_options(const OptionDef *defs, size_t n) {
  struct option *longopts = calloc(n + 1, sizeof *longopts);
  for (size_t i = 0; longopts && i < n; i++)
    longopts[i] = (struct option){defs[i].name, is_flag(&defs[i]) ? optional_argument
                                                                  : required_argument,
                                  NULL, 256 + (int)i};
  return longopts;
}

/* One line for what getopt_long refused at argv[at] (getopt's argv, with the
 * program name at 0): a lone word, an unknown option, a missing value. */
static void flag_error(int code, char **argv, int at, const OptionDef *defs, char *err,
                       size_t errlen) {
  const char *a = argv[at];
  size_t len = strcspn(a, "=");
  if (code == ':')
    snprintf(err, errlen, "--%s: missing value", defs[optopt - 256].name);
  else if (code == 1 || strncmp(a, "--", 2) != 0)
    snprintf(err, errlen, "unexpected argument '%s' (options start with --)", a);
  else
    snprintf(err, errlen, "unknown option '%.*s' (see flipscope --help)", (int)len, a);
}

/* Adds the flags of argv (after the program name) to s, read by getopt_long
 * from the option table. Names must be given in full: getopt_long's
 * abbreviations (--sched for --schedule) are refused, so that a flag means
 * what the config-file key of the same name means. */
static int read_flags(int argc, char **argv, Settings *s, char *err, size_t errlen) {
  size_t n;
  const OptionDef *defs = all_options(&n);
  struct option *longopts = long_options(defs, n);
  char **args = calloc((size_t)argc + 2, sizeof *args);
  int rc = longopts && args ? 0 : -1;
  if (rc) snprintf(err, errlen, "out of memory reading the options");
  pthread_mutex_lock(&getopt_lock);
  if (args) {
    args[0] = "flipscope";
    memcpy(args + 1, argv, (size_t)argc * sizeof *args);
  }
  optind = 0; /* GNU: start afresh */
  opterr = 0;
  while (rc == 0) {
    int at = optind ? optind : 1;
    int code = getopt_long(argc + 1, args, "-:", longopts, NULL);
    if (code == -1 && at <= argc) { /* stopped at a lone "--" */
      snprintf(err, errlen, "unknown option '--' (see flipscope --help)");
      rc = -1;
    }
    if (code == -1) break;
    const OptionDef *def = code >= 256 ? &defs[code - 256] : NULL;
    const char *given = args[at] + 2;
    if (!def || strncmp(given, def->name, strcspn(given, "=")) != 0 ||
        strlen(def->name) != strcspn(given, "=")) {
      flag_error(def ? '?' : code, args, at, defs, err, errlen);
      rc = -1;
      break;
    }
    char where[96];
    snprintf(where, sizeof where, "--%s", def->name);
    rc = settings_add(s, def, optarg, where);
  }
  pthread_mutex_unlock(&getopt_lock);
  free(args);
  free(longopts);
  return rc;
}

int config_parse(int argc, char **argv, Config *cfg, char *err, size_t errlen) {
  config_defaults(cfg);
  Settings s = {0};
  int rc = -1;
  /* The --config file goes first, whatever its place among the flags (one only). */
  const char *config_path = NULL;
  for (int i = 0; i < argc; i++) {
    const char *path = !strcmp(argv[i], "--config") && i + 1 < argc ? argv[++i]
                       : !strncmp(argv[i], "--config=", 9)        ? argv[i] + 9
                                                                   : NULL;
    if (path && config_path) {
      snprintf(err, errlen, "--config: given more than once");
      goto done;
    }
    if (path) config_path = path;
  }
  if (config_path && read_config_file(config_path, &s, err, errlen)) goto done;
  if (config_path) snprintf(cfg->config_path, sizeof cfg->config_path, "%s", config_path);
  if (read_flags(argc, argv, &s, err, errlen)) goto done;
  /* --load FILE: the checkpoint's saved settings come before everything else. */
  size_t saved = 0; /* s.items[0..saved) came from the checkpoint */
  if ((rc = layer_saved_settings(&s, &saved, err, errlen)) != 0) goto done;
  rc = -1;
  /* The optimizer decides the defaults the other settings then override. */
  for (size_t i = s.count; i-- > 0;)
    if (s.items[i].def->kind == K_OPT) {
      int kind = optim_parse_kind(s.items[i].value);
      if (kind < 0) {
        snprintf(err, errlen, "%s: unknown optimizer '%s' (see flipscope --help)", s.items[i].where,
                 s.items[i].value);
        goto done;
      }
      optim_defaults((OptKind)kind, &cfg->opt);
      cfg->train.schedule.kind = optim_ops((OptKind)kind)->default_schedule;
      break;
    }
  /* Checkpoints without a precision line come from fp32 runs: they resume in fp32. */
  if (s.saved_text) cfg->train.precision = cfg->saved_precision = PRECISION_FP32;
  if (s.saved_text) cfg->saved_augment = 0; /* no augment line: none */
  int epochs_given = 0;
  for (size_t i = 0; i < s.count; i++) {
    if (apply(&s.items[i], cfg, err, errlen)) {
      if (i < saved) rc = -2; /* a bad checkpoint, not a bad flag */
      goto done;
    }
    if (i + 1 == saved) cfg->saved_precision = (int)cfg->train.precision;
    if (i + 1 == saved) cfg->saved_augment = (int)cfg->train.augment;
    epochs_given |= s.items[i].def->offset == AT(train.epochs) && s.items[i].def->kind == K_COUNT;
  }
  if (check_precision(cfg, err, errlen) || check_augment(cfg, err, errlen)) goto done;
  /* --steps alone: the schedule spans exactly those steps' epochs. */
  if (cfg->train.max_steps && !epochs_given) cfg->train.epochs = 0;
  cfg->length_given = epochs_given || cfg->train.max_steps;
  if (optim_check(&cfg->opt, err, errlen) || check_changes(cfg, err, errlen) ||
      model_spec_check(&cfg->model, err, errlen))
    goto done;
  if (cfg->save_every && !cfg->save_path[0]) {
    snprintf(err, errlen, "--save-every: needs --save FILE");
    goto done;
  }
  if (cfg->telemetry_samples > 256 || cfg->reversal_window > 32767) {
    snprintf(err, errlen, cfg->telemetry_samples > 256 ? "--telemetry-samples: at most 256"
                                                       : "--reversal-window: at most 32767");
    goto done;
  }
  rc = 0;
done:
  if (rc) name_origin(&s, err, errlen);
  free(s.items);
  free(s.file_text);
  free(s.saved_text);
  /* Arguments may hold any byte: the message stays one printable line. */
  for (char *p = rc ? err : NULL; p && *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
  return rc;
}

/* If s sets load (the last one counts), puts the settings saved in that
 * checkpoint in front of s's own. Returns 0, -1 (usage) or -2 (the file). */
static int layer_saved_settings(Settings *s, size_t *saved_count, char *err, size_t errlen) {
  const Setting *load = NULL;
  for (size_t i = 0; i < s->count; i++)
    if (s->items[i].def->kind == K_PATH && s->items[i].def->offset == AT(load_path))
      load = &s->items[i];
  if (!load || !load->value || !*load->value) return 0;
  char label[CONFIG_PATH_MAX + 32];
  snprintf(label, sizeof label, "%s (saved settings)", load->value);
  char msg[480];
  if (ckpt_file_settings(load->value, &s->saved_text, msg, sizeof msg)) {
    snprintf(err, errlen, "--load %s", msg);
    return -2;
  }
  Settings saved = {0};
  if (parse_config_text(label, s->saved_text, &saved, err, errlen)) {
    free(saved.items);
    return -2; /* a bad checkpoint, not a bad flag */
  }
  *saved_count = saved.count;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < s->count; i++)
    rc = settings_add(&saved, s->items[i].def, s->items[i].value, s->items[i].where);
  if (rc) {
    free(saved.items);
    return -1;
  }
  free(s->items);
  s->items = saved.items;
  s->count = saved.count;
  s->cap = saved.cap;
  return 0;
}

/* Whether option d belongs in a checkpoint's saved settings: what shapes the
 * run (data, model, optimizer, schedule, steps, and --threads, since results
 * are bit-identical only for the same thread count), not where its output
 * goes (paths other than data) nor what to do (--headless ...). */
static int saved_option(const OptionDef *d) {
  if (d->kind == K_CONFIG || d->offset == AT(save_every) || d->offset == AT(pace)) return 0;
  if (d->kind == K_PATH) return d->offset == AT(data);
  return d->kind != K_FLAG;
}

/* v as a config-file value: as it is, or quoted (see unquote) when it is
 * empty, has blanks at an end, or holds '#', '"', '\\' or control bytes. */
static void quote_value(const char *v, char *out, size_t len) {
  size_t n = strlen(v), used = 0;
  int plain = n && !strchr(" \t", v[0]) && !strchr(" \t", v[n - 1]);
  for (const char *p = v; plain && *p; p++)
    plain = *p != '#' && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20 && *p != 0x7f;
  if (plain) {
    snprintf(out, len, "%s", v);
    return;
  }
  out[used++] = '"';
  for (const char *p = v; *p && used + 6 < len; p++) {
    unsigned char c = (unsigned char)*p;
    if (c == '"' || c == '\\') used += (size_t)snprintf(out + used, len - used, "\\%c", c);
    else if (c == '\n') used += (size_t)snprintf(out + used, len - used, "\\n");
    else if (c < 0x20 || c == 0x7f) used += (size_t)snprintf(out + used, len - used, "\\x%02x", c);
    else out[used++] = (char)c;
  }
  snprintf(out + used, len - used, "\"");
}

/* Appends "name = value\n" for one option, or nothing when its value
 * means "not given". Returns the bytes it needs (snprintf-like). */
static size_t format_option(const OptionDef *d, const Config *cfg, const char *data_spec,
                            char *buf, size_t len) {
  const void *field = (const char *)cfg + d->offset;
  char v[CONFIG_PATH_MAX + 64], quoted[4 * CONFIG_PATH_MAX + 64];
  switch (d->kind) {
  case K_SETTING:
    if (setting_of(d)->type == SETTING_FLAG)
      snprintf(v, sizeof v, "%s", setting_get(setting_of(d), &cfg->opt) ? "true" : "false");
    else
      snprintf(v, sizeof v, "%.17g", setting_get(setting_of(d), &cfg->opt));
    break;
  case K_RATE: case K_POSITIVE: case K_FRACTION: case K_UNIT: {
    double x = *(const double *)field;
    if (x == 0 && d->kind != K_RATE && d->kind != K_FRACTION) return 0;
    snprintf(v, sizeof v, "%.17g", x);
    break;
  }
  case K_COUNT: case K_COUNT0: {
    size_t n = *(const size_t *)field;
    if (n == 0 && d->kind == K_COUNT) return 0;
    snprintf(v, sizeof v, "%zu", n);
    break;
  }
  case K_SEED: snprintf(v, sizeof v, "%llu", (unsigned long long)*(const uint64_t *)field); break;
  case K_THREADS:
    if (*(const int *)field == 0) return 0; /* all cores, wherever it resumes */
    snprintf(v, sizeof v, "%d", *(const int *)field);
    break;
  case K_PATH: snprintf(v, sizeof v, "%s", data_spec); break;
  case K_MODEL: model_spec_format(&cfg->model, v, sizeof v); break;
  case K_SHAPE_FLAG:
    if (!*(const int *)field) return 0; /* off: as checkpoints without the option */
    snprintf(v, sizeof v, "true");
    break;
  case K_OPT: snprintf(v, sizeof v, "%s", optim_ops(cfg->opt.kind)->name); break;
  case K_POLES: case K_BIQUAD: {
    int biquad = d->kind == K_BIQUAD, n = biquad ? 5 : cfg->opt.iir_sections;
    if (biquad != cfg->opt.iir_biquad || n < 1 || n > OPT_MAX_SECTIONS) return 0;
    const double *x = biquad ? cfg->opt.iir_coef : cfg->opt.iir_poles;
    size_t used = 0;
    for (int k = 0; k < n; k++)
      used += (size_t)snprintf(v + used, sizeof v - used, k ? ",%.17g" : "%.17g", x[k]);
    break;
  }
  case K_SCHEDULE: schedule_text_format(&cfg->train.schedule, v, sizeof v); break;
  case K_SCHEDULE_UNIT: snprintf(v, sizeof v, "%s", cfg->train.schedule.per_step ? "step" : "epoch"); break;
  case K_PRECISION: snprintf(v, sizeof v, "%s", precision_name(cfg->train.precision)); break;
  case K_CHOICE:
    if (*(const int *)field == 0) return 0; /* the default: as checkpoints before the option */
    snprintf(v, sizeof v, "%s", choices_of(d)->names[*(const int *)field]);
    break;
  case K_AUGMENT:
    if (!cfg->train.augment) return 0; /* none: as checkpoints without the option */
    snprintf(v, sizeof v, "%s", augment_name(cfg->train.augment));
    break;
  default: return 0;
  }
  quote_value(v, quoted, sizeof quoted);
  int w = snprintf(buf, len, "%s = %s\n", d->name, quoted);
  return w < 0 ? 0 : (size_t)w;
}

size_t config_format_saved(const Config *cfg, const char *data_spec, char *buf, size_t len) {
  size_t used = 0, n;
  const OptionDef *defs = all_options(&n);
  for (size_t i = 0; i < n; i++) {
    if (!saved_option(&defs[i])) continue;
    used += format_option(&defs[i], cfg, data_spec ? data_spec : cfg->data,
                          used < len ? buf + used : NULL, used < len ? len - used : 0);
  }
  if (len) buf[used < len ? used : len - 1] = 0;
  return used;
}
