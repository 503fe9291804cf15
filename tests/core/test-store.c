/* test-store.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "postern-core.h"
#include "postern-test-util.h"

typedef struct
{
  char *dir;
  char *root;
  char *index;
  PosternStore *store;
} Fixture;

static PosternStore *
reopen (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_clear_object (&f->store);
  f->store = postern_store_open (f->root, f->index, &error);
  g_assert_no_error (error);
  return f->store;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("store");
  f->root = g_build_filename (f->dir, "store", NULL);
  f->index = g_build_filename (f->dir, "index.sqlite", NULL);
  reopen (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_finalize_object (f->store);
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->root);
  g_free (f->index);
}

static char *
add_data_file (Fixture *f, const char *folder, const char *name)
{
  g_autoptr (GBytes) bytes = postern_test_data_bytes (name);
  g_autoptr (GError) error = NULL;
  char *id = NULL;

  g_assert_true (postern_store_add (f->store, folder, bytes, NULL, POSTERN_LOCK_UNKNOWN, &id, &error));
  g_assert_no_error (error);
  return id;
}

static const char *const data_files[]
  = { "latin1.eml",          "koi8r.eml",       "utf8-qp.eml",
      "shift-jis.eml",       "html-only.eml",   "multipart-attachment.eml",
      "malformed-garbage.eml", "malformed-headers.eml", "malformed-unterminated.eml",
      "crlf.eml" };

static void
add_all (Fixture *f)
{
  for (guint i = 0; i < G_N_ELEMENTS (data_files); i++)
    g_free (add_data_file (f, POSTERN_STORE_INBOX, data_files[i]));
}

static void
test_deliver_and_load_identical (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (data_files); i++)
    {
      g_autoptr (GBytes) original = postern_test_data_bytes (data_files[i]);
      g_autofree char *id = add_data_file (f, POSTERN_STORE_INBOX, data_files[i]);
      g_autoptr (GError) error = NULL;
      g_autoptr (PosternMessageRow) row = NULL;
      g_autoptr (GBytes) loaded = postern_store_load (f->store, id, NULL, &row, &error);

      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (original, loaded));
      g_assert_cmpstr (row->folder, ==, POSTERN_STORE_INBOX);
      g_assert_true (g_str_has_prefix (row->file, "new/"));
    }
  g_assert_cmpuint (postern_store_count (f->store, POSTERN_STORE_INBOX), ==,
                    G_N_ELEMENTS (data_files));
  /* Malformed messages are listed like any other. */
  {
    g_autoptr (GPtrArray) rows = postern_store_list (f->store, POSTERN_STORE_INBOX, 0, 0, NULL);
    g_assert_cmpuint (rows->len, ==, G_N_ELEMENTS (data_files));
  }
}

static void
test_dedupe (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) a = postern_test_data_bytes ("latin1.eml");
  g_autoptr (GBytes) b = postern_test_data_bytes ("koi8r.eml");
  g_autoptr (GError) error = NULL;
  PosternDelivery batch[] = {
    { a, NULL, POSTERN_LOCK_UNKNOWN, NULL, FALSE },
    { b, "S", POSTERN_LOCK_TLS, NULL, FALSE },
    { a, NULL, POSTERN_LOCK_UNKNOWN, NULL, FALSE },
  };

  g_assert_true (postern_store_deliver (f->store, "Archive", batch, 3, &error));
  g_assert_no_error (error);
  g_assert_true (batch[0].stored);
  g_assert_true (batch[1].stored);
  g_assert_false (batch[2].stored);
  g_assert_cmpstr (batch[0].id, ==, batch[2].id);

  /* Again: everything is already there. */
  g_assert_true (postern_store_deliver (f->store, "Archive", batch, 3, &error));
  for (guint i = 0; i < 3; i++)
    {
      g_assert_false (batch[i].stored);
      postern_delivery_clear (&batch[i]);
    }
  g_assert_cmpuint (postern_store_count (f->store, "Archive"), ==, 2);

  /* The same message may live in two folders. */
  g_free (add_data_file (f, POSTERN_STORE_INBOX, "latin1.eml"));
  g_assert_cmpuint (postern_store_count (f->store, POSTERN_STORE_INBOX), ==, 1);
}

static void
test_flags_and_lock_in_name (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) bytes = postern_test_data_bytes ("crlf.eml");
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternMessageRow) row = NULL;
  g_autoptr (GBytes) loaded = NULL;
  g_autofree char *id = NULL;

  g_assert_true (postern_store_add (f->store, POSTERN_STORE_INBOX, bytes, "RS", POSTERN_LOCK_ONION,
                                    &id, &error));
  loaded = postern_store_load (f->store, id, POSTERN_STORE_INBOX, &row, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (row->file, "cur/"));
  g_assert_true (g_str_has_suffix (row->file, ".onion.postern:2,RS"));
  g_assert_cmpint (row->lock, ==, POSTERN_LOCK_ONION);

  /* The lock survives an index rebuild: it is in the file name. */
  g_clear_object (&f->store);
  g_assert_cmpint (g_unlink (f->index), ==, 0);
  reopen (f);
  g_clear_pointer (&row, postern_message_row_free);
  g_clear_pointer (&loaded, g_bytes_unref);
  loaded = postern_store_load (f->store, id, NULL, &row, &error);
  g_assert_no_error (error);
  g_assert_cmpint (row->lock, ==, POSTERN_LOCK_ONION);
}

static void
write_file (const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
test_index_follows_maildir (Fixture *f, gconstpointer data)
{
  g_autofree char *foreign = g_build_filename (f->root, "INBOX", "new", "1700000000.M1P1.otherhost", NULL);
  g_autofree char *first = add_data_file (f, POSTERN_STORE_INBOX, "latin1.eml");
  g_autofree char *foreign_id = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  const char *foreign_text = "From: other@example.test\nSubject: dropped by another MDA\n\nhello\n";

  /* Another program delivers a message and deletes ours. */
  write_file (foreign, foreign_text);
  foreign_id = postern_message_compute_id (foreign_text, strlen (foreign_text));
  {
    g_autoptr (PosternMessageRow) row = postern_index_lookup (postern_store_get_index (f->store),
                                                              first, NULL, NULL);
    g_autofree char *ours = g_build_filename (f->root, "INBOX", row->file, NULL);
    g_assert_cmpint (g_unlink (ours), ==, 0);
  }
  reopen (f);
  rows = postern_store_list (f->store, POSTERN_STORE_INBOX, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (((PosternMessageRow *) rows->pdata[0])->id, ==, foreign_id);
  g_assert_cmpstr (((PosternMessageRow *) rows->pdata[0])->subject, ==, "dropped by another MDA");
  g_assert_cmpint (((PosternMessageRow *) rows->pdata[0])->lock, ==, POSTERN_LOCK_UNKNOWN);
}

static void
test_renamed_by_other_program (Fixture *f, gconstpointer data)
{
  g_autofree char *id = add_data_file (f, POSTERN_STORE_INBOX, "latin1.eml");
  g_autoptr (PosternMessageRow) row = postern_index_lookup (postern_store_get_index (f->store), id, NULL, NULL);
  g_autofree char *from = g_build_filename (f->root, "INBOX", row->file, NULL);
  g_autofree char *base = g_path_get_basename (row->file);
  g_autofree char *to_name = g_strconcat (base, ":2,S", NULL);
  g_autofree char *to = g_build_filename (f->root, "INBOX", "cur", to_name, NULL);
  g_autoptr (PosternMessageRow) after = NULL;
  g_autoptr (GError) error = NULL;

  /* Another mail program read the message: new/X becomes cur/X:2,S. */
  g_assert_cmpint (g_rename (from, to), ==, 0);
  reopen (f);
  g_assert_cmpuint (postern_store_count (f->store, "INBOX"), ==, 1);
  after = postern_index_lookup (postern_store_get_index (f->store), id, "INBOX", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (after->file, ":2,S"));
}

static void
test_interrupted_change_is_redone (Fixture *f, gconstpointer data)
{
  g_autofree char *id = add_data_file (f, POSTERN_STORE_INBOX, "latin1.eml");
  g_autofree char *orphan = g_build_filename (f->root, "INBOX", "new", "abc.tls.postern", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *stamp = NULL;

  /* A Postern killed between its renames and its index commit leaves the
   * folder marked; keep the mtime stamp unchanged to prove the mark alone
   * makes the store look again. */
  postern_index_get_folder_stamp (postern_store_get_index (f->store), "INBOX", &stamp);
  write_file (orphan, "Subject: delivered before the crash\n\nbody\n");
  g_assert_true (postern_index_set_folder_stamp (postern_store_get_index (f->store), "INBOX",
                                                 "dirty", &error));
  reopen (f);
  g_assert_cmpuint (postern_store_count (f->store, "INBOX"), ==, 2);
}

static void
test_corrupt_index_is_rebuilt (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  add_all (f);
  g_clear_object (&f->store);
  write_file (f->index, "this is not a database");
  reopen (f);
  g_assert_cmpuint (postern_store_count (f->store, "INBOX"), ==, G_N_ELEMENTS (data_files));
  rows = postern_store_search (f->store, "pineapples", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
}

static guint
search_count (Fixture *f, const char *query)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = postern_store_search (f->store, query, 0, &error);

  g_assert_no_error (error);
  return rows->len;
}

static void
test_search (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  add_all (f);
  /* Subjects and bodies, in several charsets, with and without accents. */
  g_assert_cmpuint (search_count (f, "Résumé"), ==, 1);
  g_assert_cmpuint (search_count (f, "resume"), ==, 1);
  g_assert_cmpuint (search_count (f, "château"), ==, 1);
  g_assert_cmpuint (search_count (f, "погоде"), ==, 1);
  g_assert_cmpuint (search_count (f, "Москве"), ==, 1);
  g_assert_cmpuint (search_count (f, "Straßenbahn"), ==, 1);
  g_assert_cmpuint (search_count (f, "Köln"), ==, 1);
  g_assert_cmpuint (search_count (f, "会議"), ==, 1);
  g_assert_cmpuint (search_count (f, "pineapples"), ==, 1);
  g_assert_cmpuint (search_count (f, "walrus"), ==, 1);
  g_assert_cmpuint (search_count (f, "zebrafish"), ==, 1);
  /* Prefixes, columns, phrases, AND. */
  g_assert_cmpuint (search_count (f, "pineapp"), ==, 1);
  g_assert_cmpuint (search_count (f, "subject:quarterly"), ==, 1);
  g_assert_cmpuint (search_count (f, "subject:turnover"), ==, 0);
  g_assert_cmpuint (search_count (f, "from:jürgen"), ==, 1);
  g_assert_cmpuint (search_count (f, "to:bob"), ==, 1);
  g_assert_cmpuint (search_count (f, "\"fête de Noël\""), ==, 1);
  g_assert_cmpuint (search_count (f, "\"Noël de fête\""), ==, 0);
  g_assert_cmpuint (search_count (f, "château walrus"), ==, 0);
  /* Words from markup and attachments are not words of the message. */
  g_assert_cmpuint (search_count (f, "hiddenscriptword"), ==, 0);
  /* Anything a user types is a query, never a syntax error. */
  g_assert_cmpuint (search_count (f, "\"unbalanced OR AND NEAR( *"), ==, 0);
  g_assert_cmpuint (search_count (f, "a\"b"), ==, 0);

  g_assert_null (postern_store_search (f->store, "  ;;; ", 10, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
}

static void
test_search_limit_and_order (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *text = g_strdup_printf ("Subject: note %u\nMessage-ID: <n%u@x>\n\ncommonword\n", i, i);
      g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
      g_assert_true (postern_store_add (f->store, "INBOX", bytes, NULL, 0, NULL, &error));
    }
  rows = postern_store_search (f->store, "commonword", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 10);
  /* Newest stored first. */
  g_assert_cmpstr (((PosternMessageRow *) rows->pdata[0])->subject, ==, "note 29");
  g_assert_cmpstr (((PosternMessageRow *) rows->pdata[9])->subject, ==, "note 20");
}

static void
test_list_order_and_paging (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) page1 = NULL;
  g_autoptr (GPtrArray) page2 = NULL;

  add_all (f);
  page1 = postern_store_list (f->store, "INBOX", 0, 3, NULL);
  page2 = postern_store_list (f->store, "INBOX", 3, 3, NULL);
  g_assert_cmpuint (page1->len, ==, 3);
  g_assert_cmpuint (page2->len, ==, 3);
  for (guint i = 1; i < 3; i++)
    g_assert_cmpint (((PosternMessageRow *) page1->pdata[i - 1])->date, >=,
                     ((PosternMessageRow *) page1->pdata[i])->date);
  g_assert_cmpint (((PosternMessageRow *) page1->pdata[2])->date, >=,
                   ((PosternMessageRow *) page2->pdata[0])->date);
}

static void
test_move_and_remove (Fixture *f, gconstpointer data)
{
  g_autofree char *id = add_data_file (f, POSTERN_STORE_OUTBOX, "utf8-qp.eml");
  g_autoptr (GBytes) original = postern_test_data_bytes ("utf8-qp.eml");
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) moved = NULL;
  g_autoptr (PosternMessageRow) row = NULL;

  g_assert_true (postern_store_move (f->store, id, POSTERN_STORE_OUTBOX, POSTERN_STORE_SENT, "S",
                                     &error));
  g_assert_no_error (error);
  g_assert_cmpuint (postern_store_count (f->store, POSTERN_STORE_OUTBOX), ==, 0);
  g_assert_cmpuint (postern_store_count (f->store, POSTERN_STORE_SENT), ==, 1);
  moved = postern_store_load (f->store, id, POSTERN_STORE_SENT, &row, &error);
  g_assert_true (g_bytes_equal (moved, original));
  g_assert_true (g_str_has_suffix (row->file, ":2,S"));
  g_assert_cmpuint (search_count (f, "Straßenbahn"), ==, 1);

  /* The index agrees with disk after a reopen. */
  reopen (f);
  g_assert_cmpuint (postern_store_count (f->store, POSTERN_STORE_OUTBOX), ==, 0);
  g_assert_cmpuint (postern_store_count (f->store, POSTERN_STORE_SENT), ==, 1);

  g_assert_true (postern_store_remove (f->store, id, POSTERN_STORE_SENT, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (postern_store_count (f->store, POSTERN_STORE_SENT), ==, 0);
  g_assert_cmpuint (search_count (f, "Straßenbahn"), ==, 0);
  g_assert_null (postern_store_load (f->store, id, NULL, NULL, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
}

static void
test_folder_names (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *bad[] = { "", ".hidden", "a/b", "..", "tab\there" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (postern_store_folder_name_is_valid (bad[i]));
      g_assert_false (postern_store_ensure_folder (f->store, bad[i], &error));
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
      g_clear_error (&error);
    }
  g_assert_true (postern_store_folder_name_is_valid ("Archive 2026"));
  g_assert_true (postern_store_ensure_folder (f->store, "Archive 2026", &error));
  {
    g_auto (GStrv) folders = postern_store_list_folders (f->store);
    g_assert_true (g_strv_contains ((const char *const *) folders, "Archive 2026"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/Postern/Core/Store/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("deliver-and-load-identical", test_deliver_and_load_identical);
  ADD ("dedupe", test_dedupe);
  ADD ("flags-and-lock-in-name", test_flags_and_lock_in_name);
  ADD ("index-follows-maildir", test_index_follows_maildir);
  ADD ("renamed-by-other-program", test_renamed_by_other_program);
  ADD ("interrupted-change-is-redone", test_interrupted_change_is_redone);
  ADD ("corrupt-index-is-rebuilt", test_corrupt_index_is_rebuilt);
  ADD ("search", test_search);
  ADD ("search-limit-and-order", test_search_limit_and_order);
  ADD ("list-order-and-paging", test_list_order_and_paging);
  ADD ("move-and-remove", test_move_and_remove);
  ADD ("folder-names", test_folder_names);
#undef ADD
  return g_test_run ();
}
