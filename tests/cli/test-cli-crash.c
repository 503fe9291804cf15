/* test-cli-crash.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * kill -9 of postern-cli import at random moments, then a second import:
 * no message may be lost and none doubled, on disk or in the index.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "postern-core.h"
#include "postern-test-util.h"

#define RUNS 24

typedef struct
{
  char *dir;
  char *source;         /* the Maildir being imported */
  GHashTable *expected; /* id → GBytes */
} Fixture;

static void
add_source_message (Fixture *f, GBytes *bytes, guint n)
{
  g_autofree char *name = g_strdup_printf ("%u.M%uP9.src", 1500000000 + n, n);
  g_autofree char *path = g_build_filename (f->source, "new", name, NULL);
  char *id = postern_message_compute_id (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL));
  g_hash_table_replace (f->expected, id, g_bytes_ref (bytes));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GPtrArray) files = postern_test_corpus_files (".eml");
  guint n = 0;

  f->dir = postern_test_make_tmpdir ("crash");
  f->source = g_build_filename (f->dir, "source", NULL);
  f->expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  for (const char *const *sub = (const char *const[]){ "cur", "new", "tmp", NULL }; *sub; sub++)
    {
      g_autofree char *d = g_build_filename (f->source, *sub, NULL);
      g_mkdir_with_parents (d, 0700);
    }

  if (files != NULL)
    for (guint i = 0; i < files->len; i++)
      {
        char *data = NULL;
        gsize len = 0;
        g_assert_true (g_file_get_contents (files->pdata[i], &data, &len, NULL));
        {
          g_autoptr (GBytes) bytes = g_bytes_new_take (data, len);
          add_source_message (f, bytes, n++);
        }
      }
  else
    g_test_message ("corpus not found: using generated messages only");

  /* Generated mail makes the import long enough to be killed mid-way, and
   * includes exact duplicates, which must be stored once. */
  for (guint i = 0; i < 400; i++)
    {
      g_autofree char *text = g_strdup_printf ("From: gen%u@example.test\nTo: me@example.test\n"
                                               "Subject: generated %u\nMessage-ID: <gen%u@example.test>\n\n"
                                               "line one of message %u\nline two\n",
                                               i % 360, i % 360, i % 360, i % 360);
      g_autoptr (GBytes) bytes = g_bytes_new_take (text, strlen (text));
      text = NULL;
      add_source_message (f, bytes, n++);
    }
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_rm_rf (f->dir);
  g_hash_table_unref (f->expected);
  g_free (f->dir);
  g_free (f->source);
}

static GSubprocess *
spawn_import (Fixture *f, const char *profile)
{
  g_autoptr (GError) error = NULL;
  GSubprocess *proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                        &error, postern_test_cli_path (), "--profile", profile,
                                        "import", "maildir", f->source, NULL);
  g_assert_no_error (error);
  return proc;
}

static guint
count_files (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (d != NULL && g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
verify_profile (Fixture *f, const char *profile_path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = postern_profile_open (profile_path, FALSE, &error);
  PosternStore *store = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *inbox = g_build_filename (profile_path, "store", "INBOX", NULL);
  g_autofree char *new_dir = g_build_filename (inbox, "new", NULL);
  g_autofree char *cur_dir = g_build_filename (inbox, "cur", NULL);
  g_autofree char *tmp_dir = g_build_filename (inbox, "tmp", NULL);

  g_assert_no_error (error);
  store = postern_profile_get_store (profile, &error);
  g_assert_no_error (error);
  rows = postern_store_list (store, "INBOX", 0, 0, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < rows->len; i++)
    {
      PosternMessageRow *row = rows->pdata[i];
      g_autoptr (GBytes) bytes = NULL;

      /* None doubled in the index… */
      g_assert_false (g_hash_table_contains (seen, row->id));
      g_hash_table_add (seen, row->id);
      bytes = postern_store_load (store, row->id, "INBOX", NULL, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (bytes, g_hash_table_lookup (f->expected, row->id)));
    }
  /* …none lost… */
  g_assert_cmpuint (rows->len, ==, g_hash_table_size (f->expected));
  /* …and none doubled or left over on disk. */
  g_assert_cmpuint (count_files (new_dir) + count_files (cur_dir), ==, g_hash_table_size (f->expected));
  g_assert_cmpuint (count_files (tmp_dir), ==, 0);
}

static void
test_kill_during_import (Fixture *f, gconstpointer data)
{
  g_autofree char *probe = g_build_filename (f->dir, "probe", NULL);
  gint64 start, full_us;

  /* How long one whole import takes here decides where the kills land. */
  {
    g_autoptr (GSubprocess) proc = spawn_import (f, probe);
    start = g_get_monotonic_time ();
    g_assert_true (g_subprocess_wait_check (proc, NULL, NULL));
    full_us = g_get_monotonic_time () - start;
    verify_profile (f, probe);
  }
  g_test_message ("one import of %u messages takes %" G_GINT64_FORMAT " ms",
                  g_hash_table_size (f->expected), full_us / 1000);

  for (guint run = 0; run < RUNS; run++)
    {
      g_autofree char *profile = g_strdup_printf ("%s/run%u", f->dir, run);
      g_autoptr (GSubprocess) killed = spawn_import (f, profile);
      g_autoptr (GSubprocess) again = NULL;
      /* Spread the kills over the whole run, start-up included. */
      gint64 delay = g_test_rand_int_range (0, (gint32) MAX (full_us, 2000));

      g_usleep ((gulong) delay);
      g_subprocess_send_signal (killed, SIGKILL);
      g_subprocess_wait (killed, NULL, NULL);

      /* A second kill during the recovery, in some runs. */
      if (run % 4 == 3)
        {
          g_autoptr (GSubprocess) twice = spawn_import (f, profile);
          g_usleep ((gulong) g_test_rand_int_range (0, (gint32) MAX (full_us / 2, 1000)));
          g_subprocess_send_signal (twice, SIGKILL);
          g_subprocess_wait (twice, NULL, NULL);
        }

      again = spawn_import (f, profile);
      g_assert_true (g_subprocess_wait_check (again, NULL, NULL));
      verify_profile (f, profile);
      postern_test_rm_rf (profile);
    }
}

static GSubprocess *
spawn_send (const char *profile, const char *message_path)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr (GError) error = NULL;
  GSubprocess *proc;

  g_subprocess_launcher_set_stdin_file_path (launcher, message_path);
  proc = g_subprocess_launcher_spawn (launcher, &error, postern_test_cli_path (), "--profile",
                                      profile, "send", NULL);
  g_assert_no_error (error);
  return proc;
}

static guint
copies_of (const char *profile_path, const char *folder, const char *id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = postern_profile_open (profile_path, FALSE, &error);
  g_autoptr (GPtrArray) rows = NULL;
  guint n = 0;

  g_assert_no_error (error);
  rows = postern_store_list (postern_profile_get_store (profile, NULL), folder, 0, 0, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    if (g_str_equal (((PosternMessageRow *) rows->pdata[i])->id, id))
      n++;
  return n;
}

/* kill -9 of postern-cli send at random moments, then a sync: each message
 * ends up sent exactly once (in Sent and in the peer's INBOX) or, when the
 * kill came before it was queued, nowhere; never in between, never twice. */
static void
test_kill_during_send (Fixture *f, gconstpointer data)
{
  g_autofree char *alice = g_build_filename (f->dir, "alice", NULL);
  g_autofree char *bob = g_build_filename (f->dir, "bob", NULL);
  g_autofree char *url = g_strconcat ("local:", bob, NULL);
  g_autoptr (GError) error = NULL;
  guint delivered = 0;
  gint64 full_us = 0;

  g_assert_cmpint (postern_test_run_cli (alice, NULL, NULL, NULL, "account", "add", "alice",
                                         "--address", "alice@example.test", "--smtp", url, NULL), ==, 0);
  g_assert_cmpint (postern_test_run_cli (bob, NULL, NULL, NULL, "config", "set", "tor.mode", "managed", NULL), ==, 0);

  for (guint run = 0; run <= RUNS; run++)
    {
      g_autofree char *text = g_strdup_printf ("From: alice@example.test\nTo: bob@example.test\n"
                                               "Subject: crash run %u\nMessage-ID: <run%u@example.test>\n"
                                               "Date: Mon, 09 Feb 2026 10:00:00 +0000\n\nbody %u\n",
                                               run, run, run);
      g_autofree char *path = g_strdup_printf ("%s/msg%u.eml", f->dir, run);
      g_autofree char *id = postern_message_compute_id (text, strlen (text));
      g_autoptr (GSubprocess) proc = NULL;
      g_autoptr (GSubprocess) sync = NULL;
      guint in_sent, in_inbox;

      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      proc = spawn_send (alice, path);
      if (run == 0)
        {
          /* The first run is not killed: it measures a whole send. */
          gint64 start = g_get_monotonic_time ();
          g_assert_true (g_subprocess_wait_check (proc, NULL, NULL));
          full_us = g_get_monotonic_time () - start;
        }
      else
        {
          g_usleep ((gulong) g_test_rand_int_range (0, (gint32) MAX (full_us, 2000)));
          g_subprocess_send_signal (proc, SIGKILL);
          g_subprocess_wait (proc, NULL, NULL);
        }

      sync = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                               &error, postern_test_cli_path (), "--profile", alice, "sync", NULL);
      g_assert_no_error (error);
      g_assert_true (g_subprocess_wait_check (sync, NULL, NULL));

      g_assert_cmpuint (copies_of (alice, "Outbox", id), ==, 0);
      in_sent = copies_of (alice, "Sent", id);
      in_inbox = copies_of (bob, "INBOX", id);
      g_assert_cmpuint (in_sent, <=, 1);
      g_assert_cmpuint (in_inbox, ==, in_sent);
      delivered += in_sent;
      if (run == 0)
        g_assert_cmpuint (in_sent, ==, 1);
    }
  g_test_message ("%u of %u killed sends had queued their message before the kill", delivered - 1, RUNS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/Postern/Cli/Crash/kill-during-import", Fixture, NULL, fixture_set_up,
              test_kill_during_import, fixture_tear_down);
  g_test_add ("/Postern/Cli/Crash/kill-during-send", Fixture, NULL, fixture_set_up,
              test_kill_during_send, fixture_tear_down);
  return g_test_run ();
}
