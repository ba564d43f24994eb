/* tui_screen.h — the dashboard as text: `--screen FILE` writes the final
 * screen through the same views as the live TUI (headless runs feed a
 * recorder step by step; the TUI writes its last frame). */
#ifndef FLIPSCOPE_TUI_SCREEN_H
#define FLIPSCOPE_TUI_SCREEN_H

#include "app/cli/config.h"
#include "app/run/session.h"
#include "views/dash.h"

/* The UI state of a plain screen: nothing focused, the first layer, the
 * filter of s's settings. */
void dash_default_ui(DashUi *ui, const DashSnapshot *s);
/* Renders s with ui at w x h and writes it to path (UTF-8 glyphs or the ASCII
 * fallbacks). Returns 0, or -1 with one line in err. */
int dash_write_screen(const char *path, const DashSnapshot *s, const DashUi *ui, int w, int h,
                      int utf8, char *err, size_t errlen);
/* The --screen size: $FLIPSCOPE_SCREEN_SIZE ("WxH") or 100 x 30; UTF-8 when
 * the locale is. */
void dash_screen_format(int *w, int *h, int *utf8);

/* For headless runs: feed every step, then write the file. */
typedef struct ScreenRec ScreenRec;
/* Turns the telemetry on if it is off. NULL with a message on failure. */
ScreenRec *screen_open(Session *s, const Config *cfg, char *err, size_t errlen);
void screen_step(ScreenRec *r, const StepReport *rep);
/* Writes cfg's --screen file and frees r. Returns 0, or -1 with a message. */
int screen_close(ScreenRec *r, char *err, size_t errlen);

#endif
