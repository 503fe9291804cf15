/* postern-gpg-private.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the files of src/keys share about gpgme: cleanups for its handles,
 * a context bound to a keyring's GNUPGHOME, and turning its errors into
 * GErrors. Not for use outside src/keys.
 */
#pragma once

#include <gpgme.h>

#include "postern-keyring.h"

G_BEGIN_DECLS

/* gpgme's handle types are pointer typedefs; g_autoptr needs the structs. */
typedef struct gpgme_context PosternGpgCtx;
typedef struct gpgme_data PosternGpgData;
typedef struct _gpgme_key PosternGpgKey;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternGpgCtx, gpgme_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternGpgData, gpgme_data_release)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternGpgKey, gpgme_key_unref)

PosternGpgCtx *_postern_keyring_new_context (PosternKeyring *self, GError **error);
gboolean _postern_gpg_check (gpgme_error_t err, const char *what, GError **error);
PosternGpgData *_postern_gpg_data_from_bytes (GBytes *bytes, GError **error);
GBytes *_postern_gpg_data_to_bytes (PosternGpgData *data);
void _postern_gpg_data_wipe (PosternGpgData *data);
char *_postern_gpg_uid_address (const char *uid, const char *email);

G_END_DECLS
