/* postern-tor-reply.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-error.h"
#include "postern-tor-reply.h"

PosternTorReply *
postern_tor_reply_new (void)
{
  PosternTorReply *reply = g_new0 (PosternTorReply, 1);

  reply->lines = g_ptr_array_new_with_free_func (g_free);
  reply->block = g_string_new (NULL);
  return reply;
}

void
postern_tor_reply_free (PosternTorReply *reply)
{
  if (reply == NULL)
    return;
  g_ptr_array_unref (reply->lines);
  g_string_free (reply->block, TRUE);
  g_free (reply);
}

static gboolean
bad_reply (GError **error, const char *why)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
               "tor's control port sent a bad reply: %s", why);
  return FALSE;
}

/* Data lines: "." alone ends the block, a leading ".." stands for "."
 * (control-spec §2.3, like SMTP's dot-stuffing). */
static gboolean
feed_data (PosternTorReply *reply, const char *line, gsize len)
{
  if (len == 1 && line[0] == '.')
    {
      char *last = g_ptr_array_index (reply->lines, reply->lines->len - 1);

      reply->lines->pdata[reply->lines->len - 1]
        = g_strconcat (last, "\n", reply->block->str, NULL);
      g_free (last);
      g_string_truncate (reply->block, 0);
      reply->in_data = FALSE;
      return TRUE;
    }
  if (len >= 1 && line[0] == '.')
    {
      line++;
      len--;
    }
  if (reply->block->len > 0)
    g_string_append_c (reply->block, '\n');
  g_string_append_len (reply->block, line, (gssize) len);
  return TRUE;
}

/**
 * postern_tor_reply_feed_line:
 * @line: one line as read, without its CRLF (need not be NUL-terminated)
 *
 * Adds a line to @reply. Once the closing line arrived, @reply->complete
 * is set and no more lines are taken.
 *
 * Returns: %FALSE with @error when the line breaks the protocol.
 */
gboolean
postern_tor_reply_feed_line (PosternTorReply *reply, const char *line, gsize len, GError **error)
{
  guint code;
  char sep;

  g_return_val_if_fail (reply != NULL && (line != NULL || len == 0), FALSE);
  if (reply->complete)
    return bad_reply (error, "a line after the end of the reply");
  if (len > POSTERN_TOR_MAX_LINE)
    return bad_reply (error, "a line too long");
  if (memchr (line, '\0', len) != NULL)
    return bad_reply (error, "a NUL byte");
  if (++reply->n_lines > POSTERN_TOR_MAX_LINES)
    return bad_reply (error, "too many lines");
  reply->n_bytes += len;
  if (reply->n_bytes > POSTERN_TOR_MAX_REPLY)
    return bad_reply (error, "a reply too long");
  if (reply->in_data)
    return feed_data (reply, line, len);

  if (len < 4 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1])
      || !g_ascii_isdigit (line[2]))
    return bad_reply (error, "a line without a status code");
  code = (guint) (line[0] - '0') * 100 + (guint) (line[1] - '0') * 10 + (guint) (line[2] - '0');
  if (code < 100 || code > 699)
    return bad_reply (error, "a status code out of range");
  if (reply->lines->len > 0 && code != reply->code)
    return bad_reply (error, "status codes differ within one reply");
  sep = line[3];
  if (sep != ' ' && sep != '-' && sep != '+')
    return bad_reply (error, "a line without a separator after its code");
  reply->code = code;
  g_ptr_array_add (reply->lines, g_strndup (line + 4, len - 4));
  if (sep == ' ')
    reply->complete = TRUE;
  else if (sep == '+')
    reply->in_data = TRUE;
  return TRUE;
}

/**
 * postern_tor_reply_get_value:
 * @key: what a line begins with before "=", as in GETINFO's "KEY=VALUE"
 *   and ADD_ONION's "ServiceID=…"
 *
 * Returns: (nullable): the rest of the first such line (after "="), raw;
 *   for a data line, its data block.
 */
const char *
postern_tor_reply_get_value (const PosternTorReply *reply, const char *key)
{
  gsize key_len = strlen (key);

  for (guint i = 0; i < reply->lines->len; i++)
    {
      const char *text = reply->lines->pdata[i];
      if (strncmp (text, key, key_len) == 0 && text[key_len] == '=')
        {
          const char *value = text + key_len + 1;
          /* "+KEY=\n<data>": the data is the value. */
          if (value[0] == '\n')
            value++;
          return value;
        }
    }
  return NULL;
}

/* One line for error messages: the text of every line, data blocks cut,
 * control characters replaced. */
char *
postern_tor_reply_to_string (const PosternTorReply *reply)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "%u", reply->code);
  for (guint i = 0; i < reply->lines->len; i++)
    {
      const char *text = reply->lines->pdata[i];
      const char *nl = strchr (text, '\n');
      gsize len = nl ? (gsize) (nl - text) : strlen (text);

      g_string_append_c (out, i == 0 ? ' ' : ';');
      if (i > 0)
        g_string_append_c (out, ' ');
      for (gsize j = 0; j < len; j++)
        g_string_append_c (out,
                           g_ascii_iscntrl (text[j]) || (guchar) text[j] >= 0x80 ? '?' : text[j]);
    }
  return g_string_free (out, FALSE);
}

/**
 * postern_tor_unquote:
 * @text: a string that begins with a double quote
 * @out_end: (out) (optional): where the closing quote's successor is
 *
 * Decodes a control-spec QuotedString: backslash escapes \n \r \t, octal
 * \NNN and any other character taken literally. A NUL is refused.
 *
 * Returns: (transfer full) (nullable): the decoded text.
 */
char *
postern_tor_unquote (const char *text, const char **out_end, GError **error)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const char *p = text;

  if (*p != '"')
    {
      bad_reply (error, "a quoted string without its quote");
      return NULL;
    }
  for (p++; *p != '"'; p++)
    {
      if (*p == '\0')
        {
          bad_reply (error, "a quoted string without its end");
          return NULL;
        }
      if (*p != '\\')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      switch (*p)
        {
          case '\0':
            bad_reply (error, "a quoted string without its end");
            return NULL;
          case 'n':
            g_string_append_c (out, '\n');
            break;
          case 'r':
            g_string_append_c (out, '\r');
            break;
          case 't':
            g_string_append_c (out, '\t');
            break;
          default:
            if (*p >= '0' && *p <= '7')
              {
                guint value = 0;
                int digits = 0;
                while (digits < 3 && p[digits] >= '0' && p[digits] <= '7')
                  {
                    value = value * 8 + (guint) (p[digits] - '0');
                    digits++;
                  }
                if (value == 0 || value > 255)
                  {
                    bad_reply (error, "a bad octal escape in a quoted string");
                    return NULL;
                  }
                g_string_append_c (out, (char) value);
                p += digits - 1;
              }
            else
              g_string_append_c (out, *p);
        }
    }
  if (out_end != NULL)
    *out_end = p + 1;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The opposite, for arguments Postern sends (paths in torrc lines). */
char *
postern_tor_quote (const char *text)
{
  GString *out = g_string_new ("\"");

  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else if (*p == '\r')
        g_string_append (out, "\\r");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

void
postern_tor_args_free (PosternTorArgs *args)
{
  if (args == NULL)
    return;
  g_ptr_array_unref (args->words);
  g_hash_table_unref (args->pairs);
  g_free (args);
}

/**
 * postern_tor_args_parse:
 * @text: one line's text, such as "NOTICE BOOTSTRAP PROGRESS=5 SUMMARY=\"…\""
 *
 * Splits @text at spaces into bare words and KEY=VALUE pairs; a VALUE that
 * begins with a quote is a QuotedString.
 *
 * Returns: (transfer full) (nullable): the words, or %NULL with @error.
 */
PosternTorArgs *
postern_tor_args_parse (const char *text, GError **error)
{
  g_autoptr (PosternTorArgs) args = g_new0 (PosternTorArgs, 1);
  const char *p = text;

  args->words = g_ptr_array_new_with_free_func (g_free);
  args->pairs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  while (*p != '\0')
    {
      const char *start, *eq = NULL;
      char *value;

      while (*p == ' ')
        p++;
      if (*p == '\0')
        break;
      if (*p == '"')
        {
          value = postern_tor_unquote (p, &p, error);
          if (value == NULL)
            return NULL;
          g_ptr_array_add (args->words, value);
          continue;
        }
      start = p;
      while (*p != '\0' && *p != ' ' && *p != '=')
        p++;
      if (*p != '=')
        {
          g_ptr_array_add (args->words, g_strndup (start, (gsize) (p - start)));
          continue;
        }
      eq = p++;
      if (*p == '"')
        {
          value = postern_tor_unquote (p, &p, error);
          if (value == NULL)
            return NULL;
          if (*p != '\0' && *p != ' ')
            {
              g_free (value);
              bad_reply (error, "text right after a quoted string");
              return NULL;
            }
        }
      else
        {
          const char *vstart = p;
          while (*p != '\0' && *p != ' ')
            p++;
          value = g_strndup (vstart, (gsize) (p - vstart));
        }
      {
        char *key = g_strndup (start, (gsize) (eq - start));
        if (g_hash_table_contains (args->pairs, key))
          {
            g_free (key);
            g_free (value);
          }
        else
          g_hash_table_insert (args->pairs, key, value);
      }
    }
  return g_steal_pointer (&args);
}

const char *
postern_tor_args_get (const PosternTorArgs *args, const char *key)
{
  return g_hash_table_lookup (args->pairs, key);
}
