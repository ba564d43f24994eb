/* test_json.c — the JSON reader (jansson with flipscope's flags) and export's
 * JSONL log reader against malformed and extreme lines. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/cli/config.h"
#include "app/io/json.h"
#include "app/logs/log_read.h"
#include "tests/files.h"
#include "tests/proc.h"
#include "tests/tmpdir.h"

TestSuite(json, .init = tmpdir_make, .fini = tmpdir_remove);

#define HEADER "{\"type\":\"header\",\"schema\":1,\"layers\":[{\"in\":4,\"out\":2}]}\n"
#define STEP "{\"type\":\"step\",\"step\":4,\"loss\":0.5,\"layers\":[{\"flips\":3}]}\n"

/* Writes len bytes of a log to tmp/name and returns its path. */
static const char *put_log(const char *name, const char *bytes, size_t len) {
  const char *path = in_tmp(name);
  file_write(path, bytes, len);
  return path;
}

/* `flipscope export` of a log whose line 2 is `bad` exits with one error
 * line naming the file and line 2 and saying `why`; the in-memory reader
 * says the same. */
static void expect_bad_line(const char *bad, size_t bad_len, const char *why) {
  static char text[1 << 20];
  size_t n = 0;
  memcpy(text, HEADER, strlen(HEADER)), n += strlen(HEADER);
  memcpy(text + n, bad, bad_len), n += bad_len;
  text[n++] = '\n';
  memcpy(text + n, STEP, strlen(STEP)), n += strlen(STEP);
  const char *path = put_log("bad.jsonl", text, n);
  char args[512], want[600];
  snprintf(args, sizeof args, "export %s %s", path, in_tmp("out"));
  ProcResult r;
  run_flipscope_within(30, args, &r);
  cr_assert_eq(r.code, EXIT_RUNTIME, "exit %d: %s", r.code, r.err);
  snprintf(want, sizeof want, "flipscope: export: %s:2: not JSON: ", path);
  cr_assert(!strncmp(r.err, want, strlen(want)), "expected '%s...' got: %s", want, r.err);
  cr_assert(strstr(r.err, why), "expected '%s' in: %s", why, r.err);
  const char *nl = strchr(r.err, '\n');
  cr_assert(nl && !nl[1], "expected one line: %s", r.err);
  LogRun got;
  char err[512];
  cr_assert_eq(log_read_jsonl_text(text, n, "bad.jsonl", &got, err, sizeof err), -1);
  log_run_free(&got);
  cr_assert(strstr(err, "bad.jsonl:2: not JSON: ") == err && strstr(err, why), "%s", err);
}

/* A test that a log whose line 2 is the string literal `bad` is refused
 * saying `why` (expect_bad_line). */
#define BAD_LINE_TEST(name, bad, why) \
  Test(json, name) { expect_bad_line(bad, sizeof bad - 1, why); }

BAD_LINE_TEST(a_truncated_line_names_the_file_and_line,
              "{\"type\":\"step\",\"step\":8,\"layers\":[{\"flips\":",
              "unexpected token near end of file")
BAD_LINE_TEST(invalid_utf8_names_the_file_and_line,
              "{\"type\":\"param_change\",\"param\":\"lr\",\"text\":\"\xff\xfe\"}",
              "unable to decode byte 0xff")
BAD_LINE_TEST(duplicate_keys_are_refused, "{\"type\":\"step\",\"type\":\"param_change\"}",
              "duplicate object key")
BAD_LINE_TEST(a_real_past_dbl_max_is_refused,
              "{\"type\":\"param_change\",\"param\":\"lr\",\"new\":1e999}", "real number overflow")
/* A line that is valid JSON but not an object or array is not a record. */
BAD_LINE_TEST(a_bare_value_line_is_refused, "42", "'[' or '{' expected")

Test(json, a_nul_byte_in_a_line_is_refused) {
  const char bad[] = "{\"type\":\"param_change\",\"param\":\"lr\"}\0{\"x\":1}";
  expect_bad_line(bad, sizeof bad - 1, "end of file expected near end of file at byte 37");
  const char *escaped = "{\"type\":\"param_change\",\"param\":\"l\\u0000r\"}";
  expect_bad_line(escaped, strlen(escaped), "\\u0000 is not allowed");
}

Test(json, deep_nesting_is_refused_without_a_crash) {
  static char bad[200001];
  memset(bad, '[', 100000);
  memset(bad + 100000, ']', 100000);
  expect_bad_line(bad, 200000, "maximum parsing depth reached");
}

/* Numbers flipscope never writes but a user may: integers past 2^63 and
 * reals near DBL_MAX are read as the nearest double. */
Test(json, huge_numbers_are_read_as_doubles) {
  const char *line = "{\"big\":18446744073709551616,\"neg\":-9223372036854775809,"
                     "\"max\":1e308,\"tiny\":4.9e-324,\"int\":7,\"t\":true,\"s\":\"x\"}";
  char err[256];
  json_t *j = json_parse_text(line, strlen(line), err, sizeof err);
  cr_assert_not_null(j, "%s", err);
  cr_assert_eq(json_get_number(j, "big"), 18446744073709551616.0);
  cr_assert_eq(json_get_number(j, "neg"), -9223372036854775809.0);
  cr_assert_eq(json_get_number(j, "max"), 1e308);
  cr_assert_eq(json_get_number(j, "tiny"), 4.9e-324);
  cr_assert_eq(json_get_number(j, "int"), 7);
  cr_assert_eq(json_get_number(j, "t"), 1);
  cr_assert(isnan(json_get_number(j, "s")) && isnan(json_get_number(j, "missing")));
  cr_assert_str_eq(json_get_string(j, "s"), "x");
  cr_assert_null(json_get_string(j, "int"));
  json_decref(j);

  char text[1024];
  int n = snprintf(text, sizeof text, "%s%s{\"type\":\"param_change\",\"step\":1e308,"
                   "\"param\":\"lr\",\"old\":18446744073709551616,\"new\":1}\n", HEADER, STEP);
  LogRun got;
  cr_assert_eq(log_read_jsonl_text(text, (size_t)n, "huge.jsonl", &got, err, sizeof err), 0, "%s", err);
  cr_assert_eq(got.layers, 1);
  cr_assert_eq(got.nrec, 1);
  cr_assert_eq(got.nev, 1);
  cr_assert_eq(got.n, 1);
  log_run_free(&got);
}
