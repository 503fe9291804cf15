/* postern-card-import.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Cards and the profile: the user's own card (their key, the addresses it
 * is for and their SMTorP address), and taking in someone else's card.
 * A scanned card verifies its key for each of its addresses; where another
 * key is pinned, the card becomes a conflict for the user to settle, never
 * a silent replacement. The card carries a fingerprint, not the key: when
 * the keyring does not hold it yet, the pin waits for it, so the key with
 * that fingerprint is taken when it arrives and any other is a conflict.
 * Looking the key up (WKD, DANE, HKP) is a step of its own the user asks
 * for, since it tells the servers whose card was scanned.
 */
#pragma once

#include <gio/gio.h>

#include "postern-card.h"
#include "postern-key-locator.h"
#include "postern-keyring.h"

G_BEGIN_DECLS

/**
 * PosternCardImport:
 * @fingerprint: the card's key
 * @verified: (array zero-terminated=1): addresses now pinned to it, verified
 * @conflicts: (array zero-terminated=1): addresses another key is pinned
 *   for, each now an open conflict
 * @have_key: whether the keyring holds the key
 */
typedef struct
{
  char *fingerprint;
  char **verified;
  char **conflicts;
  gboolean have_key;
} PosternCardImport;

void postern_card_import_free (PosternCardImport *import);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternCardImport, postern_card_import_free)

PosternCardImport *postern_card_import_sync (PosternKeyring *keyring, PosternCard *card,
                                             const char *source, GCancellable *cancellable,
                                             GError **error);
gboolean postern_card_import_locate_sync (PosternCardImport *import, PosternKeyLocator *locator,
                                          GCancellable *cancellable, GError **error);
void postern_card_import_async (PosternKeyring *keyring, PosternCard *card, const char *source,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data);
PosternCardImport *postern_card_import_finish (PosternKeyring *keyring, GAsyncResult *result,
                                               GError **error);

PosternCard *postern_card_new_own_sync (PosternProfile *profile, PosternKeyring *keyring,
                                        const char *address, const char *name,
                                        GCancellable *cancellable, GError **error);
void postern_card_new_own_async (PosternProfile *profile, PosternKeyring *keyring,
                                 const char *address, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
PosternCard *postern_card_new_own_finish (PosternKeyring *keyring, GAsyncResult *result,
                                          GError **error);

G_END_DECLS
