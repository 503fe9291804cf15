/* test-tor.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Postern's tor: the control-protocol and SOCKS parsers on their own, then,
 * on the private Tor network that tests/harness/with-servers --tornet runs
 * on 127.0.0.1 (../shared/tornet), a managed tor and an attached one, and
 * SMTorP mail between two profiles through onion services, as users run
 * it (postern-cli smtorp serve, send, sync), captured on lo to show that
 * nothing of it travels in the clear.
 */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "postern-core.h"
#include "postern-smtorp-onion.h"
#include "postern-socks.h"
#include "postern-test-util.h"
#include "postern-tor-control.h"
#include "postern-tor-reply.h"
#include "postern-tor.h"

/* --- parsers -------------------------------------------------------- */

static PosternTorReply *
feed (const char *text, GError **error)
{
  g_autoptr (PosternTorReply) reply = postern_tor_reply_new ();
  g_auto (GStrv) lines = g_strsplit (text, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL && !(reply->complete && !reply->in_data); i++)
    if (!postern_tor_reply_feed_line (reply, lines[i], strlen (lines[i]), error))
      return NULL;
  return g_steal_pointer (&reply);
}

static void
test_reply_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternTorReply) reply = NULL;
  g_autofree char *text = NULL;

  reply = feed ("250-ServiceID=abc\r\n250-PrivateKey=ED25519-V3:KEY\r\n250 OK\r\n", &error);
  g_assert_no_error (error);
  g_assert_true (reply->complete);
  g_assert_cmpuint (reply->code, ==, 250);
  g_assert_cmpuint (reply->lines->len, ==, 3);
  g_assert_cmpstr (postern_tor_reply_get_value (reply, "ServiceID"), ==, "abc");
  g_assert_cmpstr (postern_tor_reply_get_value (reply, "PrivateKey"), ==, "ED25519-V3:KEY");
  g_assert_null (postern_tor_reply_get_value (reply, "Service"));
  g_clear_pointer (&reply, postern_tor_reply_free);

  /* A data block: dot-stuffing undone, the lone dot ends it. */
  reply = feed ("250+config-text=\r\nSocksPort 9050\r\n..hidden\r\n.\r\n250 OK\r\n", &error);
  g_assert_no_error (error);
  g_assert_true (reply->complete);
  g_assert_cmpstr (postern_tor_reply_get_value (reply, "config-text"), ==,
                   "SocksPort 9050\n.hidden");
  text = postern_tor_reply_to_string (reply);
  g_assert_cmpstr (text, ==, "250 config-text=; OK");
  g_clear_pointer (&reply, postern_tor_reply_free);

  reply
    = feed ("650 STATUS_CLIENT NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY=\"Done\"", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reply->code, ==, 650);

  g_assert_null (feed ("250-a\r\n251 b", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "status codes differ"));
  g_clear_error (&error);
  g_assert_null (feed ("25 OK", &error));
  g_assert_nonnull (strstr (error->message, "without a status code"));
  g_clear_error (&error);
  g_assert_null (feed ("250*OK", &error));
  g_assert_nonnull (strstr (error->message, "separator"));
  g_clear_error (&error);
}

static void
test_args (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternTorArgs) args = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *back = NULL;

  args = postern_tor_args_parse ("NOTICE BOOTSTRAP PROGRESS=14 TAG=handshake "
                                 "SUMMARY=\"Handshaking with \\\"a\\\" relay\\n\\101\" \"x y\"",
                                 &error);
  g_assert_no_error (error);
  g_assert_cmpuint (args->words->len, ==, 3);
  g_assert_cmpstr (args->words->pdata[0], ==, "NOTICE");
  g_assert_cmpstr (args->words->pdata[1], ==, "BOOTSTRAP");
  g_assert_cmpstr (args->words->pdata[2], ==, "x y");
  g_assert_cmpstr (postern_tor_args_get (args, "PROGRESS"), ==, "14");
  g_assert_cmpstr (postern_tor_args_get (args, "SUMMARY"), ==, "Handshaking with \"a\" relay\nA");
  g_clear_pointer (&args, postern_tor_args_free);

  g_assert_null (postern_tor_args_parse ("KEY=\"open", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_null (postern_tor_args_parse ("KEY=\"a\\0\"", &error));
  g_clear_error (&error);
  g_assert_null (postern_tor_args_parse ("KEY=\"a\"b", &error));
  g_clear_error (&error);

  quoted = postern_tor_quote ("/a path/with \"quotes\" and \\");
  g_assert_cmpstr (quoted, ==, "\"/a path/with \\\"quotes\\\" and \\\\\"");
  back = postern_tor_unquote (quoted, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back, ==, "/a path/with \"quotes\" and \\");
}

static void
test_socks_reply (void)
{
  static const guint8 ipv4[] = { 5, 0, 0, 1, 127, 0, 0, 1, 0, 25, 'x' };
  static const guint8 name[] = { 5, 0, 0, 3, 3, 'a', 'b', 'c', 0, 25 };
  static const guint8 offline[] = { 5, 0xF0, 0, 1, 0, 0, 0, 0, 0, 0 };
  static const guint8 v4[] = { 4, 0, 0, 1, 0 };
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (postern_socks_parse_reply (ipv4, 4, &error), ==, 0);
  g_assert_cmpint (postern_socks_parse_reply (ipv4, 9, &error), ==, 0);
  g_assert_cmpint (postern_socks_parse_reply (ipv4, sizeof ipv4, &error), ==, 10);
  g_assert_cmpint (postern_socks_parse_reply (name, sizeof name, &error), ==, 10);
  g_assert_no_error (error);
  g_assert_cmpint (postern_socks_parse_reply (offline, sizeof offline, &error), ==, -1);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "not online"));
  g_assert_nonnull (strstr (error->message, "0xF0"));
  g_clear_error (&error);
  g_assert_cmpint (postern_socks_parse_reply (v4, sizeof v4, &error), ==, -1);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
}

static void
test_control_address (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) a = NULL;
  g_autoptr (GSocketAddress) b = NULL;
  g_autoptr (GSocketAddress) c = NULL;

  a = postern_tor_control_parse_address ("/run/tor/control", &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_UNIX_SOCKET_ADDRESS (a));
  b = postern_tor_control_parse_address ("9051", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (b)), ==, 9051);
  c = postern_tor_control_parse_address ("[::1]:9151", &error);
  g_assert_no_error (error);
  /* Cookies and commands never cross a network. */
  g_assert_null (postern_tor_control_parse_address ("192.0.2.1:9051", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (postern_tor_control_parse_address ("", &error));
  g_clear_error (&error);
  g_assert_null (postern_tor_new ("/tmp/x", "attach", "tor.example:9051", NULL, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
}

/* --- the private Tor network ------------------------------------------ */

static const char *
tornet_join (void)
{
  const char *join = g_getenv ("POSTERN_TORNET_JOIN");
  if (join == NULL || *join == '\0')
    {
      g_test_skip ("no private Tor network (tests/harness/with-servers --tornet)");
      return NULL;
    }
  return join;
}

static void
on_progress (PosternTor *tor, guint percent, const char *summary, gpointer data)
{
  GArray *seen = data;
  g_array_append_val (seen, percent);
}

static gboolean
control_answers (const char *sock)
{
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (sock);
  g_autoptr (PosternTorControl) control = postern_tor_control_connect (address, NULL, NULL);
  return control != NULL;
}

static gboolean
file_contains (const char *path, const char *needle)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  return memmem (data, len, needle, strlen (needle)) != NULL;
}

/* Postern's own tor joins the network, bootstraps with progress on the
 * way, publishes an onion service with a key kept in the profile, and
 * is gone once stopped. */
static void
test_managed (void)
{
  const char *join = tornet_join ();
  g_autofree char *dir = NULL;
  g_autofree char *sock = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *key = NULL;
  g_autofree char *onion = NULL;
  g_autofree char *again = NULL;
  g_autofree char *summary = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternTor) tor = NULL;
  g_autoptr (GSocketAddress) socks = NULL;
  g_autoptr (GArray) seen = g_array_new (FALSE, FALSE, sizeof (guint));
  gint64 start = g_get_monotonic_time ();
  struct stat st;

  if (join == NULL)
    return;
  dir = postern_test_make_tmpdir ("tor-managed");
  sock = g_build_filename (dir, "tor", "control.sock", NULL);
  key_path = g_build_filename (dir, "smtorp", "onion-key", NULL);
  log_path = g_build_filename (dir, "tor", "tor.log", NULL);
  tor = postern_tor_new (dir, "managed", NULL, join, &error);
  g_assert_no_error (error);
  g_signal_connect (tor, "progress", G_CALLBACK (on_progress), seen);
  g_assert_true (postern_tor_start_sync (tor, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("bootstrapped in %.1f s",
                  (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  g_assert_true (postern_tor_is_ready (tor));
  g_assert_true (postern_tor_is_managed (tor));
  g_assert_cmpuint (postern_tor_get_progress (tor, &summary), ==, 100);
  g_assert_cmpstr (summary, ==, "Done");
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (seen->len, >=, 2);
  g_assert_cmpuint (g_array_index (seen, guint, seen->len - 1), ==, 100);
  g_assert_cmpuint (g_array_index (seen, guint, 0), <, 100);
  socks = postern_tor_get_socks_address (tor);
  g_assert_true (G_IS_UNIX_SOCKET_ADDRESS (socks));
  g_assert_cmpint (g_stat (sock, &st), ==, 0);
  /* Starting again is a no-op. */
  g_assert_true (postern_tor_start_sync (tor, NULL, &error));

  onion = postern_smtorp_onion_publish (tor, dir, 2525, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (onion), ==, 56);
  g_assert_cmpint (g_stat (key_path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (key_path, &key, NULL, NULL));
  g_assert_true (g_str_has_prefix (key, "ED25519-V3:"));
  g_strstrip (key);
  g_assert_false (file_contains (log_path, key + strlen ("ED25519-V3:")));

  postern_tor_stop (tor);
  g_assert_false (postern_tor_is_ready (tor));
  g_assert_false (control_answers (sock));

  /* The same name after a restart: the key was kept. */
  g_assert_true (postern_tor_start_sync (tor, NULL, &error));
  again = postern_smtorp_onion_publish (tor, dir, 2525, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, onion);
  g_clear_object (&tor);
  g_assert_false (control_answers (sock));
  postern_test_rm_rf (dir);
}

/* A tor the user runs: the network's client, on a TCP control port with
 * cookie authentication (SAFECOOKIE, as it offers). */
static void
test_attach (void)
{
  const char *join = tornet_join ();
  const char *port = g_getenv ("TORNET_CLIENT_CONTROL_PORT");
  const char *socks_text = g_getenv ("TORNET_SOCKS");
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternTor) tor = NULL;
  g_autoptr (GSocketAddress) socks = NULL;
  g_autofree char *socks_seen = NULL;
  g_autofree char *dir = NULL;

  if (join == NULL)
    return;
  g_assert_nonnull (port);
  dir = postern_test_make_tmpdir ("tor-attach");
  tor = postern_tor_new (dir, "attach", port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (postern_tor_start_sync (tor, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (postern_tor_is_managed (tor));
  g_assert_cmpuint (postern_tor_get_progress (tor, NULL), ==, 100);
  socks = postern_tor_get_socks_address (tor);
  socks_seen = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (socks));
  g_assert_cmpstr (socks_seen, ==, socks_text);
  /* Detaching leaves the user's tor running. */
  postern_tor_stop (tor);
  g_clear_object (&tor);
  tor = postern_tor_new (dir, "attach", port, NULL, &error);
  g_assert_true (postern_tor_start_sync (tor, NULL, &error));
  g_assert_no_error (error);
  /* No tor there: an error that names the place. */
  g_clear_object (&tor);
  tor = postern_tor_new (dir, "attach", "/nonexistent/control", NULL, &error);
  g_assert_false (postern_tor_start_sync (tor, NULL, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "/nonexistent/control"));
  postern_test_rm_rf (dir);
}

/* --- SMTorP over the network ---------------------------------------- */

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static char *
read_line (GDataInputStream *in)
{
  g_autoptr (GError) error = NULL;
  char *line = g_data_input_stream_read_line (in, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static char *
make_profile (const char *dir, const char *name, const char *join)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (
    postern_test_run_cli (path, NULL, NULL, NULL, "config", "set", "smtorp.user", name, NULL), ==,
    0);
  g_assert_cmpint (
    postern_test_run_cli (path, NULL, NULL, NULL, "config", "set", "tor.extra-config", join, NULL),
    ==, 0);
  return path;
}

/* A profile that uses the network's client tor, already bootstrapped. */
static char *
make_attached_profile (const char *dir, const char *name)
{
  char *path = g_build_filename (dir, name, NULL);

  g_assert_cmpint (
    postern_test_run_cli (path, NULL, NULL, NULL, "config", "set", "tor.mode", "attach", NULL), ==,
    0);
  g_assert_cmpint (postern_test_run_cli (path, NULL, NULL, NULL, "config", "set", "tor.control",
                                         g_getenv ("TORNET_CLIENT_CONTROL_PORT"), NULL),
                   ==, 0);
  return path;
}

typedef struct
{
  GSubprocess *process;
  GDataInputStream *out;
  char *address;
  gboolean saw_done;
} Serve;

/* Bob's `smtorp serve`, until it prints its address: tor bootstrapped
 * and the onion service published. */
static void
serve_start (Serve *s, const char *profile)
{
  g_autoptr (GSubprocessLauncher) launcher
    = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr (GError) error = NULL;

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  s->process = g_subprocess_launcher_spawn (launcher, &error, postern_test_cli_path (), "--profile",
                                            profile, "smtorp", "serve", "--argon2-bits", "4", NULL);
  g_assert_no_error (error);
  s->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s->process));
  s->saw_done = FALSE;
  for (;;)
    {
      g_autofree char *line = read_line (s->out);
      if (g_str_equal (line, "tor 100% Done"))
        s->saw_done = TRUE;
      if (g_str_has_prefix (line, "address "))
        {
          g_free (s->address);
          s->address = g_strdup (line + strlen ("address "));
          break;
        }
    }
}

static char *
serve_next (Serve *s)
{
  return read_line (s->out);
}

static void
serve_stop (Serve *s)
{
  g_autoptr (GError) error = NULL;

  g_subprocess_send_signal (s->process, SIGTERM);
  g_subprocess_wait (s->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (s->process));
  g_assert_cmpint (g_subprocess_get_exit_status (s->process), ==, 0);
  g_clear_object (&s->out);
  g_clear_object (&s->process);
}

static guint
inbox_count (const char *profile)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) p = postern_profile_open (profile, FALSE, &error);
  PosternStore *store;

  g_assert_no_error (error);
  store = postern_profile_get_store (p, &error);
  g_assert_no_error (error);
  return postern_store_count (store, POSTERN_STORE_INBOX);
}

static char *
inbox_load (const char *profile, const char *id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) p = postern_profile_open (profile, FALSE, &error);
  g_autoptr (GBytes) bytes = NULL;
  PosternStore *store;

  g_assert_no_error (error);
  store = postern_profile_get_store (p, &error);
  bytes = postern_store_load (store, id, POSTERN_STORE_INBOX, NULL, &error);
  g_assert_no_error (error);
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static int
send_mail (const char *profile, const char *text, char **out_err)
{
  g_autoptr (GBytes) in = g_bytes_new (text, strlen (text));
  return postern_test_run_cli (profile, in, NULL, out_err, "send", NULL);
}

/* Sends @text (or, when %NULL, what is queued) the way the app retries:
 * on a loaded machine the first lookup of a fresh onion service can fail
 * ("not online") or take longer than the client waits, while the
 * network's directory catches up. Only a failure to reach the service
 * through tor is tried again, with `sync`: three times, or for four minutes. Any
 * other outcome is returned as it is. */
static int
deliver (const char *profile, const char *text, char **out_err)
{
  gint64 deadline = g_get_monotonic_time () + 240 * G_USEC_PER_SEC;
  char *err = NULL;
  int status;

  if (text != NULL)
    status = send_mail (profile, text, &err);
  else
    status = postern_test_run_cli (profile, NULL, NULL, &err, "sync", NULL);
  for (guint tries = 1; status == 1 && strstr (err, "through tor") != NULL
                        && (tries < 3 || g_get_monotonic_time () < deadline);
       tries++)
    {
      g_test_message ("retrying: %s", err);
      g_free (err);
      g_usleep (3 * G_USEC_PER_SEC);
      status = postern_test_run_cli (profile, NULL, NULL, &err, "sync", NULL);
    }
  *out_err = err;
  return status;
}

static const char subject[] = "Onion-only meeting notes 7f3a";
static const char body[] = "The body of this message, 91c2, must never be seen on the wire.\n";

/* dumpcap on lo (the test's own network namespace, so only its traffic)
 * from before bob's tor starts until the last message. */
static GSubprocess *
capture_start (const char *pcap)
{
  g_autofree char *dumpcap = g_find_program_in_path ("dumpcap");
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  GSubprocess *p;

  if (dumpcap == NULL && g_file_test ("/usr/bin/dumpcap", G_FILE_TEST_IS_EXECUTABLE))
    dumpcap = g_strdup ("/usr/bin/dumpcap");
  if (dumpcap == NULL)
    return NULL;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  p = g_subprocess_launcher_spawn (launcher, &error, dumpcap, "-q", "-i", "lo", "-P", "-w", pcap,
                                   NULL);
  g_assert_no_error (error);
  /* dumpcap writes the file header once it captures. */
  for (guint i = 0; i < 200 && !g_file_test (pcap, G_FILE_TEST_EXISTS); i++)
    g_usleep (25 * 1000);
  g_assert_true (g_file_test (pcap, G_FILE_TEST_EXISTS));
  return p;
}

static void
test_mail (void)
{
  const char *join = tornet_join ();
  g_autofree char *dir = NULL;
  g_autofree char *bob = NULL, *alice = NULL, *mallory = NULL, *cheap = NULL;
  g_autofree char *pcap = NULL;
  g_autofree char *message = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *second = NULL;
  g_autofree char *err = NULL;
  g_autofree char *line = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *first_address = NULL;
  g_autofree char *bob_sock = NULL;
  g_autofree char *alice_sock = NULL;
  g_autoptr (GSubprocess) capture = NULL;
  const char *alice_address = NULL;
  const char *label, *onion;
  Serve s = { 0 };
  gint64 start;

  if (join == NULL)
    return;
  dir = postern_test_make_tmpdir ("tor-mail");
  pcap = g_build_filename (dir, "lo.pcap", NULL);
  capture = capture_start (pcap);

  bob = make_profile (dir, "bob", join);
  bob_sock = g_build_filename (bob, "tor", "control.sock", NULL);
  alice = make_profile (dir, "alice", join);
  alice_sock = g_build_filename (alice, "tor", "control.sock", NULL);
  g_assert_cmpint (
    postern_test_run_cli (alice, NULL, NULL, NULL, "config", "set", "smtorp.stamp-bits", "4", NULL),
    ==, 0);
  /* Alice's own address: her onion would need a server; the network's
   * sink service's name stands in for it in her From. */
  alice_address = "alice@cwxwyowzagslemag2dowfsn2kdfydyaiy5h4226kiz6lcnrecqc2uxid.onion";
  g_assert_cmpint (postern_test_run_cli (alice, NULL, NULL, NULL, "account", "add", "alice",
                                         "--address", alice_address, NULL),
                   ==, 0);

  start = g_get_monotonic_time ();
  serve_start (&s, bob);
  g_test_message ("bob's onion service published in %.1f s",
                  (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  g_assert_true (s.saw_done);
  first_address = g_strdup (s.address);

  /* 1. Alice → bob: the message arrives as sent, with alice's stamp. */
  message = g_strdup_printf ("From: Alice <%s>\nTo: Bob <%s>\nSubject: %s\n"
                             "Date: Wed, 25 Nov 2026 10:00:00 +0000\n"
                             "Message-ID: <tor-1@example.onion>\n\n%s",
                             alice_address, s.address, subject, body);
  start = g_get_monotonic_time ();
  if (deliver (alice, message, &err) != 0)
    g_error ("alice's message was not sent: %s", err);
  g_test_message ("alice's send (her tor's bootstrap included) took %.1f s",
                  (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC);
  line = serve_next (&s);
  g_assert_true (g_str_has_prefix (line, "delivered "));
  stored = inbox_load (bob, line + strlen ("delivered "));
  {
    g_autofree char *lower = g_ascii_strdown (s.address, -1);
    g_autofree char *prefix = g_strdup_printf ("X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=4; "
                                               "r=%s; d=",
                                               lower);
    const char *nl = strchr (stored, '\n');
    g_assert_true (g_str_has_prefix (stored, prefix));
    g_assert_nonnull (nl);
    g_assert_cmpstr (nl + 1, ==, message);
  }
  /* Alice's tor went with her postern-cli. */
  g_assert_false (control_answers (alice_sock));
  onion = strchr (s.address, '.') + 1;
  label = strchr (s.address, '@') + 1;
  /* Nothing of that exchange in the clear on lo: not the subject, the
   * body, nor either address, not even bob's onion name (alice's tor takes
   * it on a unix socket). The capture did see traffic: the network's own
   * directory requests are plain HTTP. */
  if (capture != NULL)
    {
      g_subprocess_send_signal (capture, SIGTERM);
      g_subprocess_wait (capture, NULL, NULL);
      g_assert_true (file_contains (pcap, "GET /tor/"));
      g_assert_false (file_contains (pcap, subject));
      g_assert_false (file_contains (pcap, "91c2"));
      g_assert_false (file_contains (pcap, "bob@"));
      g_assert_false (file_contains (pcap, "alice@"));
      g_assert_false (file_contains (pcap, onion));
    }
  else
    g_test_message ("dumpcap (tshark) is not installed: no capture");

  /* The next two send through the network's client tor (tor.mode attach:
   * already bootstrapped) and are not part of the capture: its SOCKS port
   * is TCP on 127.0.0.1. */

  /* 2. A label for another key: refused in the TLS handshake. */
  mallory = make_attached_profile (dir, "mallory");
  g_assert_cmpint (postern_test_run_cli (mallory, NULL, NULL, NULL, "account", "add", "m",
                                         "--address", alice_address, NULL),
                   ==, 0);
  wrong = g_strdup_printf ("bob@%c%.15s.%s", label[0] == 'a' ? 'b' : 'a', label + 1, onion);
  {
    g_autofree char *text = g_strdup_printf ("To: %s\nSubject: %s\n\n%s", wrong, subject, body);
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (deliver (mallory, text, &err), ==, 1);
    if (strstr (err, "but the address says") == NULL)
      g_error ("not refused for its key: %s", err);
    g_assert_nonnull (strstr (err, "nothing was sent"));
  }

  /* 3. Stamps too weak for bob's policy: 550 5.7.1, and the message stays
   * queued (exit 1). */
  cheap = make_attached_profile (dir, "cheap");
  g_assert_cmpint (
    postern_test_run_cli (cheap, NULL, NULL, NULL, "config", "set", "smtorp.stamp-bits", "2", NULL),
    ==, 0);
  g_assert_cmpint (postern_test_run_cli (cheap, NULL, NULL, NULL, "account", "add", "c",
                                         "--address", alice_address, NULL),
                   ==, 0);
  {
    g_autofree char *text = g_strdup_printf ("To: %s\nSubject: %s\n\n%s", s.address, subject, body);
    g_clear_pointer (&err, g_free);
    if (deliver (cheap, text, &err) != 1 || strstr (err, "550 5.7.1") == NULL)
      g_error ("not refused for its stamp: %s", err);
  }
  g_assert_cmpuint (inbox_count (bob), ==, 1);

  /* 4. Bob offline: the message stays queued; once bob is back (the same
   * onion name, from the kept key), a sync delivers it. */
  serve_stop (&s);
  g_assert_false (control_answers (bob_sock));
  second = g_strdup_printf ("To: %s\nSubject: while you were away\n\n%s", first_address, body);
  g_clear_pointer (&err, g_free);
  start = g_get_monotonic_time ();
  if (send_mail (alice, second, &err) != 1)
    g_error ("sent to an offline service: %s", err);
  g_test_message ("offline detected in %.1f s: %s",
                  (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC, err);
  g_assert_nonnull (strstr (err, "stays in the outbox"));
  g_assert_nonnull (strstr (err, "through tor"));
  serve_start (&s, bob);
  g_assert_cmpstr (s.address, ==, first_address);
  g_clear_pointer (&err, g_free);
  if (deliver (alice, NULL, &err) != 0)
    g_error ("the queued message was not sent: %s", err);
  g_clear_pointer (&line, g_free);
  line = serve_next (&s);
  g_assert_true (g_str_has_prefix (line, "delivered "));
  g_assert_cmpuint (inbox_count (bob), ==, 2);
  serve_stop (&s);

  g_free (s.address);
  postern_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Tor/reply-parse", test_reply_parse);
  g_test_add_func ("/Postern/Tor/args", test_args);
  g_test_add_func ("/Postern/Tor/socks-reply", test_socks_reply);
  g_test_add_func ("/Postern/Tor/control-address", test_control_address);
  g_test_add_func ("/Postern/Tor/managed", test_managed);
  g_test_add_func ("/Postern/Tor/attach", test_attach);
  g_test_add_func ("/Postern/Tor/mail", test_mail);
  return g_test_run ();
}
