/* panel.h — what every chart panel of a gnuplot script starts with: a reset
 * of what the panel before set, a title, and the markers of the steps where
 * a parameter changed. */
#ifndef FLIPSCOPE_PANEL_H
#define FLIPSCOPE_PANEL_H

#include <stdio.h>

#include "app/logs/log_read.h"

/* Clears what one panel sets, so panels of a multiplot do not leak into each other. */
void panel_reset(FILE *f);
/* Sets the panel's title (quoted, noenhanced). */
void panel_title(FILE *f, const char *title);
/* A dashed vertical line and a label at each of r's parameter changes. */
void panel_markers(FILE *f, const LogRun *r);

#endif
