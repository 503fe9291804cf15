/* test-cli-corpus.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every message of the real-world corpus (../shared/corpus) goes into a
 * profile through postern-cli import and comes back byte for byte through
 * postern-cli show. Without the corpus, the same runs over tests/data and
 * the test says so.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "postern-core.h"
#include "postern-test-util.h"

typedef struct
{
  char *dir;
  char *profile;
  GHashTable *expected; /* id → GBytes: what show must return */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("corpus");
  f->profile = g_build_filename (f->dir, "profile", NULL);
  f->expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_bytes_unref);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_rm_rf (f->dir);
  g_hash_table_unref (f->expected);
  g_free (f->dir);
  g_free (f->profile);
}

static void
expect (Fixture *f, GBytes *bytes)
{
  char *id = postern_message_compute_id (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_hash_table_replace (f->expected, id, g_bytes_ref (bytes));
}

static GBytes *
read_bytes (const char *path)
{
  char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* Single-message files go in through a Maildir made of copies. */
static void
import_single_files (Fixture *f, GPtrArray *files)
{
  g_autofree char *md = g_build_filename (f->dir, "import-md", NULL);
  g_autofree char *cur = g_build_filename (md, "cur", NULL);
  g_autofree char *new_dir = g_build_filename (md, "new", NULL);
  g_autofree char *err = NULL;

  g_mkdir_with_parents (cur, 0700);
  g_mkdir_with_parents (new_dir, 0700);
  for (guint i = 0; i < files->len; i++)
    {
      g_autoptr (GBytes) bytes = read_bytes (files->pdata[i]);
      g_autofree char *name = g_strdup_printf ("%u.corpus%u.test", 1600000000 + i, i);
      g_autofree char *dest = g_build_filename (new_dir, name, NULL);
      g_assert_true (g_file_set_contents (dest, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
      expect (f, bytes);
    }
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "import", "maildir", md, NULL), ==, 0);
}

/* An mbox the reader accepts is expected split as the reader splits it; a
 * file that is not an mbox at all must be refused clearly, and is then
 * stored whole as one (malformed) message. */
static void
import_mbox_file (Fixture *f, const char *path, GPtrArray *not_mbox)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternMboxReader) reader = postern_mbox_reader_new_for_path (path, &error);
  g_autofree char *err = NULL;
  GBytes *msg;

  if (reader == NULL)
    {
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
      g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "import", "mbox", path, NULL), ==, 1);
      g_assert_nonnull (strstr (err, "not an mbox file"));
      g_ptr_array_add (not_mbox, g_strdup (path));
      return;
    }
  while ((msg = postern_mbox_reader_next (reader)) != NULL)
    {
      expect (f, msg);
      g_bytes_unref (msg);
    }
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "import", "mbox", path, NULL), ==, 0);
}

static void
check_all_shown_identical (Fixture *f)
{
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter iter;
  gpointer key, value;
  JsonArray *rows;

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "list", "--json", NULL), ==, 0);
  json_parser_load_from_data (parser, g_bytes_get_data (out, NULL), (gssize) g_bytes_get_size (out), &error);
  g_assert_no_error (error);
  rows = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (rows); i++)
    g_hash_table_add (listed, (gpointer) json_object_get_string_member (json_array_get_object_element (rows, i), "id"));

  /* Every message is listed exactly once, malformed ones included. */
  g_assert_cmpuint (json_array_get_length (rows), ==, g_hash_table_size (f->expected));
  g_hash_table_iter_init (&iter, f->expected);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr (GBytes) shown = NULL;
      g_autofree char *err = NULL;

      if (!g_hash_table_contains (listed, key))
        g_error ("message %s is not listed", (char *) key);
      g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &shown, &err, "show", key, NULL), ==, 0);
      if (!g_bytes_equal (shown, value))
        g_error ("show %s: %zu bytes differ from the %zu imported", (char *) key,
                 g_bytes_get_size (shown), g_bytes_get_size (value));
    }
}

static guint
hits (Fixture *f, const char *query)
{
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, &out, NULL, "search", query, "--json", NULL), ==, 0);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (out, NULL), (gssize) g_bytes_get_size (out), NULL));
  return json_array_get_length (json_node_get_array (json_parser_get_root (parser)));
}

static void
test_corpus_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) emls = postern_test_corpus_files (".eml");
  g_autoptr (GPtrArray) mboxes = postern_test_corpus_files (".mbox");
  g_autoptr (GPtrArray) not_mbox = g_ptr_array_new_with_free_func (g_free);

  if (emls == NULL)
    {
      g_autofree char *data_dir = postern_test_data_path ("");
      g_autoptr (GDir) d = g_dir_open (data_dir, 0, NULL);
      const char *name;

      g_test_message ("corpus not found (../shared/corpus or $POSTERN_CORPUS): running over "
                      "tests/data only");
      emls = g_ptr_array_new_with_free_func (g_free);
      mboxes = g_ptr_array_new_with_free_func (g_free);
      while ((name = g_dir_read_name (d)) != NULL)
        g_ptr_array_add (g_str_has_suffix (name, ".mbox") ? mboxes : emls,
                         g_build_filename (data_dir, name, NULL));
    }
  else
    g_test_message ("corpus %s: %u messages, %u mbox files", postern_test_corpus_dir (), emls->len,
                    mboxes->len);

  for (guint i = 0; i < mboxes->len; i++)
    import_mbox_file (f, mboxes->pdata[i], not_mbox);
  for (guint i = 0; i < not_mbox->len; i++)
    g_ptr_array_add (emls, g_strdup (not_mbox->pdata[i]));
  import_single_files (f, emls);
  check_all_shown_identical (f);

  if (postern_test_corpus_dir () != NULL)
    {
      /* Words from subjects and bodies, in several scripts and charsets. */
      g_assert_cmpuint (hits (f, "subject:\"Saying Hello\""), >=, 1);
      g_assert_cmpuint (hits (f, "日本語メールテスト"), >=, 1);
      g_assert_cmpuint (hits (f, "Eelanalüüsi"), >=, 1);
      g_assert_cmpuint (hits (f, "fotgängare"), >=, 1);
      g_assert_cmpuint (hits (f, "한국말로"), >=, 1);
      g_assert_cmpuint (hits (f, "from:Bremner"), >=, 1);
      g_assert_cmpuint (hits (f, "body:vfp_pm_suspend"), >=, 1);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/Postern/Cli/Corpus/round-trip", Fixture, NULL, fixture_set_up,
              test_corpus_round_trip, fixture_tear_down);
  return g_test_run ();
}
