/* tui_runmenu.h — the live view's run menu (`m`): the data set, the model and
 * the seed of a restart, chosen from inside the view.
 *
 * The menu starts from the running session's Config. Its data row cycles
 * through the sets that load here (glyphs, fashion when installed, the 2-D
 * sets spiral, xor, circles, gauss) and keeps the set the view started with
 * (a CSV, idx or cifar10 set) as an entry; its model row through a few
 * models that suit the chosen data (mlp:128x64 real-first and mlp:16x8 for
 * flat data, two MLPs and two CNNs for images), the running one and a typed
 * one; its seed row steps by one or takes a typed count. The Config it makes
 * is the running one with those three changed (the optimizer's settings as
 * they are now; a checkpoint it was resumed from left out). Whether the
 * model fits the data is the session's to say when it loads. */
#ifndef FLIPSCOPE_TUI_RUNMENU_H
#define FLIPSCOPE_TUI_RUNMENU_H

#include <stddef.h>

#include "app/cli/config.h"
#include "views/dash.h"

#define RUN_MENU_DATA 10
#define RUN_MENU_MODELS 8

typedef struct {
  Config base;                            /* the running session's */
  char data[RUN_MENU_DATA][CONFIG_PATH_MAX];
  size_t n_data, data_i;
  ModelSpec model[RUN_MENU_MODELS];       /* for data[data_i] */
  size_t n_model, model_i;
  ModelSpec typed;                        /* the model typed last (has_typed) */
  int has_typed;
  uint64_t seed;
} RunMenu;

/* Opens the menu on run (the running session's Config); started: the data
 * the view started with, kept as an entry. */
void runmenu_open(RunMenu *m, const Config *run, const char *started);
/* Row row's value one choice on (dir > 0) or back, around (the seed: by one). */
void runmenu_change(RunMenu *m, RunRow row, int dir);
/* A typed value for row (the data set as --data takes it, checked when it
 * loads; the model text, as --model, with " real-first" or " real-last"
 * after it; the seed, a count). Returns 0, or -1 with one line in err (the
 * value unchanged). */
int runmenu_type(RunMenu *m, RunRow row, const char *text, char *err, size_t errlen);
/* The rows' values and places into ui->run_value and ui->run_where. */
void runmenu_show(const RunMenu *m, DashUi *ui);
/* The Config of a restart with the chosen values: the running one with
 * data, model and seed changed, opt the optimizer's settings now, no
 * checkpoint to resume from, no preset; options of the old data set the new
 * one does not take (noise, train-frac, label-col, augment) left out. */
void runmenu_config(const RunMenu *m, const OptConfig *opt, Config *out);

#endif
