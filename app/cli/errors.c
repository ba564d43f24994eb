/* errors.c — how flipscope shows the engine's errors (see errors.h). */
#include "app/cli/errors.h"

#include <stdio.h>

#include "app/cli/config.h"
#include "engine/error.h"

/* A setting's flag: --NAME, the option that sets it. */
static void flag_of(const char *name, char *out, size_t len) { snprintf(out, len, "--%s", name); }

void errors_name_flags(void) { error_set_spelling(flag_of); }

int errors_exit_status(int kind) {
  return kind == ERR_USAGE ? EXIT_USAGE : kind ? EXIT_RUNTIME : EXIT_OK;
}
