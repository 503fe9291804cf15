/* postern-test-util.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Helpers the test suites share: temporary folders, the tests/data files,
 * the real-world corpus in ../shared/corpus and running postern-cli.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdarg.h>

#include "postern-test-util.h"

char *
postern_test_make_tmpdir (const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmpl = g_strdup_printf ("postern-%s-XXXXXX", what);
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}

void
postern_test_rm_rf (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileEnumerator) children = NULL;
  GFileInfo *info;

  children = g_file_enumerate_children (
    file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
    G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        postern_test_rm_rf (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

char *
postern_test_data_path (const char *name)
{
  return g_build_filename (POSTERN_TEST_DATA_DIR, name, NULL);
}

GBytes *
postern_test_data_bytes (const char *name)
{
  g_autofree char *path = postern_test_data_path (name);
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* ../shared/corpus beside the checkout, or POSTERN_CORPUS; NULL when there
 * is none (a machine without the shared folder). */
const char *
postern_test_corpus_dir (void)
{
  static char *dir;

  if (dir == NULL)
    {
      const char *env = g_getenv ("POSTERN_CORPUS");
      const char *candidate = env != NULL && *env != '\0' ? env : POSTERN_DEFAULT_CORPUS_DIR;
      if (g_file_test (candidate, G_FILE_TEST_IS_DIR))
        dir = g_canonicalize_filename (candidate, NULL);
    }
  return dir;
}

static void
collect (const char *dir, const char *suffix, GPtrArray *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        collect (path, suffix, out);
      else if (g_str_has_suffix (name, suffix))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/* Every corpus file with @suffix, sorted; NULL when there is no corpus. */
GPtrArray *
postern_test_corpus_files (const char *suffix)
{
  const char *dir = postern_test_corpus_dir ();
  GPtrArray *files;

  if (dir == NULL)
    return NULL;
  files = g_ptr_array_new_with_free_func (g_free);
  collect (dir, suffix, files);
  g_ptr_array_sort (files, compare_paths);
  return files;
}

const char *
postern_test_cli_path (void)
{
  const char *env = g_getenv ("POSTERN_CLI");
  return env != NULL ? env : POSTERN_CLI_PATH;
}

/* Runs postern-cli --profile PROFILE ARGS… and returns its exit status. */
int
postern_test_run_cli (const char *profile, GBytes *stdin_bytes, GBytes **out_stdout,
                      char **out_stderr, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  va_list ap;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) postern_test_cli_path ());
  if (profile != NULL)
    {
      g_ptr_array_add (argv, (gpointer) "--profile");
      g_ptr_array_add (argv, (gpointer) profile);
    }
  va_start (ap, out_stderr);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                              | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  {
    g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
    g_subprocess_communicate (proc, stdin_bytes ? stdin_bytes : empty, NULL, &out, &err, &error);
  }
  g_assert_no_error (error);
  g_subprocess_wait (proc, NULL, &error);
  g_assert_no_error (error);

  if (out_stdout != NULL)
    *out_stdout = g_steal_pointer (&out);
  if (out_stderr != NULL)
    *out_stderr = g_strndup (g_bytes_get_data (err, NULL), g_bytes_get_size (err));
  if (!g_subprocess_get_if_exited (proc))
    g_error ("postern-cli was killed by signal %d; it said: %.*s",
             g_subprocess_get_if_signaled (proc) ? g_subprocess_get_term_sig (proc) : -1,
             (int) g_bytes_get_size (err), (const char *) g_bytes_get_data (err, NULL));
  return g_subprocess_get_exit_status (proc);
}

/* A variable tests/harness/with-servers sets; without it the test cannot run. */
const char *
postern_test_harness_env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL)
    g_error ("%s is not set: run this test through tests/harness/with-servers", name);
  return value;
}
