/* json.c — jansson's parser with flipscope's flags, the member readers, and
 * the string/number writers. */
#include "app/io/json.h"

#include <math.h>

json_t *json_parse_text(const char *text, size_t len, char *err, size_t errlen) {
  json_error_t e;
  json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &e);
  if (!v && err && errlen) snprintf(err, errlen, "%s at byte %d", e.text, e.position);
  return v;
}

double json_as_number(const json_t *v) {
  if (json_is_number(v)) return json_number_value(v);
  if (json_is_boolean(v)) return json_is_true(v);
  return NAN;
}

double json_get_number(const json_t *obj, const char *key) {
  return json_as_number(json_object_get(obj, key));
}

const char *json_get_string(const json_t *obj, const char *key) {
  return json_string_value(json_object_get(obj, key));
}

void json_write_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') fprintf(f, "\\%c", *p);
    else if (*p == '\n') fputs("\\n", f);
    else if (*p < 0x20 || *p >= 0x7F) fprintf(f, "\\u%04x", *p);
    else fputc(*p, f);
  }
  fputc('"', f);
}

void json_write_number(FILE *f, double x, int digits) {
  if (isfinite(x)) fprintf(f, "%.*g", digits, x);
  else fputs("null", f);
}
