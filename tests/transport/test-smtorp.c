/* test-smtorp.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SMTorP (docs/protocols/smtorp.md) on loopback: the server identity and
 * its fingerprint, checked against openssl's reading of the certificate;
 * the server's command parser; bob's real server, in a thread of its own,
 * against a raw TLS client that says exactly what each case needs (no
 * stamp, a weak or replayed one, one from the hashcash tool, an over-long
 * line, too many recipients, a client too slow to finish a line), and
 * against openssl s_client offering TLS 1.1 only; alice's client sending to
 * bob's server, in-process and through postern-cli, pinned to bob's key.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "postern-core.h"
#include "postern-smtorp-command.h"
#include "postern-smtorp-identity.h"
#include "postern-smtorp-server.h"
#include "postern-transport-smtorp.h"
#include "postern-test-util.h"

static char *openssl_tls11 (guint16 port);

/* Made-up version 3 onion names: 56 base32 characters ending in "d". */
#define BOB_ONION "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"
#define ALICE_ONION "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaad"
#define CAROL_ONION "ccccccccccccccccccccccccccccccccccccccccccccccccccccccad"

typedef struct
{
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("smtorp");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
}

static char *
run_shell (const char *script)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  int status = 0;
  const char *argv[] = { "/bin/sh", "-c", script, NULL };

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return g_strstrip (g_steal_pointer (&out));
}

static void
test_fingerprint_known_answers (void)
{
  g_autofree char *empty = postern_smtorp_fingerprint_of_spki ((const guint8 *) "", 0);
  g_autofree char *word = postern_smtorp_fingerprint_of_spki ((const guint8 *) "smtorp", 6);

  /* Python's base64.b32encode (lowercased, unpadded) of SHA-256. */
  g_assert_cmpstr (empty, ==, "4oymiquy7qobjgx36tejs35zeqt24qpemsnzgtfeswmrw6csxbk");
  g_assert_cmpstr (word, ==, "vndjrsoo6fysbmwrlmsioyihmspvjulr4o26iq7dctwmwng6xek");
  g_assert_true (postern_smtorp_fingerprint_matches (word, "vndjrsoo6fysbmwr"));
  g_assert_true (postern_smtorp_fingerprint_matches (word, "VNDJ"));
  g_assert_true (postern_smtorp_fingerprint_matches (word, word));
  g_assert_false (postern_smtorp_fingerprint_matches (word, "vndjrsoo6fysbmwq"));
  /* Fewer than 20 bits is no pin at all. */
  g_assert_false (postern_smtorp_fingerprint_matches (word, "vnd"));
  g_assert_false (postern_smtorp_fingerprint_matches (word, ""));
}

static void
test_identity_created_once (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternSmtorpIdentity) first = postern_smtorp_identity_load (f->dir, &error);
  g_autoptr (PosternSmtorpIdentity) again = NULL;
  g_autofree char *key = g_build_filename (f->dir, "smtorp", "key.pem", NULL);
  g_autofree char *cert = g_build_filename (f->dir, "smtorp", "cert.pem", NULL);
  g_autofree char *smtorp = g_build_filename (f->dir, "smtorp", NULL);
  g_autofree char *script = NULL;
  g_autofree char *openssl_fp = NULL;
  g_autofree char *text = NULL;
  const char *fp;
  struct stat st;

  g_assert_no_error (error);
  fp = postern_smtorp_identity_get_fingerprint (first);
  g_assert_cmpuint (strlen (fp), ==, 51);
  g_assert_cmpuint (strspn (fp, "abcdefghijklmnopqrstuvwxyz234567"), ==, 51);

  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (smtorp, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* Another implementation reads the same fingerprint out of the file. */
  script = g_strdup_printf ("openssl x509 -in '%s' -pubkey -noout"
                            " | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary"
                            " | base32 -w0 | tr A-Z a-z | cut -c1-51",
                            cert);
  openssl_fp = run_shell (script);
  g_assert_cmpstr (openssl_fp, ==, fp);

  /* A self-signed P-256 certificate that names nobody. */
  g_clear_pointer (&script, g_free);
  script = g_strdup_printf ("openssl x509 -in '%s' -noout -subject -issuer -text", cert);
  text = run_shell (script);
  g_assert_nonnull (strstr (text, "subject=CN = smtorp"));
  g_assert_nonnull (strstr (text, "issuer=CN = smtorp"));
  g_assert_nonnull (strstr (text, "prime256v1"));

  /* Loading again keeps the identity; a key made readable is made private. */
  g_assert_cmpint (g_chmod (key, 0644), ==, 0);
  again = postern_smtorp_identity_load (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (postern_smtorp_identity_get_fingerprint (again), ==, fp);
  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_nonnull (postern_smtorp_identity_get_certificate (again));

  g_assert_finalize_object (g_steal_pointer (&again));
  g_assert_finalize_object (g_steal_pointer (&first));
}

static void
test_identity_address (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternSmtorpIdentity) id = postern_smtorp_identity_load (f->dir, &error);
  g_autofree char *hostname = g_build_filename (f->dir, "smtorp", "hostname", NULL);
  g_autofree char *onion = NULL;
  g_autofree char *address = NULL;
  g_autofree char *expect = NULL;
  g_autofree char *full = NULL;
  g_autoptr (PosternAddress) parsed = NULL;
  const char *fp;

  g_assert_no_error (error);
  fp = postern_smtorp_identity_get_fingerprint (id);

  /* No onion service yet: no name, and no error either. */
  onion = postern_smtorp_identity_get_onion (id, &error);
  g_assert_no_error (error);
  g_assert_null (onion);

  g_assert_true (g_file_set_contents (hostname, BOB_ONION ".onion\n", -1, NULL));
  onion = postern_smtorp_identity_get_onion (id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (onion, ==, BOB_ONION);

  address = postern_smtorp_identity_build_address (id, "bob", onion, &error);
  g_assert_no_error (error);
  expect = g_strdup_printf ("bob@%.16s." BOB_ONION ".onion", fp);
  g_assert_cmpstr (address, ==, expect);
  parsed = postern_address_parse (address, &error);
  g_assert_no_error (error);
  g_assert_cmpint (postern_address_get_kind (parsed), ==, POSTERN_ADDRESS_ONION);
  g_assert_true (postern_smtorp_fingerprint_matches (fp, postern_address_get_fingerprint (parsed)));

  full = postern_smtorp_address_build ("bob", fp, 255, BOB_ONION ".onion", &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (full, fp));

  g_assert_null (postern_smtorp_address_build ("bob", fp, 82, BOB_ONION, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (postern_smtorp_address_build ("bob", fp, 15, BOB_ONION, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (postern_smtorp_address_build ("bob", fp, 80, "example.com", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (postern_smtorp_address_build ("b b", fp, 80, BOB_ONION, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (hostname, "not-an-onion\n", -1, NULL));
  g_assert_null (postern_smtorp_identity_get_onion (id, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
}

static PosternSmtorpCommand *
parse_ok (const char *line)
{
  g_autoptr (GError) error = NULL;
  PosternSmtorpCommand *cmd = postern_smtorp_command_parse (line, strlen (line), &error);

  g_assert_no_error (error);
  g_assert_nonnull (cmd);
  return cmd;
}

static void
assert_refused (const char *line, gsize len, PosternSmtorpCommandError code, const char *reply)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternSmtorpCommand) cmd = postern_smtorp_command_parse (line, len, &error);

  g_assert_null (cmd);
  g_assert_error (error, POSTERN_SMTORP_COMMAND_ERROR, (gint) code);
  g_assert_cmpstr (postern_smtorp_command_error_reply (error), ==, reply);
}

static void
test_command_parse (void)
{
  g_autoptr (PosternSmtorpCommand) ehlo = parse_ok ("EHLO [127.0.0.1]\r\n");
  g_autoptr (PosternSmtorpCommand) helo = parse_ok ("helo client.example");
  g_autoptr (PosternSmtorpCommand) mail = parse_ok ("MAIL FROM:<alice@" BOB_ONION ".onion> "
                                                    "SIZE=1234 body=8bitmime\r\n");
  g_autoptr (PosternSmtorpCommand) null_sender = parse_ok ("mail from: <>  \r\n");
  g_autoptr (PosternSmtorpCommand) rcpt = parse_ok ("RCPT TO:<Bob@Example.onion>\n");
  g_autoptr (PosternSmtorpCommand) quoted = parse_ok ("RCPT TO:<\"b o\\\"b\"@[192.0.2.1]>");
  g_autoptr (PosternSmtorpCommand) routed
    = parse_ok ("RCPT TO:<@a.example,@b.example:c@d.example>");
  g_autoptr (PosternSmtorpCommand) postmaster = parse_ok ("RCPT TO:<postmaster>");
  g_autoptr (PosternSmtorpCommand) noop = parse_ok ("NOOP whatever you like");
  g_autoptr (PosternSmtorpCommand) data = parse_ok ("DATA");
  g_autoptr (PosternSmtorpCommand) rset = parse_ok ("rset");
  g_autoptr (PosternSmtorpCommand) quit = parse_ok ("QUIT\r\n");

  g_assert_cmpint (ehlo->verb, ==, POSTERN_SMTORP_EHLO);
  g_assert_cmpstr (ehlo->domain, ==, "[127.0.0.1]");
  g_assert_cmpint (helo->verb, ==, POSTERN_SMTORP_HELO);
  g_assert_cmpstr (helo->domain, ==, "client.example");
  g_assert_cmpint (mail->verb, ==, POSTERN_SMTORP_MAIL);
  g_assert_cmpstr (mail->address, ==, "alice@" BOB_ONION ".onion");
  g_assert_true (mail->has_size);
  g_assert_cmpuint (mail->size, ==, 1234);
  g_assert_cmpint (mail->body, ==, POSTERN_SMTORP_BODY_8BITMIME);
  g_assert_cmpstr (null_sender->address, ==, "");
  g_assert_false (null_sender->has_size);
  g_assert_cmpint (null_sender->body, ==, POSTERN_SMTORP_BODY_UNSPECIFIED);
  g_assert_cmpint (rcpt->verb, ==, POSTERN_SMTORP_RCPT);
  g_assert_cmpstr (rcpt->address, ==, "Bob@Example.onion");
  g_assert_cmpstr (quoted->address, ==, "\"b o\\\"b\"@[192.0.2.1]");
  g_assert_cmpstr (routed->address, ==, "c@d.example");
  g_assert_cmpstr (postmaster->address, ==, "postmaster");
  g_assert_cmpint (noop->verb, ==, POSTERN_SMTORP_NOOP);
  g_assert_cmpint (data->verb, ==, POSTERN_SMTORP_DATA);
  g_assert_cmpint (rset->verb, ==, POSTERN_SMTORP_RSET);
  g_assert_cmpint (quit->verb, ==, POSTERN_SMTORP_QUIT);
}

static void
test_command_refused (void)
{
  g_autoptr (GString) long_line = g_string_new ("NOOP ");
  g_autofree char *long_rcpt = NULL;
  const char with_nul[] = "MAIL FROM:<a@b\0c>";

#define REFUSED(line, code, reply) \
  assert_refused (line, strlen (line), POSTERN_SMTORP_COMMAND_ERROR_##code, reply)
  REFUSED ("", UNKNOWN, "500 5.5.1");
  REFUSED ("GET / HTTP/1.1", UNKNOWN, "500 5.5.1");
  REFUSED ("EHLOX a", UNKNOWN, "500 5.5.1");
  REFUSED ("VRFY bob", NOT_IMPLEMENTED, "502 5.5.1");
  REFUSED ("STARTTLS", NOT_IMPLEMENTED, "502 5.5.1");
  REFUSED ("EHLO", SYNTAX, "501 5.5.4");
  REFUSED ("EHLO a b", SYNTAX, "501 5.5.4");
  REFUSED ("EHLO a\tb", SYNTAX, "501 5.5.4");
  REFUSED ("EHLO caf\xc3\xa9", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:a@b", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL TO:<a@b>", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@b", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a..b@c>", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@-b>", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@b>SIZE=1", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@b> SIZE=", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@b> SIZE=-1", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@b> SIZE=99999999999999999999", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@b> SIZE=1 SIZE=2", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@b> BODY=BINARYMIME", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@b> RET=HDRS", PARAMETER, "555 5.5.4");
  REFUSED ("RCPT TO:<a@b> NOTIFY=NEVER", PARAMETER, "555 5.5.4");
  REFUSED ("RCPT TO:<>", SYNTAX, "501 5.5.4");
  REFUSED ("RCPT TO:<a>", SYNTAX, "501 5.5.4");
  REFUSED ("DATA now", SYNTAX, "501 5.5.4");
  REFUSED ("QUIT please", SYNTAX, "501 5.5.4");
  REFUSED ("MAIL FROM:<a@b>\rRCPT TO:<c@d>", SYNTAX, "501 5.5.4");
#undef REFUSED
  assert_refused (with_nul, sizeof with_nul - 1, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX, "501 5.5.4");

  /* 1000 octets with the CRLF is the most a line may have. */
  while (long_line->len < 998)
    g_string_append_c (long_line, 'x');
  g_string_append (long_line, "\r\n");
  postern_smtorp_command_free (parse_ok (long_line->str));
  g_string_insert_c (long_line, 5, 'x');
  assert_refused (long_line->str, long_line->len, POSTERN_SMTORP_COMMAND_ERROR_TOO_LONG,
                  "500 5.5.2");
  /* A path may be 256 octets with its brackets; the local part 64. */
  long_rcpt = g_strdup_printf ("RCPT TO:<%0*d@b>", 65, 0);
  assert_refused (long_rcpt, strlen (long_rcpt), POSTERN_SMTORP_COMMAND_ERROR_SYNTAX, "501 5.5.4");
}

static PosternPowPolicy
test_policy (void)
{
  PosternPowPolicy p;

  postern_pow_policy_init_default (&p);
  /* Cheap stamps keep the tests fast; the checks are the same. */
  p.argon2_bits = 4;
  p.hashcash_base_bits = 8;
  p.hashcash_step_days = 0;
  return p;
}

/* A real server on a main context in a thread of its own, so the test can
 * talk to it with blocking calls, as any other client would. */
typedef struct
{
  PosternSmtorpServer *server;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean ready;
  guint16 port;
} TestServer;

static gpointer
server_thread (gpointer data)
{
  TestServer *t = data;
  g_autoptr (GError) error = NULL;
  PosternSmtorpServer *alive;

  g_main_context_push_thread_default (t->context);
  postern_smtorp_server_listen (t->server, 0, &error);
  g_assert_no_error (error);
  g_mutex_lock (&t->lock);
  t->port = postern_smtorp_server_get_port (t->server);
  t->ready = TRUE;
  g_cond_signal (&t->cond);
  g_mutex_unlock (&t->lock);

  g_main_loop_run (t->loop);

  /* Sessions finish closing on this context; the server must go away
   * with them, or something leaked a reference. */
  alive = t->server;
  g_object_add_weak_pointer (G_OBJECT (alive), (gpointer *) &alive);
  postern_smtorp_server_stop (t->server);
  g_clear_object (&t->server);
  while (alive != NULL)
    g_main_context_iteration (t->context, TRUE);
  g_main_context_pop_thread_default (t->context);
  return NULL;
}

/* Starts @profile's server with the test policy, and more options. */
static TestServer *
test_server_start (const char *profile, guint timeout, guint64 max_size)
{
  g_autoptr (GError) error = NULL;
  TestServer *t = g_new0 (TestServer, 1);
  PosternPowPolicy policy = test_policy ();

  t->server = postern_smtorp_server_new (profile, &error);
  g_assert_no_error (error);
  postern_smtorp_server_set_policy (t->server, &policy);
  if (timeout != 0)
    postern_smtorp_server_set_timeout (t->server, timeout);
  if (max_size != 0)
    postern_smtorp_server_set_max_size (t->server, max_size);
  t->context = g_main_context_new ();
  t->loop = g_main_loop_new (t->context, FALSE);
  g_mutex_init (&t->lock);
  g_cond_init (&t->cond);
  t->thread = g_thread_new ("smtorp-server", server_thread, t);
  g_mutex_lock (&t->lock);
  while (!t->ready)
    g_cond_wait (&t->cond, &t->lock);
  g_mutex_unlock (&t->lock);
  return t;
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_server_stop (TestServer *t)
{
  g_main_context_invoke (t->context, quit_loop, t->loop);
  g_thread_join (t->thread);
  g_main_loop_unref (t->loop);
  g_main_context_unref (t->context);
  g_mutex_clear (&t->lock);
  g_cond_clear (&t->cond);
  g_free (t);
}

/* Bob's profile and his running server. */
typedef struct
{
  char *dir;
  char *bob;         /* bob's profile */
  char *bob_address; /* bob@FP16.BOB_ONION.onion */
  TestServer *bob_server;
  PosternSmtorpServer *server; /* bob_server's, for short */
  guint16 port;
} ServerFixture;

static char *
make_profile (const char *dir, const char *user, const char *onion)
{
  g_autoptr (GError) error = NULL;
  char *path = g_build_filename (dir, user, NULL);
  g_autoptr (PosternProfile) profile = postern_profile_open (path, TRUE, &error);
  g_autoptr (PosternSmtorpIdentity) identity = NULL;
  g_autofree char *hostname = NULL;

  g_assert_no_error (error);
  g_assert_true (postern_profile_set_setting (profile, "smtorp.user", user, &error));
  g_assert_no_error (error);
  identity = postern_smtorp_identity_load (path, &error);
  g_assert_no_error (error);
  /* Until Postern runs tor, the onion name is written by hand. */
  hostname = g_build_filename (path, "smtorp", "hostname", NULL);
  if (onion != NULL)
    g_assert_true (g_file_set_contents (hostname, onion, -1, NULL));
  return path;
}

static char *
address_of (const char *profile, const char *user, const char *onion)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternSmtorpIdentity) identity = postern_smtorp_identity_load (profile, &error);
  char *address;

  g_assert_no_error (error);
  address = postern_smtorp_identity_build_address (identity, user, onion, &error);
  g_assert_no_error (error);
  return address;
}

typedef struct
{
  guint timeout;
  guint64 max_size;
} ServerOptions;

static const ServerOptions defaults = { 0, 0 };
static const ServerOptions short_timeout = { 1, 0 };
static const ServerOptions small_size = { 0, 64 * 1024 };

static void
bob_start (ServerFixture *f, const ServerOptions *options)
{
  f->bob_server = test_server_start (f->bob, options->timeout, options->max_size);
  f->server = f->bob_server->server;
  f->port = f->bob_server->port;
}

static void
bob_stop (ServerFixture *f)
{
  if (f->bob_server == NULL)
    return;
  test_server_stop (f->bob_server);
  f->bob_server = NULL;
  f->server = NULL;
  f->port = 0;
}

static void
server_set_up (ServerFixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("smtorp");
  f->bob = make_profile (f->dir, "bob", BOB_ONION ".onion\n");
  f->bob_address = address_of (f->bob, "bob", BOB_ONION);
  bob_start (f, data);
}

static void
server_tear_down (ServerFixture *f, gconstpointer data)
{
  bob_stop (f);
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->bob);
  g_free (f->bob_address);
}

static PosternSmtorpServerStats
server_stats (ServerFixture *f)
{
  PosternSmtorpServerStats stats;

  postern_smtorp_server_get_stats (f->server, &stats);
  return stats;
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

/* The one message in @profile's INBOX, with its lock. */
static char *
inbox_message (const char *profile, PosternLock *out_lock)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) p = postern_profile_open (profile, FALSE, &error);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GBytes) bytes = NULL;
  PosternMessageRow *row;
  PosternStore *store;

  g_assert_no_error (error);
  store = postern_profile_get_store (p, &error);
  g_assert_no_error (error);
  rows = postern_store_list (store, POSTERN_STORE_INBOX, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  row = rows->pdata[0];
  bytes = postern_store_load (store, row->id, POSTERN_STORE_INBOX, NULL, &error);
  g_assert_no_error (error);
  if (out_lock != NULL)
    *out_lock = row->lock;
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* A raw client: TLS without any check (the test knows whom it talks to),
 * then lines in and replies out. */
typedef struct
{
  GIOStream *tls;
  GDataInputStream *in;
} Raw;

static gboolean
accept_any (GTlsConnection *conn, GTlsCertificate *peer, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

static void
raw_free (Raw *r)
{
  g_clear_object (&r->in);
  if (r->tls != NULL)
    g_io_stream_close (r->tls, NULL, NULL);
  g_clear_object (&r->tls);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Raw, raw_free)

/* The whole reply, lines joined with "\n", or NULL when the server closed
 * the connection instead. */
static char *
raw_reply (Raw *r)
{
  g_autoptr (GString) text = g_string_new (NULL);

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      gsize len;
      g_autofree char *line = g_data_input_stream_read_line (r->in, &len, NULL, &error);

      if (line == NULL)
        return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (text->len > 0)
        g_string_append_c (text, '\n');
      g_string_append (text, line);
      if (len < 4 || line[3] != '-')
        return g_string_free (g_steal_pointer (&text), FALSE);
    }
}

static void
raw_send (Raw *r, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (r->tls), text, strlen (text), NULL,
                             NULL, &error);
  g_assert_no_error (error);
}

static void
assert_reply (Raw *r, const char *prefix)
{
  g_autofree char *reply = raw_reply (r);

  if (reply == NULL || !g_str_has_prefix (reply, prefix))
    g_error ("expected a reply starting \"%s\", got \"%s\"", prefix, reply ? reply : "(closed)");
}

/* Expects @prefix, then the end of the connection. */
static void
assert_closed_after (Raw *r, const char *prefix)
{
  g_autofree char *last = NULL;

  assert_reply (r, prefix);
  last = raw_reply (r);
  g_assert_null (last);
}

static Raw *
raw_connect (guint16 port)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  Raw *r = g_new0 (Raw, 1);

  g_socket_client_set_timeout (client, 30);
  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  r->tls = g_tls_client_connection_new (G_IO_STREAM (conn), NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (r->tls, "accept-certificate", G_CALLBACK (accept_any), NULL);
  g_tls_connection_handshake (G_TLS_CONNECTION (r->tls), NULL, &error);
  g_assert_no_error (error);
  r->in = g_data_input_stream_new (g_io_stream_get_input_stream (r->tls));
  g_data_input_stream_set_newline_type (r->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  assert_reply (r, "220 " BOB_ONION ".onion ESMTP");
  return r;
}

/* EHLO, MAIL and RCPT for each of @rcpts, and DATA. */
static Raw *
raw_begin (ServerFixture *f, const char *const *rcpts)
{
  Raw *r = raw_connect (f->port);
  g_autofree char *caps = NULL;

  raw_send (r, "EHLO [127.0.0.1]\r\n");
  caps = raw_reply (r);
  g_assert_nonnull (strstr (caps, "\n250-SIZE "));
  g_assert_nonnull (strstr (caps, "250-PIPELINING"));
  raw_send (r, "MAIL FROM:<alice@example.onion>\r\n");
  assert_reply (r, "250 2.1.0");
  for (guint i = 0; rcpts[i] != NULL; i++)
    {
      g_autofree char *line = g_strdup_printf ("RCPT TO:<%s>\r\n", rcpts[i]);
      raw_send (r, line);
      assert_reply (r, "250 2.1.5");
    }
  raw_send (r, "DATA\r\n");
  assert_reply (r, "354 ");
  return r;
}

static char *
stamp_header (PosternPowAlgorithm alg, guint bits, const char *resource)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternPowStamp) stamp = postern_pow_mint (
    alg, bits, resource, 0, 0, g_get_real_time () / G_USEC_PER_SEC, NULL, &error);

  g_assert_no_error (error);
  return postern_pow_stamp_to_header (stamp);
}

static const char body_text[] = "From: alice@example.onion\r\n"
                                "To: bob\r\n"
                                "Subject: over loopback\r\n"
                                "\r\n"
                                "Hello Bob.\r\n"
                                "..a line that starts with a dot\r\n";

/* Sends @headers and the body, ends DATA and returns the reply. */
static char *
raw_finish (Raw *r, const char *headers)
{
  raw_send (r, headers);
  raw_send (r, body_text);
  raw_send (r, ".\r\n");
  return raw_reply (r);
}

static void
test_server_delivers (ServerFixture *f, gconstpointer data)
{
  const char *rcpts[] = { f->bob_address, NULL };
  g_autoptr (Raw) r = raw_begin (f, rcpts);
  g_autofree char *stamp = stamp_header (POSTERN_POW_ARGON2ID, 4, f->bob_address);
  g_autofree char *headers = g_strconcat (stamp, "\r\n", NULL);
  g_autofree char *reply = raw_finish (r, headers);
  g_autofree char *stored = NULL;
  g_autofree char *expect = NULL;
  g_autofree char *sha = NULL;
  PosternLock lock = POSTERN_LOCK_UNKNOWN;

  g_assert_true (g_str_has_prefix (reply, "250 2.0.0 Stored as "));
  stored = inbox_message (f->bob, &lock);
  g_assert_cmpint (lock, ==, POSTERN_LOCK_ONION);
  /* Stored with LF line ends and the dot unstuffed; nothing added. */
  expect = g_strdup_printf ("%s\nFrom: alice@example.onion\nTo: bob\nSubject: over loopback\n\n"
                            "Hello Bob.\n.a line that starts with a dot\n",
                            stamp);
  g_assert_cmpstr (stored, ==, expect);
  /* The reply names the id: the first 24 hex digits of SHA-256 of the bytes. */
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, stored, -1);
  g_assert_cmpstr (reply + strlen ("250 2.0.0 Stored as "), ==, (sha[24] = '\0', sha));
  raw_send (r, "QUIT\r\n");
  assert_closed_after (r, "221 2.0.0");
  g_assert_cmpuint (server_stats (f).delivered, ==, 1);
}

/* Every refusal of a stamp is a 550 5.7.1 that says why, and stores nothing. */
static void
assert_stamp_refused (ServerFixture *f, const char *headers, const char *why)
{
  const char *rcpts[] = { f->bob_address, NULL };
  g_autoptr (Raw) r = raw_begin (f, rcpts);
  g_autofree char *reply = raw_finish (r, headers);

  if (!g_str_has_prefix (reply, "550 5.7.1 ") || strstr (reply, why) == NULL)
    g_error ("expected 550 5.7.1 … %s, got %s", why, reply);
  /* The session goes on after a refused message. */
  raw_send (r, "NOOP\r\n");
  assert_reply (r, "250 ");
}

static void
test_server_stamp_refused (ServerFixture *f, gconstpointer data)
{
  g_autofree char *weak = stamp_header (POSTERN_POW_ARGON2ID, 2, f->bob_address);
  g_autofree char *weak_headers = g_strconcat (weak, "\r\n", NULL);
  g_autofree char *other = stamp_header (POSTERN_POW_ARGON2ID, 4, "carol@" BOB_ONION ".onion");
  g_autofree char *other_headers = g_strconcat (other, "\r\n", NULL);
  g_autofree char *good = stamp_header (POSTERN_POW_ARGON2ID, 4, f->bob_address);
  g_autofree char *good_headers = g_strconcat (good, "\r\n", NULL);
  g_autofree char *forged = NULL;
  const char *rcpts[] = { f->bob_address, NULL };

  assert_stamp_refused (f, "", "no proof-of-work stamp");
  assert_stamp_refused (f, weak_headers, "2 bits of work, 4 required");
  assert_stamp_refused (f, other_headers, "no proof-of-work stamp");
  /* A stamp that claims more work than was done. */
  {
    g_auto (GStrv) parts = g_strsplit (good_headers, "b=4;", 2);
    forged = g_strjoinv ("b=30;", parts);
  }
  assert_stamp_refused (f, forged, "zero bits, not the 30 it claims");
  g_assert_cmpuint (inbox_count (f->bob), ==, 0);

  /* The first use pays; the same stamp again is refused. */
  {
    g_autoptr (Raw) r = raw_begin (f, rcpts);
    g_autofree char *reply = raw_finish (r, good_headers);
    g_assert_true (g_str_has_prefix (reply, "250 2.0.0"));
  }
  assert_stamp_refused (f, good_headers, "already spent");
  g_assert_cmpuint (inbox_count (f->bob), ==, 1);
  g_assert_cmpuint (server_stats (f).refused, ==, 5);
}

/* The Debian hashcash tool mints a stamp the server accepts. */
static void
test_server_hashcash_tool (ServerFixture *f, gconstpointer data)
{
  g_autofree char *tool = g_find_program_in_path ("hashcash");
  const char *rcpts[] = { f->bob_address, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *headers = NULL;
  g_autofree char *reply = NULL;
  g_autoptr (Raw) r = NULL;
  int status = 0;

  if (tool == NULL)
    {
      g_test_skip ("the hashcash tool is not installed (Debian package hashcash)");
      return;
    }
  {
    const char *argv[] = { tool, "-mq", "-b", "10", "-r", f->bob_address, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, &status,
                  &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  /* -X would fold the stamp inside its token; the bare stamp on one line
   * is the header field. */
  headers = g_strdup_printf ("X-Hashcash: %s\r\n", g_strstrip (out));
  r = raw_begin (f, rcpts);
  reply = raw_finish (r, headers);
  g_assert_true (g_str_has_prefix (reply, "250 2.0.0"));
  g_assert_cmpuint (inbox_count (f->bob), ==, 1);
}

static void
test_server_local_only (ServerFixture *f, gconstpointer data)
{
  g_autoptr (Raw) r = raw_connect (f->port);
  g_autofree char *short_label = NULL;
  g_autofree char *no_label = g_strdup ("bob@" BOB_ONION ".onion");
  g_autofree char *wrong_label = g_strdup_printf ("bob@aaaaaaaa.%s.onion", BOB_ONION);
  g_autofree char *line = NULL;
  const char *fp = postern_smtorp_server_get_fingerprint (f->server);
  const char *refused[] = {
    "alice@" BOB_ONION ".onion",
    "bob@example.com",
    "bob@"
    "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscrzd.onion",
    "postmaster",
    NULL,
  };

  raw_send (r, "MAIL FROM:<alice@example.onion>\r\n");
  assert_reply (r, "503 5.5.1");
  raw_send (r, "HELO client\r\n");
  assert_reply (r, "250 " BOB_ONION ".onion");
  raw_send (r, "RCPT TO:<bob@" BOB_ONION ".onion>\r\n");
  assert_reply (r, "503 5.5.1");
  raw_send (r, "MAIL FROM:<> SIZE=26214401\r\n");
  assert_reply (r, "552 5.3.4");
  raw_send (r, "MAIL FROM:<>\r\n");
  assert_reply (r, "250 ");
  for (guint i = 0; refused[i] != NULL; i++)
    {
      g_clear_pointer (&line, g_free);
      line = g_strdup_printf ("RCPT TO:<%s>\r\n", refused[i]);
      raw_send (r, line);
      assert_reply (r, "550 5.1.1");
    }
  raw_send (r, "DATA\r\n");
  assert_reply (r, "554 5.5.1");
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("RCPT TO:<%s>\r\n", wrong_label);
  raw_send (r, line);
  assert_reply (r, "550 5.1.1");
  /* Any length of the right label, or none, is bob. */
  short_label = g_strdup_printf ("Bob@%.4s.%s.onion", fp, BOB_ONION);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("RCPT TO:<%s>\r\nRCPT TO:<%s>\r\nRCPT TO:<%s>\r\n", short_label, no_label,
                          f->bob_address);
  raw_send (r, line);
  assert_reply (r, "250 2.1.5");
  assert_reply (r, "250 2.1.5");
  assert_reply (r, "250 2.1.5");
  raw_send (r, "VRFY bob\r\n");
  assert_reply (r, "502 5.5.1");
  raw_send (r, "RSET\r\n");
  assert_reply (r, "250 2.0.0");
  g_assert_cmpuint (server_stats (f).transactions, ==, 1);

  /* Stopping the server ends the sessions still open. */
  bob_stop (f);
  g_assert_null (raw_reply (r));
}

static void
test_server_long_line (ServerFixture *f, gconstpointer data)
{
  const char *rcpts[] = { f->bob_address, NULL };
  g_autoptr (Raw) r = raw_connect (f->port);
  g_autoptr (Raw) in_data = NULL;
  g_autoptr (GString) line = g_string_new ("NOOP ");

  /* 999 octets with the CRLF are fine, 1001 are not. */
  while (line->len < 997)
    g_string_append_c (line, 'x');
  g_string_append (line, "\r\n");
  raw_send (r, line->str);
  assert_reply (r, "250 ");
  g_string_insert (line, 5, "yy");
  raw_send (r, line->str);
  assert_closed_after (r, "500 5.5.2");

  /* In DATA too, even without any line end. */
  in_data = raw_begin (f, rcpts);
  g_string_truncate (line, 0);
  while (line->len < 1500)
    g_string_append_c (line, 'z');
  raw_send (in_data, line->str);
  assert_closed_after (in_data, "500 5.5.2");
  g_assert_cmpuint (inbox_count (f->bob), ==, 0);
}

static void
test_server_too_many_recipients (ServerFixture *f, gconstpointer data)
{
  g_autoptr (Raw) r = raw_connect (f->port);
  g_autoptr (GString) batch = g_string_new ("EHLO client\r\nMAIL FROM:<>\r\n");

  /* Pipelined, as a client that knows PIPELINING would. */
  for (guint i = 0; i <= POSTERN_SMTORP_MAX_RECIPIENTS; i++)
    g_string_append_printf (batch, "RCPT TO:<%s>\r\n", f->bob_address);
  raw_send (r, batch->str);
  assert_reply (r, "250-");
  assert_reply (r, "250 2.1.0");
  for (guint i = 0; i < POSTERN_SMTORP_MAX_RECIPIENTS; i++)
    assert_reply (r, "250 2.1.5");
  assert_closed_after (r, "421 4.5.3");
}

static void
test_server_too_many_errors (ServerFixture *f, gconstpointer data)
{
  g_autoptr (Raw) r = raw_connect (f->port);

  for (guint i = 0; i < POSTERN_SMTORP_MAX_ERRORS; i++)
    {
      raw_send (r, "HELP\r\n");
      assert_reply (r, "502 5.5.1");
    }
  raw_send (r, "HELP\r\n");
  assert_reply (r, "502 5.5.1");
  assert_closed_after (r, "421 4.7.0");
}

static void
test_server_too_big (ServerFixture *f, gconstpointer data)
{
  const char *rcpts[] = { f->bob_address, NULL };
  g_autoptr (Raw) r = raw_begin (f, rcpts);
  g_autofree char *stamp = stamp_header (POSTERN_POW_ARGON2ID, 4, f->bob_address);
  g_autofree char *headers = g_strconcat (stamp, "\r\n", NULL);
  g_autoptr (GString) big = g_string_new (headers);
  g_autofree char *reply = NULL;

  g_string_append (big, "Subject: big\r\n\r\n");
  while (big->len < small_size.max_size + 1000)
    g_string_append (big, "0123456789012345678901234567890123456789012345678901234567890\r\n");
  raw_send (r, big->str);
  raw_send (r, ".\r\n");
  reply = raw_reply (r);
  g_assert_true (g_str_has_prefix (reply, "552 5.3.4"));
  /* The stamp is still good: the message was refused before any check. */
  g_assert_cmpuint (inbox_count (f->bob), ==, 0);
}

/* A client that goes quiet, and one that sends a byte now and then but
 * never a whole line, are both told 421 and disconnected. */
static void
test_server_slow_client (ServerFixture *f, gconstpointer data)
{
  g_autoptr (Raw) idle = raw_connect (f->port);
  g_autoptr (Raw) slow = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autofree char *reply = NULL;

  raw_send (idle, "EHLO client\r\n");
  assert_reply (idle, "250-");
  assert_closed_after (idle, "421 4.4.2");
  g_assert_cmpint (g_get_monotonic_time () - start, >=, G_USEC_PER_SEC / 2);

  /* Each byte comes well within the timeout; the line never does. */
  slow = raw_connect (f->port);
  start = g_get_monotonic_time ();

  for (guint i = 0; i < 10; i++)
    {
      GError *error = NULL;
      /* The server may already have hung up: that is the point. */
      if (!g_output_stream_write_all (g_io_stream_get_output_stream (slow->tls), "N", 1, NULL, NULL,
                                      &error))
        {
          g_error_free (error);
          break;
        }
      g_usleep (G_USEC_PER_SEC / 4);
    }
  reply = raw_reply (slow);
  g_assert_nonnull (reply);
  g_assert_true (g_str_has_prefix (reply, "421 4.4.2"));
  g_assert_cmpint (g_get_monotonic_time () - start, <, 4 * G_USEC_PER_SEC);
}

static gboolean
has_reply_line (const char *text, const char *code)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], code)
        && (lines[i][strlen (code)] == ' ' || lines[i][strlen (code)] == '-'))
      return TRUE;
  return FALSE;
}

/* openssl offers TLS 1.1 only (and the ciphers it needs): there is no
 * greeting, whatever the handshake did. */
static void
test_server_refuses_tls11 (ServerFixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autoptr (Raw) modern = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");

  if (openssl == NULL)
    {
      g_test_skip ("openssl is not installed");
      return;
    }
  out = openssl_tls11 (f->port);
  /* No SMTP reply line: openssl's own report (session ids, start times)
   * may hold these digits anywhere but at the start of a line. */
  g_assert_false (has_reply_line (out, "220"));
  g_assert_false (has_reply_line (out, "250"));
  g_assert_cmpuint (server_stats (f).sessions, ==, 0);

  /* TLS 1.2 and later are welcome. */
  modern = raw_connect (f->port);
  g_assert_cmpuint (server_stats (f).sessions, ==, 1);
}

/* openssl s_client offering TLS 1.1 only; everything it printed. */
static char *
openssl_tls11 (guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *connect = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GBytes) in = g_bytes_new_static ("EHLO x\r\n", 8);
  g_autoptr (GBytes) out = NULL;

  /* -cipher: OpenSSL's own default level would not offer TLS 1.1 at all. */
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                             | G_SUBPROCESS_FLAGS_STDERR_MERGE,
                           &error, "openssl", "s_client", "-connect", connect, "-tls1_1", "-cipher",
                           "DEFAULT:@SECLEVEL=0", "-ign_eof", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, in, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  return g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
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

/* A server left behind by a failed assertion would hold the test's
 * output open for ever. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* postern-cli smtorp serve in the foreground, as a user runs it. */
static void
test_cli_serve (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("smtorp-cli");
  g_autofree char *bob = make_profile (dir, "bob", BOB_ONION ".onion\n");
  g_autofree char *bob_address = address_of (bob, "bob", BOB_ONION);
  g_autofree char *stamp = stamp_header (POSTERN_POW_ARGON2ID, 4, bob_address);
  g_autofree char *headers = g_strconcat (stamp, "\r\n", NULL);
  g_autofree char *expect_stdout = g_strdup_printf ("%s\n", bob_address);
  g_autofree char *expect_address = g_strdup_printf ("address %s", bob_address);
  g_autofree char *listening = NULL;
  g_autofree char *address_line = NULL;
  g_autofree char *delivered = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *tls11 = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) serve = NULL;
  g_autoptr (GDataInputStream) lines = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (Raw) r = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  const char *rcpts[] = { bob_address, NULL };
  ServerFixture f = { 0 };
  guint64 port;

  g_assert_cmpint (postern_test_run_cli (bob, NULL, &out, NULL, "smtorp", "address", NULL), ==, 0);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), expect_stdout,
                   strlen (expect_stdout));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  serve = g_subprocess_launcher_spawn (launcher, &error, postern_test_cli_path (), "--profile", bob,
                                       "smtorp", "serve", "--port", "0", "--argon2-bits", "4",
                                       "--no-tor", NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve));
  listening = read_line (lines);
  g_assert_true (g_str_has_prefix (listening, "listening on 127.0.0.1:"));
  port = g_ascii_strtoull (listening + strlen ("listening on 127.0.0.1:"), NULL, 10);
  g_assert_cmpuint (port, >, 0);
  address_line = read_line (lines);
  g_assert_cmpstr (address_line, ==, expect_address);

  f.port = (guint16) port;
  r = raw_begin (&f, rcpts);
  reply = raw_finish (r, headers);
  g_assert_true (g_str_has_prefix (reply, "250 2.0.0 Stored as "));
  delivered = read_line (lines);
  g_assert_cmpstr (delivered + strlen ("delivered "), ==, reply + strlen ("250 2.0.0 Stored as "));
  g_clear_pointer (&r, raw_free);

  /* In a process of its own the server refuses TLS 1.1 in the handshake. */
  if (openssl != NULL)
    {
      tls11 = openssl_tls11 ((guint16) port);
      g_assert_null (strstr (tls11, "220 "));
      g_assert_nonnull (strstr (tls11, "Cipher is (NONE)"));
    }

  g_subprocess_send_signal (serve, SIGTERM);
  g_subprocess_wait (serve, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (serve));
  g_assert_cmpint (g_subprocess_get_exit_status (serve), ==, 0);
  g_assert_cmpuint (inbox_count (bob), ==, 1);
  postern_test_rm_rf (dir);
}

/* Without an onion service there is no address to give, and the command
 * says so instead of making one up. */
static void
test_cli_address_without_onion (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("smtorp-cli");
  g_autofree char *bob = make_profile (dir, "bob", NULL);
  g_autofree char *err = NULL;

  g_assert_cmpint (postern_test_run_cli (bob, NULL, NULL, &err, "smtorp", "address", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "postern-cli: this profile has no onion service yet"));
  g_assert_cmpint (
    postern_test_run_cli (bob, NULL, NULL, &err, "config", "set", "smtorp.user", "not valid", NULL),
    ==, 1);
  postern_test_rm_rf (dir);
}

/* Alice sends with the real client. Her stamps are cheap, like the test
 * policy asks; her route to each onion service is a loopback port. */
static char *
make_alice (const char *dir)
{
  g_autoptr (GError) error = NULL;
  char *alice = make_profile (dir, "alice", ALICE_ONION ".onion\n");
  g_autoptr (PosternProfile) profile = postern_profile_open (alice, FALSE, &error);

  g_assert_no_error (error);
  g_assert_true (postern_profile_set_setting (profile, "smtorp.stamp-bits", "4", &error));
  g_assert_no_error (error);
  return alice;
}

static void
set_routes (guint16 bob_port, guint16 carol_port)
{
  g_autoptr (GString) routes = g_string_new (NULL);

  if (bob_port != 0)
    g_string_append_printf (routes, "%s.onion=127.0.0.1:%u,", BOB_ONION, bob_port);
  if (carol_port != 0)
    g_string_append_printf (routes, "%s=[::1]:1,%s=127.0.0.1:%u", "x", CAROL_ONION, carol_port);
  g_setenv (POSTERN_SMTORP_DEV_ROUTES_ENV, routes->str, TRUE);
}

static gboolean
alice_send (const char *alice, const char *message, const char *const *recipients, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (PosternProfile) profile = postern_profile_open (alice, FALSE, &local_error);
  g_autoptr (PosternTransport) transport = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (message, strlen (message));
  gboolean ok;

  g_assert_no_error (local_error);
  transport = POSTERN_TRANSPORT (postern_transport_smtorp_new (profile));
  g_assert_cmpstr (postern_transport_get_name (transport), ==, "smtorp");
  g_assert_cmpint (postern_transport_get_lock (transport), ==, POSTERN_LOCK_ONION);
  ok = postern_transport_send_sync (transport, bytes, recipients, NULL, error);
  /* The worker thread drops its reference to the task (and so to the
   * transport) a moment after the result arrived; none may survive. */
  {
    PosternTransport *weak = g_steal_pointer (&transport);
    g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
    g_object_unref (weak);
    for (guint i = 0; weak != NULL && i < 2500; i++)
      g_usleep (2000);
    g_assert_null (weak);
  }
  return ok;
}

static const char alice_message[] = "From: Alice <alice@" ALICE_ONION ".onion>\n"
                                    "To: Bob <bob@" BOB_ONION ".onion>\n"
                                    "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= over SMTorP\n"
                                    "Message-ID: <smtorp-1@" ALICE_ONION ".onion>\n"
                                    "Date: Mon, 09 Feb 2026 10:00:00 +0000\n"
                                    "MIME-Version: 1.0\n"
                                    "Content-Type: text/plain; charset=utf-8\n"
                                    "Content-Transfer-Encoding: 8bit\n"
                                    "\n"
                                    "Grüße, Bob.\n"
                                    ".a line that starts with a dot\n"
                                    ".\n"
                                    "The line above is a lone dot; the message goes on.\n";

/* What bob's server stored, split into the stamp it received for @rcpt
 * and the message after it, which must be exactly what alice sent. */
static void
assert_arrived_with_stamp (const char *stored, const char *rcpt, const char *sent)
{
  g_autofree char *lower = g_ascii_strdown (rcpt, -1);
  g_autofree char *prefix = g_strdup_printf ("X-Smtorp-Pow: v=1; a=argon2id; m=64; t=1; b=4; "
                                             "r=%s; d=",
                                             lower);
  const char *nl = strchr (stored, '\n');

  g_assert_true (g_str_has_prefix (stored, prefix));
  g_assert_nonnull (nl);
  g_assert_cmpstr (nl + 1, ==, sent);
}

static void
test_client_delivers (ServerFixture *f, gconstpointer data)
{
  g_autofree char *alice = make_alice (f->dir);
  g_autofree char *stored = NULL;
  g_autofree char *pin = NULL;
  g_autoptr (GError) error = NULL;
  const char *rcpts[] = { f->bob_address, NULL };
  PosternLock lock = POSTERN_LOCK_UNKNOWN;

  set_routes (f->port, 0);
  g_assert_true (alice_send (alice, alice_message, rcpts, &error));
  g_assert_no_error (error);

  /* The only difference: one X-Smtorp-Pow header on top, for bob. */
  stored = inbox_message (f->bob, &lock);
  g_assert_cmpint (lock, ==, POSTERN_LOCK_ONION);
  assert_arrived_with_stamp (stored, f->bob_address, alice_message);

  /* The 16-character label was checked, and the whole key is now pinned. */
  pin = postern_transport_smtorp_get_pin (alice, BOB_ONION, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pin, ==, postern_smtorp_server_get_fingerprint (f->server));
  g_assert_cmpuint (server_stats (f).delivered, ==, 1);
  postern_test_rm_rf (alice);
}

static void
test_client_wrong_fingerprint (ServerFixture *f, gconstpointer data)
{
  g_autofree char *alice = make_alice (f->dir);
  g_autofree char *wrong = NULL;
  g_autofree char *pin = NULL;
  g_autoptr (GError) error = NULL;
  const char *fp = postern_smtorp_server_get_fingerprint (f->server);
  const char *rcpts[] = { NULL, NULL };
  PosternSmtorpServerStats stats;

  /* The right onion, a label for another key (the first character off). */
  wrong = g_strdup_printf ("bob@%c%.15s.%s.onion", fp[0] == 'a' ? 'b' : 'a', fp + 1, BOB_ONION);
  rcpts[0] = wrong;
  set_routes (f->port, 0);
  g_assert_false (alice_send (alice, alice_message, rcpts, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
  g_assert_nonnull (strstr (error->message, "but the address says"));
  g_assert_nonnull (strstr (error->message, "nothing was sent"));
  g_clear_error (&error);

  /* The handshake itself failed: no greeting, no MAIL FROM, nothing stored,
   * nothing pinned. */
  stats = server_stats (f);
  g_assert_cmpuint (stats.sessions, ==, 0);
  g_assert_cmpuint (stats.transactions, ==, 0);
  g_assert_cmpuint (inbox_count (f->bob), ==, 0);
  pin = postern_transport_smtorp_get_pin (alice, BOB_ONION, &error);
  g_assert_no_error (error);
  g_assert_null (pin);
  postern_test_rm_rf (alice);
}

/* No label: the first key seen is pinned, and a different one later is
 * refused like a wrong label. */
static void
test_client_trust_on_first_use (ServerFixture *f, gconstpointer data)
{
  g_autofree char *alice = make_alice (f->dir);
  g_autofree char *pin = NULL;
  g_autofree char *cert = g_build_filename (f->bob, "smtorp", "cert.pem", NULL);
  g_autofree char *key = g_build_filename (f->bob, "smtorp", "key.pem", NULL);
  g_autoptr (GError) error = NULL;
  const char *rcpts[] = { "bob@" BOB_ONION ".onion", NULL };
  char *old_fp;

  set_routes (f->port, 0);
  g_assert_true (alice_send (alice, alice_message, rcpts, &error));
  g_assert_no_error (error);
  pin = postern_transport_smtorp_get_pin (alice, BOB_ONION, &error);
  g_assert_cmpstr (pin, ==, postern_smtorp_server_get_fingerprint (f->server));
  g_assert_cmpuint (strlen (pin), ==, 51);

  /* Bob's server comes back with another key. */
  old_fp = g_strdup (pin);
  bob_stop (f);
  g_assert_cmpint (g_unlink (cert), ==, 0);
  g_assert_cmpint (g_unlink (key), ==, 0);
  bob_start (f, &defaults);
  g_assert_cmpstr (postern_smtorp_server_get_fingerprint (f->server), !=, old_fp);
  g_free (old_fp);
  set_routes (f->port, 0);
  g_assert_false (alice_send (alice, alice_message, rcpts, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
  g_assert_nonnull (strstr (error->message, "pinned on first contact"));
  g_assert_cmpuint (server_stats (f).transactions, ==, 0);
  g_assert_cmpuint (inbox_count (f->bob), ==, 1);
  postern_test_rm_rf (alice);
}

/* Refusals by the server reach the caller as errors that say who and why,
 * and nothing is stored. */
static void
test_client_refused (ServerFixture *f, gconstpointer data)
{
  g_autofree char *alice = make_alice (f->dir);
  g_autofree char *eve = g_strdup_printf ("eve@%s.onion", BOB_ONION);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  const char *to_eve[] = { eve, NULL };
  const char *to_both[] = { f->bob_address, eve, NULL };
  const char *to_bob[] = { f->bob_address, NULL };

  set_routes (f->port, 0);
  g_assert_false (alice_send (alice, alice_message, to_eve, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "refused the recipient eve@"));
  g_clear_error (&error);
  /* All or nobody: bob does not get a copy eve was refused. */
  g_assert_false (alice_send (alice, alice_message, to_both, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
  g_clear_error (&error);

  /* Stamps weaker than the server asks for: a policy refusal (exit 3). */
  profile = postern_profile_open (alice, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (postern_profile_set_setting (profile, "smtorp.stamp-bits", "2", &error));
  g_assert_false (alice_send (alice, alice_message, to_bob, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
  g_assert_nonnull (strstr (error->message, "550 5.7.1"));
  g_assert_nonnull (strstr (error->message, "2 bits of work, 4 required"));
  g_clear_error (&error);

  /* Without routes the way is tor; a tor that is not there is an error
   * that says so (the message would stay queued). */
  g_unsetenv (POSTERN_SMTORP_DEV_ROUTES_ENV);
  {
    g_autofree char *nowhere = g_build_filename (f->dir, "no-tor.sock", NULL);
    g_assert_true (postern_profile_set_setting (profile, "tor.mode", "attach", &error));
    g_assert_true (postern_profile_set_setting (profile, "tor.control", nowhere, &error));
  }
  g_assert_false (alice_send (alice, alice_message, to_bob, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "cannot be reached without tor"));
  g_assert_nonnull (strstr (error->message, "no-tor.sock"));
  g_clear_error (&error);
  /* A route off this machine is no route. */
  g_setenv (POSTERN_SMTORP_DEV_ROUTES_ENV, BOB_ONION "=192.0.2.1:25", TRUE);
  g_assert_false (alice_send (alice, alice_message, to_bob, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  g_assert_cmpuint (inbox_count (f->bob), ==, 0);
  g_assert_cmpuint (server_stats (f).delivered, ==, 0);
}

/* The way a user sends: postern-cli send, through the Outbox and the
 * router, to bob and to carol at another onion service. Carol's server is
 * down at first: the message stays queued, and the retry reaches carol
 * without giving bob a second copy. */
static void
test_client_through_cli (ServerFixture *f, gconstpointer data)
{
  g_autofree char *alice = make_alice (f->dir);
  g_autofree char *carol = make_profile (f->dir, "carol", CAROL_ONION ".onion\n");
  g_autofree char *carol_address = address_of (carol, "carol", CAROL_ONION);
  g_autofree char *text = g_strdup_printf ("From: alice@%s.onion\nTo: %s\nCc: %s\n"
                                           "Subject: to two onion services\n\nHello both.\n",
                                           ALICE_ONION, f->bob_address, carol_address);
  g_autofree char *expect = g_strdup ("sent 1 queued messages, 0 still queued\n");
  g_autoptr (GBytes) in = g_bytes_new (text, strlen (text));
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *stored = NULL;
  TestServer *carol_server = NULL;

  /* An account with no server at all: SMTorP needs none. */
  g_assert_cmpint (postern_test_run_cli (alice, NULL, NULL, NULL, "account", "add", "alice",
                                         "--address", "alice@" ALICE_ONION ".onion", NULL),
                   ==, 0);
  /* A port nobody listens on for carol: the server just stopped. */
  carol_server = test_server_start (carol, 0, 0);
  set_routes (f->port, carol_server->port);
  test_server_stop (carol_server);

  g_assert_cmpint (postern_test_run_cli (alice, in, &out, &err, "send", NULL), ==, 1);
  if (strstr (err,
              "stays in the outbox: cannot connect to the SMTorP server of " CAROL_ONION ".onion")
      == NULL)
    g_error ("unexpected: %s", err);
  g_assert_cmpuint (inbox_count (f->bob), ==, 1);

  carol_server = test_server_start (carol, 0, 0);
  set_routes (f->port, carol_server->port);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_bytes_unref);
  g_assert_cmpint (postern_test_run_cli (alice, NULL, &out, &err, "sync", NULL), ==, 0);
  test_server_stop (carol_server);
  g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), expect, strlen (expect));

  g_assert_cmpuint (inbox_count (f->bob), ==, 1);
  g_assert_cmpuint (inbox_count (carol), ==, 1);
  stored = inbox_message (carol, NULL);
  /* Carol's copy carries her stamp only: nothing about the others. */
  g_assert_null (strstr (stored, "r=bob@"));
  g_assert_nonnull (strstr (stored, "\nSubject: to two onion services\n"));

  /* A message to bob alone goes at once, and send says how. */
  {
    g_autofree char *to_bob = g_strdup_printf ("To: %s\nSubject: again\n\nHi.\n", f->bob_address);
    g_autofree char *line = g_strdup_printf ("%s smtorp ONION\n", f->bob_address);
    g_autoptr (GBytes) again = g_bytes_new (to_bob, strlen (to_bob));

    g_clear_pointer (&out, g_bytes_unref);
    g_assert_cmpint (postern_test_run_cli (alice, again, &out, NULL, "send", NULL), ==, 0);
    g_assert_cmpmem (g_bytes_get_data (out, NULL), g_bytes_get_size (out), line, strlen (line));
    g_assert_cmpuint (inbox_count (f->bob), ==, 2);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Transport/Smtorp/fingerprint-known-answers",
                   test_fingerprint_known_answers);
  g_test_add_func ("/Postern/Transport/Smtorp/command-parse", test_command_parse);
  g_test_add_func ("/Postern/Transport/Smtorp/command-refused", test_command_refused);
#define ADD(path, fn)                                                               \
  g_test_add ("/Postern/Transport/Smtorp/" path, Fixture, NULL, fixture_set_up, fn, \
              fixture_tear_down)
  ADD ("identity-created-once", test_identity_created_once);
  ADD ("identity-address", test_identity_address);
#undef ADD
#define SERVER(path, fn, options)                                                            \
  g_test_add ("/Postern/Transport/Smtorp/" path, ServerFixture, &options, server_set_up, fn, \
              server_tear_down)
  SERVER ("server-delivers", test_server_delivers, defaults);
  SERVER ("server-stamp-refused", test_server_stamp_refused, defaults);
  SERVER ("server-hashcash-tool", test_server_hashcash_tool, defaults);
  SERVER ("server-local-only", test_server_local_only, defaults);
  SERVER ("server-long-line", test_server_long_line, defaults);
  SERVER ("server-too-many-recipients", test_server_too_many_recipients, defaults);
  SERVER ("server-too-many-errors", test_server_too_many_errors, defaults);
  SERVER ("server-too-big", test_server_too_big, small_size);
  SERVER ("server-slow-client", test_server_slow_client, short_timeout);
  SERVER ("server-refuses-tls11", test_server_refuses_tls11, defaults);
  SERVER ("client-delivers", test_client_delivers, defaults);
  SERVER ("client-wrong-fingerprint", test_client_wrong_fingerprint, defaults);
  SERVER ("client-trust-on-first-use", test_client_trust_on_first_use, defaults);
  SERVER ("client-refused", test_client_refused, defaults);
  SERVER ("client-through-cli", test_client_through_cli, defaults);
#undef SERVER
  g_test_add_func ("/Postern/Transport/Smtorp/cli-serve", test_cli_serve);
  g_test_add_func ("/Postern/Transport/Smtorp/cli-address-without-onion",
                   test_cli_address_without_onion);
  return g_test_run ();
}
