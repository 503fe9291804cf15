/* fuzz-html-remote.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The reader's check for remote content in HTML mail reads whatever markup
 * a sender wrote. Besides not crashing or reading out of bounds: markup
 * that names no network URL at all can never be said to have any.
 */
#include "config.h"

#include <string.h>

#include "postern-fuzz.h"
#include "postern-html-remote.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

static gboolean
mentions_network (const char *data, size_t size)
{
  static const char *const marks[] = { "http:", "https:", "ftp:", "//", NULL };

  for (size_t i = 0; i < size; i++)
    for (guint m = 0; marks[m] != NULL; m++)
      {
        size_t n = strlen (marks[m]);
        if (size - i >= n && g_ascii_strncasecmp (data + i, marks[m], n) == 0)
          return TRUE;
      }
  return FALSE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* A copy of exactly @size bytes: any read past it is caught. */
  char *copy = g_memdup2 (data, size);
  gboolean remote = postern_html_has_remote_content (copy, size);

  if (remote && !mentions_network (copy, size))
    __builtin_trap ();
  g_free (copy);
  return 0;
}
