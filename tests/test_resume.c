/* test_resume.c — log continuity across a resume (app/logs/resume.h): the running
 * figures and log marks round-trip exactly (paths with any byte), a log
 * longer than 1 GB is continued without being read whole, and every refusal
 * leaves the file as it was. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/logs/resume.h"
#include "tmpdir.h"

TestSuite(log_resume, .init = tmpdir_make, .fini = tmpdir_remove);

#define HEADER "step,epoch,loss"

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert(f);
  fputs(text, f);
  fclose(f);
}

/* A mark of the file at path as it is now. */
static LogMark mark_of(const char *path) {
  FILE *f = fopen(path, "a");
  cr_assert(f);
  LogMark m;
  char err[256];
  cr_assert_eq(log_mark_take(f, path, "--log", &m, err, sizeof err), 0, "%s", err);
  fclose(f);
  return m;
}

static off_t size_of(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? st.st_size : -1;
}

Test(log_resume, figures_and_marks_round_trip_exactly) {
  RunFigures a = {.flips_total = 123456789012ull, .epoch_loss = 0.1, .epoch_acc = 1.0 / 3,
                  .epoch_steps = 77, .test_acc = 0.875, .val_acc = -0.0,
                  .csv = {.path = "/tmp/a dir/with\nnewline=and,comma.csv", .bytes = 5000000000ull},
                  .jsonl = {.path = "/x/\xc3\xa9t\xc3\xa9.jsonl", .bytes = 17}};
  char buf[4096];
  size_t n = run_figures_encode(&a, buf, sizeof buf);
  cr_assert_lt(n, sizeof buf);
  cr_assert_eq(run_figures_encode(&a, NULL, 0), n, "the length needed");
  RunFigures b = {0};
  cr_assert_eq(run_figures_decode(buf, n, &b), 0);
  cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "decoded figures differ");
  /* A figure with a bad value is refused, not half read. */
  cr_assert_eq(run_figures_decode("csv_log=zz\n", 11, &b), -1);
  cr_assert_eq(run_figures_decode("csv_bytes=-5\n", 13, &b), -1);
}

Test(log_resume, a_log_over_one_gigabyte_is_continued_without_reading_it_whole) {
  const char *path = in_tmp("big.csv");
  /* Header, a 1.5 GB hole (a sparse file: nothing is written), then rows 9 and 10. */
  int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  cr_assert_geq(fd, 0);
  const char *head = HEADER "\n1,0,1\n";
  cr_assert_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
  const off_t gap = (off_t)3 << 29;
  const char *tail = "\n9,0,0.5\n10,0,0.4\n";
  cr_assert_eq(pwrite(fd, tail, strlen(tail), gap), (ssize_t)strlen(tail));
  close(fd);
  LogMark m = mark_of(path);
  cr_assert_eq((off_t)m.bytes, gap + (off_t)strlen(tail));
  /* A killed run went on to step 11 after the checkpoint at step 10. */
  FILE *f = fopen(path, "a");
  fputs("11,0,0.3\n", f);
  fclose(f);
  char err[1024];
  FILE *out = NULL;
  cr_assert_eq(log_continue(path, LOG_CSV, "--log", &m, 10, HEADER, &out, err, sizeof err), 0,
               "%s", err);
  cr_assert(out, "the log is continued");
  fputs("11,0,0.25\n", out);
  fclose(out);
  cr_assert_eq(size_of(path), (off_t)m.bytes + 10, "row 11 replaced, the rest kept");
}

Test(log_resume, refusals_leave_the_log_as_it_was) {
  const char *path = in_tmp("r.csv");
  write_file(path, HEADER "\n1,0,1\n2,0,0.9\n");
  LogMark m = mark_of(path);
  char err[1024];
  FILE *out = NULL;
  /* Checkpoint at step 3, but the log ends at step 2. */
  cr_assert_eq(log_continue(path, LOG_CSV, "--log", &m, 3, HEADER, &out, err, sizeof err), -1);
  cr_assert(strstr(err, "--log ") && strstr(err, "does not end at step 3"), "%s", err);
  /* Other columns. */
  cr_assert_eq(log_continue(path, LOG_CSV, "--log", &m, 2, HEADER ",x", &out, err, sizeof err), -1);
  cr_assert(strstr(err, "columns differ"), "%s", err);
  /* Rows lost. */
  write_file(path, HEADER "\n1,0,1\n");
  cr_assert_eq(log_continue(path, LOG_CSV, "--log", &m, 2, HEADER, &out, err, sizeof err), -1);
  cr_assert(strstr(err, "records are missing"), "%s", err);
  cr_assert_eq(size_of(path), (off_t)strlen(HEADER "\n1,0,1\n"), "the file was not touched");
  cr_assert_null(out);
  /* The check alone (out NULL) touches nothing either, and another file starts anew. */
  write_file(path, HEADER "\n1,0,1\n2,0,0.9\n3,0,0.8\n");
  cr_assert_eq(log_continue(path, LOG_CSV, "--log", &m, 2, HEADER, NULL, err, sizeof err), 0, "%s", err);
  cr_assert_eq(size_of(path), (off_t)strlen(HEADER "\n1,0,1\n2,0,0.9\n3,0,0.8\n"));
  cr_assert_eq(log_continue(in_tmp("other.csv"), LOG_CSV, "--log", &m, 2, HEADER, &out, err,
                            sizeof err), 0);
  cr_assert_null(out, "a log the checkpoint did not mark is the caller's to start");
}

Test(log_resume, a_jsonl_log_gets_the_new_header_and_keeps_its_records) {
  const char *path = in_tmp("t.jsonl");
  const char *old_header = "{\"type\":\"header\",\"total_steps\":100,\"layers\":[{\"in\":2}]}";
  char text[512];
  snprintf(text, sizeof text, "%s\n{\"type\":\"step\",\"step\":5}\n{\"type\":\"step\",\"step\":10}\n",
           old_header);
  write_file(path, text);
  LogMark m = mark_of(path);
  FILE *f = fopen(path, "a");
  fputs("{\"type\":\"step\",\"step\":15}\n{\"type\":\"st", f); /* after the checkpoint, torn */
  fclose(f);
  const char *new_header = "{\"type\":\"header\",\"total_steps\":200,\"layers\":[{\"in\":2}]}";
  char err[1024];
  FILE *out = NULL;
  cr_assert_eq(log_continue(path, LOG_JSONL, "--log-jsonl", &m, 12, new_header, &out, err,
                            sizeof err), 0, "%s", err);
  cr_assert(out);
  fclose(out);
  char got[512] = "";
  f = fopen(path, "r");
  size_t n = fread(got, 1, sizeof got - 1, f);
  got[n] = 0;
  fclose(f);
  snprintf(text, sizeof text, "%s\n{\"type\":\"step\",\"step\":5}\n{\"type\":\"step\",\"step\":10}\n",
           new_header);
  cr_assert_str_eq(got, text);
}
