/* test-smtp-reply.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"

static PosternSmtpReply *
parse (const char *const *lines, GError **error)
{
  PosternSmtpReply *reply = postern_smtp_reply_new ();

  for (guint i = 0; lines[i] != NULL; i++)
    if (!postern_smtp_reply_feed_line (reply, lines[i], strlen (lines[i]), error))
      {
        postern_smtp_reply_free (reply);
        return NULL;
      }
  return reply;
}

static void
test_multiline_ehlo (void)
{
  const char *lines[] = { "250-mail.example.test", "250-PIPELINING", "250-SIZE 10240000",
                          "250-AUTH PLAIN LOGIN", "250 8BITMIME", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternSmtpReply) reply = parse (lines, &error);
  const char *params = NULL;
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_true (reply->complete);
  g_assert_cmpuint (reply->code, ==, 250);
  g_assert_cmpuint (reply->lines->len, ==, 5);
  g_assert_true (postern_smtp_reply_has_capability (reply, "size", &params));
  g_assert_cmpstr (params, ==, "10240000");
  g_assert_true (postern_smtp_reply_has_capability (reply, "AUTH", &params));
  g_assert_cmpstr (params, ==, "PLAIN LOGIN");
  g_assert_true (postern_smtp_reply_has_capability (reply, "8BITMIME", &params));
  g_assert_cmpstr (params, ==, "");
  /* The greeting line is not a capability, nor is a prefix of one. */
  g_assert_false (postern_smtp_reply_has_capability (reply, "mail.example.test", NULL));
  g_assert_false (postern_smtp_reply_has_capability (reply, "PIPE", NULL));
  text = postern_smtp_reply_to_string (reply);
  g_assert_cmpstr (text, ==, "250 mail.example.test PIPELINING SIZE 10240000 AUTH PLAIN LOGIN 8BITMIME");
}

static void
test_enhanced_codes (void)
{
  const char *refused[] = { "550 5.1.1 <x@y>: Recipient address rejected", NULL };
  const char *plain[] = { "421 Service not available", NULL };
  const char *bare[] = { "250", NULL };
  g_autoptr (PosternSmtpReply) a = parse (refused, NULL);
  g_autoptr (PosternSmtpReply) b = parse (plain, NULL);
  g_autoptr (PosternSmtpReply) c = parse (bare, NULL);

  g_assert_cmpuint (a->code, ==, 550);
  g_assert_cmpstr (a->enhanced, ==, "5.1.1");
  g_assert_cmpuint (b->code, ==, 421);
  g_assert_null (b->enhanced);
  g_assert_true (c->complete);
  g_assert_cmpstr (c->lines->pdata[0], ==, "");
}

static void
test_bad_replies (void)
{
  const char *const *cases[] = {
    (const char *[]){ "25", NULL },
    (const char *[]){ "abc hello", NULL },
    (const char *[]){ "650 out of range", NULL },
    (const char *[]){ "250+weird separator", NULL },
    (const char *[]){ "250-first", "251 code changed", NULL },
    (const char *[]){ "250 done", "250 after the end", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (parse (cases[i], &error));
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
      g_assert_nonnull (strstr (error->message, "bad reply"));
    }
}

static void
test_limits (void)
{
  g_autoptr (PosternSmtpReply) reply = postern_smtp_reply_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *long_line = g_strnfill (POSTERN_SMTP_MAX_LINE + 1, 'x');

  memcpy (long_line, "250 ", 4);
  g_assert_false (postern_smtp_reply_feed_line (reply, long_line, strlen (long_line), &error));
  g_assert_nonnull (strstr (error->message, "too long"));
  g_clear_error (&error);

  g_clear_pointer (&reply, postern_smtp_reply_free);
  reply = postern_smtp_reply_new ();
  for (guint i = 0; i < POSTERN_SMTP_MAX_LINES; i++)
    g_assert_true (postern_smtp_reply_feed_line (reply, "250-x", 5, NULL));
  g_assert_false (postern_smtp_reply_feed_line (reply, "250-x", 5, &error));
  g_assert_nonnull (strstr (error->message, "too many lines"));

  /* Control characters never reach an error message on one line. */
  {
    g_autoptr (PosternSmtpReply) r = postern_smtp_reply_new ();
    g_autofree char *text = NULL;
    g_assert_true (postern_smtp_reply_feed_line (r, "550 a\tb\x1b[31m", 12, NULL));
    text = postern_smtp_reply_to_string (r);
    g_assert_null (strchr (text, '\x1b'));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Transport/SmtpReply/multiline-ehlo", test_multiline_ehlo);
  g_test_add_func ("/Postern/Transport/SmtpReply/enhanced-codes", test_enhanced_codes);
  g_test_add_func ("/Postern/Transport/SmtpReply/bad-replies", test_bad_replies);
  g_test_add_func ("/Postern/Transport/SmtpReply/limits", test_limits);
  return g_test_run ();
}
