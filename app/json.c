/* json.c — a recursive-descent JSON reader and the string/number writers. */
#include "app/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p, *start;
  char *err;
  size_t errlen;
  int depth;
} Parser;

static void skip_ws(Parser *ps) {
  while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r') ps->p++;
}

static int fail(Parser *ps, const char *what) {
  if (ps->err && !ps->err[0])
    snprintf(ps->err, ps->errlen, "%s at byte %zu", what, (size_t)(ps->p - ps->start));
  return -1;
}

static void free_value(JsonValue *v) {
  if (v->type == JSON_STRING) free(v->string);
  if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
    for (size_t i = 0; i < v->count; i++) {
      free_value(&v->items[i]);
      if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
  }
}

void json_free(JsonValue *v) {
  if (!v) return;
  free_value(v);
  free(v);
}

static int hex4(const char *p, unsigned *out) {
  unsigned u = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    u <<= 4;
    if (c >= '0' && c <= '9') u |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') u |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') u |= (unsigned)(c - 'A' + 10);
    else return -1;
  }
  *out = u;
  return 0;
}

static int parse_string(Parser *ps, char **out) {
  ps->p++; /* the opening quote */
  size_t cap = 16, len = 0;
  char *s = malloc(cap);
  if (!s) return fail(ps, "out of memory");
  for (;;) {
    unsigned char c = (unsigned char)*ps->p;
    if (c == 0 || c < 0x20) {
      free(s);
      return fail(ps, "unterminated string");
    }
    ps->p++;
    if (c == '"') break;
    char buf[4];
    size_t n = 1;
    buf[0] = (char)c;
    if (c == '\\') {
      char e = *ps->p++;
      switch (e) {
      case '"': case '\\': case '/': buf[0] = e; break;
      case 'b': buf[0] = '\b'; break;
      case 'f': buf[0] = '\f'; break;
      case 'n': buf[0] = '\n'; break;
      case 'r': buf[0] = '\r'; break;
      case 't': buf[0] = '\t'; break;
      case 'u': {
        unsigned u;
        if (hex4(ps->p, &u)) {
          free(s);
          return fail(ps, "bad \\u escape");
        }
        ps->p += 4;
        /* UTF-8; a surrogate half is written as is (3 bytes). */
        if (u < 0x80) buf[0] = (char)u;
        else if (u < 0x800) {
          buf[0] = (char)(0xC0 | (u >> 6));
          buf[1] = (char)(0x80 | (u & 0x3F));
          n = 2;
        } else {
          buf[0] = (char)(0xE0 | (u >> 12));
          buf[1] = (char)(0x80 | ((u >> 6) & 0x3F));
          buf[2] = (char)(0x80 | (u & 0x3F));
          n = 3;
        }
        break;
      }
      default:
        free(s);
        return fail(ps, "bad escape");
      }
    }
    if (len + n + 1 > cap) {
      char *bigger = realloc(s, cap *= 2);
      if (!bigger) {
        free(s);
        return fail(ps, "out of memory");
      }
      s = bigger;
    }
    memcpy(s + len, buf, n);
    len += n;
  }
  s[len] = 0;
  *out = s;
  return 0;
}

static int parse_value(Parser *ps, JsonValue *v);

static int push(Parser *ps, JsonValue *v, size_t *cap, char *key) {
  if (v->count == *cap) {
    size_t n = *cap ? 2 * *cap : 8;
    JsonValue *items = realloc(v->items, n * sizeof *items);
    if (!items) return fail(ps, "out of memory");
    v->items = items;
    if (v->type == JSON_OBJECT) {
      char **keys = realloc(v->keys, n * sizeof *keys);
      if (!keys) return fail(ps, "out of memory");
      v->keys = keys;
    }
    *cap = n;
  }
  memset(&v->items[v->count], 0, sizeof *v->items);
  if (v->type == JSON_OBJECT) v->keys[v->count] = key;
  v->count++;
  return 0;
}

static int parse_container(Parser *ps, JsonValue *v, int object) {
  if (++ps->depth > 64) return fail(ps, "nested too deeply");
  v->type = object ? JSON_OBJECT : JSON_ARRAY;
  ps->p++;
  size_t cap = 0;
  skip_ws(ps);
  if (*ps->p == (object ? '}' : ']')) {
    ps->p++;
    ps->depth--;
    return 0;
  }
  for (;;) {
    char *key = NULL;
    skip_ws(ps);
    if (object) {
      if (*ps->p != '"') return fail(ps, "expected a key");
      if (parse_string(ps, &key)) return -1;
      skip_ws(ps);
      if (*ps->p != ':') {
        free(key);
        return fail(ps, "expected ':'");
      }
      ps->p++;
    }
    if (push(ps, v, &cap, key)) {
      free(key);
      return -1;
    }
    if (parse_value(ps, &v->items[v->count - 1])) return -1;
    skip_ws(ps);
    if (*ps->p == ',') {
      ps->p++;
      continue;
    }
    if (*ps->p == (object ? '}' : ']')) {
      ps->p++;
      ps->depth--;
      return 0;
    }
    return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static int parse_value(Parser *ps, JsonValue *v) {
  skip_ws(ps);
  char c = *ps->p;
  if (c == '{' || c == '[') return parse_container(ps, v, c == '{');
  if (c == '"') {
    v->type = JSON_STRING;
    return parse_string(ps, &v->string);
  }
  if (!strncmp(ps->p, "null", 4)) {
    v->type = JSON_NULL;
    ps->p += 4;
    return 0;
  }
  if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "false", 5)) {
    v->type = JSON_BOOL;
    v->number = c == 't';
    ps->p += c == 't' ? 4 : 5;
    return 0;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    char *end;
    v->type = JSON_NUMBER;
    v->number = strtod(ps->p, &end);
    if (end == ps->p) return fail(ps, "bad number");
    ps->p = end;
    return 0;
  }
  return fail(ps, "unexpected character");
}

JsonValue *json_parse(const char *text, char *err, size_t errlen) {
  if (err && errlen) err[0] = 0;
  Parser ps = {text, text, err, errlen, 0};
  JsonValue *v = calloc(1, sizeof *v);
  if (!v) return NULL;
  if (parse_value(&ps, v) == 0) {
    skip_ws(&ps);
    if (!*ps.p) return v;
    fail(&ps, "trailing characters");
  }
  json_free(v);
  return NULL;
}

const JsonValue *json_get(const JsonValue *obj, const char *key) {
  if (!obj || obj->type != JSON_OBJECT) return NULL;
  for (size_t i = 0; i < obj->count; i++)
    if (!strcmp(obj->keys[i], key)) return &obj->items[i];
  return NULL;
}

double json_as_number(const JsonValue *v) {
  return v && (v->type == JSON_NUMBER || v->type == JSON_BOOL) ? v->number : NAN;
}

double json_get_number(const JsonValue *obj, const char *key) { return json_as_number(json_get(obj, key)); }

const char *json_get_string(const JsonValue *obj, const char *key) {
  const JsonValue *v = json_get(obj, key);
  return v && v->type == JSON_STRING ? v->string : NULL;
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
