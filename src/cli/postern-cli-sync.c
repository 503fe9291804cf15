/* postern-cli-sync.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * sync, the receiving half: the IMAP sync of each account that has an
 * IMAP server. The sending half (the Outbox) is in postern-cli-route.c.
 */
#include "config.h"

#include "postern-cli.h"
#include "postern-transport-imap.h"

static int
sync_account (PosternProfile *profile, PosternAccount *account, const char *ca_file)
{
  g_autoptr (PosternTransportImap) imap = NULL;
  g_autoptr (PosternImapSyncStats) stats = NULL;
  g_autoptr (GError) error = NULL;
  const char *name = postern_account_get_name (account);

  imap = postern_transport_imap_new (account, postern_profile_get_path (profile), ca_file);
  stats = postern_transport_imap_sync (imap, NULL, &error);
  if (stats == NULL)
    {
      /* One line that says what went wrong, whatever kind of failure: a
       * refused certificate is a failed sync here, not a policy verdict on
       * a message. */
      g_printerr ("postern-cli: %s: %s\n", name, error->message);
      return POSTERN_EXIT_FAILED;
    }
  g_print (_ ("synced %s: %u new messages, %u removed, %u flags updated, %u changes sent to "
              "the server, %u uploaded (%u folders)\n"),
           name, stats->fetched, stats->removed, stats->flags_pulled,
           stats->flags_pushed + stats->deleted, stats->uploaded, stats->folders);
  for (guint i = 0; stats->skipped[i] != NULL; i++)
    g_printerr (_ ("postern-cli: %s: warning: mailbox not synced: %s\n"), name, stats->skipped[i]);
  return POSTERN_EXIT_OK;
}

/**
 * postern_cli_sync_imap:
 * @account_name: (nullable): one account, or %NULL for every account with
 *   an IMAP server
 *
 * Prints one summary line per account synced, and one line on stderr for
 * each that failed; the others are synced all the same.
 *
 * Returns: %POSTERN_EXIT_OK, or %POSTERN_EXIT_FAILED when any failed
 */
int
postern_cli_sync_imap (PosternProfile *profile, const char *account_name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autofree char *ca_file = NULL;
  int status = POSTERN_EXIT_OK;

  if (account_name != NULL)
    {
      PosternAccount *account = postern_profile_find_account (profile, account_name, &error);
      if (account == NULL)
        return postern_cli_fail (error);
      accounts = g_ptr_array_new_with_free_func (g_object_unref);
      g_ptr_array_add (accounts, account);
    }
  else if ((accounts = postern_profile_list_accounts (profile, &error)) == NULL)
    return postern_cli_fail (error);

  ca_file = postern_profile_get_setting (profile, "tls.ca-file", NULL);
  for (guint i = 0; i < accounts->len; i++)
    if (postern_account_get_imap_url (accounts->pdata[i]) != NULL
        && sync_account (profile, accounts->pdata[i], ca_file) != POSTERN_EXIT_OK)
      status = POSTERN_EXIT_FAILED;
  return status;
}
