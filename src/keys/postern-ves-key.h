/* postern-ves-key.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A VES message key wrapped to its recipients' OpenPGP keys: the armored
 * OpenPGP message whose plaintext is one line, "VES1 MESSAGE-ID KEY" (the
 * key in base64), so a wrapped key opens only the message it names.
 */
#pragma once

#include "postern-keyring.h"

G_BEGIN_DECLS

char *postern_ves_key_wrap_sync (PosternKeyring *keyring, const guint8 *key, const char *message_id,
                                 const char *const *fingerprints, GError **error);
gboolean postern_ves_key_unwrap_sync (PosternKeyring *keyring, const char *key_block,
                                      const char *message_id, guint8 *key, GError **error);

G_END_DECLS
