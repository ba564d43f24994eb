/* keys.h — the live view's key table, after htop's Action_setBindings: each
 * key binding is declared once (its keys, the action they run, where they
 * work, the footer's hint and the help overlay's line), and the key handler
 * (app/live/tui.c), the footer, the help overlay and the too-small screen all
 * read that one table, so they cannot disagree. */
#ifndef FLIPSCOPE_KEYS_H
#define FLIPSCOPE_KEYS_H

#include <stddef.h>

#include "views/dash.h"

/* Key codes beyond characters (app/live/tui_term.c maps the terminal's keys
 * to these; other special keys keep codes below DASH_KEY_UP that no row
 * names, so only the "any key" rows take them). */
enum {
  DASH_KEY_UP = 0x10000,
  DASH_KEY_DOWN,
  DASH_KEY_BTAB,        /* Shift-Tab */
  DASH_KEY_ENTER,       /* the keypad's Enter ('\r' and '\n' are the main one) */
  DASH_KEY_BACKSPACE,
  DASH_KEY_F1,
  DASH_KEY_RESIZE,      /* not a key: the terminal changed size */
  DASH_KEY_LEFT,
  DASH_KEY_RIGHT,
  DASH_KEY_CLICK,       /* the left mouse button pressed (where: Term.mouse_x, mouse_y) */
  DASH_KEY_WHEEL_UP,    /* the mouse wheel (where: as a click) */
  DASH_KEY_WHEEL_DOWN,
  /* classes of keys a row may list instead of one code */
  DASH_KEY_ANY,         /* every key */
  DASH_KEY_NUMBER,      /* a character of a number: 0-9 . e E + - */
  DASH_KEY_TEXT,        /* a printable ASCII character (space to ~) */
};

/* Where a binding works: the screen that is up (one bit per overlay, the
 * dashboard itself being OVL_NONE's), or the too-small screen. */
#define DASH_IN(overlay) (1u << (overlay))
#define DASH_IN_MAIN DASH_IN(OVL_NONE)
#define DASH_IN_MENUS (DASH_IN(OVL_OPTS) | DASH_IN(OVL_PRESETS))
#define DASH_IN_RUN DASH_IN(OVL_RUN)
#define DASH_IN_TEXT (DASH_IN(OVL_HELP) | DASH_IN(OVL_INFO))
#define DASH_IN_TOO_SMALL (1u << 16)
#define DASH_IN_EVERY (~0u)

/* What holds now, for the footer: the run's state, the focused pane, ... */
enum {
  DASH_NOW_RUNNING = 1u << RUN_RUNNING,
  DASH_NOW_PAUSED = 1u << RUN_PAUSED,
  DASH_NOW_DIVERGED = 1u << RUN_DIVERGED,
  DASH_NOW_DONE = 1u << RUN_DONE,
  DASH_NOW_FILTER = 1u << 4, /* the filter pane has the focus */
  DASH_NOW_LAYERS = 1u << 5, /* the model has more than one binary layer */
  DASH_NOW_GHOST = 1u << 6,  /* a run is pinned */
  DASH_NOW_WEIGHTS = 1u << 7, /* the weights pane has the focus */
  DASH_NOW_PINNED = 1u << 8, /* weights are pinned to the scope */
  DASH_NOW_SCOPE = 1u << 9,  /* the weight scope is shown */
  DASH_NOW_CURVES = 1u << 10, /* the curves pane has the focus */
  DASH_NOW_LOG = 1u << 11,   /* the loss is on a log scale */
};

/* What a binding does; app/live/tui.c runs each. */
typedef enum {
  DASH_ACT_REDRAW,         /* lay out and paint the whole screen again */
  DASH_ACT_QUIT,
  DASH_ACT_HELP,           /* open the help overlay */
  DASH_ACT_TOGGLE,         /* pause / resume */
  DASH_ACT_STEP,           /* one step while paused */
  DASH_ACT_PACE,           /* arg: -1 slower, +1 faster */
  DASH_ACT_ASK_RESTART,    /* the restart question */
  DASH_ACT_CYCLE_PANE,     /* arg: +1 the next pane, -1 the previous */
  DASH_ACT_FOCUS_PANE,     /* arg: the pane */
  DASH_ACT_SELECT,         /* arg: -1 up, +1 down: the setting (filter pane) or the layer */
  DASH_ACT_NUDGE,          /* arg: +1 raise, -1 lower the selected setting */
  DASH_ACT_TYPE_VALUE,     /* open the value prompt (filter pane) */
  DASH_ACT_OPTIMIZERS,     /* open the optimizer menu */
  DASH_ACT_LAYER,          /* arg: +1 the next layer */
  DASH_ACT_PIN,
  DASH_ACT_UNPIN,
  DASH_ACT_SMOOTH,         /* the curves' next smoothing weight */
  DASH_ACT_LOG_LOSS,       /* the loss axis log / linear */
  DASH_ACT_EXPORT,
  DASH_ACT_SAVE,
  DASH_ACT_PRESETS,        /* open the presets menu */
  DASH_ACT_INFO,           /* open the running preset's text */
  DASH_ACT_BOUNDARY,       /* show / hide the decision-boundary pane */
  DASH_ACT_CLEAR_MESSAGE,
  DASH_ACT_CLOSE,          /* close the overlay */
  DASH_ACT_MENU_MOVE,      /* arg: -1 up, +1 down the open menu */
  DASH_ACT_SWITCH_OPT,     /* the optimizer menu's choice */
  DASH_ACT_LOAD_PRESET,    /* the presets menu's choice */
  DASH_ACT_RESTART,        /* the restart question's yes */
  DASH_ACT_INPUT_SET,      /* the value prompt: set the typed value */
  DASH_ACT_INPUT_ERASE,    /* the value prompt: erase a character */
  DASH_ACT_INPUT_CHAR,     /* the value prompt: add the key's character */
  DASH_ACT_CURSOR,         /* arg: -1 left, +1 right: the weights raster's cursor */
  DASH_ACT_TRACE,          /* pin / unpin the weight under the cursor to the scope */
  DASH_ACT_SCOPE,          /* show / hide the weight scope */
  DASH_ACT_SCOPE_PICK,     /* arg: -1 the previous, +1 the next pinned weight in the scope */
  DASH_ACT_CLICK,          /* the mouse: focus, move the cursor, choose a menu entry */
  DASH_ACT_WHEEL,          /* arg: +1 up, -1 down: over the filter pane, as +/- */
  DASH_ACT_HELP_SCROLL,    /* arg: -1 up, +1 down the help's rows */
  DASH_ACT_RUN_MENU,       /* open the run menu (data, model, seed) */
  DASH_ACT_RUN_CHANGE,     /* arg: -1 back, +1 on: the run menu's row's value */
  DASH_ACT_RUN_TYPE,       /* the run menu: type the row's value */
  DASH_ACT_RUN_TYPED,      /* the run menu's prompt: take the typed value */
  DASH_ACT_RUN_BACK,       /* the run menu's prompt: back to the menu */
  DASH_ACT_RUN_ASK,        /* the run menu: ask before restarting with its values */
} DashAction;

#define DASH_KEY_CODES 6

/* One key of a binding and the argument it gives the action. */
typedef struct {
  int code; /* a character, a DASH_KEY_* code or class; 0 ends the list */
  int arg;
} DashKeyCode;

/* One binding. The footer offers its hint (after `keys` up to the first
 * comma: "Up/Down, k/j" shows as "Up/Down") while it works on the screen
 * that is up and any of `offer` holds; the help overlay lists the
 * dashboard's bindings that have a help line. */
typedef struct {
  unsigned modes;                    /* DASH_IN_* bits: where it works */
  DashAction action;
  DashKeyCode codes[DASH_KEY_CODES];
  const char *keys;                  /* the keys as the help and the footer write them */
  const char *help;                  /* the help overlay's line; NULL: not listed */
  const char *hint;                  /* the footer's word for it; NULL: not offered */
  const char *hint_alt;              /* the word instead while any of alt_if holds */
  unsigned alt_if;                   /* DASH_NOW_* bits */
  unsigned offer;                    /* DASH_NOW_* bits; 0: always offered */
  unsigned first;                    /* DASH_NOW_* bits: then at the front of the footer */
  int right;                         /* 1: at the footer's right end whatever the width */
} DashKey;

extern const DashKey dash_keys[];
extern const size_t dash_key_count;

/* The screen that is up, as a DASH_IN_* bit (too_small: below the minimum size). */
unsigned dash_key_mode(const DashUi *ui, int too_small);
/* The first binding that works in mode and takes the key code; sets *arg to
 * its argument. NULL when none does (the key does nothing there). */
const DashKey *dash_key_find(unsigned mode, int code, int *arg);
/* The width of the keys the footer shows for k (`keys` up to the first comma). */
int dash_key_short_len(const DashKey *k);

#endif
