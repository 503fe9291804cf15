/* test-locate.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * keys locate against the real servers tests/harness/with-servers --dns
 * starts: NSD with a signed, an unsigned and a bogus zone, a WKD server over
 * HTTPS (certificate from the test CA) and an HKP keyserver. Each case runs
 * postern-cli as a user would, on a profile of its own.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "postern-core.h"
#include "postern-keys-test.h"
#include "postern-test-util.h"

typedef struct
{
  char *dir;
  char *profile;
} Fixture;

/* The fingerprint of the key the zones publish for @address. */
static char *
published_fpr (const char *address)
{
  g_autofree char *path
    = g_strdup_printf ("%s/%s.fpr", postern_test_harness_env ("POSTERN_DNS_KEYS"), address);
  g_autoptr (GError) error = NULL;
  char *fpr = NULL;

  g_file_get_contents (path, &fpr, NULL, &error);
  g_assert_no_error (error);
  return g_strchomp (fpr);
}

static void
expect_exit (int status, int expected, const char *what, const char *err)
{
  if (status != expected)
    g_error ("postern-cli %s: exit %d, expected %d; stderr: %s", what, status, expected, err);
}

/* The settings go in through the core: only what is under test runs as
 * postern-cli (config set has tests of its own). */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  gboolean with_ca = GPOINTER_TO_INT (data) == 0;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (GError) error = NULL;

  f->dir = postern_test_make_tmpdir ("locate");
  f->profile = g_build_filename (f->dir, "profile", NULL);
  profile = postern_profile_open (f->profile, TRUE, &error);
  g_assert_no_error (error);
  postern_profile_set_setting (profile, "dns.upstream",
                               postern_test_harness_env ("POSTERN_DNS_UPSTREAM"), &error);
  g_assert_no_error (error);
  postern_profile_set_setting (profile, "dns.trust-anchor",
                               postern_test_harness_env ("POSTERN_DNS_TRUST_ANCHOR"), &error);
  g_assert_no_error (error);
  if (with_ca)
    postern_profile_set_setting (profile, "tls.ca-file",
                                 postern_test_harness_env ("POSTERN_TEST_CA"), &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *home = g_build_filename (f->profile, "gnupg", NULL);

  postern_keys_test_kill_agents (home);
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->profile);
}

/* The one object of the JSON array @out holds, or NULL when it is empty
 * (the command printed nothing). */
static JsonObject *
only_object (GBytes *out)
{
  g_autofree char *text = postern_keys_test_bytes_to_string (out);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonArray *array;

  if (*text == '\0')
    return NULL;
  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  return json_object_ref (json_array_get_object_element (array, 0));
}

/* keys locate ADDR --json, expecting @expected; returns the one object. */
static JsonObject *
locate_json (Fixture *f, const char *address, int expected, char **out_err)
{
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  JsonObject *found;
  int rc = postern_test_run_cli (f->profile, NULL, &out, &err, "keys", "locate", address, "--json",
                                 NULL);

  expect_exit (rc, expected, address, err);
  found = only_object (out);
  g_assert_nonnull (found);
  if (out_err != NULL)
    *out_err = g_steal_pointer (&err);
  return found;
}

/* The key now pinned for @address, by keys list --json. */
static char *
pinned_fpr (Fixture *f, const char *address)
{
  g_autoptr (PosternProfile) profile = postern_profile_open (f->profile, FALSE, NULL);
  g_autoptr (PosternTrust) trust = postern_trust_new_for_profile (profile);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternPin) pin = postern_trust_get_pin (trust, address, &error);

  g_assert_no_error (error);
  return pin ? g_strdup (pin->fingerprint) : NULL;
}

static void
check_found (Fixture *f, const char *address, const char *source, const char *dnssec,
             const char *location_prefix)
{
  g_autoptr (JsonObject) found = locate_json (f, address, 0, NULL);
  g_autofree char *lower = g_ascii_strdown (address, -1);
  g_autofree char *fpr = published_fpr (lower);
  g_autofree char *pinned = NULL;

  g_assert_cmpstr (json_object_get_string_member (found, "address"), ==, lower);
  g_assert_cmpstr (json_object_get_string_member (found, "fingerprint"), ==, fpr);
  g_assert_cmpstr (json_object_get_string_member (found, "source"), ==, source);
  g_assert_cmpstr (json_object_get_string_member (found, "dnssec"), ==, dnssec);
  g_assert_cmpstr (json_object_get_string_member (found, "status"), ==, "new");
  g_assert_false (json_object_get_boolean_member (found, "conflict"));
  if (!g_str_has_prefix (json_object_get_string_member (found, "location"), location_prefix))
    g_error ("%s: location %s, expected %s…", address,
             json_object_get_string_member (found, "location"), location_prefix);
  pinned = pinned_fpr (f, lower);
  g_assert_cmpstr (pinned, ==, fpr);
}

static void
test_wkd_advanced (Fixture *f, gconstpointer data)
{
  check_found (f, "carol@secure.test", "wkd", "secure",
               "https://openpgpkey.secure.test/.well-known/openpgpkey/secure.test/hu/");
}

static void
test_wkd_direct (Fixture *f, gconstpointer data)
{
  check_found (f, "Dave@Insecure.Test", "wkd", "insecure",
               "https://insecure.test/.well-known/openpgpkey/hu/");
}

static void
test_dane_secure (Fixture *f, gconstpointer data)
{
  check_found (f, "alice@secure.test", "dane", "secure",
               "2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f93af71db._openpgpkey.secure.test");
}

static void
test_dane_insecure (Fixture *f, gconstpointer data)
{
  check_found (f, "erin@insecure.test", "dane", "insecure", "");
}

static void
test_hkp (Fixture *f, gconstpointer data)
{
  check_found (f, "frank@secure.test", "hkp", "secure", "http://post.secure.test:");
}

/* With --fingerprint the HKP server is asked for that key by fingerprint. */
static void
test_cli_fingerprint (Fixture *f, gconstpointer data)
{
  g_autofree char *fpr = published_fpr ("frank@secure.test");
  g_autofree char *lower = g_ascii_strdown (fpr, -1);
  g_autofree char *suffix = g_strconcat ("&search=0x", fpr, "\n", NULL);
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  int rc = postern_test_run_cli (f->profile, NULL, &out, &err, "keys", "locate",
                                 "frank@secure.test", "--fingerprint", lower, NULL);

  expect_exit (rc, 0, "keys locate --fingerprint", err);
  text = postern_keys_test_bytes_to_string (out);
  g_assert_true (g_str_has_prefix (text, fpr));
  g_assert_true (g_str_has_suffix (text, suffix));
}

static void
test_text_output (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  g_autofree char *fpr = published_fpr ("alice@secure.test");
  g_autofree char *expected = NULL;
  int rc = postern_test_run_cli (f->profile, NULL, &out, &err, "keys", "locate",
                                 "alice@secure.test", NULL);

  expect_exit (rc, 0, "keys locate", err);
  text = postern_keys_test_bytes_to_string (out);
  expected = g_strdup_printf ("%s new dane secure 2bd806c97f0e00af1a1fc3328fa763a9269723c8db8fac4f"
                              "93af71db._openpgpkey.secure.test\n",
                              fpr);
  g_assert_cmpstr (text, ==, expected);
  /* Found again: the keyring already has it. */
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_pointer (&text, g_free);
  rc = postern_test_run_cli (f->profile, NULL, &out, &err, "keys", "locate", "alice@secure.test",
                             NULL);
  expect_exit (rc, 0, "keys locate", err);
  text = postern_keys_test_bytes_to_string (out);
  g_assert_true (g_str_has_prefix (text + 41, "unchanged dane secure "));
}

static void
test_bogus_refused (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *listing = NULL;
  int rc = postern_test_run_cli (f->profile, NULL, &out, &err, "keys", "locate",
                                 "mallory@bogus.test", NULL);

  expect_exit (rc, 1, "keys locate mallory@bogus.test", err);
  g_assert_true (g_str_has_prefix (err, "postern-cli: the DNS answer for "));
  g_assert_nonnull (strstr (err, "bogus.test"));
  g_assert_nonnull (strstr (err, "failed DNSSEC validation and was refused"));
  g_assert_cmpuint (g_bytes_get_size (out), ==, 0);
  g_assert_null (pinned_fpr (f, "mallory@bogus.test"));
}

static void
test_no_key (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  int rc = postern_test_run_cli (f->profile, NULL, &out, &err, "keys", "locate",
                                 "nobody@secure.test", NULL);

  expect_exit (rc, 1, "keys locate nobody@secure.test", err);
  g_assert_true (g_str_has_prefix (err, "postern-cli: no key found for nobody@secure.test (WKD: "));
  g_assert_nonnull (strstr (err, "; DANE: "));
  g_assert_nonnull (strstr (err, "; HKP: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

/* Without the test CA the WKD server's certificate is refused, and that
 * source counts as having no key. */
static void
test_wkd_certificate_verified (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  int rc = postern_test_run_cli (f->profile, NULL, &out, &err, "keys", "locate",
                                 "carol@secure.test", NULL);

  expect_exit (rc, 1, "keys locate carol@secure.test without the CA", err);
  g_assert_nonnull (strstr (err, "no key found for carol@secure.test (WKD: the certificate of "
                                 "openpgpkey.secure.test was refused: it is not signed by a "
                                 "trusted authority"));
  g_assert_null (pinned_fpr (f, "carol@secure.test"));
}

/* A key pinned for carol (from an earlier import), then another found by
 * WKD: a conflict, never a silent replacement. */
static void
test_conflict (Fixture *f, gconstpointer data)
{
  g_autofree char *home = postern_keys_test_make_home (f->dir, "other");
  g_autofree char *own_fpr = postern_keys_test_gpg_make_key (home, "Carol <carol@secure.test>");
  g_autoptr (GBytes) own_key = postern_keys_test_gpg_export (home, own_fpr, TRUE);
  g_autofree char *published = published_fpr ("carol@secure.test");
  g_autofree char *err = NULL;
  g_autofree char *pinned = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonObject) found = NULL;
  g_autofree char *conflicts = NULL;
  int rc;

  rc = postern_test_run_cli (f->profile, own_key, NULL, &err, "keys", "import", "-", NULL);
  expect_exit (rc, 0, "keys import", err);
  g_clear_pointer (&err, g_free);
  postern_keys_test_kill_agents (home);

  found = locate_json (f, "carol@secure.test", 3, &err);
  g_assert_cmpstr (json_object_get_string_member (found, "fingerprint"), ==, published);
  g_assert_cmpstr (json_object_get_string_member (found, "status"), ==, "conflict");
  g_assert_true (json_object_get_boolean_member (found, "conflict"));
  g_assert_true (g_str_has_prefix (err, "postern-cli: not imported, another key is pinned for "
                                        "carol@secure.test"));
  pinned = pinned_fpr (f, "carol@secure.test");
  g_assert_cmpstr (pinned, ==, own_fpr);

  rc = postern_test_run_cli (f->profile, NULL, &out, NULL, "keys", "conflicts", NULL);
  g_assert_cmpint (rc, ==, 0);
  conflicts = postern_keys_test_bytes_to_string (out);
  g_assert_nonnull (strstr (conflicts, published));
  g_assert_nonnull (strstr (conflicts, "WKD https://openpgpkey.secure.test/"));
  g_assert_nonnull (strstr (conflicts, "(DNSSEC secure)"));
}

/* The API as the card scanner uses it: an expected fingerprint, async.
 * HKP is asked by fingerprint then, and another key is passed over. */
static void
locate_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  PosternLocatedKey *key
    = postern_key_locator_locate_finish (POSTERN_KEY_LOCATOR (source), result, error);

  g_object_set_data_full (source, "located", key, (GDestroyNotify) postern_located_key_free);
  g_object_set_data (source, "done", GINT_TO_POINTER (1));
}

static PosternLocatedKey *
locate_api (Fixture *f, const char *address, const char *fingerprint, GError **error)
{
  g_autoptr (PosternProfile) profile = postern_profile_open (f->profile, FALSE, error);
  g_autoptr (PosternKeyring) keyring = postern_keyring_new_for_profile (profile);
  g_autoptr (PosternKeyLocator) locator
    = postern_key_locator_new_for_profile (profile, keyring, error);
  PosternLocatedKey *key;

  g_assert_nonnull (locator);
  postern_key_locator_locate_async (locator, address, fingerprint, NULL, locate_done, error);
  while (g_object_get_data (G_OBJECT (locator), "done") == NULL)
    g_main_context_iteration (NULL, TRUE);
  key = g_object_steal_data (G_OBJECT (locator), "located");
  return key;
}

static void
test_api_fingerprint (Fixture *f, gconstpointer data)
{
  g_autofree char *frank = published_fpr ("frank@secure.test");
  g_autofree char *alice = published_fpr ("alice@secure.test");
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternLocatedKey) key = locate_api (f, "frank@secure.test", frank, &error);

  g_assert_no_error (error);
  g_assert_cmpint (key->source, ==, POSTERN_KEY_SOURCE_HKP);
  g_assert_cmpint (key->dnssec, ==, POSTERN_DNSSEC_SECURE);
  g_assert_cmpstr (key->import->fingerprint, ==, frank);
  g_assert_true (g_str_has_suffix (key->location, frank));
  g_clear_pointer (&key, postern_located_key_free);

  /* DANE has alice's key, but not the one expected. */
  key = locate_api (f, "alice@secure.test", frank, &error);
  g_assert_null (key);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, alice));
  g_assert_null (pinned_fpr (f, "alice@secure.test"));
}

static void
test_delete (Fixture *f, gconstpointer data)
{
  g_autofree char *fpr = published_fpr ("alice@secure.test");
  g_autoptr (JsonObject) found = locate_json (f, "alice@secure.test", 0, NULL);
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  int rc;

  rc = postern_test_run_cli (f->profile, NULL, &out, &err, "keys", "delete", fpr, NULL);
  expect_exit (rc, 0, "keys delete", err);
  text = postern_keys_test_bytes_to_string (out);
  g_assert_true (g_str_has_prefix (text, fpr));
  g_clear_pointer (&out, g_bytes_unref);
  g_clear_pointer (&text, g_free);
  rc = postern_test_run_cli (f->profile, NULL, &out, NULL, "keys", "list", NULL);
  g_assert_cmpint (rc, ==, 0);
  text = postern_keys_test_bytes_to_string (out);
  g_assert_null (strstr (text, fpr));
  g_clear_pointer (&err, g_free);
  rc = postern_test_run_cli (f->profile, NULL, NULL, &err, "keys", "delete", fpr, NULL);
  expect_exit (rc, 1, "keys delete again", err);
  g_assert_nonnull (strstr (err, "has no key"));
  g_clear_pointer (&err, g_free);
  rc = postern_test_run_cli (f->profile, NULL, NULL, &err, "keys", "delete", "alice@secure.test",
                             NULL);
  expect_exit (rc, 1, "keys delete ADDR", err);
}

static void
test_wkd_hash (void)
{
  g_autofree char *joe = postern_wkd_hash ("Joe.Doe");
  g_autofree char *carol = postern_wkd_hash ("carol");

  /* draft-koch-openpgp-webkey-service's example, and what gpg computes. */
  g_assert_cmpstr (joe, ==, "iy9q119eutrkn8s1mk4r39qejnbu3n5q");
  g_assert_cmpstr (carol, ==, "fnh1sizqc1h17q515b19nhzxyddotzhd");
}

/* A scanned card names a key the keyring lacks: qr import --locate looks it
 * up by the card's fingerprint and takes it, pinned and verified. */
static void
test_card_locate (Fixture *f, gconstpointer data)
{
  g_autofree char *fpr = published_fpr ("carol@secure.test");
  g_autofree char *card = g_build_filename (f->dir, "carol.txt", NULL);
  g_autofree char *text = g_strdup_printf ("OPENPGP4FPR:%s#a=carol%%40secure.test&n=Carol", fpr);
  g_autofree char *expected = g_strdup_printf ("carol@secure.test %s verified\n", fpr);
  g_autofree char *pinned = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out_text = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternKeyInfo) key = NULL;
  int rc;

  g_file_set_contents (card, text, -1, &error);
  g_assert_no_error (error);
  rc = postern_test_run_cli (f->profile, NULL, &out, &err, "qr", "import", card, "--locate", NULL);
  expect_exit (rc, 0, "qr import --locate", err);
  out_text = postern_keys_test_bytes_to_string (out);
  g_assert_cmpstr (out_text, ==, expected);
  /* Found: nothing to say about a missing key. */
  g_assert_true (err == NULL || *err == '\0');
  pinned = pinned_fpr (f, "carol@secure.test");
  g_assert_cmpstr (pinned, ==, fpr);
  profile = postern_profile_open (f->profile, FALSE, &error);
  g_assert_no_error (error);
  keyring = postern_keyring_new_for_profile (profile);
  key = postern_keyring_get_key_sync (keyring, fpr, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (postern_key_info_has_address (key, "carol@secure.test"));
}

/* --- routing looks keys up (postern-auto-locate.h) ---------------------- */

/* route ADDR as postern-cli prints it, expecting @expected; returns the
 * one route, or NULL when the command printed none (it failed). */
static JsonObject *
route_json (Fixture *f, const char *address, int expected, char **out_err)
{
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  int rc = postern_test_run_cli (f->profile, NULL, &out, &err, "route", address, NULL);

  expect_exit (rc, expected, "route", err);
  if (out_err != NULL)
    *out_err = g_steal_pointer (&err);
  return only_object (out);
}

/* How often the harness's HKP server was asked for @address: the last
 * source the locator tries, so once per lookup that found nothing. */
static guint
hkp_requests (const char *address)
{
  g_autofree char *log
    = g_build_filename (postern_test_harness_env ("POSTERN_HARNESS_DIR"), "dns", "hkp.log", NULL);
  g_autofree char *escaped = g_uri_escape_string (address, NULL, FALSE);
  g_autofree char *needle = g_strdup_printf ("&search=%s ", escaped);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  guint n = 0;

  g_file_get_contents (log, &text, NULL, &error);
  g_assert_no_error (error);
  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static gint64
last_lookup (Fixture *f, const char *address)
{
  g_autoptr (PosternProfile) profile = postern_profile_open (f->profile, FALSE, NULL);
  g_autoptr (PosternTrust) trust = postern_trust_new_for_profile (profile);
  g_autoptr (GError) error = NULL;
  gint64 when = postern_trust_get_last_lookup (trust, address, &error);

  g_assert_no_error (error);
  return when;
}

/* Writing to carol for the first time finds her key by WKD and pins it:
 * the message goes sealed. */
static void
test_route_seals (Fixture *f, gconstpointer data)
{
  g_autofree char *fpr = published_fpr ("carol@secure.test");
  g_autoptr (JsonObject) route = route_json (f, "Carol@Secure.Test", 0, NULL);
  g_autofree char *pinned = pinned_fpr (f, "carol@secure.test");

  g_assert_cmpstr (json_object_get_string_member (route, "address"), ==, "Carol@secure.test");
  g_assert_cmpstr (json_object_get_string_member (route, "lock"), ==, "SEALED");
  g_assert_cmpstr (pinned, ==, fpr);
  g_assert_cmpint (last_lookup (f, "carol@secure.test"), >, 0);
}

/* No key anywhere: TLS as before, and no second lookup within the retry
 * interval; once it has passed, one more. */
static void
test_route_no_key (Fixture *f, gconstpointer data)
{
  const char *nobody = "nobody@secure.test";
  guint before = hkp_requests (nobody);
  g_autoptr (JsonObject) first = route_json (f, nobody, 0, NULL);
  g_autoptr (JsonObject) second = NULL;
  g_autoptr (JsonObject) third = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternTrust) trust = NULL;
  g_autoptr (GError) error = NULL;
  gint64 when;

  g_assert_cmpstr (json_object_get_string_member (first, "lock"), ==, "TLS");
  g_assert_cmpuint (hkp_requests (nobody), ==, before + 1);
  g_assert_null (pinned_fpr (f, nobody));
  when = last_lookup (f, nobody);
  g_assert_cmpint (when, >, 0);

  second = route_json (f, nobody, 0, NULL);
  g_assert_cmpstr (json_object_get_string_member (second, "lock"), ==, "TLS");
  g_assert_cmpuint (hkp_requests (nobody), ==, before + 1);
  g_assert_cmpint (last_lookup (f, nobody), ==, when);

  profile = postern_profile_open (f->profile, FALSE, &error);
  g_assert_no_error (error);
  trust = postern_trust_new_for_profile (profile);
  postern_trust_set_last_lookup (trust, nobody, when - POSTERN_AUTO_LOCATE_INTERVAL - 1, &error);
  g_assert_no_error (error);
  third = route_json (f, nobody, 0, NULL);
  g_assert_cmpstr (json_object_get_string_member (third, "lock"), ==, "TLS");
  g_assert_cmpuint (hkp_requests (nobody), ==, before + 2);
}

/* A key is pinned for carol that cannot encrypt; routing looks for a
 * better one and finds the published key: a conflict, never a silent
 * replacement, and the message is refused (exit 3) until the user
 * decides. */
static void
test_route_conflict (Fixture *f, gconstpointer data)
{
  g_autofree char *home = postern_keys_test_make_home (f->dir, "other");
  g_autofree char *published = published_fpr ("carol@secure.test");
  g_autofree char *own_fpr
    = postern_keys_test_gpg_make_signing_key (home, "Carol <carol@secure.test>");
  g_autoptr (GBytes) own_key = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (JsonObject) route = NULL;
  g_autofree char *err = NULL;
  g_autofree char *pinned = NULL;
  g_autofree char *conflicts = NULL;
  int rc;

  own_key = postern_keys_test_gpg_export (home, own_fpr, TRUE);
  postern_keys_test_kill_agents (home);
  rc = postern_test_run_cli (f->profile, own_key, NULL, &err, "keys", "import", "-", NULL);
  expect_exit (rc, 0, "keys import", err);
  g_clear_pointer (&err, g_free);

  route = route_json (f, "carol@secure.test", 3, &err);
  g_assert_null (route);
  g_assert_nonnull (strstr (err, "unresolved key conflict for carol@secure.test"));
  pinned = pinned_fpr (f, "carol@secure.test");
  g_assert_cmpstr (pinned, ==, own_fpr);
  rc = postern_test_run_cli (f->profile, NULL, &out, NULL, "keys", "conflicts", NULL);
  g_assert_cmpint (rc, ==, 0);
  conflicts = postern_keys_test_bytes_to_string (out);
  g_assert_nonnull (strstr (conflicts, published));
}

/* One's own address is never looked up, nor anything with keys.auto-locate
 * false. */
static void
test_route_no_lookup (Fixture *f, gconstpointer data)
{
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternAccount) account = NULL;
  g_autoptr (JsonObject) own = NULL;
  g_autoptr (JsonObject) off = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int rc;

  profile = postern_profile_open (f->profile, FALSE, &error);
  g_assert_no_error (error);
  account = postern_account_new ("carol", "Carol <carol@secure.test>", &error);
  g_assert_no_error (error);
  postern_profile_add_account (profile, account, &error);
  g_assert_no_error (error);
  own = route_json (f, "carol@secure.test", 0, NULL);
  g_assert_cmpstr (json_object_get_string_member (own, "lock"), ==, "TLS");
  g_assert_null (pinned_fpr (f, "carol@secure.test"));
  g_assert_cmpint (last_lookup (f, "carol@secure.test"), ==, 0);

  rc = postern_test_run_cli (f->profile, NULL, NULL, &err, "config", "set", "keys.auto-locate",
                             "maybe", NULL);
  expect_exit (rc, 1, "config set keys.auto-locate maybe", err);
  g_assert_nonnull (strstr (err, "keys.auto-locate: \"maybe\" is neither true nor false"));
  g_clear_pointer (&err, g_free);
  rc = postern_test_run_cli (f->profile, NULL, NULL, &err, "config", "set", "keys.auto-locate",
                             "false", NULL);
  expect_exit (rc, 0, "config set keys.auto-locate false", err);
  off = route_json (f, "alice@secure.test", 0, NULL);
  g_assert_cmpstr (json_object_get_string_member (off, "lock"), ==, "TLS");
  g_assert_null (pinned_fpr (f, "alice@secure.test"));
  g_assert_cmpint (last_lookup (f, "alice@secure.test"), ==, 0);
}

static void
route_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  GPtrArray *routes = postern_router_route_finish (POSTERN_ROUTER (source), result, error);

  g_object_set_data_full (source, "routes", routes ? routes : g_ptr_array_new (),
                          (GDestroyNotify) g_ptr_array_unref);
}

/* The composer's way: postern_router_route_async() looks the key up in
 * its worker, and the chip shows SEALED. */
static void
test_route_async (Fixture *f, gconstpointer data)
{
  g_autofree char *fpr = published_fpr ("dave@insecure.test");
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = postern_profile_open (f->profile, FALSE, &error);
  g_autoptr (PosternRouter) router = postern_router_new (profile, NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  const char *recipients[] = { "dave@insecure.test", NULL };
  g_autofree char *pinned = NULL;
  GPtrArray *routes;

  g_assert_no_error (error);
  postern_router_route_async (router, recipients, cancellable, route_done, &error);
  while ((routes = g_object_get_data (G_OBJECT (router), "routes")) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (error);
  g_assert_cmpuint (routes->len, ==, 1);
  g_assert_cmpint (((PosternRoute *) routes->pdata[0])->lock, ==, POSTERN_LOCK_SEALED);
  pinned = pinned_fpr (f, "dave@insecure.test");
  g_assert_cmpstr (pinned, ==, fpr);
}

int
main (int argc, char **argv)
{
  /* The suite keeps tests away from real DNS; this one has its own. */
  g_unsetenv ("POSTERN_NO_AUTO_LOCATE");
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Keys/Locate/wkd-hash", test_wkd_hash);
#define ADD(path, fn, no_ca)                                                                      \
  g_test_add ("/Postern/Keys/Locate/" path, Fixture, GINT_TO_POINTER (no_ca), fixture_set_up, fn, \
              fixture_tear_down)
  ADD ("wkd-advanced", test_wkd_advanced, 0);
  ADD ("wkd-direct", test_wkd_direct, 0);
  ADD ("dane-secure", test_dane_secure, 0);
  ADD ("dane-insecure", test_dane_insecure, 0);
  ADD ("hkp", test_hkp, 0);
  ADD ("cli-fingerprint", test_cli_fingerprint, 0);
  ADD ("text-output", test_text_output, 0);
  ADD ("bogus-refused", test_bogus_refused, 0);
  ADD ("no-key", test_no_key, 0);
  ADD ("wkd-certificate-verified", test_wkd_certificate_verified, 1);
  ADD ("conflict", test_conflict, 0);
  ADD ("api-fingerprint", test_api_fingerprint, 0);
  ADD ("delete", test_delete, 0);
  ADD ("card-locate", test_card_locate, 0);
  ADD ("route-seals", test_route_seals, 0);
  ADD ("route-no-key", test_route_no_key, 0);
  ADD ("route-conflict", test_route_conflict, 0);
  ADD ("route-no-lookup", test_route_no_lookup, 0);
  ADD ("route-async", test_route_async, 0);
#undef ADD
  return g_test_run ();
}
