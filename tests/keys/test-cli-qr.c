/* test-cli-qr.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * postern-cli qr against docs/cli.md, as real processes on real profiles:
 * one user's card exported as an image, read by the real zbarimg and
 * scanned into another profile; a card made by the real qrencode tool for
 * a key made by the real gpg; a card that conflicts with a pin.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "postern-core.h"
#include "postern-keys-test.h"
#include "postern-test-util.h"

#define ONION_HOST "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd.onion"

typedef struct
{
  char *dir;
  char *alice;
  char *bob;
  char *peer_home; /* a correspondent's own gpg, outside Postern */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("cli-qr");
  f->alice = g_build_filename (f->dir, "alice", NULL);
  f->bob = g_build_filename (f->dir, "bob", NULL);
  f->peer_home = postern_keys_test_make_home (f->dir, "peer");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *alice_home = g_build_filename (f->alice, "gnupg", NULL);
  g_autofree char *bob_home = g_build_filename (f->bob, "gnupg", NULL);

  postern_keys_test_kill_agents (alice_home);
  postern_keys_test_kill_agents (bob_home);
  postern_keys_test_kill_agents (f->peer_home);
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->alice);
  g_free (f->bob);
  g_free (f->peer_home);
}

/* Runs postern-cli (or, with profile "-", another program) and returns its
 * standard output. */
static char *
run_argv (const char *profile, int expected, char **out_err, GBytes *input, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autofree char *err_text = NULL;
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);

  if (g_strcmp0 (profile, "-") != 0)
    {
      g_ptr_array_add (argv, (gpointer) postern_test_cli_path ());
      g_ptr_array_add (argv, (gpointer) "--profile");
      g_ptr_array_add (argv, (gpointer) profile);
    }
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                              | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, input ? input : empty, NULL, &out, &err, &error);
  g_assert_no_error (error);
  err_text = g_strndup (g_bytes_get_size (err) ? g_bytes_get_data (err, NULL) : "",
                        g_bytes_get_size (err));
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != expected)
    g_error ("%s %s %s: exit %d, expected %d; stderr: %s", (char *) argv->pdata[0], args[0],
             args[1] ? args[1] : "", g_subprocess_get_exit_status (proc), expected, err_text);
  if (out_err != NULL)
    *out_err = g_steal_pointer (&err_text);
  return postern_keys_test_bytes_to_string (out);
}

#define RUN(profile, expected, err, ...) \
  run_argv (profile, expected, err, NULL, (const char *const[]){ __VA_ARGS__, NULL })
#define RUN_IN(profile, expected, err, input, ...) \
  run_argv (profile, expected, err, input, (const char *const[]){ __VA_ARGS__, NULL })

static void
assert_one_line (const char *err, const char *needle)
{
  if (strstr (err, needle) == NULL)
    g_error ("expected \"%s\" in: %s", needle, err);
  g_assert_true (g_str_has_prefix (err, "postern-cli: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

static PosternPin *
get_pin (const char *profile, const char *address)
{
  g_autofree char *path = g_build_filename (profile, "trust.sqlite", NULL);
  g_autoptr (PosternTrust) trust = postern_trust_new (path);
  g_autoptr (GError) error = NULL;
  PosternPin *pin = postern_trust_get_pin (trust, address, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pin);
  return pin;
}

static void
assert_verified (const char *profile, const char *address, const char *fpr)
{
  g_autoptr (PosternPin) pin = get_pin (profile, address);

  g_assert_cmpstr (pin->fingerprint, ==, fpr);
  g_assert_cmpint (pin->level, ==, POSTERN_TRUST_VERIFIED);
}

static char *
alice_with_key (Fixture *f, char **out_onion)
{
  g_autofree char *smtorp = g_build_filename (f->alice, "smtorp", NULL);
  g_autofree char *hostname = g_build_filename (smtorp, "hostname", NULL);
  g_autoptr (GError) error = NULL;
  char *fpr = g_strchomp (
    RUN (f->alice, 0, NULL, "keys", "generate", "Alice Äxample <alice@example.test>"));

  /* An onion service of her own, as tor would have written its name. */
  g_assert_cmpint (g_mkdir_with_parents (smtorp, 0700), ==, 0);
  g_file_set_contents (hostname, ONION_HOST "\n", -1, &error);
  g_assert_no_error (error);
  *out_onion = g_strchomp (RUN (f->alice, 0, NULL, "smtorp", "address"));
  return fpr;
}

static void
test_export_and_scan (Fixture *f, gconstpointer data)
{
  g_autofree char *zbarimg = postern_keys_test_need_program ("zbarimg", "zbar-tools");
  g_autofree char *pdfinfo = postern_keys_test_need_program ("pdfinfo", "poppler-utils");
  g_autofree char *onion = NULL;
  g_autofree char *fpr = alice_with_key (f, &onion);
  g_autofree char *png = g_build_filename (f->dir, "alice.png", NULL);
  g_autofree char *svg = g_build_filename (f->dir, "alice.svg", NULL);
  g_autofree char *pdf = g_build_filename (f->dir, "alice.pdf", NULL);
  g_autofree char *key_file = g_build_filename (f->dir, "alice.asc", NULL);
  g_autofree char *vcard = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *expected_uri = NULL;
  g_autofree char *decoded = NULL;
  g_autofree char *unfolded = NULL;
  g_autofree char *info = NULL;
  g_autofree char *svg_text = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *armored = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GRegex) fold = g_regex_new ("\r\n ", 0, 0, NULL);

  vcard = RUN (f->alice, 0, NULL, "qr", "export");
  unfolded = g_regex_replace_literal (fold, vcard, -1, 0, "", 0, NULL);
  g_assert_true (g_str_has_prefix (vcard, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Alice Äxample\r\n"));
  g_assert_nonnull (strstr (unfolded, "\r\nEMAIL:alice@example.test\r\n"));
  /* The SMTorP address is on the card. */
  g_assert_true (g_str_has_suffix (onion, "." ONION_HOST));
  g_assert_nonnull (strstr (unfolded, onion));
  g_assert_nonnull (strstr (vcard, "\r\nKEY:openpgp4fpr:"));
  g_assert_nonnull (strstr (vcard, fpr));

  uri = RUN (f->alice, 0, NULL, "qr", "export", "--format", "openpgp4fpr");
  expected_uri = g_strdup_printf (
    "OPENPGP4FPR:%s#a=alice@example.test&a=%s&n=Alice%%20%%C3%%84xample\n", fpr, onion);
  g_assert_cmpstr (uri, ==, expected_uri);

  /* The real zbar tool reads from the PNG exactly the vCard. */
  g_free (RUN (f->alice, 0, NULL, "qr", "export", "--format", "png", "--output", png));
  decoded = RUN ("-", 0, NULL, zbarimg, "--quiet", "--raw", png);
  g_assert_true (g_str_has_suffix (decoded, "\n"));
  decoded[strlen (decoded) - 1] = '\0';
  g_assert_cmpstr (decoded, ==, vcard);

  g_free (RUN (f->alice, 0, NULL, "qr", "export", "--format", "svg", "--qr", "openpgp4fpr",
               "--output", svg));
  g_file_get_contents (svg, &svg_text, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (svg_text, "<svg"));
  g_free (RUN (f->alice, 0, NULL, "qr", "export", "--format", "pdf", "--output", pdf));
  info = RUN ("-", 0, NULL, pdfinfo, pdf);
  g_assert_nonnull (strstr (info, "Page size:       240.945 x 155.906 pts"));

  /* Bob scans the card: both addresses verified, the key not held yet. */
  out = RUN (f->bob, 0, &err, "qr", "import", png);
  {
    g_autofree char *expected
      = g_strdup_printf ("alice@example.test %s verified\n%s %s verified\n", fpr, onion, fpr);
    g_assert_cmpstr (out, ==, expected);
  }
  assert_one_line (err, "does not hold the key");
  assert_verified (f->bob, "alice@example.test", fpr);
  assert_verified (f->bob, onion, fpr);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The key arrives later: the pin takes it, still verified. */
  armored = RUN (f->alice, 0, NULL, "keys", "export", "alice@example.test");
  g_file_set_contents (key_file, armored, -1, &error);
  g_assert_no_error (error);
  out = RUN (f->bob, 0, NULL, "keys", "import", key_file);
  g_assert_true (g_str_has_prefix (out, fpr));
  g_assert_nonnull (strstr (out, " new"));
  assert_verified (f->bob, "alice@example.test", fpr);
  g_clear_pointer (&out, g_free);

  /* Scanning again, the link pasted on standard input: the same, and
   * nothing to say about the key now. */
  {
    g_autoptr (GBytes) input = g_bytes_new (uri, strlen (uri));
    g_autofree char *expected
      = g_strdup_printf ("alice@example.test %s verified\n%s %s verified\n", fpr, onion, fpr);
    g_clear_pointer (&out, g_free);
    out = RUN_IN (f->bob, 0, &err, input, "qr", "import", "-");
    g_assert_cmpstr (err, ==, "");
    g_assert_cmpstr (out, ==, expected);
  }
}

/* A correspondent's card made by the qrencode tool, for a key their own
 * gpg made. */
static void
test_qrencode_card (Fixture *f, gconstpointer data)
{
  g_autofree char *qrencode = postern_keys_test_need_program ("qrencode", "qrencode");
  g_autofree char *fpr = postern_keys_test_gpg_make_key (f->peer_home, "Dave <dave@example.net>");
  g_autofree char *png = g_build_filename (f->dir, "dave.png", NULL);
  g_autofree char *key_file = g_build_filename (f->dir, "dave.asc", NULL);
  g_autofree char *forged_file = g_build_filename (f->dir, "forged.asc", NULL);
  g_autofree char *forged_home = postern_keys_test_make_home (f->dir, "forger");
  g_autofree char *forged = postern_keys_test_gpg_make_key (forged_home, "Dave <dave@example.net>");
  g_autofree char *text = g_strdup_printf ("OPENPGP4FPR:%s#a=dave%%40example.net&n=Dave", fpr);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GBytes) key = postern_keys_test_gpg_export (f->peer_home, fpr, TRUE);
  g_autoptr (GBytes) forged_key = postern_keys_test_gpg_export (forged_home, forged, TRUE);
  g_autoptr (GError) error = NULL;

  g_free (RUN ("-", 0, NULL, qrencode, "-o", png, text));
  out = RUN (f->bob, 0, NULL, "qr", "import", png);
  {
    g_autofree char *expected = g_strdup_printf ("dave@example.net %s verified\n", fpr);
    g_assert_cmpstr (out, ==, expected);
  }
  assert_verified (f->bob, "dave@example.net", fpr);
  g_clear_pointer (&out, g_free);

  /* Another key for Dave is a conflict, not a replacement. */
  g_file_set_contents (forged_file, g_bytes_get_data (forged_key, NULL),
                       (gssize) g_bytes_get_size (forged_key), &error);
  g_assert_no_error (error);
  out = RUN (f->bob, 3, &err, "keys", "import", forged_file);
  g_assert_nonnull (strstr (out, " conflict"));
  assert_verified (f->bob, "dave@example.net", fpr);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Dave's own key is taken by the pin. */
  g_file_set_contents (key_file, g_bytes_get_data (key, NULL), (gssize) g_bytes_get_size (key),
                       &error);
  g_assert_no_error (error);
  out = RUN (f->bob, 0, NULL, "keys", "import", key_file);
  g_assert_true (g_str_has_prefix (out, fpr));
  assert_verified (f->bob, "dave@example.net", fpr);
  postern_keys_test_kill_agents (forged_home);
}

/* A card whose key differs from the one pinned on first use: a visible
 * conflict the user settles, never a silent replacement. */
static void
test_card_conflict (Fixture *f, gconstpointer data)
{
  g_autofree char *onion = NULL;
  g_autofree char *fpr = alice_with_key (f, &onion);
  g_autofree char *other = postern_keys_test_gpg_make_key (f->peer_home, "alice@example.test");
  g_autoptr (GBytes) other_key = postern_keys_test_gpg_export (f->peer_home, other, TRUE);
  g_autofree char *other_file = g_build_filename (f->dir, "other.asc", NULL);
  g_autofree char *card_file = g_build_filename (f->dir, "alice.vcf", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *json_text = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternPin) before = NULL;
  JsonArray *array;
  JsonObject *conflict;

  g_file_set_contents (other_file, g_bytes_get_data (other_key, NULL),
                       (gssize) g_bytes_get_size (other_key), &error);
  g_assert_no_error (error);
  g_free (RUN (f->bob, 0, NULL, "keys", "import", other_file));
  g_free (RUN (f->alice, 0, NULL, "qr", "export", "--output", card_file));

  out = RUN (f->bob, 3, &err, "qr", "import", card_file);
  {
    g_autofree char *expected
      = g_strdup_printf ("%s %s verified\nalice@example.test %s conflict\n", onion, fpr, fpr);
    g_assert_cmpstr (out, ==, expected);
  }
  g_assert_nonnull (strstr (err, "another key is pinned for alice@example.test"));
  before = get_pin (f->bob, "alice@example.test");
  g_assert_cmpstr (before->fingerprint, ==, other);
  g_assert_cmpint (before->level, ==, POSTERN_TRUST_PINNED);

  json_text = RUN (f->bob, 0, NULL, "keys", "conflicts", "--json");
  json_parser_load_from_data (parser, json_text, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  conflict = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (conflict, "pinned"), ==, other);
  g_assert_cmpstr (json_object_get_string_member (conflict, "fingerprint"), ==, fpr);
  g_assert_cmpstr (json_object_get_string_member (conflict, "source"), ==,
                   "card scanned from alice.vcf");

  /* The user takes the card's key: pinned and verified, though not held. */
  g_free (RUN (f->bob, 0, NULL, "keys", "resolve", "alice@example.test", "--replace"));
  assert_verified (f->bob, "alice@example.test", fpr);
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *garbage = g_build_filename (f->dir, "garbage.txt", NULL);
  g_autofree char *bad_fpr = g_build_filename (f->dir, "bad.vcf", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.png", NULL);
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;

  g_file_set_contents (garbage, "hello\n", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (bad_fpr,
                       "BEGIN:VCARD\nVERSION:4.0\nFN:X\nEMAIL:x@example.test\n"
                       "KEY:openpgp4fpr:1234\nEND:VCARD\n",
                       -1, &error);
  g_assert_no_error (error);

  g_free (RUN (f->bob, 1, &err, "qr", "import", garbage));
  assert_one_line (err, "garbage.txt: this is not a contact card");
  g_clear_pointer (&err, g_free);
  g_free (RUN (f->bob, 1, &err, "qr", "import", bad_fpr));
  assert_one_line (err, "\"1234\" is not an OpenPGP fingerprint");
  g_clear_pointer (&err, g_free);
  g_free (RUN (f->bob, 1, &err, "qr", "import", missing));
  assert_one_line (err, "missing.png");
  g_clear_pointer (&err, g_free);
  /* Nothing was taken from the bad cards. */
  g_assert_false (g_file_test (f->bob, G_FILE_TEST_EXISTS));

  g_free (RUN (f->alice, 0, NULL, "account", "add", "work", "--address", "alice@example.test"));
  g_free (RUN (f->alice, 1, &err, "qr", "export"));
  assert_one_line (err, "no key of your own");
  g_clear_pointer (&err, g_free);
  g_free (RUN (f->alice, 1, &err, "qr", "export", "--address", "nobody@example.test"));
  assert_one_line (err, "no key of your own for nobody@example.test");
  g_clear_pointer (&err, g_free);

  g_free (RUN (f->alice, 2, NULL, "qr"));
  g_free (RUN (f->alice, 2, NULL, "qr", "print"));
  g_free (RUN (f->alice, 2, NULL, "qr", "export", "--format", "gif"));
  g_free (RUN (f->alice, 2, NULL, "qr", "export", "--qr", "mecard"));
  g_free (RUN (f->alice, 2, NULL, "qr", "import"));
  g_free (RUN (f->alice, 2, NULL, "qr", "import", "a", "b"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/Postern/Keys/CliQr/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("export-and-scan", test_export_and_scan);
  ADD ("qrencode-card", test_qrencode_card);
  ADD ("card-conflict", test_card_conflict);
  ADD ("errors", test_errors);
#undef ADD
  return g_test_run ();
}
