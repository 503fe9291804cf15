/* test-mbox.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-test-util.h"

static GPtrArray *
split (const char *text, gssize len)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, len < 0 ? strlen (text) : (gsize) len);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternMboxReader) reader = postern_mbox_reader_new (bytes, &error);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  GBytes *msg;

  g_assert_no_error (error);
  while ((msg = postern_mbox_reader_next (reader)) != NULL)
    g_ptr_array_add (out, msg);
  return out;
}

static void
assert_bytes_eq (GBytes *bytes, const char *expected)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autofree char *copy = g_strndup (data, len);
  g_assert_cmpstr (copy, ==, expected);
}

static void
test_sample_file (void)
{
  g_autoptr (GBytes) file = postern_test_data_bytes ("sample.mbox");
  g_autoptr (PosternMboxReader) reader = postern_mbox_reader_new (file, NULL);
  g_autoptr (GBytes) first = postern_mbox_reader_next (reader);
  g_autoptr (GBytes) second = postern_mbox_reader_next (reader);
  g_autoptr (GBytes) third = postern_mbox_reader_next (reader);
  g_autofree char *text = NULL;

  g_assert_nonnull (third);
  g_assert_null (postern_mbox_reader_next (reader));
  text = g_strndup (g_bytes_get_data (first, NULL), g_bytes_get_size (first));
  g_assert_true (g_str_has_prefix (text, "From: Alice"));
  /* One level of >From quoting is undone, deeper levels keep the rest. */
  g_assert_nonnull (strstr (text, "\nFrom the archive: quoted once.\n"));
  g_assert_nonnull (strstr (text, "\n>From twice quoted.\n"));
  g_assert_true (g_str_has_suffix (text, "From inside a line is fine.\n"));
  /* A body that ends in an empty line keeps it; only the separator goes. */
  g_clear_pointer (&text, g_free);
  text = g_strndup (g_bytes_get_data (second, NULL), g_bytes_get_size (second));
  g_assert_true (g_str_has_suffix (text, "trailing blank line.\n\n"));
  g_clear_pointer (&text, g_free);
  text = g_strndup (g_bytes_get_data (third, NULL), g_bytes_get_size (third));
  g_assert_true (g_str_has_suffix (text, "Last message.\n"));
}

static void
test_from_needs_blank_line (void)
{
  g_autoptr (GPtrArray) msgs
    = split ("From a@b Mon\nSubject: one\n\nbody\nFrom not a separator\n\nFrom c@d Tue\n"
             "Subject: two\n\nx\n",
             -1);

  g_assert_cmpuint (msgs->len, ==, 2);
  assert_bytes_eq (msgs->pdata[0], "Subject: one\n\nbody\nFrom not a separator\n");
  assert_bytes_eq (msgs->pdata[1], "Subject: two\n\nx\n");
}

static void
test_crlf_and_bom (void)
{
  g_autoptr (GPtrArray) msgs
    = split ("\xef\xbb\xbf" "From a@b\r\nSubject: one\r\n\r\nbody\r\n\r\nFrom c@d\r\nSubject: two\r\n", -1);

  g_assert_cmpuint (msgs->len, ==, 2);
  assert_bytes_eq (msgs->pdata[0], "Subject: one\r\n\r\nbody\r\n");
  assert_bytes_eq (msgs->pdata[1], "Subject: two\r\n");
}

static void
test_empty_and_truncated (void)
{
  g_autoptr (GPtrArray) msgs = split ("From a@b", -1);
  g_autoptr (GPtrArray) two = split ("From a\n\nFrom b\n", -1);

  g_assert_cmpuint (msgs->len, ==, 1);
  assert_bytes_eq (msgs->pdata[0], "");
  g_assert_cmpuint (two->len, ==, 2);
}

static void
test_not_an_mbox (void)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static ("Subject: hi\n\nbody\n", 18);
  g_autoptr (GError) error = NULL;
  PosternMboxReader *reader = postern_mbox_reader_new (bytes, &error);
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "postern-no-such.mbox", NULL);

  g_assert_null (reader);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not an mbox"));
  g_clear_error (&error);
  g_assert_null (postern_mbox_reader_new_for_path (missing, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_IO);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Core/Mbox/sample-file", test_sample_file);
  g_test_add_func ("/Postern/Core/Mbox/from-needs-blank-line", test_from_needs_blank_line);
  g_test_add_func ("/Postern/Core/Mbox/crlf-and-bom", test_crlf_and_bom);
  g_test_add_func ("/Postern/Core/Mbox/empty-and-truncated", test_empty_and_truncated);
  g_test_add_func ("/Postern/Core/Mbox/not-an-mbox", test_not_an_mbox);
  return g_test_run ();
}
