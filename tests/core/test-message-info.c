/* test-message-info.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-test-util.h"

static PosternMessageInfo *
parse_file (const char *name)
{
  g_autoptr (GBytes) bytes = postern_test_data_bytes (name);
  return postern_message_info_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
assert_contains (const char *haystack, const char *needle)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_error ("expected \"%s\" in \"%s\"", needle, haystack ? haystack : "(null)");
}

static void
test_charsets (void)
{
  g_autoptr (PosternMessageInfo) latin1 = parse_file ("latin1.eml");
  g_autoptr (PosternMessageInfo) koi8 = parse_file ("koi8r.eml");
  g_autoptr (PosternMessageInfo) qp = parse_file ("utf8-qp.eml");
  g_autoptr (PosternMessageInfo) sjis = parse_file ("shift-jis.eml");

  g_assert_cmpstr (latin1->subject, ==, "Résumé du café");
  assert_contains (latin1->sender, "René François");
  assert_contains (latin1->body_text, "château est prêt pour la fête de Noël");
  g_assert_cmpstr (latin1->message_id, ==, "latin1-1@example.test");
  g_assert_cmpint (latin1->date, ==, 1770109200);

  g_assert_cmpstr (koi8->subject, ==, "Отчёт о погоде");
  assert_contains (koi8->body_text, "Сегодня в Москве солнечно");

  g_assert_cmpstr (qp->subject, ==, "Grüße aus Köln");
  assert_contains (qp->body_text, "Straßenbahn fährt heute pünktlich");
  assert_contains (qp->recipients, "team@example.test");
  assert_contains (qp->recipients, "bob@example.test");

  g_assert_cmpstr (sjis->subject, ==, "会議 の 予定");
  assert_contains (sjis->body_text, "午後 三時");
}

static void
test_html_and_attachments (void)
{
  g_autoptr (PosternMessageInfo) html = parse_file ("html-only.eml");
  g_autoptr (PosternMessageInfo) mixed = parse_file ("multipart-attachment.eml");

  assert_contains (html->body_text, "pineapples");
  assert_contains (html->body_text, "& mangoes");
  /* windows-1252 0x96 is an en dash. */
  assert_contains (html->body_text, "–");
  g_assert_null (strstr (html->body_text, "hiddenscriptword"));
  g_assert_null (strstr (html->body_text, "zanzibarstyle"));
  g_assert_null (strstr (html->body_text, "<b>"));

  assert_contains (mixed->body_text, "turnover grew");
  g_assert_null (strstr (mixed->body_text, "AAECAwQF"));
}

static void
test_malformed (void)
{
  const char *names[] = { "malformed-garbage.eml", "malformed-headers.eml",
                          "malformed-unterminated.eml" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (PosternMessageInfo) info = parse_file (names[i]);
      g_assert_nonnull (info->id);
      g_assert_cmpuint (strlen (info->id), ==, 24);
      g_assert_true (info->body_text == NULL || g_utf8_validate (info->body_text, -1, NULL));
      g_assert_true (info->subject == NULL || g_utf8_validate (info->subject, -1, NULL));
    }
  {
    g_autoptr (PosternMessageInfo) info = parse_file ("malformed-unterminated.eml");
    assert_contains (info->subject, "zebrafish");
    assert_contains (info->body_text, "never ends");
  }
  {
    g_autoptr (PosternMessageInfo) empty = postern_message_info_parse ("", 0);
    g_assert_cmpuint (empty->size, ==, 0);
  }
}

static void
test_id_is_content_hash (void)
{
  g_autofree char *a = postern_message_compute_id ("abc", 3);
  g_autofree char *b = postern_message_compute_id ("abd", 3);

  /* SHA-256("abc") begins ba7816bf8f01cfea414140de. */
  g_assert_cmpstr (a, ==, "ba7816bf8f01cfea414140de");
  g_assert_cmpstr (a, !=, b);
}

static void
test_html_to_text (void)
{
  g_autofree char *t1 = postern_html_to_text ("<p>a&lt;b</p><SCRIPT>x</SCRIPT>c", -1);
  g_autofree char *t2 = postern_html_to_text ("<unclosed", -1);
  g_autofree char *t3 = postern_html_to_text ("<style>never closed", -1);

  g_assert_cmpstr (t1, ==, "a<b c");
  g_assert_cmpstr (t2, ==, "");
  g_assert_cmpstr (t3, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Core/MessageInfo/charsets", test_charsets);
  g_test_add_func ("/Postern/Core/MessageInfo/html-and-attachments", test_html_and_attachments);
  g_test_add_func ("/Postern/Core/MessageInfo/malformed", test_malformed);
  g_test_add_func ("/Postern/Core/MessageInfo/id-is-content-hash", test_id_is_content_hash);
  g_test_add_func ("/Postern/Core/MessageInfo/html-to-text", test_html_to_text);
  return g_test_run ();
}
