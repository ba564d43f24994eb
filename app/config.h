/* config.h — everything a run is configured with, from flags or --config. */
#ifndef FLIPSCOPE_CONFIG_H
#define FLIPSCOPE_CONFIG_H

#include <stddef.h>

#include "engine/model.h"
#include "engine/optim.h"
#include "engine/trainer.h"

#define CONFIG_PATH_MAX 1024

typedef struct {
  int headless;
  int help, version;
  char data[CONFIG_PATH_MAX];
  ModelSpec model;
  OptConfig opt;
  TrainConfig train;
  int threads;
  char log_path[CONFIG_PATH_MAX];
} Config;

/* Exit codes of the command-line contract. */
enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Parses argv (after the program name / subcommand) into cfg, reading
 * --config FILE first so flags override it. Returns 0, or -1 with one line in
 * err naming the flag (or FILE:LINE) at fault. */
int config_parse(int argc, char **argv, Config *cfg, char *err, size_t errlen);
/* Prints the option reference (the same text as README's CLI section). */
void config_usage(void);

#endif
