/* export_jsonl.h — export's reader of JSONL logs on its own, from memory and
 * without charts (for tests and the fuzz target). */
#ifndef FLIPSCOPE_EXPORT_JSONL_H
#define FLIPSCOPE_EXPORT_JSONL_H

#include <stddef.h>

/* What the reader took from a log. */
typedef struct {
  size_t layers;  /* binary layers named by the header */
  size_t records; /* telemetry step records kept */
  size_t events;  /* param_change records */
  size_t points;  /* loss/accuracy points (as when there is no CSV) */
} ExportJsonl;

/* Reads the JSONL log text[0, len) as `flipscope export` reads the file
 * `path` (the name used in messages): 0 with the counts in out, or -1 with
 * one line in err naming path and the line. */
int export_read_jsonl(const char *text, size_t len, const char *path, ExportJsonl *out, char *err,
                      size_t errlen);

#endif
