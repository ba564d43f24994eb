/* test_outputs.c — what a run writes never destroys what it reads or another
 * of its outputs: devices and FIFOs are written to, not replaced; two flags
 * naming one file (also through hard and symbolic links) are refused before
 * anything is written; --save and --result are checked at start-up and leave
 * no temporary file behind; sweeps lock their directory, use unique temporary
 * names and check every swept value up front; write errors on stdout fail. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "files.h"
#include "proc.h"
#include "tmpdir.h"

TestSuite(outputs, .init = tmpdir_make, .fini = tmpdir_remove);

#define RUN "--headless --data glyphs --model mlp:16 --batch 50 --steps 3 --threads 1"

/* Names in dir that hold ".tmp" (temporary files left behind). */
static int temporaries_in(const char *dir) {
  DIR *d = opendir(dir);
  cr_assert(d, "cannot list %s", dir);
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) n += strstr(e->d_name, ".tmp") != NULL;
  closedir(d);
  return n;
}

static int is_char_device(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

static void expect_one_line(const ProcResult *r, const char *args) {
  cr_assert(r->err[0] && strchr(r->err, '\n') == r->err + strlen(r->err) - 1,
            "flipscope %s: one line on stderr, got '%s'", args, r->err);
}

/* Runs the sh script with stdin from /dev/null; its exit code, stdout and stderr in *r. */
static void run_script(const char *script, ProcResult *r) {
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "{ %s; } </dev/null >%s 2>%s", script, in_tmp("out"), in_tmp("err"));
  int status = system(cmd);
  r->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  slurp(in_tmp("out"), r->out, sizeof r->out);
  slurp(in_tmp("err"), r->err, sizeof r->err);
  unlink(in_tmp("out"));
  unlink(in_tmp("err"));
}

/* Runs `flipscope ARGS >/dev/full`; its exit code, stderr in *r. */
static void run_into_full(const char *args, ProcResult *r) {
  char script[2048];
  snprintf(script, sizeof script, "'%s' %s >/dev/full", flipscope_bin(), args);
  run_script(script, r);
}

/* ---------------------------------------------------------------- devices and links */

Test(outputs, a_character_device_is_written_to_not_replaced) {
  if (geteuid() != 0) cr_skip_test("needs root to mknod a character device");
  cr_assert_eq(mknod(in_tmp("null"), S_IFCHR | 0666, makedev(1, 3)), 0);
  cr_assert_eq(mknod(in_tmp("null2"), S_IFCHR | 0666, makedev(1, 3)), 0);
  ProcResult r;
  run_flipscope_ok(&r, RUN " --result %s --save %s", in_tmp("null"), in_tmp("null2"));
  cr_assert(is_char_device(in_tmp("null")), "--result replaced the device with a file");
  cr_assert(is_char_device(in_tmp("null2")), "--save replaced the device with a file");
  cr_assert_eq(temporaries_in(tmp), 0, "no temporary file left");
}

Test(outputs, a_save_through_a_symbolic_link_replaces_the_file_it_names) {
  ProcResult r;
  run_flipscope_ok(&r, RUN " --save %s", in_tmp("real.ckpt"));
  cr_assert_eq(symlink("real.ckpt", in_tmp("link.ckpt")), 0);
  run_flipscope_ok(&r, "--headless --load %s --steps 5 --save %s --result %s",
                   in_tmp("link.ckpt"), in_tmp("link.ckpt"), in_tmp("r.json"));
  struct stat st;
  cr_assert(lstat(in_tmp("link.ckpt"), &st) == 0 && S_ISLNK(st.st_mode), "the link stays a link");
  run_flipscope_ok(&r, "checkpoint %s", in_tmp("real.ckpt"));
  cr_assert_eq(json_number(r.out, "step"), 5, "the file it names holds the new save: %s", r.out);
  cr_assert_eq(temporaries_in(tmp), 0);
}

Test(outputs, a_save_removes_unlocked_temporaries_only) {
  file_write_text(in_tmp("c.ckpt.tmp-Ab12Cd"), "left by a killed save");
  file_write_text(in_tmp("c.ckpt.tmp-Zz99Zz"), "a save under way");
  file_write_text(in_tmp("c.ckpt.tmp-mine.txt"), "not ours");
  int fd = open(in_tmp("c.ckpt.tmp-Zz99Zz"), O_RDWR);
  cr_assert(fd >= 0 && flock(fd, LOCK_EX) == 0);
  ProcResult r;
  run_flipscope_ok(&r, RUN " --save %s", in_tmp("c.ckpt"));
  cr_assert_neq(access(in_tmp("c.ckpt.tmp-Ab12Cd"), F_OK), 0, "the stale one is removed");
  cr_assert_eq(access(in_tmp("c.ckpt.tmp-Zz99Zz"), F_OK), 0, "the locked one stays");
  cr_assert_eq(access(in_tmp("c.ckpt.tmp-mine.txt"), F_OK), 0, "another name stays");
  close(fd);
}

/* ---------------------------------------------------------------- one file, two flags */

/* flipscope ARGS must exit 2 with one line naming both flags, leaving `kept` as it was. */
static void expect_shared(const char *args, const char *flag1, const char *flag2, const char *kept) {
  char *before = file_read(kept, NULL);
  cr_assert(before, "%s", kept);
  ProcResult r;
  run_flipscope(args, &r);
  cr_assert_eq(r.code, 2, "flipscope %s: exit %d: %s", args, r.code, r.err);
  expect_one_line(&r, args);
  cr_assert(strstr(r.err, flag1) && strstr(r.err, flag2) && strstr(r.err, "the same file"),
            "flipscope %s: '%s' names %s and %s", args, r.err, flag1, flag2);
  char *after = file_read(kept, NULL);
  cr_assert(after && !strcmp(before, after), "flipscope %s changed %s", args, kept);
  free(before);
  free(after);
}

Test(outputs, a_log_over_the_training_data_is_refused) {
  file_write_text(in_tmp("data.csv"), "label,a,b\n0,1,2\n1,2,3\n0,3,4\n1,4,5\n");
  char args[1024];
  snprintf(args, sizeof args, "--headless --data csv:%s --log %s", in_tmp("data.csv"), in_tmp("data.csv"));
  expect_shared(args, "--log", "--data", in_tmp("data.csv"));
  /* --export DIR would write DIR/log.csv */
  cr_assert_eq(mkdir(in_tmp("ex"), 0755), 0);
  file_write_text(in_tmp("ex/log.csv"), "label,a,b\n0,1,2\n1,2,3\n0,3,4\n1,4,5\n");
  snprintf(args, sizeof args, "--headless --data csv:%s --export %s", in_tmp("ex/log.csv"), in_tmp("ex"));
  expect_shared(args, "--export", "--data", in_tmp("ex/log.csv"));
  /* and its charts' files */
  snprintf(args, sizeof args, RUN " --log %s --export %s", in_tmp("ex/loss.dat"), in_tmp("ex"));
  ProcResult r;
  run_flipscope(args, &r);
  cr_assert_eq(r.code, 2, "%s", r.err);
  cr_assert(strstr(r.err, "--export") && strstr(r.err, "--log"), "%s", r.err);
  /* the files of --data idx:DIR */
  file_write_text(in_tmp("train-labels-idx1-ubyte"), "labels");
  snprintf(args, sizeof args, "--headless --data idx:%s --log %s/train-labels-idx1-ubyte", tmp, tmp);
  expect_shared(args, "--log", "--data", in_tmp("train-labels-idx1-ubyte"));
}

Test(outputs, a_log_over_the_loaded_checkpoint_is_refused_also_through_links) {
  char args[1024];
  ProcResult r;
  run_flipscope_ok(&r, RUN " --save %s", in_tmp("c.ckpt"));
  cr_assert_eq(link(in_tmp("c.ckpt"), in_tmp("hard.ckpt")), 0);
  cr_assert_eq(symlink(in_tmp("c.ckpt"), in_tmp("sym.ckpt")), 0);
  const char *names[] = {"c.ckpt", "hard.ckpt", "sym.ckpt"};
  for (int i = 0; i < 3; i++) {
    snprintf(args, sizeof args, "--headless --load %s --steps 6 --log %s", in_tmp("c.ckpt"),
             in_tmp(names[i]));
    expect_shared(args, "--log", "--load", in_tmp("c.ckpt"));
  }
  snprintf(args, sizeof args, "--headless --load %s --steps 6 --result %s", in_tmp("sym.ckpt"),
           in_tmp("hard.ckpt"));
  expect_shared(args, "--result", "--load", in_tmp("c.ckpt"));
  /* --save over --load is a resume in place, and stays allowed */
  run_flipscope_ok(&r, "--headless --load %s --steps 6 --save %s", in_tmp("c.ckpt"),
                   in_tmp("hard.ckpt"));
}

Test(outputs, two_outputs_on_one_file_are_refused) {
  file_write_text(in_tmp("run.cfg"), "steps = 3\n");
  file_write_text(in_tmp("a.out"), "keep me\n");
  cr_assert_eq(link(in_tmp("a.out"), in_tmp("b.out")), 0);
  const char *other[] = {"--log-jsonl", "--save", "--result", "--screen"};
  char args[1024];
  for (int i = 0; i < 4; i++) {
    snprintf(args, sizeof args, RUN " --log %s %s %s", in_tmp("a.out"), other[i], in_tmp("a.out"));
    expect_shared(args, "--log", other[i], in_tmp("a.out"));
    snprintf(args, sizeof args, RUN " --log %s %s %s", in_tmp("b.out"), other[i], in_tmp("a.out"));
    expect_shared(args, "--log", other[i], in_tmp("a.out"));
  }
  /* a new name, spelled two ways */
  snprintf(args, sizeof args, RUN " --log %s --result %s/./new.json", in_tmp("new.json"), tmp);
  ProcResult r;
  run_flipscope(args, &r);
  cr_assert_eq(r.code, 2, "%s", r.err);
  cr_assert(strstr(r.err, "--log") && strstr(r.err, "--result"), "%s", r.err);
  cr_assert_neq(access(in_tmp("new.json"), F_OK), 0, "nothing written");
  snprintf(args, sizeof args, RUN " --config %s --log %s", in_tmp("run.cfg"), in_tmp("run.cfg"));
  expect_shared(args, "--log", "--config", in_tmp("run.cfg"));
}

/* ---------------------------------------------------------------- --result */

Test(outputs, result_is_checked_at_start_up_and_leaves_no_temporary_file) {
  cr_assert_eq(mkdir(in_tmp("taken"), 0755), 0);
  const char *bad[] = {"taken", "missing/r.json"};
  const char *why[] = {"is a directory", "cannot write in"};
  for (int i = 0; i < 2; i++) {
    char args[1024];
    snprintf(args, sizeof args, RUN " --result %s", in_tmp(bad[i]));
    ProcResult r;
    run_flipscope(args, &r);
    cr_assert_eq(r.code, 1, "%s", r.err);
    expect_one_line(&r, args);
    cr_assert(strstr(r.err, "--result") && strstr(r.err, why[i]), "%s", r.err);
    cr_assert(!strstr(r.err, "epoch"), "refused before training: %s", r.err);
    cr_assert_str_eq(r.out, "");
  }
  cr_assert_eq(temporaries_in(tmp), 0, "no temporary file left");
}

/* ---------------------------------------------------------------- sweeps */

#define GRID "--alpha 1e-3,1e-2 --data glyphs --model mlp:16 --batch 50 --threads 1"

Test(outputs, a_second_sweep_on_one_directory_refuses, .timeout = 60) {
  char args[2048];
  /* The first sweep runs a few seconds; the second starts once the first wrote its manifest. */
  snprintf(args, sizeof args,
           "'%s' sweep --out %s/sw " GRID " --steps 3000 >%s/first.out 2>&1 & "
           "for i in $(seq 250); do [ -s %s/sw/sweep.json ] && break; sleep 0.02; done; "
           "'%s' sweep --out %s/sw " GRID " --steps 3000; code=$?; wait; exit $code",
           flipscope_bin(), tmp, tmp, tmp, flipscope_bin(), tmp);
  ProcResult r;
  run_script(args, &r);
  cr_assert_neq(r.code, 0, "the second sweep ran: %s", r.err);
  expect_one_line(&r, "sweep");
  cr_assert(strstr(r.err, "in use by another sweep"), "%s", r.err);
  char path[512];
  snprintf(path, sizeof path, "%s/sw/results.csv", tmp);
  char *csv = file_read(path, NULL), *first = file_read(in_tmp("first.out"), NULL);
  cr_assert(csv, "the first sweep finished: %s", first);
  cr_assert(strstr(csv, "alpha=1e-3,1e-3,ok,") && strstr(csv, "alpha=1e-2,1e-2,ok,"), "%s", csv);
  cr_assert(strstr(first, "2/2 run, 0 failed"), "%s", first);
  free(csv);
  free(first);
}

Test(outputs, a_sweep_holding_its_lock_is_refused) {
  cr_assert_eq(mkdir(in_tmp("sw"), 0755), 0);
  int fd = open(in_tmp("sw/sweep.lock"), O_RDWR | O_CREAT, 0644);
  cr_assert(fd >= 0 && flock(fd, LOCK_EX) == 0);
  char args[1024];
  snprintf(args, sizeof args, "sweep --out %s/sw " GRID " --steps 3", tmp);
  ProcResult r;
  run_flipscope(args, &r);
  cr_assert_eq(r.code, 1, "%s", r.err);
  cr_assert(strstr(r.err, "in use by another sweep"), "%s", r.err);
  cr_assert_neq(access(in_tmp("sw/points"), F_OK), 0, "nothing run");
  close(fd);
  run_flipscope(args, &r);
  cr_assert_eq(r.code, 0, "once released: %s", r.err);
}

Test(outputs, a_leftover_temporary_name_does_not_break_a_point, .timeout = 60) {
  /* The temporary names an earlier version used, left as directories nothing can replace. */
  cr_assert_eq(mkdir(in_tmp("sw"), 0755), 0);
  cr_assert_eq(mkdir(in_tmp("sw/points"), 0755), 0);
  cr_assert_eq(mkdir(in_tmp("sw/points/alpha=1e-3.json.tmp"), 0755), 0);
  cr_assert_eq(mkdir(in_tmp("sw/sweep.json.tmp"), 0755), 0);
  ProcResult r;
  run_flipscope_ok(&r, "sweep --out %s/sw " GRID " --steps 3", tmp);
  cr_assert(strstr(r.err, "2 points, 2 finished"), "%s", r.err);
  cr_assert_eq(temporaries_in(in_tmp("sw/points")), 1, "only the old directory");
}

/* Before the fix a grid.dat that could not be written failed the collection
 * (exit 1) without a word. */
Test(outputs, a_sweep_grid_that_cannot_be_written_says_so) {
  /* A sweep's directory (--emit-jobs runs nothing) with a directory where grid.dat goes. */
  char script[2048];
  snprintf(script, sizeof script,
           "'%s' sweep --out %s/sw --emit-jobs " GRID " --steps 3 >/dev/null 2>&1 && "
           "mkdir %s/sw/grid.dat && '%s' sweep --collect %s/sw",
           flipscope_bin(), tmp, tmp, flipscope_bin(), tmp);
  ProcResult r;
  run_script(script, &r);
  cr_assert_eq(r.code, 1, "%s", r.err);
  expect_one_line(&r, "sweep --collect");
  cr_assert(strstr(r.err, "flipscope: sweep: ") == r.err && strstr(r.err, "grid.dat"), "%s", r.err);
}

Test(outputs, sweep_values_are_checked_before_any_point_runs) {
  const char *bad[][3] = {
      {"--alpha 1e-3,1e-2 --gamma 0.1,-1", "--gamma", "-1"},
      {"--opt cema,bogus", "--opt", "bogus"},
      {"--alpha 1e-3:1e-2:log:2 --beta1 0.9,2", "--beta1", "2"},
  };
  for (int i = 0; i < 3; i++) {
    char args[1024];
    snprintf(args, sizeof args, "sweep --out %s/sw%d %s --data glyphs --model mlp:16 --steps 3", tmp,
             i, bad[i][0]);
    ProcResult r;
    run_flipscope(args, &r);
    cr_assert_eq(r.code, 2, "%s: %s", args, r.err);
    expect_one_line(&r, args);
    cr_assert(strstr(r.err, bad[i][1]) && strstr(r.err, bad[i][2]), "%s names %s %s", r.err,
              bad[i][1], bad[i][2]);
    char points[512];
    snprintf(points, sizeof points, "%s/sw%d/points", tmp, i);
    cr_assert_neq(access(points, F_OK), 0, "nothing ran for %s", args);
  }
}

Test(outputs, emitted_job_lines_never_split) {
  char args[1024];
  snprintf(args, sizeof args, "sweep --out %s/sw --emit-jobs " GRID " --title \"$(printf 'a\\nb')\"", tmp);
  ProcResult r;
  run_flipscope(args, &r);
  cr_assert_eq(r.code, 2, "%s", r.err);
  expect_one_line(&r, args);
  cr_assert(strstr(r.err, "--title") && strstr(r.err, "newline"), "%s", r.err);
  cr_assert_str_eq(r.out, "");
  /* a quote or a space is quoted for sh, on one line */
  run_flipscope_ok(&r, "sweep --out %s/sw --emit-jobs " GRID " --title \"it's a b\"", tmp);
  cr_assert(strstr(r.out, "--title 'it'\\''s a b'"), "%s", r.out);
  char *nl = strchr(r.out, '\n');
  cr_assert(nl && strchr(nl + 1, '\n') && !strchr(strchr(nl + 1, '\n') + 1, '\n'), "two lines: %s",
            r.out);
}

/* ---------------------------------------------------------------- stdout */

Test(outputs, write_errors_on_stdout_fail_with_one_line) {
  if (access("/dev/full", W_OK) != 0) cr_skip_test("no /dev/full");
  char args[1024];
  ProcResult r;
  snprintf(args, sizeof args, RUN " --save %s", in_tmp("c.ckpt"));
  run_into_full(args, &r);
  cr_assert_eq(r.code, 1, "the summary: %s", r.err);
  cr_assert(strstr(r.err, "flipscope: writing the summary to stdout failed"), "%s", r.err);
  snprintf(args, sizeof args, "checkpoint %s", in_tmp("c.ckpt"));
  run_into_full(args, &r);
  cr_assert_eq(r.code, 1, "checkpoint: %s", r.err);
  expect_one_line(&r, args);
  cr_assert(strstr(r.err, "writing the description to stdout failed"), "%s", r.err);
  snprintf(args, sizeof args, "sweep --out %s/sw --emit-jobs " GRID, tmp);
  run_into_full(args, &r);
  cr_assert_eq(r.code, 1, "--emit-jobs: %s", r.err);
  cr_assert(strstr(r.err, "writing the job lines to stdout failed"), "%s", r.err);
}
