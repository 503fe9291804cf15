/* test-outbox.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The durable outbox, sending through the local transport into a second
 * real profile.
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-outbox-retry.h"
#include "postern-test-util.h"

typedef struct
{
  char *dir;
  char *alice_path;
  char *bob_path;
  PosternProfile *alice;
  PosternAccount *account;
} Fixture;

static const char message_text[] = "From: Alice <alice@example.test>\n"
                                   "To: Bob <bob@example.test>\n"
                                   "Subject: lunch on Friday\n"
                                   "Message-ID: <lunch-1@example.test>\n"
                                   "Date: Mon, 09 Feb 2026 10:00:00 +0000\n"
                                   "\n"
                                   "Shall we try the new noodle place?\n";

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;

  f->dir = postern_test_make_tmpdir ("outbox");
  f->alice_path = g_build_filename (f->dir, "alice", NULL);
  f->bob_path = g_build_filename (f->dir, "bob", NULL);
  f->alice = postern_profile_open (f->alice_path, TRUE, &error);
  g_assert_no_error (error);
  url = g_strconcat ("local:", f->bob_path, NULL);
  f->account = postern_account_new ("alice", "alice@example.test", &error);
  g_assert_true (postern_account_set_smtp_url (f->account, url, &error));
  g_assert_true (postern_profile_add_account (f->alice, f->account, &error));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->account);
  g_assert_finalize_object (f->alice);
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->alice_path);
  g_free (f->bob_path);
}

static guint
count (const char *profile_path, const char *folder)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) p = postern_profile_open (profile_path, FALSE, &error);
  g_assert_no_error (error);
  return postern_store_count (postern_profile_get_store (p, NULL), folder);
}

static guint
flush (Fixture *f, guint expect_results)
{
  g_autoptr (PosternOutbox) outbox = postern_outbox_new (f->alice, f->account);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) results = postern_outbox_flush_sync (outbox, NULL, &error);
  guint failed = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, expect_results);
  for (guint i = 0; i < results->len; i++)
    if (((PosternOutboxResult *) results->pdata[i])->error != NULL)
      failed++;
  return failed;
}

static char *
enqueue (Fixture *f, const char *text, GError **error)
{
  g_autoptr (PosternOutbox) outbox = postern_outbox_new (f->alice, f->account);
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  return postern_outbox_enqueue (outbox, bytes, NULL, error);
}

static void
test_send_moves_to_sent (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) bob = postern_profile_open (f->bob_path, TRUE, &error);
  g_autofree char *id = enqueue (f, message_text, &error);
  g_autoptr (GBytes) received = NULL;
  g_autoptr (PosternMessageRow) row = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (count (f->alice_path, POSTERN_STORE_OUTBOX), ==, 1);
  g_assert_cmpuint (flush (f, 1), ==, 0);
  g_assert_cmpuint (count (f->alice_path, POSTERN_STORE_OUTBOX), ==, 0);
  g_assert_cmpuint (count (f->alice_path, POSTERN_STORE_SENT), ==, 1);

  received = postern_store_load (postern_profile_get_store (bob, NULL), id, "INBOX", &row, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (received, NULL), g_bytes_get_size (received), message_text,
                   strlen (message_text));
  g_assert_cmpint (row->lock, ==, POSTERN_LOCK_TLS);
}

static void
test_retry_until_peer_exists (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = enqueue (f, message_text, &error);
  g_autoptr (PosternProfile) bob = NULL;

  g_assert_no_error (error);
  /* Bob's profile does not exist yet: the send fails, nothing is lost. */
  g_assert_cmpuint (flush (f, 1), ==, 1);
  g_assert_cmpuint (count (f->alice_path, POSTERN_STORE_OUTBOX), ==, 1);
  g_assert_cmpuint (count (f->alice_path, POSTERN_STORE_SENT), ==, 0);

  bob = postern_profile_open (f->bob_path, TRUE, &error);
  g_assert_cmpuint (flush (f, 1), ==, 0);
  g_assert_cmpuint (count (f->alice_path, POSTERN_STORE_OUTBOX), ==, 0);
  g_assert_cmpuint (count (f->bob_path, "INBOX"), ==, 1);
  /* Nothing left to send, nothing doubled. */
  g_assert_cmpuint (flush (f, 0), ==, 0);
  g_assert_cmpuint (count (f->bob_path, "INBOX"), ==, 1);
}

/* The app's own retries wait: 1 minute after the first failure, doubling
 * up to an hour; a user's flush tries at once, and success forgets. */
static void
test_retry_backoff (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = enqueue (f, message_text, &error);
  g_autoptr (PosternOutbox) outbox = postern_outbox_new (f->alice, f->account);
  g_autoptr (GPtrArray) results = NULL;
  g_autoptr (PosternProfile) bob = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 next;

  g_assert_cmpint (postern_outbox_retry_delay (1), ==, 60);
  g_assert_cmpint (postern_outbox_retry_delay (2), ==, 120);
  g_assert_cmpint (postern_outbox_retry_delay (6), ==, 1920);
  g_assert_cmpint (postern_outbox_retry_delay (7), ==, 3600);
  g_assert_cmpint (postern_outbox_retry_delay (100), ==, 3600);

  /* Nothing failed yet: due at once. */
  g_assert_cmpint (postern_outbox_retry_next (f->alice_path, id), ==, 0);
  results = postern_outbox_retry_sync (outbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 1);
  g_assert_nonnull (((PosternOutboxResult *) results->pdata[0])->error);
  g_clear_pointer (&results, g_ptr_array_unref);
  next = postern_outbox_retry_next (f->alice_path, id);
  g_assert_cmpint (next, >=, now + 60);
  g_assert_cmpint (next, <=, now + 70);

  /* Not due: the app's retry leaves it alone, even with bob there now. */
  bob = postern_profile_open (f->bob_path, TRUE, &error);
  results = postern_outbox_retry_sync (outbox, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (results->len, ==, 0);
  g_clear_pointer (&results, g_ptr_array_unref);
  g_assert_cmpuint (count (f->alice_path, POSTERN_STORE_OUTBOX), ==, 1);

  /* A second failure waits twice as long (recorded by hand here). */
  g_assert_true (postern_outbox_retry_failed (f->alice_path, id, now, &error));
  g_assert_cmpint (postern_outbox_retry_next (f->alice_path, id), ==, now + 120);

  /* The user's flush does not wait; once sent, the schedule forgets it. */
  g_assert_cmpuint (flush (f, 1), ==, 0);
  g_assert_cmpint (postern_outbox_retry_next (f->alice_path, id), ==, 0);
  g_assert_cmpuint (count (f->bob_path, "INBOX"), ==, 1);
}

static void
test_mixed_is_not_queued (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  const char *mixed
    = "From: alice@example.test\nTo: bob@example.test, "
      "carol@pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion\n"
      "Subject: mixed\n\nbody\n";
  char *id = enqueue (f, mixed, &error);

  g_assert_null (id);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
  g_assert_cmpuint (count (f->alice_path, POSTERN_STORE_OUTBOX), ==, 0);
  g_clear_error (&error);

  g_assert_null (enqueue (f, "From: a@example.test\nSubject: nobody\n\nx\n", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (enqueue (f, "From: a@example.test\nTo: not an address\n\nx\n", &error));
  g_assert_nonnull (error);
}

static void
test_bcc_is_not_transmitted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) bob = postern_profile_open (f->bob_path, TRUE, &error);
  const char *text = "From: alice@example.test\nTo: bob@example.test\nBcc: secret@example.test\n"
                     "Subject: bcc\nMessage-ID: <bcc@x>\n\nbody\n";
  g_autofree char *id = enqueue (f, text, &error);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GBytes) sent = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (flush (f, 1), ==, 0);
  rows = postern_store_list (postern_profile_get_store (bob, NULL), "INBOX", 0, 0, NULL);
  g_assert_cmpuint (rows->len, ==, 1);
  got = postern_store_load (postern_profile_get_store (bob, NULL),
                            ((PosternMessageRow *) rows->pdata[0])->id, NULL, NULL, &error);
  g_assert_null (g_strstr_len (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "secret@"));
  /* Alice's own copy keeps the Bcc. */
  sent = postern_store_load (postern_profile_get_store (f->alice, NULL), id, "Sent", NULL, &error);
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (sent, NULL), g_bytes_get_size (sent), "Bcc: secret@"));
}

static void
test_prepare_adds_missing_headers (void)
{
  const char *bare = "To: bob@example.test\nSubject: hi\n\nbody\n";
  g_autoptr (GBytes) in = g_bytes_new_static (bare, strlen (bare));
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = postern_outbox_prepare (in, "alice@example.test", &error);
  g_autofree char *text = NULL;
  g_autoptr (GBytes) complete = NULL;

  g_assert_no_error (error);
  text = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  g_assert_nonnull (strstr (text, "Message-ID: <"));
  g_assert_nonnull (strstr (text, "@example.test>\n"));
  g_assert_nonnull (strstr (text, "\nDate: "));
  g_assert_nonnull (strstr (text, "From: alice@example.test\n"));
  g_assert_true (g_str_has_suffix (text, bare));
  g_assert_null (strchr (text, '\r'));

  /* A complete message is left alone, byte for byte. */
  complete = postern_outbox_prepare (out, "alice@example.test", &error);
  g_assert_true (g_bytes_equal (complete, out));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/Postern/Core/Outbox/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("send-moves-to-sent", test_send_moves_to_sent);
  ADD ("retry-until-peer-exists", test_retry_until_peer_exists);
  ADD ("retry-backoff", test_retry_backoff);
  ADD ("mixed-is-not-queued", test_mixed_is_not_queued);
  ADD ("bcc-is-not-transmitted", test_bcc_is_not_transmitted);
#undef ADD
  g_test_add_func ("/Postern/Core/Outbox/prepare-adds-missing-headers", test_prepare_adds_missing_headers);
  return g_test_run ();
}
