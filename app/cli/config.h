/* config.h — everything a run is configured with, from flags or --config. */
#ifndef FLIPSCOPE_CONFIG_H
#define FLIPSCOPE_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "engine/model.h"
#include "engine/optim.h"
#include "engine/trace.h"
#include "engine/trainer.h"

#define CONFIG_PATH_MAX 1024
#define CONFIG_MAX_CHANGES 64

/* --change STEP:NAME=VALUE: optimizer setting NAME (an option name the
 * filter pane lists, "alpha") becomes VALUE before step STEP; or
 * --change STEP:opt=KIND: name "opt", value the OptKind switched to. */
typedef struct {
  uint64_t step;
  char name[16];
  double value;
} ConfigChange;

typedef struct {
  int headless;
  int help, version;
  int summary;              /* --summary: print the model's layers and stop */
  char data[CONFIG_PATH_MAX];
  /* data-set options and checkpoints (datasets/dataset.h, app/io/checkpoint_file.h) */
  double noise, train_frac, val_frac;  /* 0: not given */
  size_t label_col;                    /* 0: not given (the first column) */
  char save_path[CONFIG_PATH_MAX], load_path[CONFIG_PATH_MAX];
  size_t save_every;                   /* 0: save only at the end and on a signal */
  ModelSpec model;
  OptConfig opt;
  TrainConfig train;
  int length_given;         /* 1: --epochs or --steps (or a file) set the run's length */
  int saved_precision;      /* with --load: the precision the checkpoint ran in, else -1 */
  int saved_augment;        /* with --load: the checkpoint's augment kinds, else -1 */
  int threads;
  char log_path[CONFIG_PATH_MAX];
  /* telemetry, logs and charts (engine/telemetry.h, app/logs/runlog.h, docs/logs.md) */
  int telemetry;            /* -1: auto (on with --log, --log-jsonl or --export), 0 off, 1 on */
  char jsonl_path[CONFIG_PATH_MAX];
  char export_dir[CONFIG_PATH_MAX];
  char title[CONFIG_PATH_MAX];
  size_t telemetry_every;   /* 0: auto, about 500 statistics records per run */
  size_t reversal_window, telemetry_samples;
  int hist_linear;
  double near_zero;
  char result_path[CONFIG_PATH_MAX]; /* --result: the summary JSON also written here */
  /* the live view (app/live/tui.c, app/cli/presets.c) */
  char preset[CONFIG_PATH_MAX];      /* --preset NAME: its settings come first */
  char screen_path[CONFIG_PATH_MAX]; /* --screen FILE: the final dashboard as text */
  char config_path[CONFIG_PATH_MAX]; /* --config FILE, as given ("" without) */
  double pace;                       /* --pace: steps per second; 0 as fast as it goes */
  ConfigChange changes[CONFIG_MAX_CHANGES]; /* --change, in the order given */
  size_t n_changes;
  TraceSpec trace;                   /* --trace-weights (n 0, per_layer 0: none) */
} Config;

/* Exit codes of the command-line contract. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Parses argv (after the program name / subcommand) into cfg, reading
 * --config FILE first so flags override it; with --load FILE, the settings
 * saved in that checkpoint come before both. Returns 0, or -1 with one line in
 * err naming the flag (or FILE:LINE) at fault, or -2 when the --load file
 * cannot be read or is not a valid checkpoint (a runtime error). */
int config_parse(int argc, char **argv, Config *cfg, char *err, size_t errlen);
/* For sweeps: 1 when option `name` (without "--") takes a real number, 2 an
 * integer, 0 something else or nothing, -1 when there is no such option. */
int config_option_numeric(const char *name);
/* Applies to *o (whose optimizer has run t steps) the --change's due at
 * `step`: a switch first (to optim_switch_target's settings, also copied to
 * *switched when switched is not NULL), then the settings, in the order
 * given. *bad: the first setting the optimizer then in force cannot change
 * mid-run (left out), or NULL. Returns 1 when the optimizer switched. */
int config_change_step(const Config *cfg, uint64_t step, uint64_t t, OptConfig *o,
                       OptConfig *switched, const ConfigChange **bad);
/* True when option `name` is an optimizer setting (opt, its rates, flags and
 * filter coefficients): never a path nor anything else. */
int config_option_is_optimizer(const char *name);
/* Warns on out, once per flag, about the flags in argv that set an option of
 * another optimizer than cfg's ("--tau has no effect with --opt cema"). */
void config_warn_unused(int argc, char **argv, const Config *cfg, FILE *out);
/* 1 when option `name` takes a value, 0 for a flag, -1 when unknown. */
int config_option_takes_value(const char *name);
/* The settings a checkpoint keeps (app/io/checkpoint_file.h): "key = value"
 * lines for everything that shapes the run, in --config syntax; data_spec
 * (NULL: cfg->data) stands for --data. Writes at most len bytes (always
 * NUL-terminated when len > 0) and returns the length the text needs. */
size_t config_format_saved(const Config *cfg, const char *data_spec, char *buf, size_t len);
/* Prints the option reference (the same text as README's CLI section). */
void config_usage(void);

#endif
