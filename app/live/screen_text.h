/* screen_text.h — the dashboard as text: `--screen FILE` writes the final
 * screen through the same views as the live TUI (headless runs feed a
 * recorder step by step, as one of the session's sinks; the TUI writes its
 * last frame). */
#ifndef FLIPSCOPE_SCREEN_TEXT_H
#define FLIPSCOPE_SCREEN_TEXT_H

#include "app/cli/config.h"
#include "app/run/session.h"
#include "app/run/sink.h"
#include "views/dash.h"

/* The UI state of a plain screen: nothing focused, the first layer, the
 * filter of s's settings. */
void screen_default_ui(DashUi *ui, const DashSnapshot *s);
/* Renders s with ui at w x h and writes it to path (UTF-8 glyphs or the ASCII
 * fallbacks). Returns 0, or -1 with one line in err. */
int screen_write(const char *path, const DashSnapshot *s, const DashUi *ui, int w, int h,
                 int utf8, char *err, size_t errlen);
/* The --screen size: $FLIPSCOPE_SCREEN_SIZE ("WxH") or 100 x 30; UTF-8 when
 * the locale is. */
void screen_format(int *w, int *h, int *utf8);

/* For headless runs: takes every step of s, then writes cfg's --screen file. */
typedef struct ScreenRec ScreenRec;
/* Refuses a --screen path that cannot be written, before training. When s's
 * telemetry computes statistics only on request, it asks for them about 500
 * times a run. NULL with a message on failure. */
ScreenRec *screen_open(Session *s, const Config *cfg, char *err, size_t errlen);
/* r as a sink: it takes every step, and its close writes the file and frees
 * r (0, or -1 with a message). */
Sink screen_sink(ScreenRec *r);

#endif
