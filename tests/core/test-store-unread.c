/* test-store-unread.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * postern_store_count_unread(): new/ files and cur/ files without the S
 * flag are unread; the count follows moves between folders and
 * postern_store_set_flags().
 */
#include "config.h"

#include <glib/gstdio.h>

#include "postern-core.h"

static GBytes *
make_message (guint n)
{
  g_autofree char *text = g_strdup_printf ("From: a@example.org\r\n"
                                           "To: b@example.org\r\n"
                                           "Subject: message %u\r\n"
                                           "Message-ID: <%u@example.org>\r\n"
                                           "Date: Mon, 2 Nov 2026 10:%02u:00 +0000\r\n"
                                           "\r\n"
                                           "Body %u\r\n",
                                           n, n, n % 60, n);
  return g_bytes_new (text, strlen (text));
}

static void
rm_rf (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileEnumerator) children = g_file_enumerate_children (
    file, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        rm_rf (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

static void
test_count_unread (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("postern-unread-XXXXXX", &error);
  g_autofree char *root = g_build_filename (dir, "store", NULL);
  g_autofree char *index = g_build_filename (dir, "index.sqlite", NULL);
  PosternStore *store;
  const char *flags[] = { NULL, "S", "RF", "FS", NULL };
  g_autofree char *moved_id = NULL;

  g_assert_no_error (error);
  store = postern_store_open (root, index, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  g_assert_cmpuint (postern_store_count_unread (store, POSTERN_STORE_INBOX), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      g_autoptr (GBytes) bytes = make_message (i);
      g_autofree char *id = NULL;
      g_assert_true (postern_store_add (store, POSTERN_STORE_INBOX, bytes, flags[i],
                                        POSTERN_LOCK_TLS, &id, &error));
      g_assert_no_error (error);
      if (i == 0)
        moved_id = g_steal_pointer (&id);
    }
  /* Unread: the two without flags (new/) and "RF". */
  g_assert_cmpuint (postern_store_count (store, POSTERN_STORE_INBOX), ==, 5);
  g_assert_cmpuint (postern_store_count_unread (store, POSTERN_STORE_INBOX), ==, 3);

  /* Filed away as seen: one fewer unread here, none in the other folder. */
  g_assert_true (postern_store_move (store, moved_id, POSTERN_STORE_INBOX, "Archive", "S", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (postern_store_count_unread (store, POSTERN_STORE_INBOX), ==, 2);
  g_assert_cmpuint (postern_store_count_unread (store, "Archive"), ==, 0);
  g_assert_cmpuint (postern_store_count (store, "Archive"), ==, 1);
  g_assert_cmpuint (postern_store_count_unread (store, "NoSuchFolder"), ==, 0);

  g_assert_finalize_object (store);
  rm_rf (dir);
}

/* Marking a message seen renames it into cur/ with the S flag: one fewer
 * unread, the same message still loads, and the store stays consistent
 * when opened again. */
static void
test_set_flags (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("postern-flags-XXXXXX", &error);
  g_autofree char *root = g_build_filename (dir, "store", NULL);
  g_autofree char *index = g_build_filename (dir, "index.sqlite", NULL);
  g_autoptr (GBytes) bytes = make_message (7);
  g_autoptr (GBytes) loaded = NULL;
  g_autoptr (PosternMessageRow) row = NULL;
  g_autofree char *id = NULL;
  PosternStore *store;

  g_assert_no_error (error);
  store = postern_store_open (root, index, &error);
  g_assert_no_error (error);
  g_assert_true (
    postern_store_add (store, POSTERN_STORE_INBOX, bytes, NULL, POSTERN_LOCK_ONION, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (postern_store_count_unread (store, POSTERN_STORE_INBOX), ==, 1);

  g_assert_true (postern_store_set_flags (store, id, POSTERN_STORE_INBOX, "S", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (postern_store_count_unread (store, POSTERN_STORE_INBOX), ==, 0);
  g_assert_cmpuint (postern_store_count (store, POSTERN_STORE_INBOX), ==, 1);
  loaded = postern_store_load (store, id, POSTERN_STORE_INBOX, &row, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (loaded, bytes));
  g_assert_true (g_str_has_prefix (row->file, "cur/"));
  g_assert_true (g_str_has_suffix (row->file, ":2,S"));
  g_assert_cmpint (row->lock, ==, POSTERN_LOCK_ONION);

  /* Flags are replaced, kept in order and once each; the same set again
   * changes nothing. */
  g_assert_true (postern_store_set_flags (store, id, POSTERN_STORE_INBOX, "SFS", &error));
  g_assert_true (postern_store_set_flags (store, id, POSTERN_STORE_INBOX, "FS", &error));
  g_assert_no_error (error);
  g_clear_pointer (&row, postern_message_row_free);
  g_clear_pointer (&loaded, g_bytes_unref);
  loaded = postern_store_load (store, id, POSTERN_STORE_INBOX, &row, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (row->file, ":2,FS"));
  g_assert_false (
    postern_store_set_flags (store, "0123456789abcdef01234567", POSTERN_STORE_INBOX, "S", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_finalize_object (store);

  /* A fresh open finds the index in line with the files. */
  store = postern_store_open (root, index, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (postern_store_count (store, POSTERN_STORE_INBOX), ==, 1);
  g_assert_cmpuint (postern_store_count_unread (store, POSTERN_STORE_INBOX), ==, 0);
  g_assert_finalize_object (store);
  rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Core/Store/count-unread", test_count_unread);
  g_test_add_func ("/Postern/Core/Store/set-flags", test_set_flags);
  return g_test_run ();
}
