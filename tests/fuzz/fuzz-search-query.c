/* fuzz-search-query.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The search entry's query language (words, "phrases", from:/to:/subject:/
 * body: prefixes) translated to an FTS5 expression. The translation promises
 * an expression that cannot be an FTS5 syntax error, so besides not crashing
 * the output must be UTF-8 and every quoted string in it must close.
 */
#include "config.h"

#include <string.h>

#include "postern-error.h"
#include "postern-fuzz.h"
#include "postern-index.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

/* The expression is FTS5 strings ("…", with "" for a quote inside them)
 * joined by the translation's own syntax: column names, ":", "*", "AND" and
 * spaces. True when every string that opens also closes, and nothing else,
 * such as a user's word left unquoted, appears between them. */
static gboolean
expression_is_well_formed (const char *s)
{
  gboolean inside = FALSE;

  for (; *s != '\0'; s++)
    {
      if (*s == '"')
        {
          if (inside && s[1] == '"')
            s++; /* a doubled quote stays inside the string */
          else
            inside = !inside;
        }
      else if (!inside && strchr (" *:ANDbodyrecipientssendersubject", *s) == NULL)
        return FALSE;
    }
  return !inside;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *query = postern_fuzz_strndup (data, size);
  g_autoptr (GError) error = NULL;
  g_autofree char *fts = NULL;

  fts = postern_search_query_to_fts (query, &error);
  if (fts == NULL)
    {
      postern_fuzz_check (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_INVALID));
      return 0;
    }
  postern_fuzz_check (error == NULL);
  postern_fuzz_check (*fts != '\0');
  postern_fuzz_check (g_utf8_validate (fts, -1, NULL));
  postern_fuzz_check (expression_is_well_formed (fts));
  return 0;
}
