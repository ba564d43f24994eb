/* signals.h — SIGINT, SIGTERM, SIGHUP and SIGPIPE during a headless run: the
 * handler only records the signal; the training loop polls it between steps,
 * saves (with --save), flushes the logs and exits with 128 + the signal (130,
 * 143, 129, 141). A second SIGINT, SIGTERM or SIGHUP gets the default action
 * (the checkpoint on disk is always whole: see app/io/checkpoint_file.h); SIGPIPE
 * stays caught, so the writes that follow a closed pipe fail with EPIPE
 * instead of killing the run before it saves. */
#ifndef FLIPSCOPE_SIGNALS_H
#define FLIPSCOPE_SIGNALS_H

/* Installs the handlers (sigaction, SA_RESETHAND). */
void signals_install(void);
/* The first signal caught, or 0. */
int signals_caught(void);
/* "SIGINT", "SIGTERM", "SIGHUP", "SIGPIPE". */
const char *signals_name(int sig);

#endif
