/* postern-auto-locate.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-address.h"
#include "postern-auto-locate.h"
#include "postern-error.h"
#include "postern-key-locator.h"

/**
 * postern_auto_locate_enabled:
 *
 * Whether @profile looks keys up by itself (keys.auto-locate, on unless
 * set to false). POSTERN_NO_AUTO_LOCATE in the environment turns it off
 * too: the test suite sets it so that tests away from the harness's own
 * DNS never query the real network.
 */
gboolean
postern_auto_locate_enabled (PosternProfile *profile)
{
  g_autofree char *value = NULL;

  if (profile == NULL || g_getenv ("POSTERN_NO_AUTO_LOCATE") != NULL)
    return FALSE;
  value = postern_profile_get_setting (profile, "keys.auto-locate", NULL);
  return value == NULL || !g_str_equal (value, "false");
}

/* Mail to oneself needs no lookup: one's own keys are made here. */
static gboolean
is_own_address (PosternProfile *profile, const char *address)
{
  g_autoptr (GPtrArray) accounts = postern_profile_list_accounts (profile, NULL);

  for (guint i = 0; accounts != NULL && i < accounts->len; i++)
    {
      const char *own = postern_account_get_address (accounts->pdata[i]);
      g_autoptr (PosternAddress) parsed = own ? postern_address_parse (own, NULL) : NULL;
      if (parsed != NULL
          && g_ascii_strcasecmp (postern_address_get_addr_spec (parsed), address) == 0)
        return TRUE;
    }
  return FALSE;
}

/* While a conflict over @address is open the user is to decide, and
 * another lookup could only add to it. */
static gboolean
has_conflict (PosternTrust *trust, const char *address, gboolean *out_conflict, GError **error)
{
  g_autoptr (GPtrArray) conflicts = postern_trust_list_conflicts (trust, address, error);

  if (conflicts == NULL)
    return FALSE;
  *out_conflict = conflicts->len > 0;
  return TRUE;
}

/**
 * postern_auto_locate_sync:
 * @address: a legacy recipient's addr-spec
 * @out_looked_up: (out) (optional): whether the network was asked
 *
 * Called when @address has no usable pinned key: none is pinned (the
 * first time anyone writes to it), or the key pinned is not held, has
 * expired, was revoked or cannot encrypt. Looks its key up when automatic
 * lookups are on, the address is not .onion nor one of the profile's
 * accounts, no conflict over it is open, and it was not looked up within
 * POSTERN_AUTO_LOCATE_INTERVAL. A key found is imported through the trust
 * policy: pinned when nothing was, merged when it is the pinned key (a
 * new expiry date, say), and a conflict for the user when it is another.
 * Finding nothing, or a lookup that fails (no network, a forged DNS
 * answer), is not an error: the message simply goes unsealed, and the
 * address is not asked again until the interval has passed. A cancelled
 * lookup is forgotten, so the next routing tries again.
 *
 * Returns: %FALSE when cancelled or when the pins cannot be read or
 *   written.
 */
gboolean
postern_auto_locate_sync (PosternProfile *profile, PosternKeyring *keyring, const char *address,
                          gboolean *out_looked_up, GCancellable *cancellable, GError **error)
{
  PosternTrust *trust = keyring ? postern_keyring_get_trust (keyring) : NULL;
  g_autoptr (PosternKeyLocator) locator = NULL;
  g_autoptr (PosternLocatedKey) located = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean conflict = FALSE, claimed = FALSE;

  if (out_looked_up != NULL)
    *out_looked_up = FALSE;
  if (trust == NULL || !postern_auto_locate_enabled (profile)
      || g_str_has_suffix (address, ".onion") || is_own_address (profile, address))
    return TRUE;
  if (!has_conflict (trust, address, &conflict, error))
    return FALSE;
  if (conflict)
    return TRUE;
  if (!postern_trust_claim_lookup (trust, address, g_get_real_time () / G_USEC_PER_SEC,
                                   POSTERN_AUTO_LOCATE_INTERVAL, &claimed, error))
    return FALSE;
  if (!claimed)
    return TRUE;
  if (out_looked_up != NULL)
    *out_looked_up = TRUE;

  locator = postern_key_locator_new_for_profile (profile, keyring, &local_error);
  if (locator != NULL)
    located = postern_key_locator_locate_sync (locator, address, NULL, cancellable, &local_error);
  if (located != NULL)
    g_debug ("auto-locate %s: %s from %s (%s)", address, located->import->fingerprint,
             postern_key_source_to_string (located->source),
             postern_key_import_status_to_string (located->import->status));
  else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Nothing was learnt: the next routing may ask again. */
      postern_trust_set_last_lookup (trust, address, 0, NULL);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  else
    g_debug ("auto-locate %s: %s", address, local_error->message);
  return TRUE;
}
