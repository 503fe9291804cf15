/* postern-keys-test.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>

#include "postern-keys-test.h"

/* A GnuPG home of its own for one party of a test, mode 0700 as gpg wants. */
char *
postern_keys_test_make_home (const char *parent, const char *name)
{
  char *home = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  g_assert_cmpint (g_chmod (home, 0700), ==, 0);
  return home;
}

/* Every gpg-agent (and dirmngr) a test made for @gnupg_home: they would
 * otherwise outlive the test and its removed folder. */
void
postern_keys_test_kill_agents (const char *gnupg_home)
{
  const char *argv[] = { "gpgconf", "--homedir", gnupg_home, "--kill", "all", NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  if (!g_file_test (gnupg_home, G_FILE_TEST_IS_DIR))
    return;
  g_spawn_sync (NULL, (char **) argv, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
}

/* Runs the real gpg on @gnupg_home in batch mode with an empty passphrase
 * and returns its exit status. */
int
postern_keys_test_gpg (const char *gnupg_home, GBytes *input, GBytes **out_stdout,
                       char **out_stderr, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  va_list ap;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) "gpg");
  g_ptr_array_add (argv, (gpointer) "--homedir");
  g_ptr_array_add (argv, (gpointer) gnupg_home);
  g_ptr_array_add (argv, (gpointer) "--batch");
  g_ptr_array_add (argv, (gpointer) "--no-tty");
  g_ptr_array_add (argv, (gpointer) "--pinentry-mode");
  g_ptr_array_add (argv, (gpointer) "loopback");
  g_ptr_array_add (argv, (gpointer) "--passphrase");
  g_ptr_array_add (argv, (gpointer) "");
  va_start (ap, out_stderr);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  launcher
    = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                 | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_unsetenv (launcher, "GNUPGHOME");
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate (proc, input ? input : empty, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&out);
  if (out_stderr != NULL)
    *out_stderr = postern_keys_test_bytes_to_string (err);
  return g_subprocess_get_exit_status (proc);
}

/* A key pair made by gpg itself, as in ../shared/fixtures/README.md:
 * Ed25519 for signing, a Curve25519 subkey for encryption. */
/* A key that can sign but not encrypt: no encryption subkey. */
char *
postern_keys_test_gpg_make_signing_key (const char *gnupg_home, const char *uid)
{
  g_autoptr (GBytes) out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *status = NULL;
  g_auto (GStrv) lines = NULL;
  char *fpr = NULL;

  /* The fingerprint comes from gpg's status line, since tests make
   * several keys with one user ID. */
  if (postern_keys_test_gpg (gnupg_home, NULL, &out, &err, "--yes", "--status-fd", "1",
                             "--quick-gen-key", uid, "ed25519", "cert,sign", "never", NULL)
      != 0)
    g_error ("gpg --quick-gen-key failed: %s", err);
  g_clear_pointer (&err, g_free);
  status = postern_keys_test_bytes_to_string (out);
  lines = g_strsplit (status, "\n", -1);
  for (guint i = 0; lines[i] != NULL && fpr == NULL; i++)
    if (g_str_has_prefix (lines[i], "[GNUPG:] KEY_CREATED "))
      {
        g_auto (GStrv) fields = g_strsplit (lines[i], " ", -1);
        fpr = g_strdup (fields[3]);
      }
  g_assert_nonnull (fpr);
  return fpr;
}

char *
postern_keys_test_gpg_make_key (const char *gnupg_home, const char *uid)
{
  g_autofree char *err = NULL;
  char *fpr = postern_keys_test_gpg_make_signing_key (gnupg_home, uid);

  if (postern_keys_test_gpg (gnupg_home, NULL, NULL, &err, "--quick-add-key", fpr, "cv25519",
                             "encr", "never", NULL)
      != 0)
    g_error ("gpg --quick-add-key failed: %s", err);
  return fpr;
}

GBytes *
postern_keys_test_gpg_export (const char *gnupg_home, const char *fpr, gboolean armor)
{
  GBytes *out = NULL;

  if (armor)
    g_assert_cmpint (
      postern_keys_test_gpg (gnupg_home, NULL, &out, NULL, "--armor", "--export", fpr, NULL), ==,
      0);
  else
    g_assert_cmpint (postern_keys_test_gpg (gnupg_home, NULL, &out, NULL, "--export", fpr, NULL),
                     ==, 0);
  g_assert_cmpuint (g_bytes_get_size (out), >, 0);
  return out;
}

char *
postern_keys_test_bytes_to_string (GBytes *bytes)
{
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    return g_strdup ("");
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

/* The path of a tool a test cannot do without; scripts/install-deps
 * installs it, so its absence fails the test rather than skipping it. */
char *
postern_keys_test_need_program (const char *name, const char *package)
{
  char *path = g_find_program_in_path (name);

  if (path == NULL)
    g_error ("%s is needed for this test: install %s (scripts/install-deps)", name, package);
  return path;
}
