/* fuzz-account.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The profile's accounts file: arbitrary bytes loaded as a GKeyFile the way
 * the profile loads it, then every group through postern_account_load ().
 * An account that loads must survive being saved and loaded again
 * unchanged, or `account add` could write a file the next start refuses.
 */
#include "config.h"

#include "postern-account.h"
#include "postern-error.h"
#include "postern-fuzz.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  postern_fuzz_init ();
  return 0;
}

static void
check_round_trip (PosternAccount *account)
{
  g_autoptr (GKeyFile) saved = g_key_file_new ();
  g_autoptr (GKeyFile) reread = g_key_file_new ();
  g_autoptr (PosternAccount) again = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gsize len;

  postern_account_save (account, saved);
  text = g_key_file_to_data (saved, &len, NULL);
  postern_fuzz_check (g_key_file_load_from_data (reread, text, len, G_KEY_FILE_KEEP_COMMENTS,
                                                 &error));
  again = postern_account_load (reread, postern_account_get_name (account), &error);
  if (again == NULL)
    {
      g_printerr ("a saved account does not load again: %s\n%s", error->message, text);
      postern_fuzz_check (again != NULL);
    }
  postern_fuzz_check (g_str_equal (postern_account_get_name (again),
                                   postern_account_get_name (account)));
  postern_fuzz_check (g_str_equal (postern_account_get_address (again),
                                   postern_account_get_address (account)));
  postern_fuzz_check (g_strcmp0 (postern_account_get_imap_url (again),
                                 postern_account_get_imap_url (account))
                      == 0);
  postern_fuzz_check (g_strcmp0 (postern_account_get_smtp_url (again),
                                 postern_account_get_smtp_url (account))
                      == 0);
  postern_fuzz_check (g_str_equal (postern_account_get_user (again),
                                   postern_account_get_user (account)));
  postern_fuzz_check (postern_account_get_allow_plaintext (again)
                      == postern_account_get_allow_plaintext (account));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_data (keyfile, (const char *) data, size, G_KEY_FILE_KEEP_COMMENTS,
                                  NULL))
    return 0;
  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PosternAccount) account = postern_account_load (keyfile, groups[i], &error);

      if (account == NULL)
        {
          postern_fuzz_check (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_INVALID));
          continue;
        }
      postern_fuzz_check (error == NULL);
      postern_fuzz_check (postern_account_get_address (account) != NULL);
      postern_fuzz_check (postern_account_get_user (account) != NULL);
      check_round_trip (account);
    }
  return 0;
}
