/* keys.c — the key table (see keys.h) and its look-up. The dashboard's rows
 * come in the footer's order (the help overlay keeps it); a mode's rows come
 * before any "any key" row of that mode, which takes what they leave. */
#include "views/keys.h"

#include <string.h>

#define ENTER {'\r', 0}, {'\n', 0}, {DASH_KEY_ENTER, 0}
#define RUN_STATES (DASH_NOW_RUNNING | DASH_NOW_PAUSED | DASH_NOW_DIVERGED)

const DashKey dash_keys[] = {
    /* the dashboard */
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_TOGGLE, .codes = {{' ', 0}}, .keys = "space",
     .help = "pause / resume training", .hint = "pause", .hint_alt = "resume",
     .alt_if = DASH_NOW_PAUSED | DASH_NOW_DIVERGED, .offer = RUN_STATES, .first = DASH_NOW_DIVERGED},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_STEP, .codes = {{'n', 0}}, .keys = "n",
     .help = "one step (while paused)", .hint = "step", .offer = DASH_NOW_PAUSED},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_SELECT,
     .codes = {{DASH_KEY_UP, -1}, {'k', -1}, {DASH_KEY_DOWN, 1}, {'j', 1}}, .keys = "Up/Down, k/j",
     .help = "select a setting (5), the layer (2, 3), the cursor (4)", .hint = "setting",
     .offer = DASH_NOW_FILTER},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_NUDGE, .codes = {{'+', 1}, {'=', 1}, {'-', -1}, {'_', -1}},
     .keys = "+/-, =/_", .help = "scale the setting by 10^(1/4), or step it (linear ones)",
     .hint = "change", .offer = DASH_NOW_FILTER | DASH_NOW_DIVERGED, .first = DASH_NOW_DIVERGED},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_TYPE_VALUE, .codes = {ENTER}, .keys = "Enter",
     .help = "type an exact value (5); pin the weight (4), as t", .hint = "type", .offer = DASH_NOW_FILTER},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_PACE, .codes = {{'<', -1}, {'>', 1}}, .keys = "</>",
     .help = "slower / faster: 50 down to 0.25 steps/s, or as fast as it goes", .hint = "pace",
     .offer = DASH_NOW_RUNNING | DASH_NOW_PAUSED},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_CYCLE_PANE, .codes = {{'\t', 1}, {DASH_KEY_BTAB, -1}},
     .keys = "Tab, Shift-Tab", .help = "focus the next / previous pane", .hint = "pane"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_FOCUS_PANE,
     .codes = {{'1', PANE_CURVES}, {'2', PANE_FLIPS}, {'3', PANE_INERTIA}, {'4', PANE_WEIGHTS},
               {'5', PANE_FILTER}},
     .keys = "1-5", .help = "focus pane N"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_OPTIMIZERS, .codes = {{'o', 0}}, .keys = "o",
     .help = "switch optimizer (state mapped, exact where it can be)", .hint = "optimizer"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_LAYER, .codes = {{'l', 1}}, .keys = "l",
     .help = "next layer ([ and ] go either way)", .hint = "layer", .offer = DASH_NOW_LAYERS},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_PIN, .codes = {{'p', 0}}, .keys = "p",
     .help = "pin this run as a ghost (4 kept, the oldest goes)", .hint = "pin"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_UNPIN, .codes = {{'u', 0}}, .keys = "u",
     .help = "unpin: remove the latest ghost", .hint = "unpin", .offer = DASH_NOW_GHOST},
    /* the curves pane's scales (issue 11) */
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_SMOOTH, .codes = {{'S', 0}}, .keys = "S",
     .help = "curves: smoothing 0 / 0.6 / 0.9 / 0.99, as TensorBoard's", .hint = "smooth",
     .offer = DASH_NOW_CURVES},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_LOG_LOSS, .codes = {{'L', 0}}, .keys = "L",
     .help = "curves: log / linear loss axis", .hint = "log", .hint_alt = "linear", .alt_if = DASH_NOW_LOG,
     .offer = DASH_NOW_CURVES},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_EXPORT, .codes = {{'e', 0}}, .keys = "e",
     .help = "export this session's charts", .hint = "export"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_SAVE, .codes = {{'s', 0}}, .keys = "s",
     .help = "save a checkpoint", .hint = "save"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_PRESETS, .codes = {{'P', 0}}, .keys = "P",
     .help = "presets: guided experiments (loading one asks first)", .hint = "presets"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_RUN_MENU, .codes = {{'m', 0}}, .keys = "m",
     .help = "run menu: data, model, seed (restarting asks first)", .hint = "run"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_INFO, .codes = {{'i', 0}}, .keys = "i",
     .help = "the current preset's explanation"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_ASK_RESTART, .codes = {{'r', 0}}, .keys = "r",
     .help = "restart with the current settings (asks first)", .hint = "restart",
     .first = DASH_NOW_DIVERGED | DASH_NOW_DONE},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_CLEAR_MESSAGE, .codes = {{27, 0}}, .keys = "Esc",
     .help = "clear the message"},
    {.modes = DASH_IN_EVERY, .action = DASH_ACT_REDRAW, .codes = {{12, 0}, {DASH_KEY_RESIZE, 0}},
     .keys = "Ctrl-L", .help = "redraw the screen"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_HELP, .codes = {{'?', 0}, {DASH_KEY_F1, 0}, {'h', 0}},
     .keys = "?, F1, h", .help = "this help", .hint = "help", .right = 1},
    {.modes = DASH_IN_MAIN | DASH_IN_TOO_SMALL, .action = DASH_ACT_QUIT, .codes = {{'q', 0}, {'Q', 0}},
     .keys = "q, Q", .help = "quit", .hint = "quit", .right = 1},
    /* not in the footer; last, so a short help overlay cuts it before quit */
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_BOUNDARY, .codes = {{'D', 0}}, .keys = "D",
     .help = "2-D data: show / hide the decision boundary"},
    /* the weights raster's cursor, the weight scope and the mouse (the footer
     * puts the raster's first while the weights pane has the focus) */
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_CURSOR, .codes = {{DASH_KEY_LEFT, -1}, {DASH_KEY_RIGHT, 1}},
     .keys = "Left/Right", .help = "weights pane: move the cursor (Up/Down, k/j too)", .hint = "cursor",
     .offer = DASH_NOW_WEIGHTS, .first = DASH_NOW_WEIGHTS},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_TRACE, .codes = {{'t', 0}}, .keys = "t",
     .help = "pin / unpin the weight under the cursor to the scope (4)", .hint = "trace",
     .offer = DASH_NOW_WEIGHTS, .first = DASH_NOW_WEIGHTS},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_LAYER, .codes = {{'[', -1}, {']', 1}}, .keys = "[/]",
     .help = "previous / next layer (in the weights pane too)", .hint = "layer", .offer = DASH_NOW_WEIGHTS,
     .first = DASH_NOW_WEIGHTS},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_SCOPE, .codes = {{'w', 0}}, .keys = "w",
     .help = "show / hide the weight scope of the pinned weights", .hint = "scope",
     .offer = DASH_NOW_PINNED | DASH_NOW_WEIGHTS},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_SCOPE_PICK, .codes = {{'{', -1}, {'}', 1}}, .keys = "{/}",
     .help = "the scope: previous / next pinned weight, or all", .hint = "weight", .offer = DASH_NOW_SCOPE,
     .first = DASH_NOW_SCOPE},
    {.modes = DASH_IN_MAIN | DASH_IN_MENUS | DASH_IN_RUN, .action = DASH_ACT_CLICK,
     .codes = {{DASH_KEY_CLICK, 0}},
     .keys = "click", .help = "focus a pane; move the cursor (4); choose a menu entry"},
    {.modes = DASH_IN_MAIN, .action = DASH_ACT_WHEEL,
     .codes = {{DASH_KEY_WHEEL_UP, 1}, {DASH_KEY_WHEEL_DOWN, -1}}, .keys = "wheel",
     .help = "over the filter pane: +/- on the selected setting"},
    /* the help, when its rows do not all fit (before the "any key" row that closes it) */
    {.modes = DASH_IN(OVL_HELP), .action = DASH_ACT_HELP_SCROLL,
     .codes = {{DASH_KEY_UP, -1}, {'k', -1}, {DASH_KEY_DOWN, 1}, {'j', 1}, {DASH_KEY_WHEEL_UP, -1},
               {DASH_KEY_WHEEL_DOWN, 1}},
     .keys = "Up/Down, k/j, wheel", .hint = "scroll"},
    /* the help and a preset's text */
    {.modes = DASH_IN_TEXT, .action = DASH_ACT_CLOSE, .codes = {{DASH_KEY_ANY, 0}}, .keys = "any key",
     .hint = "close"},
    /* the optimizer and presets menus */
    {.modes = DASH_IN_MENUS, .action = DASH_ACT_MENU_MOVE,
     .codes = {{DASH_KEY_UP, -1}, {'k', -1}, {DASH_KEY_DOWN, 1}, {'j', 1}}, .keys = "Up/Down, k/j",
     .hint = "choose"},
    {.modes = DASH_IN(OVL_OPTS), .action = DASH_ACT_SWITCH_OPT, .codes = {ENTER}, .keys = "Enter",
     .hint = "switch"},
    {.modes = DASH_IN(OVL_PRESETS), .action = DASH_ACT_LOAD_PRESET, .codes = {ENTER}, .keys = "Enter",
     .hint = "load"},
    {.modes = DASH_IN_MENUS, .action = DASH_ACT_CLOSE, .codes = {{27, 0}, {'q', 0}, {'o', 0}, {'P', 0}},
     .keys = "Esc, q, o, P", .hint = "cancel"},
    /* the run menu (data, model, seed) and its prompt */
    {.modes = DASH_IN_RUN, .action = DASH_ACT_MENU_MOVE,
     .codes = {{DASH_KEY_UP, -1}, {'k', -1}, {DASH_KEY_DOWN, 1}, {'j', 1}}, .keys = "Up/Down, k/j",
     .hint = "row"},
    {.modes = DASH_IN_RUN, .action = DASH_ACT_RUN_CHANGE,
     .codes = {{DASH_KEY_LEFT, -1}, {DASH_KEY_RIGHT, 1}, {'-', -1}, {'+', 1}, {'_', -1}, {'=', 1}},
     .keys = "Left/Right, +/-, =/_", .hint = "change"},
    {.modes = DASH_IN_RUN, .action = DASH_ACT_RUN_TYPE, .codes = {{'t', 0}}, .keys = "t",
     .hint = "type"},
    {.modes = DASH_IN_RUN, .action = DASH_ACT_RUN_ASK, .codes = {ENTER}, .keys = "Enter",
     .hint = "restart"},
    {.modes = DASH_IN_RUN, .action = DASH_ACT_CLOSE, .codes = {{27, 0}, {'q', 0}, {'m', 0}},
     .keys = "Esc, q, m", .hint = "cancel"},
    {.modes = DASH_IN(OVL_RUN_INPUT), .action = DASH_ACT_RUN_TYPED, .codes = {ENTER},
     .keys = "Enter", .hint = "set"},
    {.modes = DASH_IN(OVL_RUN_INPUT), .action = DASH_ACT_RUN_BACK, .codes = {{27, 0}},
     .keys = "Esc", .hint = "back"},
    /* the restart question */
    {.modes = DASH_IN(OVL_CONFIRM), .action = DASH_ACT_RESTART, .codes = {{'y', 0}, {'Y', 0}},
     .keys = "y, Y", .hint = "yes"},
    {.modes = DASH_IN(OVL_CONFIRM), .action = DASH_ACT_CLOSE, .codes = {{DASH_KEY_ANY, 0}},
     .keys = "n/Esc, any other key", .hint = "no"},
    /* the value prompt */
    {.modes = DASH_IN(OVL_INPUT), .action = DASH_ACT_INPUT_SET, .codes = {ENTER}, .keys = "Enter",
     .hint = "set"},
    {.modes = DASH_IN(OVL_INPUT), .action = DASH_ACT_CLOSE, .codes = {{27, 0}}, .keys = "Esc",
     .hint = "cancel"},
    {.modes = DASH_IN(OVL_INPUT) | DASH_IN(OVL_RUN_INPUT), .action = DASH_ACT_INPUT_ERASE,
     .codes = {{DASH_KEY_BACKSPACE, 0}, {127, 0}, {8, 0}}, .keys = "Bksp", .hint = "erase"},
    {.modes = DASH_IN(OVL_INPUT), .action = DASH_ACT_INPUT_CHAR, .codes = {{DASH_KEY_NUMBER, 0}},
     .keys = "0-9 . e E + -"},
    {.modes = DASH_IN(OVL_RUN_INPUT), .action = DASH_ACT_INPUT_CHAR, .codes = {{DASH_KEY_TEXT, 0}},
     .keys = "any text"},
};
const size_t dash_key_count = sizeof dash_keys / sizeof *dash_keys;

unsigned dash_key_mode(const DashUi *ui, int too_small) {
  if (too_small) return DASH_IN_TOO_SMALL;
  return DASH_IN(ui ? ui->overlay : OVL_NONE);
}

/* Whether the code (a key) is the row's code c, or in its class. */
static int code_matches(int c, int code) {
  if (c == DASH_KEY_ANY) return 1;
  if (c == DASH_KEY_NUMBER) return code > 0 && code < 128 && strchr("0123456789.eE+-", code);
  if (c == DASH_KEY_TEXT) return code >= ' ' && code <= '~';
  return c == code;
}

const DashKey *dash_key_find(unsigned mode, int code, int *arg) {
  for (size_t i = 0; i < dash_key_count; i++) {
    const DashKey *k = &dash_keys[i];
    if (!(k->modes & mode)) continue;
    for (const DashKeyCode *c = k->codes; c < k->codes + DASH_KEY_CODES && c->code; c++)
      if (code_matches(c->code, code)) {
        *arg = c->arg;
        return k;
      }
  }
  return NULL;
}

int dash_key_short_len(const DashKey *k) {
  const char *comma = strchr(k->keys, ',');
  return (int)(comma ? (size_t)(comma - k->keys) : strlen(k->keys));
}
