/* errors.h — the engine's and the data sets' errors (engine/error.h) on
 * flipscope's command line: a setting is named by its flag ("--batch"), and
 * the kind of an error decides the exit status. */
#ifndef FLIPSCOPE_ERRORS_H
#define FLIPSCOPE_ERRORS_H

/* From now on, messages name settings by their flags. Call it first in main. */
void errors_name_flags(void);

/* The exit status for an error of that kind (engine/error.h): EXIT_USAGE for
 * ERR_USAGE, EXIT_RUNTIME for ERR_RUNTIME, EXIT_OK for 0. */
int errors_exit_status(int kind);

#endif
