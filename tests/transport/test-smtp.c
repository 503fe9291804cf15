/* test-smtp.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SMTP submission against a real Postfix delivering into a real Dovecot,
 * both started by tests/harness/with-servers, with the password in a real
 * gnome-keyring. Every case goes through postern-cli as a user would.
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-test-proxy.h"
#include "postern-test-util.h"

typedef struct
{
  char *dir;
  char *profile;
  char *bob_new;    /* Dovecot's new/ of bob */
  GHashTable *seen; /* files of bob's already accounted for */
} Fixture;

static const char *
env (const char *name)
{
  const char *value = g_getenv (name);
  if (value == NULL)
    g_error ("%s is not set: run this test through tests/harness/with-servers", name);
  return value;
}

static char *
url_for (const char *scheme, const char *host, const char *port)
{
  return g_strdup_printf ("%s://%s:%s", scheme, host, port);
}

static void
add_account (Fixture *f, const char *url, const char *password)
{
  g_autoptr (GBytes) pw = g_bytes_new (password, strlen (password));
  g_autofree char *err = NULL;
  int rc = postern_test_run_cli (f->profile, pw, NULL, &err, "account", "add", "alice",
                                 "--address", "alice@example.test", "--user", "alice", "--smtp",
                                 url, "--password-stdin", NULL);
  if (rc != 0)
    g_error ("account add: %s", err);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *url = url_for ("smtp", "127.0.0.1", env ("POSTERN_SUBMIT_PORT"));

  f->dir = postern_test_make_tmpdir ("smtp");
  f->profile = g_build_filename (f->dir, "alice", NULL);
  f->bob_new = g_build_filename (env ("POSTERN_MAIL_ROOT"), "bob", "Maildir", "new", NULL);
  f->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, NULL, "config", "set",
                                         "tls.ca-file", env ("POSTERN_TEST_CA"), NULL), ==, 0);
  add_account (f, url, "alicepw");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->profile);
  g_free (f->bob_new);
  g_hash_table_unref (f->seen);
}

/* Both new/ and cur/: reading a message (curl below) moves it to cur/. */
static GPtrArray *
bob_files (Fixture *f)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *maildir = g_path_get_dirname (f->bob_new);

  for (const char *const *sub = (const char *const[]){ "new", "cur", NULL }; *sub; sub++)
    {
      g_autofree char *dir = g_build_filename (maildir, *sub, NULL);
      g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          /* Flags after ":2," change when a file moves; the base name stays. */
          g_autofree char *base = g_strndup (name, strcspn (name, ":"));
          g_ptr_array_add (files, g_strdup (base));
        }
    }
  return files;
}

/* Postfix hands mail to Dovecot asynchronously after its 250. Dovecot's
 * file names do not sort by arrival, so the new message is the one file
 * that was not there before. */
static char *
wait_for_bob (Fixture *f, guint before)
{
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr (GPtrArray) files = bob_files (f);
      if (files->len > before)
        {
          char *text = NULL;
          g_assert_cmpuint (files->len, ==, before + 1);
          for (guint k = 0; k < files->len; k++)
            if (!g_hash_table_contains (f->seen, files->pdata[k]))
              {
                g_autofree char *path = g_build_filename (f->bob_new, files->pdata[k], NULL);
                g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
                g_hash_table_add (f->seen, g_strdup (files->pdata[k]));
              }
          g_assert_nonnull (text);
          return text;
        }
      g_usleep (50000);
    }
  g_error ("nothing arrived in %s", f->bob_new);
}

static guint
bob_count (Fixture *f)
{
  g_autoptr (GPtrArray) files = bob_files (f);
  for (guint i = 0; i < files->len; i++)
    g_hash_table_add (f->seen, g_strdup (files->pdata[i]));
  return files->len;
}

/* What a receiving system adds in front of the message: Return-Path,
 * Delivered-To and Received headers (with their continuation lines). */
static const char *
skip_trace (const char *text)
{
  static const char *const trace[] = { "Return-Path:", "Delivered-To:", "Received:", NULL };

  for (;;)
    {
      gboolean is_trace = FALSE;
      for (guint i = 0; trace[i] != NULL; i++)
        if (g_ascii_strncasecmp (text, trace[i], strlen (trace[i])) == 0)
          is_trace = TRUE;
      if (!is_trace)
        return text;
      do
        {
          const char *nl = strchr (text, '\n');
          g_assert_nonnull (nl);
          text = nl + 1;
        }
      while (*text == ' ' || *text == '\t');
    }
}

static char *
lf_only (const char *text)
{
  g_autoptr (GString) out = g_string_new (NULL);
  for (const char *p = text; *p; p++)
    if (!(p[0] == '\r' && p[1] == '\n'))
      g_string_append_c (out, *p);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static int
send_text (Fixture *f, const char *text, char **out, char **err)
{
  g_autoptr (GBytes) in = g_bytes_new (text, strlen (text));
  g_autoptr (GBytes) stdout_bytes = NULL;
  int rc = postern_test_run_cli (f->profile, in, &stdout_bytes, err, "send", NULL);

  if (out != NULL)
    *out = g_strndup (g_bytes_get_data (stdout_bytes, NULL), g_bytes_get_size (stdout_bytes));
  return rc;
}

static guint
folder_count (Fixture *f, const char *folder)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) p = postern_profile_open (f->profile, FALSE, &error);
  g_assert_no_error (error);
  return postern_store_count (postern_profile_get_store (p, NULL), folder);
}

static void
assert_arrived_as_sent (Fixture *f, const char *sent, guint before)
{
  g_autofree char *got = wait_for_bob (f, before);
  g_autofree char *a = lf_only (skip_trace (got));
  g_autofree char *b = lf_only (sent);
  g_assert_cmpstr (a, ==, b);
}

static const char message_text[] = "From: Alice <alice@example.test>\n"
                                   "To: Bob <bob@example.test>\n"
                                   "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= over SMTP\n"
                                   "Message-ID: <smtp-%s@example.test>\n"
                                   "Date: Mon, 09 Feb 2026 10:00:00 +0000\n"
                                   "MIME-Version: 1.0\n"
                                   "Content-Type: text/plain; charset=utf-8\n"
                                   "Content-Transfer-Encoding: 8bit\n"
                                   "\n"
                                   "Grüße, Bob.\n"
                                   ".a line that starts with a dot\n"
                                   "..and one with two\n"
                                   ".\n"
                                   "The line above is a lone dot; the message goes on.\n";

static char *
make_message (const char *tag)
{
  return g_strdup_printf (message_text, tag);
}

static void
test_starttls_delivers (Fixture *f, gconstpointer data)
{
  g_autofree char *msg = make_message ("starttls");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  guint before = bob_count (f);

  g_assert_cmpint (send_text (f, msg, &out, &err), ==, 0);
  g_assert_cmpstr (out, ==, "bob@example.test smtp TLS\n");
  assert_arrived_as_sent (f, msg, before);
  g_assert_cmpuint (folder_count (f, "Outbox"), ==, 0);
  g_assert_cmpuint (folder_count (f, "Sent"), ==, 1);
}

static void
test_implicit_tls_delivers (Fixture *f, gconstpointer data)
{
  g_autofree char *url = url_for ("smtps", "127.0.0.1", env ("POSTERN_SMTPS_PORT"));
  g_autofree char *msg = make_message ("smtps");
  g_autofree char *err = NULL;
  guint before = bob_count (f);

  add_account (f, url, "alicepw");
  g_assert_cmpint (send_text (f, msg, NULL, &err), ==, 0);
  assert_arrived_as_sent (f, msg, before);
}

/* Another client reads what Postern sent: curl over IMAPS. */
static void
test_read_back_by_curl (Fixture *f, gconstpointer data)
{
  g_autofree char *msg = make_message ("curl");
  g_autofree char *err = NULL;
  g_autofree char *url = NULL;
  g_autoptr (GSubprocess) curl = NULL;
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  guint before = bob_count (f);

  g_assert_cmpint (send_text (f, msg, NULL, &err), ==, 0);
  g_free (wait_for_bob (f, before));
  url = g_strdup_printf ("imaps://127.0.0.1:%s/INBOX;UID=%u", env ("POSTERN_IMAPS_PORT"), before + 1);
  curl = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "curl", "-s", "--cacert",
                           env ("POSTERN_TEST_CA"), "--user", "bob:bobpw", url, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (curl, NULL, NULL, &got, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (curl));
  text = g_strndup (g_bytes_get_data (got, NULL), g_bytes_get_size (got));
  a = lf_only (skip_trace (text));
  b = lf_only (msg);
  g_assert_cmpstr (a, ==, b);
}

static void
assert_fails_and_stays (Fixture *f, const char *tag, const char *expect)
{
  g_autofree char *msg = make_message (tag);
  g_autofree char *err = NULL;
  guint before = bob_count (f);
  guint queued = folder_count (f, "Outbox");

  g_assert_cmpint (send_text (f, msg, NULL, &err), ==, 1);
  if (strstr (err, expect) == NULL)
    g_error ("expected \"%s\" in: %s", expect, err);
  g_assert_null (strstr (err, "alicepw"));
  g_assert_cmpuint (folder_count (f, "Outbox"), ==, queued + 1);
  g_assert_cmpuint (folder_count (f, "Sent"), ==, 0);
  g_usleep (300000);
  g_assert_cmpuint (bob_count (f), ==, before);
}

/* Once the account is right, the queued message goes out, exactly once. */
static void
assert_sync_delivers (Fixture *f, guint expect_sent)
{
  g_autofree char *err = NULL;
  guint before = bob_count (f);

  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, &err, "sync", NULL), ==, 0);
  g_assert_cmpuint (folder_count (f, "Outbox"), ==, 0);
  g_assert_cmpuint (folder_count (f, "Sent"), ==, expect_sent);
  g_free (wait_for_bob (f, before + expect_sent - 1));
  g_usleep (300000);
  g_assert_cmpuint (bob_count (f), ==, before + expect_sent);
}

static void
test_wrong_password (Fixture *f, gconstpointer data)
{
  g_autofree char *url = url_for ("smtp", "127.0.0.1", env ("POSTERN_SUBMIT_PORT"));

  add_account (f, url, "not-the-password");
  assert_fails_and_stays (f, "wrongpw", "authentication failed");
  add_account (f, url, "alicepw");
  assert_sync_delivers (f, 1);
}

static void
test_certificate_for_other_host (Fixture *f, gconstpointer data)
{
  const char *ip = g_getenv ("POSTERN_OTHER_NAME_IP");
  g_autofree char *url = NULL;

  if (ip == NULL)
    {
      g_test_skip ("the harness runs without its own network namespace: no 127.0.0.2 listener");
      return;
    }
  url = url_for ("smtp", ip, env ("POSTERN_SUBMIT_PORT"));
  add_account (f, url, "alicepw");
  assert_fails_and_stays (f, "badname", "does not match the host name");
}

static void
test_unknown_ca (Fixture *f, gconstpointer data)
{
  g_assert_cmpint (postern_test_run_cli (f->profile, NULL, NULL, NULL, "config", "set",
                                         "tls.ca-file", "", NULL), ==, 0);
  assert_fails_and_stays (f, "noca", "not signed by a trusted authority");
}

static void
test_server_down (Fixture *f, gconstpointer data)
{
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  guint port;

  /* A port that was just free and that nobody listens on. */
  g_assert_true (g_socket_bind (s, any, TRUE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (s, NULL);
  url = g_strdup_printf ("smtp://127.0.0.1:%u", port);
  add_account (f, url, "alicepw");
  assert_fails_and_stays (f, "down", "cannot connect to 127.0.0.1");
}

static void
test_recipient_refused (Fixture *f, gconstpointer data)
{
  const char *one = "From: alice@example.test\nTo: nobody@example.test\nSubject: x\n\nbody\n";
  const char *both = "From: alice@example.test\nTo: bob@example.test, nobody@example.test\n"
                     "Subject: y\n\nbody\n";
  g_autofree char *err = NULL;
  guint before = bob_count (f);

  g_assert_cmpint (send_text (f, one, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "refused the recipients nobody@example.test (550)"));
  g_clear_pointer (&err, g_free);
  /* Half a delivery would be doubled by the retry: bob must not get it. */
  g_assert_cmpint (send_text (f, both, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "nobody@example.test (550)"));
  g_usleep (500000);
  g_assert_cmpuint (bob_count (f), ==, before);
  g_assert_cmpuint (folder_count (f, "Outbox"), ==, 2);
}

static void
test_cut_during_data (Fixture *f, gconstpointer data)
{
  guint64 submit = g_ascii_strtoull (env ("POSTERN_SUBMIT_PORT"), NULL, 10);
  /* The message is far bigger than the greeting, EHLO, STARTTLS, AUTH and
   * envelope, so a cut after 60 KiB falls inside DATA. */
  g_autoptr (PosternTestProxy) proxy = postern_test_proxy_new ((guint16) submit, 60 * 1024);
  g_autofree char *url = g_strdup_printf ("smtp://127.0.0.1:%u", postern_test_proxy_get_port (proxy));
  g_autoptr (GString) big = g_string_new ("From: alice@example.test\nTo: bob@example.test\n"
                                          "Subject: big\nMessage-ID: <big@example.test>\n\n");
  g_autofree char *err = NULL;
  g_autofree char *direct = url_for ("smtp", "127.0.0.1", env ("POSTERN_SUBMIT_PORT"));
  guint before = bob_count (f);

  for (guint i = 0; i < 4000; i++)
    g_string_append_printf (big, "line %u of a long message that is cut on its way\n", i);
  add_account (f, url, "alicepw");
  g_assert_cmpint (send_text (f, big->str, NULL, &err), ==, 1);
  g_assert_true (postern_test_proxy_was_cut (proxy));
  g_assert_nonnull (strstr (err, "connection to the SMTP server"));
  g_usleep (500000);
  g_assert_cmpuint (bob_count (f), ==, before);
  g_assert_cmpuint (folder_count (f, "Outbox"), ==, 1);

  add_account (f, direct, "alicepw");
  assert_sync_delivers (f, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add ("/Postern/Transport/Smtp/" path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("starttls-delivers", test_starttls_delivers);
  ADD ("implicit-tls-delivers", test_implicit_tls_delivers);
  ADD ("read-back-by-curl", test_read_back_by_curl);
  ADD ("wrong-password", test_wrong_password);
  ADD ("certificate-for-other-host", test_certificate_for_other_host);
  ADD ("unknown-ca", test_unknown_ca);
  ADD ("server-down", test_server_down);
  ADD ("recipient-refused", test_recipient_refused);
  ADD ("cut-during-data", test_cut_during_data);
#undef ADD
  return g_test_run ();
}
