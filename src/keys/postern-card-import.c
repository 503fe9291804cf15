/* postern-card-import.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-address.h"
#include "postern-card-import.h"
#include "postern-error.h"
#include "postern-smtorp-identity.h"

void
postern_card_import_free (PosternCardImport *import)
{
  if (import == NULL)
    return;
  g_free (import->fingerprint);
  g_strfreev (import->verified);
  g_strfreev (import->conflicts);
  g_free (import);
}

/**
 * postern_card_import_sync:
 * @source: (nullable): where the card came from, shown with a conflict
 *   ("card scanned from alice.png")
 *
 * Takes in @card through the keyring's pins (see postern_trust_scan()).
 *
 * Returns: (transfer full): what became of each address, or %NULL with
 *   @error set.
 */
PosternCardImport *
postern_card_import_sync (PosternKeyring *keyring, PosternCard *card, const char *source,
                          GCancellable *cancellable, GError **error)
{
  PosternTrust *trust;
  const char *const *addresses;
  const char *fpr;
  g_autoptr (GStrvBuilder) verified = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) conflicts = g_strv_builder_new ();
  g_autoptr (PosternCardImport) import = g_new0 (PosternCardImport, 1);
  g_autoptr (PosternKeyInfo) key = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (POSTERN_IS_KEYRING (keyring), NULL);
  g_return_val_if_fail (POSTERN_IS_CARD (card), NULL);
  trust = postern_keyring_get_trust (keyring);
  if (trust == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED,
                   "this keyring keeps no pins, so it cannot take a card");
      return NULL;
    }
  addresses = postern_card_get_addresses (card);
  fpr = postern_card_get_fingerprint (card);
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      PosternTrustVerdict verdict;

      if (g_cancellable_set_error_if_cancelled (cancellable, error)
          || !postern_trust_scan (trust, addresses[i], fpr, source ? source : "scanned card",
                                  &verdict, error))
        return NULL;
      g_strv_builder_add (verdict == POSTERN_TRUST_VERDICT_CONFLICT ? conflicts : verified,
                          addresses[i]);
    }
  key = postern_keyring_get_key_sync (keyring, fpr, cancellable, &local_error);
  if (key == NULL && !g_error_matches (local_error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  import->fingerprint = g_strdup (fpr);
  import->verified = g_strv_builder_end (verified);
  import->conflicts = g_strv_builder_end (conflicts);
  import->have_key = key != NULL;
  return g_steal_pointer (&import);
}

/**
 * postern_card_import_locate_sync:
 * @import: a card taken in whose key the keyring does not hold
 * @locator: how to look keys up
 *
 * Looks for the card's key (by its fingerprint: other keys are passed
 * over) for each verified address that is not an onion one, until one
 * source has it, and imports it through the pins.
 *
 * Returns: %TRUE when the keyring now holds the key (@import's @have_key
 *   is set); %FALSE with @error set otherwise (%POSTERN_ERROR_NOT_FOUND
 *   when no source had it, the message saying what each answered).
 */
gboolean
postern_card_import_locate_sync (PosternCardImport *import, PosternKeyLocator *locator,
                                 GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) last = NULL;

  g_return_val_if_fail (import != NULL, FALSE);
  g_return_val_if_fail (POSTERN_IS_KEY_LOCATOR (locator), FALSE);
  if (import->have_key)
    return TRUE;
  for (guint i = 0; import->verified[i] != NULL; i++)
    {
      g_autoptr (PosternLocatedKey) found = NULL;

      /* An onion address has no domain to ask. */
      if (g_str_has_suffix (import->verified[i], ".onion"))
        continue;
      g_clear_error (&last);
      found = postern_key_locator_locate_sync (locator, import->verified[i], import->fingerprint,
                                               cancellable, &last);
      if (found != NULL && g_str_equal (found->import->fingerprint, import->fingerprint))
        {
          import->have_key = TRUE;
          return TRUE;
        }
      if (g_error_matches (last, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        break;
    }
  if (last == NULL)
    g_set_error (&last, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND,
                 "the card has no address whose domain could publish the key %s",
                 import->fingerprint);
  g_propagate_error (error, g_steal_pointer (&last));
  return FALSE;
}

static void
import_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  PosternCard *card = task_data;
  GError *error = NULL;
  PosternCardImport *import = postern_card_import_sync (
    source, card, g_object_get_data (G_OBJECT (task), "source"), cancellable, &error);

  if (import == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, import, (GDestroyNotify) postern_card_import_free);
}

void
postern_card_import_async (PosternKeyring *keyring, PosternCard *card, const char *source,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (keyring, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_card_import_async);
  g_task_set_task_data (task, g_object_ref (card), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "source", g_strdup (source), g_free);
  g_task_run_in_thread (task, import_thread);
}

PosternCardImport *
postern_card_import_finish (PosternKeyring *keyring, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, keyring), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The user's SMTorP address once the profile has an onion service, else
 * %NULL with @error unset: a card without it is still a card. */
static char *
own_onion_address (PosternProfile *profile, GError **error)
{
  const char *path = postern_profile_get_path (profile);
  g_autofree char *dir = postern_smtorp_dir (path);
  g_autofree char *hostname = g_build_filename (dir, "hostname", NULL);
  g_autoptr (PosternSmtorpIdentity) identity = NULL;
  g_autofree char *onion = NULL;
  g_autofree char *user = NULL;

  /* No onion service: no need to make a server identity for the card. */
  if (!g_file_test (hostname, G_FILE_TEST_EXISTS))
    return NULL;
  if ((identity = postern_smtorp_identity_load (path, error)) == NULL
      || (user = postern_profile_get_setting (profile, "smtorp.user", error)) == NULL)
    return NULL;
  onion = postern_smtorp_identity_get_onion (identity, error);
  if (onion == NULL)
    return NULL;
  return postern_smtorp_identity_build_address (identity, user, onion, error);
}

/* Our key for @address, else for the first account that has one, else the
 * one key of our own the keyring holds. */
static char *
choose_own_key (PosternProfile *profile, PosternKeyring *keyring, const char *address,
                GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *own = NULL;
  guint count = 0;
  char *fpr;

  if (address != NULL)
    {
      fpr = postern_keyring_find_own_key_sync (keyring, address, cancellable, &local_error);
      if (fpr == NULL && local_error == NULL)
        g_set_error (&local_error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND,
                     "no key of your own for %s (postern-cli keys generate %s)", address, address);
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return fpr;
    }
  if ((accounts = postern_profile_list_accounts (profile, error)) == NULL)
    return NULL;
  for (guint i = 0; i < accounts->len; i++)
    {
      fpr = postern_keyring_find_own_key_sync (
        keyring, postern_account_get_address (accounts->pdata[i]), cancellable, &local_error);
      if (fpr != NULL || local_error != NULL)
        {
          if (local_error != NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          return fpr;
        }
    }
  if ((keys = postern_keyring_list_sync (keyring, NULL, cancellable, error)) == NULL)
    return NULL;
  for (guint i = 0; i < keys->len; i++)
    {
      PosternKeyInfo *key = keys->pdata[i];
      if (key->secret && key->validity == POSTERN_KEY_VALID && key->can_encrypt)
        {
          own = key->fingerprint;
          count++;
        }
    }
  if (count == 1)
    return g_strdup (own);
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND,
               count == 0 ? "no key of your own yet (postern-cli keys generate ADDR)"
                          : "several keys of your own: name the address the card is for");
  return NULL;
}

/**
 * postern_card_new_own_sync:
 * @address: (nullable): the address whose key the card shows; by default
 *   the first account's, or the profile's only key of its own
 * @name: (nullable): the name on the card; by default the one in the
 *   key's first user ID
 *
 * The user's own card: their key, every address its user IDs name, and
 * their SMTorP address when the profile has an onion service.
 *
 * Returns: (transfer full): the card, or %NULL with @error set
 *   (%POSTERN_ERROR_NOT_FOUND when there is no key of one's own).
 */
PosternCard *
postern_card_new_own_sync (PosternProfile *profile, PosternKeyring *keyring, const char *address,
                           const char *name, GCancellable *cancellable, GError **error)
{
  g_autofree char *fpr = NULL;
  g_autofree char *onion = NULL;
  g_autoptr (PosternKeyInfo) key = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) addresses = NULL;
  g_autoptr (PosternAddress) primary = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (POSTERN_IS_PROFILE (profile), NULL);
  g_return_val_if_fail (POSTERN_IS_KEYRING (keyring), NULL);
  if ((fpr = choose_own_key (profile, keyring, address, cancellable, error)) == NULL
      || (key = postern_keyring_get_key_sync (keyring, fpr, cancellable, error)) == NULL)
    return NULL;
  onion = own_onion_address (profile, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  g_strv_builder_addv (builder, (const char **) key->addresses);
  if (onion != NULL)
    g_strv_builder_add (builder, onion);
  addresses = g_strv_builder_end (builder);
  if (name == NULL && key->uids[0] != NULL
      && (primary = postern_address_parse (key->uids[0], NULL)) != NULL)
    name = postern_address_get_display_name (primary);
  return postern_card_new (name, (const char *const *) addresses, fpr, error);
}

static void
own_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  PosternCard *card = postern_card_new_own_sync (
    task_data, source, g_object_get_data (G_OBJECT (task), "address"), NULL, cancellable, &error);

  if (card == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, card, g_object_unref);
}

void
postern_card_new_own_async (PosternProfile *profile, PosternKeyring *keyring, const char *address,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (keyring, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_card_new_own_async);
  g_task_set_task_data (task, g_object_ref (profile), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "address", g_strdup (address), g_free);
  g_task_run_in_thread (task, own_thread);
}

PosternCard *
postern_card_new_own_finish (PosternKeyring *keyring, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, keyring), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
