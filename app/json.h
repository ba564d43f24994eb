/* json.h — a small JSON reader for flipscope's own files (JSONL telemetry
 * logs, headless summaries, sweep results) and a string writer. Not a
 * general-purpose library: numbers are doubles, strings are bytes. */
#ifndef FLIPSCOPE_JSON_H
#define FLIPSCOPE_JSON_H

#include <stddef.h>
#include <stdio.h>

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonValue {
  JsonType type;
  double number;            /* JSON_NUMBER, JSON_BOOL (0/1) */
  char *string;             /* JSON_STRING: NUL-terminated (\u0000 is cut) */
  size_t count;             /* JSON_ARRAY, JSON_OBJECT: elements */
  struct JsonValue *items;  /* the elements */
  char **keys;              /* JSON_OBJECT: the keys, parallel to items */
} JsonValue;

/* Parses one JSON text (surrounding white space allowed). Returns a tree to
 * free with json_free, or NULL with a message in err (with the byte offset). */
JsonValue *json_parse(const char *text, char *err, size_t errlen);
void json_free(JsonValue *v);

/* The member `key` of an object, or NULL. */
const JsonValue *json_get(const JsonValue *obj, const char *key);
/* A number member (NAN when missing, null or not a number). */
double json_get_number(const JsonValue *obj, const char *key);
/* A string member, or NULL. */
const char *json_get_string(const JsonValue *obj, const char *key);
/* v's number, NAN when v is NULL or not a number. */
double json_as_number(const JsonValue *v);

/* Writes s as a JSON string literal: quotes, backslashes and control bytes
 * escaped, bytes >= 0x80 written as \u00XX (so the output is always valid). */
void json_write_string(FILE *f, const char *s);
/* Writes a number with %.*g, or null when it is not finite. */
void json_write_number(FILE *f, double x, int digits);

#endif
