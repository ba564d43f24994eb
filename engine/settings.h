/* settings.h — every optimizer setting, declared once.
 *
 * One row per setting: its name (the option --NAME, the config-file key, the
 * --change and log name, the filter pane's label), what it means, the
 * optimizers that have it, its default for each, the values it accepts, and
 * how the live view's +/- step it. The command-line parser and --help,
 * config files, --change, the live view, the JSONL log header and the charts
 * that rebuild an optimizer from a log all read this table, so they accept
 * the same values and show the same defaults.
 *
 * Values are numbers the caller has already read (text is the app's
 * business); a flag is 0 or 1.
 */
#ifndef FLIPSCOPE_SETTINGS_H
#define FLIPSCOPE_SETTINGS_H

#include <stddef.h>

#include "engine/optim_types.h"

typedef enum { SETTING_REAL, SETTING_FLAG } SettingType;

/* A default that differs from the row's `def` for one optimizer. */
typedef struct {
  OptKind kind;
  double value;
} SettingDefault;

#define SETTING_MAX_EXCEPTIONS 2

typedef struct {
  const char *name;
  const char *meaning;    /* one line, for --help */
  SettingType type;
  unsigned kinds;         /* the optimizers that have it: bits 1 << OptKind */
  size_t offset;          /* its double (SETTING_REAL) or int (SETTING_FLAG) in OptConfig */
  /* Valid values: lo < v (lo_open) or lo <= v, and v < hi (hi_open) or v <= hi. */
  double lo, hi;
  unsigned char lo_open, hi_open;
  const char *why;        /* why the range is what it is (NULL: plain) */
  /* The live view: its place in the filter pane (0: not listed, so not
   * changeable mid-run either), and '+'/'-' multiply by 10^(1/4) (log) or
   * add/subtract `step`; a log setting at 0 goes to `step` on '+'. */
  int pane;
  unsigned char log;
  double step;
  double def;
  SettingDefault except[SETTING_MAX_EXCEPTIONS]; /* a value of 0 ends the list */
  /* k > 0: element k of a list option (`list`: "poles" or "iir"), set on the
   * command line through that list, not as an option of its own. */
  int element;
  const char *list;
} OptSetting;

/* The whole table, in the order the log header writes it. */
const OptSetting *settings_table(size_t *count);
/* The setting called name[0, len), or NULL. */
const OptSetting *setting_lookup(const char *name, size_t len);
/* 1 when cfg's optimizer has setting s (an IIR pole only up to its
 * sections, a biquad coefficient only for a biquad). */
int setting_applies(const OptSetting *s, const OptConfig *cfg);
/* The settings of cfg's optimizer that the live view lists and changes, in
 * the filter pane's order; at most max into out. Returns how many. No
 * optimizer has more than SETTINGS_LIVE_MAX. */
#define SETTINGS_LIVE_MAX 8
size_t settings_live(const OptConfig *cfg, const OptSetting **out, size_t max);
/* The live setting of cfg's optimizer called name, or NULL. */
const OptSetting *setting_live(const OptConfig *cfg, const char *name);

double setting_get(const OptSetting *s, const OptConfig *cfg);
void setting_set(const OptSetting *s, OptConfig *cfg, double v);
/* The default of s for optimizer kind. */
double setting_default(const OptSetting *s, OptKind kind);
/* 1 when v is one of s's valid values. */
int setting_accepts(const OptSetting *s, double v);
/* What real setting s accepts besides being a finite number, for messages:
 * "in (0, 1]", ">= 0", "> 0", or "" (any). */
void setting_range_text(const OptSetting *s, char *buf, size_t len);
/* The value after one '+' (dir = 1) or '-' (dir = -1), kept valid: a step
 * past a closed bound stops at it, one past an open bound stops a tenth of a
 * step short of it (a linear setting) or stays (a log one). */
double setting_nudge(const OptSetting *s, double v, int dir);

#endif
