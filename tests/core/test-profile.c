/* test-profile.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "postern-core.h"
#include "postern-test-util.h"

static void
test_create_and_reopen (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("profile");
  g_autofree char *path = g_build_filename (dir, "p", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) p = NULL;
  struct stat st;

  g_assert_null (postern_profile_open (path, FALSE, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no Postern profile at"));
  g_clear_error (&error);

  p = postern_profile_open (path, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (stat (postern_profile_get_gnupg_home (p), &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (g_str_has_prefix (postern_profile_get_gnupg_home (p), path));
  g_assert_finalize_object (g_steal_pointer (&p));

  p = postern_profile_open (path, FALSE, &error);
  g_assert_no_error (error);
  g_assert_finalize_object (g_steal_pointer (&p));
  postern_test_rm_rf (dir);
}

static void
test_settings (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("profile");
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) p = postern_profile_open (dir, TRUE, &error);
  g_autofree char *mode = NULL;
  g_autofree char *upstream = NULL;
  const struct
  {
    const char *key, *value;
  } bad[] = {
    { "dns.upstream", "127.0.0.1@99999" },
    { "dns.upstream", "@53" },
    { "tor.mode", "sometimes" },
    { "tls.ca-file", "relative.pem" },
    { "dns.trust-anchor", "ta.txt" },
    { "dns.trust-anchor", "/nonexistent/ta.txt" },
    { "no.such.key", "x" },
  };

  mode = postern_profile_get_setting (p, "tor.mode", &error);
  g_assert_cmpstr (mode, ==, "managed");
  g_assert_true (postern_profile_set_setting (p, "dns.upstream", "127.0.0.1@5353", &error));
  g_assert_true (postern_profile_set_setting (p, "tor.extra-config",
                                              "TestingTorNetwork 1\nDirAuthority x", &error));
  g_assert_no_error (error);
  upstream = postern_profile_get_setting (p, "dns.upstream", &error);
  g_assert_cmpstr (upstream, ==, "127.0.0.1@5353");
  {
    g_autofree char *extra = postern_profile_get_setting (p, "tor.extra-config", &error);
    g_assert_cmpstr (extra, ==, "TestingTorNetwork 1\nDirAuthority x");
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (postern_profile_set_setting (p, bad[i].key, bad[i].value, &error));
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
      g_clear_error (&error);
    }
  g_assert_null (postern_profile_get_setting (p, "no.such.key", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_object (&p);
  postern_test_rm_rf (dir);
}

static void
test_accounts (void)
{
  g_autofree char *dir = postern_test_make_tmpdir ("profile");
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) p = postern_profile_open (dir, TRUE, &error);
  g_autoptr (PosternAccount) a = postern_account_new ("work", "Me <me@example.test>", &error);
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (PosternAccount) found = NULL;
  g_autofree char *text = NULL;
  g_autofree char *file = g_build_filename (dir, "accounts.ini", NULL);

  g_assert_no_error (error);
  g_assert_true (postern_account_set_imap_url (a, "imaps://imap.example.test:993", &error));
  g_assert_true (postern_account_set_smtp_url (a, "smtp://smtp.example.test:587", &error));
  postern_account_set_user (a, "me");
  g_assert_true (postern_profile_add_account (p, a, &error));
  accounts = postern_profile_list_accounts (p, &error);
  g_assert_cmpuint (accounts->len, ==, 1);
  found = postern_profile_find_account (p, "work", &error);
  g_assert_cmpstr (postern_account_get_address (found), ==, "me@example.test");
  g_assert_cmpstr (postern_account_get_imap_url (found), ==, "imaps://imap.example.test:993");
  g_assert_cmpstr (postern_account_get_user (found), ==, "me");
  g_assert_null (postern_profile_find_account (p, "home", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Passwords never go into the profile. */
  g_file_get_contents (file, &text, NULL, NULL);
  g_assert_null (strstr (text, "password"));

  g_assert_false (postern_account_set_imap_url (a, "http://x", &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (postern_account_set_smtp_url (a, "smtp://", &error));
  g_clear_error (&error);
  g_assert_false (postern_account_set_smtp_url (a, "local:relative/path", &error));
  g_clear_error (&error);
  g_assert_null (postern_account_new ("bad name", "me@example.test", &error));
  g_clear_error (&error);
  g_assert_null (postern_account_new ("ok", "not-an-address", &error));
  g_clear_error (&error);
  g_clear_object (&p);
  postern_test_rm_rf (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Core/Profile/create-and-reopen", test_create_and_reopen);
  g_test_add_func ("/Postern/Core/Profile/settings", test_settings);
  g_test_add_func ("/Postern/Core/Profile/accounts", test_accounts);
  return g_test_run ();
}
