/* postern-mbox.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-mbox.h"

struct _PosternMboxReader
{
  GBytes *contents;
  const char *data;
  gsize len;
  gsize pos; /* start of the next From_ line, or len */
};

static gboolean
is_from_line (const char *p, gsize left)
{
  return left >= 5 && memcmp (p, "From ", 5) == 0;
}

PosternMboxReader *
postern_mbox_reader_new (GBytes *contents, GError **error)
{
  PosternMboxReader *reader;
  gsize len;
  const char *data = g_bytes_get_data (contents, &len);
  gsize skip = 0;

  /* Some tools write a UTF-8 byte order mark before the first From_ line. */
  if (len >= 3 && memcmp (data, "\xef\xbb\xbf", 3) == 0)
    skip = 3;
  /* An empty file maps to no data at all, and even NULL + 0 is undefined
   * behaviour: look past the start only when there are bytes to look at. */
  if (len == 0 || !is_from_line (data + skip, len - skip))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "not an mbox file: it does not begin with a \"From \" line");
      return NULL;
    }
  reader = g_new0 (PosternMboxReader, 1);
  reader->contents = g_bytes_ref (contents);
  reader->data = data;
  reader->len = len;
  reader->pos = skip;
  return reader;
}

PosternMboxReader *
postern_mbox_reader_new_for_path (const char *path, GError **error)
{
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) local_error = NULL;
  PosternMboxReader *reader;

  if (!postern_fs_read_file (path, &bytes, error))
    return NULL;
  reader = postern_mbox_reader_new (bytes, &local_error);
  if (reader == NULL)
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "%s: %s", path,
                 local_error->message);
  return reader;
}

static const char *
next_line (const char *p, const char *end)
{
  const char *nl = memchr (p, '\n', (gsize) (end - p));
  return nl != NULL ? nl + 1 : end;
}

static gboolean
is_blank_line (const char *line, const char *next)
{
  gsize n = (gsize) (next - line);
  return (n == 1 && line[0] == '\n') || (n == 2 && line[0] == '\r' && line[1] == '\n');
}

/* True for ">From ", ">>From ", …: the mboxrd quoting of a body line. */
static gboolean
is_quoted_from (const char *p, const char *end)
{
  while (p < end && *p == '>')
    p++;
  return (gsize) (end - p) >= 5 && memcmp (p, "From ", 5) == 0;
}

GBytes *
postern_mbox_reader_next (PosternMboxReader *reader)
{
  const char *end = reader->data + reader->len;
  const char *start, *p, *body_end, *prev_line = NULL;
  gboolean quoted = FALSE;
  GString *unquoted;

  if (reader->pos >= reader->len)
    return NULL;

  start = next_line (reader->data + reader->pos, end); /* skip the From_ line */
  p = start;
  body_end = end;
  while (p < end)
    {
      const char *nl = next_line (p, end);

      if (prev_line != NULL && is_blank_line (prev_line, p) && is_from_line (p, (gsize) (end - p)))
        {
          body_end = prev_line; /* the empty line before From_ is the separator */
          break;
        }
      if (*p == '>' && is_quoted_from (p, nl))
        quoted = TRUE;
      prev_line = p;
      p = nl;
    }
  reader->pos = (gsize) (p - reader->data);
  if (p == end && body_end == end && prev_line != NULL && is_blank_line (prev_line, end))
    body_end = prev_line; /* the last message's trailing separator */

  if (!quoted)
    return g_bytes_new_from_bytes (reader->contents, (gsize) (start - reader->data),
                                   (gsize) (body_end - start));

  unquoted = g_string_sized_new ((gsize) (body_end - start));
  for (p = start; p < body_end;)
    {
      const char *nl = next_line (p, body_end);
      if (*p == '>' && is_quoted_from (p, nl))
        p++;
      g_string_append_len (unquoted, p, nl - p);
      p = nl;
    }
  return g_string_free_to_bytes (unquoted);
}

gsize
postern_mbox_reader_get_offset (PosternMboxReader *reader)
{
  return reader->pos;
}

void
postern_mbox_reader_free (PosternMboxReader *reader)
{
  if (reader == NULL)
    return;
  g_bytes_unref (reader->contents);
  g_free (reader);
}
