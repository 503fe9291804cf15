/* postern-smtp-reply.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-error.h"
#include "postern-smtp-reply.h"

PosternSmtpReply *
postern_smtp_reply_new (void)
{
  PosternSmtpReply *reply = g_new0 (PosternSmtpReply, 1);

  reply->lines = g_ptr_array_new_with_free_func (g_free);
  return reply;
}

void
postern_smtp_reply_free (PosternSmtpReply *reply)
{
  if (reply == NULL)
    return;
  g_ptr_array_unref (reply->lines);
  g_free (reply->enhanced);
  g_free (reply);
}

static gboolean
bad_reply (GError **error, const char *why)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "the SMTP server sent a bad reply: %s",
               why);
  return FALSE;
}

/* "5.1.1 " at the start of the first line's text (RFC 3463). */
static char *
parse_enhanced (const char *text)
{
  const char *p = text;
  int parts = 0;

  if (*p < '2' || *p > '5' || p[1] != '.')
    return NULL;
  while (parts < 3)
    {
      gsize digits = 0;
      while (g_ascii_isdigit (p[digits]) && digits < 3)
        digits++;
      if (digits == 0)
        return NULL;
      p += digits;
      parts++;
      if (parts < 3)
        {
          if (*p != '.')
            return NULL;
          p++;
        }
    }
  if (*p != ' ' && *p != '\0')
    return NULL;
  return g_strndup (text, (gsize) (p - text));
}

/**
 * postern_smtp_reply_feed_line:
 * @line: one line without its CRLF (need not be NUL-terminated)
 *
 * Adds a line to @reply. Fails on a malformed line, a code that changes
 * in the middle of a reply, a line after the last one, or a reply that is
 * too long.
 */
gboolean
postern_smtp_reply_feed_line (PosternSmtpReply *reply, const char *line, gsize len,
                              GError **error)
{
  guint code;
  char sep;
  g_autofree char *text = NULL;

  if (reply->complete)
    return bad_reply (error, "a line after the end of the reply");
  if (len > POSTERN_SMTP_MAX_LINE)
    return bad_reply (error, "a line is too long");
  if (reply->lines->len >= POSTERN_SMTP_MAX_LINES)
    return bad_reply (error, "too many lines");
  if (len < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1])
      || !g_ascii_isdigit (line[2]))
    return bad_reply (error, "a line does not start with a three-digit code");
  if (line[0] < '2' || line[0] > '5')
    return bad_reply (error, "the code is not between 200 and 599");
  code = (guint) ((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  sep = len > 3 ? line[3] : ' ';
  if (sep != ' ' && sep != '-')
    return bad_reply (error, "the code is not followed by a space or a hyphen");
  if (reply->lines->len > 0 && code != reply->code)
    return bad_reply (error, "the code changes within one reply");

  text = g_strndup (len > 4 ? line + 4 : "", len > 4 ? len - 4 : 0);
  if (memchr (line, '\0', len) != NULL)
    return bad_reply (error, "a line contains a NUL byte");
  if (!g_utf8_validate (text, -1, NULL))
    {
      char *valid = g_utf8_make_valid (text, -1);
      g_free (text);
      text = valid;
    }
  if (reply->lines->len == 0)
    {
      reply->code = code;
      reply->enhanced = parse_enhanced (text);
    }
  g_ptr_array_add (reply->lines, g_steal_pointer (&text));
  reply->complete = sep == ' ';
  return TRUE;
}

/* "550 5.1.1 <x@y>: Recipient address rejected" on one line, for errors. */
char *
postern_smtp_reply_to_string (const PosternSmtpReply *reply)
{
  g_autoptr (GString) out = g_string_new (NULL);

  g_string_append_printf (out, "%u", reply->code);
  for (guint i = 0; i < reply->lines->len; i++)
    {
      const char *line = reply->lines->pdata[i];
      g_string_append_c (out, ' ');
      for (const char *c = line; *c; c++)
        g_string_append_c (out, g_ascii_iscntrl (*c) ? ' ' : *c);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* EHLO keywords are case-insensitive; @out_params gets what follows. */
gboolean
postern_smtp_reply_has_capability (const PosternSmtpReply *ehlo, const char *name,
                                   const char **out_params)
{
  gsize n = strlen (name);

  /* The first line is the greeting, not a capability. */
  for (guint i = 1; i < ehlo->lines->len; i++)
    {
      const char *line = ehlo->lines->pdata[i];
      if (g_ascii_strncasecmp (line, name, n) == 0 && (line[n] == '\0' || line[n] == ' '))
        {
          if (out_params != NULL)
            *out_params = line[n] == ' ' ? line + n + 1 : "";
          return TRUE;
        }
    }
  return FALSE;
}
