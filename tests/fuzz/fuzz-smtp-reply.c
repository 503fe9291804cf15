/* fuzz-smtp-reply.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SMTP replies as a server sends them: the input is split into lines the
 * way the SMTP transport reads them, fed into one reply after another, and
 * every complete reply is formatted and searched for capabilities.
 */
#include "config.h"

#include <string.h>

#include "postern-fuzz.h"
#include "postern-smtp-reply.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

static void
check_reply (PosternSmtpReply *reply)
{
  g_autofree char *text = postern_smtp_reply_to_string (reply);
  const char *params = NULL;

  postern_fuzz_check (reply->code >= 200 && reply->code <= 599);
  postern_fuzz_check (reply->lines->len >= 1 && reply->lines->len <= POSTERN_SMTP_MAX_LINES);
  postern_fuzz_check (g_utf8_validate (text, -1, NULL));
  /* One line, whatever the server put in its text. */
  postern_fuzz_check (strchr (text, '\n') == NULL && strchr (text, '\r') == NULL);
  if (postern_smtp_reply_has_capability (reply, "AUTH", &params))
    postern_fuzz_check (params != NULL);
  postern_smtp_reply_has_capability (reply, "SIZE", NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *p = (const char *) data;
  const char *end = p + size;
  g_autoptr (PosternSmtpReply) reply = postern_smtp_reply_new ();

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (size_t) (end - p));
      const char *line_end = nl != NULL ? nl : end;
      gsize len = (gsize) (line_end - p);
      g_autoptr (GError) error = NULL;

      if (len > 0 && p[len - 1] == '\r')
        len--;
      if (!postern_smtp_reply_feed_line (reply, p, len, &error))
        {
          postern_fuzz_check (error != NULL && error->message != NULL);
          postern_smtp_reply_free (reply);
          reply = postern_smtp_reply_new ();
        }
      else if (reply->complete)
        {
          check_reply (reply);
          postern_smtp_reply_free (reply);
          reply = postern_smtp_reply_new ();
        }
      p = nl != NULL ? nl + 1 : end;
    }
  return 0;
}
