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

static char *
export_to_file (Fixture *f, const char *profile, const char *address, const char *name)
{
  g_autofree char *armored = run (profile, 0, NULL, NULL, "keys", "export", address, NULL);
  char *path = g_build_filename (f->dir, name, NULL);

  g_assert_true (g_file_set_contents (path, armored, -1, NULL));
  return path;
}

static void
test_conflicts (Fixture *f, gconstpointer data)
{
  g_autofree char *bob2_profile = g_build_filename (f->dir, "bob2", NULL);
  g_autofree char *bob2_home = g_build_filename (bob2_profile, "gnupg", NULL);
  g_autofree char *fpr1 = NULL;
  g_autofree char *fpr2 = NULL;
  g_autofree char *file1 = NULL;
  g_autofree char *file2 = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *json_text = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonArray *array;
  JsonObject *conflict;

  fpr1 = g_strchomp (run (f->bob, 0, NULL, NULL, "keys", "generate", "bob@example.test", NULL));
  fpr2
    = g_strchomp (run (bob2_profile, 0, NULL, NULL, "keys", "generate", "bob@example.test", NULL));
  file1 = export_to_file (f, f->bob, "bob@example.test", "bob1.asc");
  file2 = export_to_file (f, bob2_profile, "bob@example.test", "bob2.asc");

  out = run (f->alice, 0, NULL, NULL, "keys", "import", file1, NULL);
  g_assert_true (g_str_has_prefix (out, fpr1));
  g_clear_pointer (&out, g_free);
  out = run (f->alice, 0, NULL, NULL, "keys", "conflicts", NULL);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);

  /* The second key for Bob: refused by policy, one line naming it. */
  out = run (f->alice, 3, NULL, &err, "keys", "import", file2, NULL);
  g_assert_nonnull (strstr (out, " conflict"));
  assert_one_line (err, fpr2);
  g_assert_nonnull (strstr (err, "bob@example.test"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  out = run (f->alice, 0, NULL, NULL, "keys", "conflicts", NULL);
  g_assert_true (g_str_has_prefix (out, "bob@example.test  "));
  g_assert_nonnull (strstr (out, fpr1));
  g_assert_nonnull (strstr (out, fpr2));
  g_assert_nonnull (strstr (out, "import of bob2.asc"));
  json_text = run (f->alice, 0, NULL, NULL, "keys", "conflicts", "--json", NULL);
  json_parser_load_from_data (parser, json_text, -1, &error);
  g_assert_no_error (error);
  array = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (array), ==, 1);
  conflict = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (conflict, "address"), ==, "bob@example.test");
  g_assert_cmpstr (json_object_get_string_member (conflict, "pinned"), ==, fpr1);
  g_assert_cmpstr (json_object_get_string_member (conflict, "fingerprint"), ==, fpr2);
  g_assert_cmpstr (json_object_get_string_member (conflict, "source"), ==, "import of bob2.asc");

  /* Usage: exactly one of --keep and --replace. */
  g_free (run (f->alice, 2, NULL, NULL, "keys", "resolve", "bob@example.test", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "resolve", "bob@example.test", "--keep",
               "--replace", NULL));
  g_free (run (f->alice, 1, NULL, &err, "keys", "resolve", "carol@example.test", "--keep", NULL));
  assert_one_line (err, "no open key conflict for carol@example.test");
  g_clear_pointer (&err, g_free);

  g_clear_pointer (&out, g_free);
  out = run (f->alice, 0, NULL, NULL, "keys", "resolve", "bob@example.test", "--replace", NULL);
  g_assert_nonnull (strstr (out, fpr2));
  g_clear_pointer (&out, g_free);
  out = run (f->alice, 0, NULL, NULL, "keys", "conflicts", NULL);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  out = run (f->alice, 0, NULL, NULL, "keys", "export", "bob@example.test", NULL);
  g_assert_true (g_str_has_prefix (out, "-----BEGIN PGP PUBLIC KEY BLOCK-----"));
  g_clear_pointer (&out, g_free);
  out = run (f->alice, 0, NULL, NULL, "keys", "list", NULL);
  {
    g_autofree char *line = g_strdup_printf ("%s  pub  valid     pinned", fpr2);
    g_assert_nonnull (strstr (out, line));
  }
  g_clear_pointer (&out, g_free);

  /* The replaced key comes back: rejected, quietly. */
  out = run (f->alice, 0, NULL, NULL, "keys", "import", file1, NULL);
  g_assert_nonnull (strstr (out, " rejected"));

  postern_keys_test_kill_agents (bob2_home);
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

  /* keys delete takes a full fingerprint only (tests/keys/test-locate.c
   * deletes a real key). */
  g_free (run (f->alice, 1, NULL, &err, "keys", "delete", "alice@example.test", NULL));
  g_assert_true (g_str_has_prefix (err, "postern-cli: "));
  g_clear_pointer (&err, g_free);

  /* Usage errors (keys locate itself runs next to real DNS, WKD and HKP
   * servers in tests/keys/test-locate.c). */
  g_free (run (f->alice, 2, NULL, NULL, "keys", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "locate", NULL));
  g_free (
    run (f->alice, 2, NULL, NULL, "keys", "locate", "a@example.test", "b@example.test", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "locate", "a@example.test", "--bogus", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "locate", "a@example.test", "--fingerprint", NULL));
  g_free (run (f->alice, 2, NULL, NULL, "keys", "delete", NULL));
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
  ADD ("conflicts", test_conflicts);
  ADD ("errors", test_errors);
#undef ADD
  return g_test_run ();
}
