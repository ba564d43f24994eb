/* signals.h — SIGINT and SIGTERM during a headless run: the handler only
 * records the signal; the training loop polls it between steps, saves (with
 * --save), flushes the log and exits with 128 + the signal (130, 143). A
 * second signal of the same kind gets the default action (the checkpoint on
 * disk is always whole: see app/checkpoint_file.h). */
#ifndef FLIPSCOPE_SIGNALS_H
#define FLIPSCOPE_SIGNALS_H

/* Installs the handlers (sigaction, SA_RESETHAND). */
void signals_install(void);
/* The first signal caught (SIGINT or SIGTERM), or 0. */
int signals_caught(void);
/* "SIGINT" / "SIGTERM". */
const char *signals_name(int sig);

#endif
