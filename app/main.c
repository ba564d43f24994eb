/* main.c — flipscope's entry point: picks the subcommand and the front end. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/system/blas_setup.h"
#include "app/commands/checkpoint_cmd.h"
#include "app/cli/config.h"
#include "app/cli/errors.h"
#include "app/commands/export_cmd.h"
#include "app/commands/filter_cmd.h"
#include "app/commands/headless.h"
#include "app/cli/presets.h"
#include "app/run/session.h"
#include "app/commands/summary_cmd.h"
#include "app/commands/sweep.h"
#include "app/live/tui.h"

#define FLIPSCOPE_VERSION "0.1.0"

int main(int argc, char **argv) {
  errors_name_flags();
  session_mark_start();
  if (argc > 1 && !strcmp(argv[1], "filter")) return filter_command(argc - 2, argv + 2);
  if (argc > 1 && !strcmp(argv[1], "checkpoint")) return checkpoint_command(argc - 2, argv + 2);
  if (argc > 1 && !strcmp(argv[1], "export")) return export_command(argc - 2, argv + 2);
  if (argc > 1 && !strcmp(argv[1], "sweep")) return sweep_command(argc - 2, argv + 2);
  blas_select_kernels(argv);
  Config cfg;
  char err[512];
  int parsed = config_parse(argc - 1, argv + 1, &cfg, err, sizeof err);
  if (parsed) {
    fprintf(stderr, "flipscope: %s\n", err);
    return parsed == -2 ? EXIT_RUNTIME : EXIT_USAGE; /* -2: the --load file */
  }
  if (cfg.help) {
    config_usage();
    return EXIT_OK;
  }
  if (cfg.version) {
    printf("flipscope %s\n", FLIPSCOPE_VERSION);
    return EXIT_OK;
  }
  if (cfg.preset[0]) { /* the preset's settings first, the user's flags over them */
    const Preset *p = preset_find(cfg.preset);
    if (!p) {
      char names[256];
      preset_names(names, sizeof names);
      fprintf(stderr, "flipscope: --preset: unknown preset '%s' (one of: %s)\n", cfg.preset, names);
      return EXIT_USAGE;
    }
    parsed = preset_config(p, argc - 1, argv + 1, &cfg, err, sizeof err);
    if (parsed) {
      fprintf(stderr, "flipscope: %s\n", err);
      return parsed == -2 ? EXIT_RUNTIME : EXIT_USAGE;
    }
  }
  config_warn_unused(argc - 1, argv + 1, &cfg, stderr);
  if (cfg.summary) return summary_command(&cfg);
  if (!cfg.headless) {
    if (isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
      if (cfg.n_changes) { /* the live view changes settings by key, not by schedule */
        fprintf(stderr, "flipscope: --change works in headless runs only (add --headless)\n");
        return EXIT_USAGE;
      }
      int rc = tui_run(&cfg, err, sizeof err);
      if (rc != TUI_NO_TERMINAL) return rc;
      fprintf(stderr, "flipscope: %s: training headless\n", err);
    } else {
      fprintf(stderr, "flipscope: %s is not a terminal: training headless (--headless hides this note)\n",
              isatty(STDOUT_FILENO) ? "stdin" : "stdout");
    }
  }
  if (cfg.pace > 0) /* a pace is for watching; headless runs go as fast as they can */
    fprintf(stderr, "flipscope: --pace has no effect without the live view: ignored\n");
  return headless_run(&cfg);
}
