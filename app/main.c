/* main.c — flipscope's entry point: picks the subcommand and the front end. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/blas_setup.h"
#include "app/config.h"
#include "app/filter_cmd.h"
#include "app/headless.h"
#include "app/session.h"

#define FLIPSCOPE_VERSION "0.1.0"

int main(int argc, char **argv) {
  session_mark_start();
  if (argc > 1 && !strcmp(argv[1], "filter")) return filter_command(argc - 2, argv + 2);
  blas_select_kernels(argv);
  Config cfg;
  char err[512];
  if (config_parse(argc - 1, argv + 1, &cfg, err, sizeof err)) {
    fprintf(stderr, "flipscope: %s\n", err);
    return EXIT_USAGE;
  }
  if (cfg.help) {
    config_usage();
    return EXIT_OK;
  }
  if (cfg.version) {
    printf("flipscope %s\n", FLIPSCOPE_VERSION);
    return EXIT_OK;
  }
  if (!cfg.headless) {
    fprintf(stderr, "flipscope: the live view is not available yet; training headless\n");
  }
  return headless_run(&cfg);
}
