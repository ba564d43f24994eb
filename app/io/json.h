/* json.h — reading flipscope's own JSON files (JSONL telemetry logs, headless
 * summaries, sweep manifests and results) with jansson, and the writers of
 * strings and numbers that keep the logs byte-stable. */
#ifndef FLIPSCOPE_JSON_H
#define FLIPSCOPE_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Parses one JSON text of len bytes (one JSONL line, or a whole file) that
 * must be an object or an array: strict RFC 8259 (valid UTF-8, no \u0000,
 * no duplicate keys); every number is read as a double, so an integer past
 * 2^63 is read rounded, not refused (a real past DBL_MAX is refused).
 * Returns a value to release with json_decref, or NULL with one line in err
 * (what is wrong and its byte offset). */
json_t *json_parse_text(const char *text, size_t len, char *err, size_t errlen);

/* v's number (a boolean as 0/1), NAN when v is NULL or not a number. */
double json_as_number(const json_t *v);
/* A number member (NAN when missing, null or not a number). */
double json_get_number(const json_t *obj, const char *key);
/* A string member, or NULL. */
const char *json_get_string(const json_t *obj, const char *key);

/* Writes s as a JSON string literal: quotes, backslashes and control bytes
 * escaped, bytes >= 0x80 written as \u00XX (so the output is always valid). */
void json_write_string(FILE *f, const char *s);
/* Writes a number with %.*g, or null when it is not finite. */
void json_write_number(FILE *f, double x, int digits);

#endif
