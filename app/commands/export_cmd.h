/* export_cmd.h — the `flipscope export` subcommand. */
#ifndef FLIPSCOPE_EXPORT_CMD_H
#define FLIPSCOPE_EXPORT_CMD_H

/* `flipscope export [--title T] LOG [LOG2] DIR`: LOG is a CSV or JSONL log
 * (the other one is looked for beside it, same name with the other
 * extension) or a directory with log.csv and log.jsonl; the charts
 * (app/charts/export.h) go to DIR. argv holds the arguments after "export".
 * Returns the exit code. */
int export_command(int argc, char **argv);

#endif
