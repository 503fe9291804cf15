/* test-cli-keys.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * postern-cli keys against docs/cli.md, run as a real process on real
 * profiles, each with its own GnuPG home.
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
  char *alice;
  char *bob;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = postern_test_make_tmpdir ("cli-keys");
  f->alice = g_build_filename (f->dir, "alice", NULL);
  f->bob = g_build_filename (f->dir, "bob", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *alice_home = g_build_filename (f->alice, "gnupg", NULL);
  g_autofree char *bob_home = g_build_filename (f->bob, "gnupg", NULL);

  postern_keys_test_kill_agents (alice_home);
  postern_keys_test_kill_agents (bob_home);
  postern_test_rm_rf (f->dir);
  g_free (f->dir);
  g_free (f->alice);
  g_free (f->bob);
}

static void
assert_one_line (const char *err, const char *needle)
{
  if (strstr (err, needle) == NULL)
    g_error ("expected \"%s\" in: %s", needle, err);
  g_assert_true (g_str_has_prefix (err, "postern-cli: "));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
}

/* Runs postern-cli and returns its standard output as a string. */
static char *
run (const char *profile, int expected, GBytes *input, char **out_err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  va_list ap;
  const char *arg;
  int status;

  va_start (ap, out_err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  while (argv->len < 6)
    g_ptr_array_add (argv, NULL);
  status
    = postern_test_run_cli (profile, input, &out, &err, argv->pdata[0], argv->pdata[1],
                            argv->pdata[2], argv->pdata[3], argv->pdata[4], argv->pdata[5], NULL);
  if (status != expected)
    g_error ("postern-cli %s %s %s: exit %d, expected %d; stderr: %s", (char *) argv->pdata[0],
             argv->pdata[1] ? (char *) argv->pdata[1] : "",
             argv->pdata[2] ? (char *) argv->pdata[2] : "", status, expected, err);
  if (out_err != NULL)
    *out_err = g_steal_pointer (&err);
  return postern_keys_test_bytes_to_string (out);
}

static void
test_generate_list_export_import (Fixture *f, gconstpointer data)
{
  g_autofree char *fpr = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *json_text = NULL;
  g_autofree char *armored = NULL;
  g_autofree char *imported = NULL;
  g_autofree char *bob_listing = NULL;
  g_autofree char *err = NULL;
  g_autofree char *key_file = g_build_filename (f->dir, "alice.asc", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonArray *array;
  JsonObject *key;

  fpr = run (f->alice, 0, NULL, NULL, "keys", "generate", "Alice <alice@example.test>", NULL);
  g_strchomp (fpr);
  g_assert_cmpuint (strlen (fpr), ==, 40);

  listing = run (f->alice, 0, NULL, NULL, "keys", "list", NULL);
  g_assert_true (g_str_has_prefix (listing, fpr));
  g_assert_nonnull (strstr (listing, "  sec  valid"));
  g_assert_nonnull (strstr (listing, "Alice <alice@example.test>"));

  json_text = run (f->alice, 0, NULL, NULL, "keys", "list", "--json", NULL);
  json_parser_load_from_data (parser, json_text, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  key = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (key, "fingerprint"), ==, fpr);
  g_assert_true (json_object_get_boolean_member (key, "secret"));
  g_assert_cmpstr (json_object_get_string_member (key, "validity"), ==, "valid");
  g_assert_cmpstr (json_object_get_string_member (key, "expires"), ==, "");
  g_assert_cmpstr (
    json_array_get_string_element (json_object_get_array_member (key, "addresses"), 0), ==,
    "alice@example.test");

  armored = run (f->alice, 0, NULL, NULL, "keys", "export", "alice@example.test", NULL);
  g_assert_true (g_str_has_prefix (armored, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
  g_assert_true (g_file_set_contents (key_file, armored, -1, NULL));

  imported = run (f->bob, 0, NULL, NULL, "keys", "import", key_file, NULL);
  g_assert_true (g_str_has_prefix (imported, fpr));
  g_assert_nonnull (strstr (imported, " new"));
  bob_listing = run (f->bob, 0, NULL, NULL, "keys", "list", NULL);
  g_assert_nonnull (strstr (bob_listing, "  pub  valid"));

  /* The same key again, from standard input: nothing new. */
  {
    g_autoptr (GBytes) input = g_bytes_new (armored, strlen (armored));
    g_autofree char *again = run (f->bob, 0, input, NULL, "keys", "import", "-", NULL);
    g_assert_nonnull (strstr (again, " unchanged"));
  }

  /* A second key for the same address is refused. */
  g_free (run (f->alice, 1, NULL, &err, "keys", "generate", "alice@example.test", NULL));
  assert_one_line (err, "already has a key");
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *garbage = g_build_filename (f->dir, "garbage.asc", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.asc", NULL);
  g_autofree char *err = NULL;

  g_assert_true (g_file_set_contents (garbage, "no key here\n", -1, NULL));

  /* Reading commands refuse a folder without a profile. */
  g_free (run (f->alice, 1, NULL, &err, "keys", "list", NULL));
  assert_one_line (err, "no Postern profile");
  g_clear_pointer (&err, g_free);

  g_free (run (f->alice, 1, NULL, &err, "keys", "import", garbage, NULL));
  assert_one_line (err, "no OpenPGP key");
  g_clear_pointer (&err, g_free);
  g_free (run (f->alice, 1, NULL, &err, "keys", "import", missing, NULL));
  assert_one_line (err, "missing.asc");
  g_clear_pointer (&err, g_free);
  g_free (run (f->alice, 1, NULL, &err, "keys", "export", "nobody@example.test", NULL));
  assert_one_line (err, "no key for nobody@example.test");
  g_clear_pointer (&err, g_free);
  g_free (run (f->alice, 1, NULL, &err, "keys", "generate", "not an address", NULL));
  assert_one_line (err, "invalid address");
  g_clear_pointer (&err, g_free);

  /* Usage errors; key discovery (locate) is not part of this version. */
  g_free (run (f->alice, 2, NULL, NULL, "keys", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "locate", "bob@example.test", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "generate", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "list", "--bogus", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "export", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "import", "a", "b", NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) \
  g_test_add ("/Postern/Keys/Cli/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("generate-list-export-import", test_generate_list_export_import);
  ADD ("errors", test_errors);
#undef ADD
  return g_test_run ();
}
