/* fuzz-tor-control.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What tor's control port sends: the input is split into lines as the
 * control connection reads them and fed into one reply after another;
 * every complete reply is formatted, searched for values, and each of its
 * lines parsed as arguments (quoted strings included). The first byte
 * also picks a SOCKS5 reply length to parse from the rest, since tor's
 * SOCKS port is the other thing Postern reads from tor.
 */
#include "config.h"

#include <string.h>

#include "postern-fuzz.h"
#include "postern-socks.h"
#include "postern-tor-reply.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

static void
check_args (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternTorArgs) args = postern_tor_args_parse (text, &error);

  postern_fuzz_check ((args == NULL) == (error != NULL));
  if (args == NULL)
    return;
  for (guint i = 0; i < args->words->len; i++)
    postern_fuzz_check (args->words->pdata[i] != NULL);
  postern_tor_args_get (args, "PROGRESS");
}

static void
check_reply (PosternTorReply *reply)
{
  g_autofree char *text = postern_tor_reply_to_string (reply);

  postern_fuzz_check (reply->code >= 100 && reply->code <= 699);
  postern_fuzz_check (reply->lines->len >= 1);
  postern_fuzz_check (strchr (text, '\n') == NULL && strchr (text, '\r') == NULL);
  postern_tor_reply_get_value (reply, "ServiceID");
  postern_tor_reply_get_value (reply, "net/listeners/socks");
  for (guint i = 0; i < reply->lines->len; i++)
    check_args (reply->lines->pdata[i]);
}

static void
check_quote_round_trip (const char *text)
{
  g_autofree char *quoted = postern_tor_quote (text);
  g_autofree char *back = NULL;
  const char *end = NULL;

  /* Bytes the unquoting reads as escapes come back the same way. */
  back = postern_tor_unquote (quoted, &end, NULL);
  postern_fuzz_check (back != NULL && g_str_equal (back, text) && *end == '\0');
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *p = (const char *) data;
  const char *end = p + size;
  g_autoptr (PosternTorReply) reply = postern_tor_reply_new ();

  if (size > 0)
    {
      g_autoptr (GError) error = NULL;
      gsize n = MIN (size - 1, (gsize) data[0]);
      gssize whole = postern_socks_parse_reply (data + 1, n, &error);
      postern_fuzz_check ((whole < 0) == (error != NULL));
      postern_fuzz_check (whole <= (gssize) n);
    }
  {
    g_autofree char *text = g_strndup (p, MIN (size, 256));
    check_quote_round_trip (text);
  }

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (size_t) (end - p));
      const char *line_end = nl != NULL ? nl : end;
      gsize len = (gsize) (line_end - p);
      g_autoptr (GError) error = NULL;

      if (len > 0 && p[len - 1] == '\r')
        len--;
      if (!postern_tor_reply_feed_line (reply, p, len, &error))
        {
          postern_fuzz_check (error != NULL && error->message != NULL);
          postern_tor_reply_free (reply);
          reply = postern_tor_reply_new ();
        }
      else if (reply->complete && !reply->in_data)
        {
          check_reply (reply);
          postern_tor_reply_free (reply);
          reply = postern_tor_reply_new ();
        }
      p = nl != NULL ? nl + 1 : end;
    }
  return 0;
}
