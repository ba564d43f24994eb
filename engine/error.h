/* error.h — how the engine and the data sets say what went wrong.
 *
 * A function that can fail returns 0, or the kind of its failure with one
 * line of text (no newline) in the caller's err buffer:
 *
 *   ERR_RUNTIME (-1)  a file, the data or the machine failed: a missing or
 *                     corrupt file, a checkpoint of another run, no memory,
 *                     a diverging run;
 *   ERR_USAGE   (-2)  a setting is wrong: the run cannot start until it is
 *                     changed (a batch larger than the training split).
 *
 * A function that can only fail at runtime returns -1, which is ERR_RUNTIME.
 * The front end maps the kind to what it does (flipscope: the exit status).
 *
 * The text names a file with its position and field, or a setting by its
 * name ("batch", "val-frac": as a config file has it), never as a front end
 * spells it: every setting in a message is written through error_setting(),
 * which uses the front end's spelling once it has given one
 * (error_set_spelling; flipscope's command line spells "--batch").
 */
#ifndef FLIPSCOPE_ERROR_H
#define FLIPSCOPE_ERROR_H

#include <stddef.h>

typedef enum { ERR_NONE = 0, ERR_RUNTIME = -1, ERR_USAGE = -2 } ErrKind;

/* A setting as messages write it. */
typedef struct {
  char text[48];
} ErrorSetting;

/* Writes setting `name` as the front end spells it into out (len bytes). */
typedef void (*ErrorSpelling)(const char *name, char *out, size_t len);

/* Makes messages spell settings with `spell` (NULL: by their names). Call it
 * before any thread that may report an error starts. */
void error_set_spelling(ErrorSpelling spell);

/* Setting `name` as messages write it, for one expression:
 *   snprintf(err, errlen, "%s: ...", error_setting("batch").text); */
ErrorSetting error_setting(const char *name);

/* Writes the message (printf-style) into err and returns -1 (ERR_RUNTIME):
 *   return error_fail(err, errlen, "%s: truncated", path); */
__attribute__((format(printf, 3, 4))) int error_fail(char *err, size_t errlen, const char *fmt,
                                                     ...);

#endif
