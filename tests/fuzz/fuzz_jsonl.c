/* fuzz_jsonl.c — libFuzzer target for export's JSONL log reader
 * (export_read_jsonl): the input is the log. A refusal must be one line
 * naming the log; a log read must give counts within export's bounds. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "app/logs/export_jsonl.h"
#include "engine/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ExportJsonl got;
  char err[1024] = "";
  if (export_read_jsonl((const char *)data, size, "fuzz.jsonl", &got, err, sizeof err)) {
    assert(err[0] && !strchr(err, '\n'));
    assert(!strncmp(err, "fuzz.jsonl", 10) || strstr(err, "out of memory"));
    return 0;
  }
  assert(got.layers <= MODEL_MAX_LAYERS && got.records <= 2050 && got.points <= size);
  return 0;
}
