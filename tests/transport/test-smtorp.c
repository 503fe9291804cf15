/* test-smtorp.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * SMTorP (docs/protocols/smtorp.md) on loopback: the server identity and
 * its fingerprint, checked against openssl's reading of the certificate.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "postern-core.h"
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Transport/Smtorp/fingerprint-known-answers",
                   test_fingerprint_known_answers);
#define ADD(path, fn)                                                                             \
  g_test_add ("/Postern/Transport/Smtorp/" path, Fixture, NULL, fixture_set_up, fn,               \
              fixture_tear_down)
  ADD ("identity-created-once", test_identity_created_once);
  ADD ("identity-address", test_identity_address);
#undef ADD
  return g_test_run ();
}
