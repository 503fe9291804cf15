/* test-cli-ves.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * postern-cli ves against docs/cli.md, between real profiles: alice
 * encrypts to bob with the message key wrapped to his pinned key; bob
 * decrypts to her bytes exactly; alice can read her own copy; carol, who
 * was not a recipient, cannot; a recipient without a key is refused.
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-keys-test.h"
#include "postern-test-util.h"

static const char message[] = "From: Alice <alice@example.test>\r\n"
                              "To: Bob <bob@example.test>\r\n"
                              "Subject: where the key is hidden\r\n"
                              "Message-ID: <hidden-1@example.test>\r\n"
                              "MIME-Version: 1.0\r\n"
                              "Content-Type: text/plain; charset=utf-8\r\n"
                              "\r\n"
                              "Under the third stone, left of the gate.\r\n";

static GBytes *
cli (const char *profile, int expected, GBytes *input, char **out_err, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_autofree char *err = NULL;
  GBytes *out = NULL;
  const char *arg;
  va_list ap;
  int rc;

  g_ptr_array_add (argv, (char *) postern_test_cli_path ());
  g_ptr_array_add (argv, "--profile");
  g_ptr_array_add (argv, (char *) profile);
  va_start (ap, out_err);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  {
    g_autoptr (GSubprocess) proc = NULL;
    g_autoptr (GError) error = NULL;
    g_autoptr (GBytes) err_bytes = NULL;

    proc = g_subprocess_newv ((const char *const *) argv->pdata,
                              G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                              &error);
    g_assert_no_error (error);
    g_subprocess_communicate (proc, input ? input : empty, NULL, &out, &err_bytes, &error);
    g_assert_no_error (error);
    rc = g_subprocess_get_exit_status (proc);
    err = g_strndup (g_bytes_get_data (err_bytes, NULL), g_bytes_get_size (err_bytes));
  }
  if (rc != expected)
    g_error ("postern-cli %s: exit %d, expected %d: %s", (char *) argv->pdata[3], rc, expected,
             err);
  if (out_err)
    *out_err = g_steal_pointer (&err);
  return out;
}

static void
test_ves_between_profiles (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("cli-ves");
  g_autofree char *alice = g_build_filename (dir, "alice", NULL);
  g_autofree char *bob = g_build_filename (dir, "bob", NULL);
  g_autofree char *carol = g_build_filename (dir, "carol", NULL);
  g_autofree char *bob_key_path = g_build_filename (dir, "bob.asc", NULL);
  g_autoptr (GBytes) input = g_bytes_new_static (message, strlen (message));
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (GBytes) bob_key = NULL;
  g_autoptr (GBytes) read_by_bob = NULL;
  g_autoptr (GBytes) read_by_alice = NULL;
  g_autoptr (GBytes) none = NULL;
  g_autofree char *err = NULL;
  g_autofree char *sealed_text = NULL;

  g_bytes_unref (cli (alice, 0, NULL, NULL, "keys", "generate", "alice@example.test", NULL));
  g_bytes_unref (cli (bob, 0, NULL, NULL, "keys", "generate", "bob@example.test", NULL));
  g_bytes_unref (cli (carol, 0, NULL, NULL, "keys", "generate", "carol@example.test", NULL));
  bob_key = cli (bob, 0, NULL, NULL, "keys", "export", "bob@example.test", NULL);
  g_assert_true (g_file_set_contents (bob_key_path, g_bytes_get_data (bob_key, NULL),
                                      (gssize) g_bytes_get_size (bob_key), NULL));
  g_bytes_unref (cli (alice, 0, NULL, NULL, "keys", "import", bob_key_path, NULL));

  /* Nobody's key for dave: refused by policy, nothing written. */
  none = cli (alice, 3, input, &err, "ves", "encrypt", "--to", "dave@example.test", NULL);
  g_assert_cmpuint (g_bytes_get_size (none), ==, 0);
  g_assert_nonnull (strstr (err, "dave@example.test"));

  sealed = cli (alice, 0, input, NULL, "ves", "encrypt", "--to", "bob@example.test", NULL);
  sealed_text = g_strndup (g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
  g_assert_nonnull (strstr (sealed_text, "X-Ves-Version: 1"));
  g_assert_nonnull (strstr (sealed_text, "application/vnd.ves.key"));
  g_assert_null (strstr (sealed_text, "where the key is hidden"));
  g_assert_null (strstr (sealed_text, "third stone"));

  read_by_bob = cli (bob, 0, sealed, NULL, "ves", "decrypt", NULL);
  g_assert_true (g_bytes_equal (read_by_bob, input));
  read_by_alice = cli (alice, 0, sealed, NULL, "ves", "decrypt", NULL);
  g_assert_true (g_bytes_equal (read_by_alice, input));
  g_clear_pointer (&err, g_free);
  g_bytes_unref (cli (carol, 1, sealed, &err, "ves", "decrypt", NULL));
  g_assert_true (g_str_has_prefix (err, "postern-cli: "));

  for (const char *const *p = (const char *const[]){ alice, bob, carol, NULL }; *p; p++)
    {
      g_autofree char *home = g_build_filename (*p, "gnupg", NULL);
      postern_keys_test_kill_agents (home);
    }
  postern_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-ves/between-profiles", test_ves_between_profiles);
  return g_test_run ();
}
