/* test-smtorp.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SMTorP (docs/protocols/smtorp.md) on loopback: the server identity and
 * its fingerprint, checked against openssl's reading of the certificate;
 * the server's command parser.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "postern-core.h"
#include "postern-smtorp-command.h"
#include "postern-smtorp-identity.h"
#include "postern-test-util.h"

/* A made-up version 3 onion name: 56 base32 characters ending in "d". */
#define BOB_ONION "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"

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
  script = g_strdup_printf ("openssl x509 -in '%s' -pubkey -noout | openssl pkey -pubin -outform DER"
                            " | openssl dgst -sha256 -binary | base32 -w0 | tr A-Z a-z | cut -c1-51",
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
  g_autoptr (PosternSmtorpCommand) routed = parse_ok ("RCPT TO:<@a.example,@b.example:c@d.example>");
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

#define REFUSED(line, code, reply)                                                               \
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
  assert_refused (with_nul, sizeof with_nul - 1, POSTERN_SMTORP_COMMAND_ERROR_SYNTAX,
                  "501 5.5.4");

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Transport/Smtorp/fingerprint-known-answers",
                   test_fingerprint_known_answers);
  g_test_add_func ("/Postern/Transport/Smtorp/command-parse", test_command_parse);
  g_test_add_func ("/Postern/Transport/Smtorp/command-refused", test_command_refused);
#define ADD(path, fn)                                                                             \
  g_test_add ("/Postern/Transport/Smtorp/" path, Fixture, NULL, fixture_set_up, fn,               \
              fixture_tear_down)
  ADD ("identity-created-once", test_identity_created_once);
  ADD ("identity-address", test_identity_address);
#undef ADD
  return g_test_run ();
}
