/* test-imap-parser.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The IMAP response parser on what real servers send (the lines are
 * Dovecot's, and RFC 3501's examples), and on what hostile ones could.
 */
#include "config.h"

#include <string.h>

#include "postern-imap-client.h"
#include "postern-imap-parser.h"

static PosternImapResponse *
parse_one (const char *text, gsize *out_consumed)
{
  PosternImapResponse *response = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0, needed = 0;
  PosternImapParseResult result;

  result = postern_imap_parse_response ((const guint8 *) text, strlen (text), &response,
                                        &consumed, &needed, &error);
  g_assert_no_error (error);
  g_assert_cmpint (result, ==, POSTERN_IMAP_PARSE_OK);
  if (out_consumed != NULL)
    *out_consumed = consumed;
  else
    g_assert_cmpuint (consumed, ==, strlen (text));
  return response;
}

static void
test_greeting (void)
{
  g_autoptr (PosternImapResponse) r = parse_one (
    "* OK [CAPABILITY IMAP4rev1 SASL-IR STARTTLS AUTH=PLAIN] Dovecot ready.\r\n", NULL);

  g_assert_cmpint (r->kind, ==, POSTERN_IMAP_RESPONSE_UNTAGGED);
  g_assert_cmpint (r->status, ==, POSTERN_IMAP_STATUS_OK);
  g_assert_cmpstr (r->code, ==, "CAPABILITY");
  g_assert_cmpuint (r->code_args->len, ==, 4);
  g_assert_true (postern_imap_value_is_atom (r->code_args->pdata[3], "auth=plain"));
  g_assert_cmpstr (r->text, ==, "Dovecot ready.");
  g_assert_null (r->args);
}

static void
test_tagged (void)
{
  g_autoptr (PosternImapResponse) no
    = parse_one ("a2 NO [AUTHENTICATIONFAILED] Authentication failed.\r\n", NULL);
  g_autoptr (PosternImapResponse) ok = parse_one ("a3 OK\r\n", NULL);
  g_autoptr (PosternImapResponse) append
    = parse_one ("a6 OK [APPENDUID 1764073804 5] Append completed.\r\n", NULL);
  guint64 n = 0;

  g_assert_cmpint (no->kind, ==, POSTERN_IMAP_RESPONSE_TAGGED);
  g_assert_cmpstr (no->tag, ==, "a2");
  g_assert_cmpint (no->status, ==, POSTERN_IMAP_STATUS_NO);
  g_assert_cmpstr (no->code, ==, "AUTHENTICATIONFAILED");
  g_assert_cmpuint (no->code_args->len, ==, 0);
  g_assert_cmpstr (no->text, ==, "Authentication failed.");
  g_assert_cmpstr (ok->text, ==, "");
  g_assert_null (ok->code);
  g_assert_true (postern_imap_response_get_code_number (append, "APPENDUID", &n));
  g_assert_cmpuint (n, ==, 1764073804);
  g_assert_true (postern_imap_value_get_number (append->code_args->pdata[1], &n));
  g_assert_cmpuint (n, ==, 5);
}

static void
test_select (void)
{
  const char *text = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                     "* OK [PERMANENTFLAGS (\\Seen \\*)] Flags permitted.\r\n"
                     "* 3 EXISTS\r\n"
                     "* OK [UIDVALIDITY 1764073804] UIDs valid\r\n"
                     "* OK [HIGHESTMODSEQ 12345678901234] Highest\r\n"
                     "* OK [UIDNEXT 4]\r\n";
  const char *p = text;
  guint64 n = 0;

  for (guint i = 0; i < 6; i++)
    {
      gsize consumed = 0;
      g_autoptr (PosternImapResponse) r = parse_one (p, &consumed);

      switch (i)
        {
        case 0:
          g_assert_cmpstr (r->name, ==, "FLAGS");
          g_assert_cmpuint (r->args->len, ==, 1);
          g_assert_cmpuint (((PosternImapValue *) r->args->pdata[0])->list->len, ==, 5);
          break;
        case 1:
          {
            PosternImapValue *flags = r->code_args->pdata[0];
            g_assert_cmpstr (r->code, ==, "PERMANENTFLAGS");
            g_assert_cmpint (flags->type, ==, POSTERN_IMAP_LIST);
            g_assert_true (postern_imap_value_is_atom (flags->list->pdata[1], "\\*"));
          }
          break;
        case 2:
          g_assert_true (r->has_number);
          g_assert_cmpuint (r->number, ==, 3);
          g_assert_cmpstr (r->name, ==, "EXISTS");
          break;
        case 3:
          g_assert_true (postern_imap_response_get_code_number (r, "UIDVALIDITY", &n));
          g_assert_cmpuint (n, ==, 1764073804);
          break;
        case 4:
          g_assert_true (postern_imap_response_get_code_number (r, "HIGHESTMODSEQ", &n));
          g_assert_cmpuint (n, ==, G_GUINT64_CONSTANT (12345678901234));
          break;
        case 5:
          g_assert_true (postern_imap_response_get_code_number (r, "UIDNEXT", &n));
          g_assert_cmpuint (n, ==, 4);
          g_assert_cmpstr (r->text, ==, "");
          break;
        }
      p += consumed;
    }
  g_assert_cmpstr (p, ==, "");
}

static void
test_fetch (void)
{
  const char *text = "* 1 FETCH (UID 7 FLAGS (\\Seen $Forwarded) MODSEQ (5) RFC822.SIZE 19 "
                     "BODY[] {19}\r\nSubject: hi\r\n\r\nbody)\r\n";
  g_autoptr (PosternImapResponse) r = parse_one (text, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternImapFetch) f = postern_imap_fetch_parse (r, &error);
  gsize len;
  const char *body;

  g_assert_no_error (error);
  g_assert_cmpuint (f->seq, ==, 1);
  g_assert_cmpuint (f->uid, ==, 7);
  g_assert_cmpuint (g_strv_length (f->flags), ==, 2);
  g_assert_cmpstr (f->flags[1], ==, "$Forwarded");
  g_assert_true (f->has_modseq);
  g_assert_cmpuint (f->modseq, ==, 5);
  g_assert_true (f->has_size);
  g_assert_cmpuint (f->size, ==, 19);
  body = g_bytes_get_data (f->body, &len);
  g_assert_cmpmem (body, len, "Subject: hi\r\n\r\nbody", 19);
}

/* A literal may hold anything, NULs and a fake end of the response too. */
static void
test_fetch_literal_content (void)
{
  static const char text[] = "* 2 FETCH (BODY[] {9}\r\na\0b)\r\n* 9 UID 3)\r\n";
  g_autoptr (PosternImapResponse) r = NULL;
  g_autoptr (PosternImapFetch) f = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0, needed = 0;

  g_assert_cmpint (postern_imap_parse_response ((const guint8 *) text, sizeof text - 1, &r,
                                                &consumed, &needed, &error),
                   ==, POSTERN_IMAP_PARSE_OK);
  g_assert_cmpuint (consumed, ==, sizeof text - 1);
  f = postern_imap_fetch_parse (r, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (f->body, NULL), g_bytes_get_size (f->body), "a\0b)\r\n* 9",
                   9);
  g_assert_cmpuint (f->uid, ==, 3);
}

static void
test_fetch_skips_other_items (void)
{
  g_autoptr (PosternImapResponse) r = parse_one (
    "* 3 FETCH (UID 3 BODY[HEADER.FIELDS (FROM DATE)]<0> {5}\r\nFrom: ENVELOPE (NIL \"x\" "
    "((NIL NIL \"a\" \"b\")) NIL) BODY[] NIL)\r\n",
    NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternImapFetch) f = postern_imap_fetch_parse (r, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (f->uid, ==, 3);
  g_assert_null (f->body);
  g_assert_null (f->flags);
}

static void
test_fetch_malformed (void)
{
  const char *bad[] = {
    "* 1 FETCH (UID)\r\n",
    "* 1 FETCH (UID x)\r\n",
    "* 1 FETCH (UID 0)\r\n",
    "* 1 FETCH (FLAGS \\Seen)\r\n",
    "* 1 FETCH (MODSEQ 5)\r\n",
    "* 1 FETCH UID 5\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (PosternImapResponse) r = parse_one (bad[i], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (PosternImapFetch) f = postern_imap_fetch_parse (r, &error);

      g_assert_null (f);
      g_assert_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_SYNTAX);
    }
}

static void
test_list (void)
{
  g_autoptr (PosternImapResponse) a = parse_one ("* LIST (\\HasNoChildren \\Sent) \".\" Sent\r\n",
                                                 NULL);
  g_autoptr (PosternImapResponse) b
    = parse_one ("* LIST () NIL {7}\r\nA]b*c%d\r\n", NULL);
  g_autoptr (PosternImapResponse) c
    = parse_one ("* LIST (\\Marked) \"\\\\\" \"a \\\"quoted\\\" name\"\r\n", NULL);
  g_autofree char *delimiter = NULL;
  g_autofree char *name = NULL;

  g_assert_cmpuint (a->args->len, ==, 3);
  delimiter = postern_imap_value_dup_string (a->args->pdata[1]);
  g_assert_cmpstr (delimiter, ==, ".");
  g_assert_true (postern_imap_value_is_atom (a->args->pdata[2], "Sent"));
  g_assert_cmpint (((PosternImapValue *) b->args->pdata[1])->type, ==, POSTERN_IMAP_NIL);
  name = postern_imap_value_dup_string (b->args->pdata[2]);
  g_assert_cmpstr (name, ==, "A]b*c%d");
  g_clear_pointer (&name, g_free);
  name = postern_imap_value_dup_string (c->args->pdata[2]);
  g_assert_cmpstr (name, ==, "a \"quoted\" name");
  g_clear_pointer (&delimiter, g_free);
  delimiter = postern_imap_value_dup_string (c->args->pdata[1]);
  g_assert_cmpstr (delimiter, ==, "\\");
}

static void
test_continuation (void)
{
  g_autoptr (PosternImapResponse) a = parse_one ("+ idling\r\n", NULL);
  g_autoptr (PosternImapResponse) b = parse_one ("+\r\n", NULL);

  g_assert_cmpint (a->kind, ==, POSTERN_IMAP_RESPONSE_CONTINUATION);
  g_assert_cmpstr (a->text, ==, "idling");
  g_assert_cmpstr (b->text, ==, "");
  g_assert_null (a->name);
}

static void
test_unknown_code_text (void)
{
  g_autoptr (PosternImapResponse) r
    = parse_one ("* OK [X-WEIRD some \"text ( here] tail\r\n", NULL);
  PosternImapValue *v = r->code_args->pdata[0];

  g_assert_cmpstr (r->code, ==, "X-WEIRD");
  g_assert_cmpint (v->type, ==, POSTERN_IMAP_STRING);
  g_assert_cmpmem (g_bytes_get_data (v->string, NULL), g_bytes_get_size (v->string),
                   "some \"text ( here", 17);
  g_assert_cmpstr (r->text, ==, "tail");
}

/* Every cut of a response waits for more, never fails or invents one, and
 * a literal's whole size is asked for at once. */
static void
test_incomplete (void)
{
  const char *text = "* 1 FETCH (UID 7 BODY[] {2000}\r\n";
  g_autoptr (GString) full = g_string_new (text);
  gsize needed = 0;

  for (gsize cut = 0; cut < strlen (text); cut++)
    {
      g_autoptr (PosternImapResponse) r = NULL;
      g_autoptr (GError) error = NULL;
      gsize consumed = 0;

      g_assert_cmpint (postern_imap_parse_response ((const guint8 *) text, cut, &r, &consumed,
                                                    &needed, &error),
                       ==, POSTERN_IMAP_PARSE_INCOMPLETE);
      g_assert_no_error (error);
      g_assert_null (r);
      g_assert_cmpuint (needed, ==, cut + 1);
    }
  {
    g_autoptr (PosternImapResponse) r = NULL;
    g_autoptr (GError) error = NULL;
    gsize consumed = 0;

    g_assert_cmpint (postern_imap_parse_response ((const guint8 *) text, strlen (text), &r,
                                                  &consumed, &needed, &error),
                     ==, POSTERN_IMAP_PARSE_INCOMPLETE);
    g_assert_cmpuint (needed, ==, strlen (text) + 2000 + 1);
  }
  for (guint i = 0; i < 2000; i++)
    g_string_append_c (full, 'x');
  g_string_append (full, ")\r\n");
  {
    gsize consumed = 0;
    g_autoptr (PosternImapResponse) r = parse_one (full->str, &consumed);
    g_assert_cmpuint (consumed, ==, full->len);
  }
}

static void
assert_error (const char *text, gsize len, int code)
{
  g_autoptr (PosternImapResponse) r = NULL;
  g_autoptr (GError) error = NULL;
  gsize consumed = 0, needed = 0;

  g_assert_cmpint (postern_imap_parse_response ((const guint8 *) text, len, &r, &consumed,
                                                &needed, &error),
                   ==, POSTERN_IMAP_PARSE_ERROR);
  g_assert_error (error, POSTERN_IMAP_ERROR, code);
  g_assert_null (r);
}

/* A server cannot make the client wait for, or hold, more than the caps. */
static void
test_limits (void)
{
  g_autofree char *big = g_strdup_printf ("* 1 FETCH (BODY[] {%u}\r\n",
                                          POSTERN_IMAP_MAX_LITERAL + 1);
  g_autofree char *long_line = NULL;
  g_autofree char *deep = NULL;
  gsize n = POSTERN_IMAP_MAX_LINE + 10;

  assert_error (big, strlen (big), POSTERN_IMAP_ERROR_TOO_BIG);
  assert_error ("* 1 FETCH (BODY[] {99999999999999999999999}\r\n",
                strlen ("* 1 FETCH (BODY[] {99999999999999999999999}\r\n"),
                POSTERN_IMAP_ERROR_TOO_BIG);

  /* A line that never ends is refused once it passes the cap. */
  long_line = g_malloc (n + 1);
  memcpy (long_line, "* OK ", 5);
  memset (long_line + 5, 'x', n - 5);
  long_line[n] = '\0';
  assert_error (long_line, n, POSTERN_IMAP_ERROR_TOO_BIG);

  {
    GString *s = g_string_new ("* X ");
    for (guint i = 0; i < POSTERN_IMAP_MAX_DEPTH + 1; i++)
      g_string_append_c (s, '(');
    deep = g_string_free (s, FALSE);
  }
  assert_error (deep, strlen (deep), POSTERN_IMAP_ERROR_SYNTAX);
}

static void
test_syntax_errors (void)
{
  const char *bad[] = {
    "a1 FOO bar\r\n",          "*\r\n",         "* 1 FETCH (UID 1\r\n",
    "* LIST () \"a\r\n",        "a1\r\n",        "* 99999999999 EXISTS\r\n",
    "* 1 FETCH (BODY[ )\r\n",   "* OK [UIDNEXT 5\r\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    assert_error (bad[i], strlen (bad[i]), POSTERN_IMAP_ERROR_SYNTAX);
}

static void
test_mailbox_decode (void)
{
  const struct
  {
    const char *in, *out;
  } cases[] = {
    { "INBOX", "INBOX" },
    { "Entw&APw-rfe", "Entwürfe" },
    { "&ZeVnLIqe-", "日本語" },
    { "A&-B", "A&B" },
    { "&2D3eAA-", "😀" },
    { "&AGE-", NULL },     /* "a" must not be encoded */
    { "&APw", NULL },      /* unterminated */
    { "&A-", NULL },       /* not a whole UTF-16 unit */
    { "&2D0-", NULL },     /* a lone surrogate */
    { "&!!-", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = postern_imap_mailbox_decode (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_quote (void)
{
  const struct
  {
    const char *in, *out;
  } cases[] = {
    { "INBOX", "\"INBOX\"" },
    { "", "\"\"" },
    { "a \"b\" \\c", "\"a \\\"b\\\" \\\\c\"" },
    { "line\r\nbreak", NULL }, /* needs a literal */
    { "Entwürfe", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = postern_imap_quote (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_uid_set (void)
{
  const guint32 a[] = { 7, 1, 2, 3, 5, 3, 9, 10, 11, 4294967295u };
  const guint32 b[] = { 42 };
  g_autofree char *set_a = postern_imap_uid_set (a, G_N_ELEMENTS (a));
  g_autofree char *set_b = postern_imap_uid_set (b, 1);
  g_autofree char *none = postern_imap_uid_set (NULL, 0);

  g_assert_cmpstr (set_a, ==, "1:3,5,7,9:11,4294967295");
  g_assert_cmpstr (set_b, ==, "42");
  g_assert_cmpstr (none, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Transport/ImapParser/greeting", test_greeting);
  g_test_add_func ("/Postern/Transport/ImapParser/tagged", test_tagged);
  g_test_add_func ("/Postern/Transport/ImapParser/select", test_select);
  g_test_add_func ("/Postern/Transport/ImapParser/fetch", test_fetch);
  g_test_add_func ("/Postern/Transport/ImapParser/fetch-literal-content",
                   test_fetch_literal_content);
  g_test_add_func ("/Postern/Transport/ImapParser/fetch-skips-other-items",
                   test_fetch_skips_other_items);
  g_test_add_func ("/Postern/Transport/ImapParser/fetch-malformed", test_fetch_malformed);
  g_test_add_func ("/Postern/Transport/ImapParser/list", test_list);
  g_test_add_func ("/Postern/Transport/ImapParser/continuation", test_continuation);
  g_test_add_func ("/Postern/Transport/ImapParser/unknown-code-text", test_unknown_code_text);
  g_test_add_func ("/Postern/Transport/ImapParser/incomplete", test_incomplete);
  g_test_add_func ("/Postern/Transport/ImapParser/limits", test_limits);
  g_test_add_func ("/Postern/Transport/ImapParser/syntax-errors", test_syntax_errors);
  g_test_add_func ("/Postern/Transport/ImapParser/mailbox-decode", test_mailbox_decode);
  g_test_add_func ("/Postern/Transport/ImapClient/quote", test_quote);
  g_test_add_func ("/Postern/Transport/ImapClient/uid-set", test_uid_set);
  return g_test_run ();
}
