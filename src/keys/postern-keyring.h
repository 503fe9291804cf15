/* postern-keyring.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The profile's OpenPGP keys, kept by GnuPG in the profile's own GNUPGHOME
 * and reached through gpgme only. Every operation gets its own gpgme
 * context, so the object can be used from any thread; the blocking _sync
 * calls are for the CLI and for worker threads, the _async ones for the UI.
 *
 * No private key material and no passphrase ever passes through this API,
 * a log or an error message: keys are generated without a passphrase inside
 * gpg-agent, and only public keys are exported.
 *
 * With a PosternTrust, the keyring applies its policy: imported keys are
 * pinned on first use, a key that conflicts with a pin is kept out of the
 * keyring (held with the conflict until the user decides), and recipients
 * are encrypted to by their pinned key only.
 */
#pragma once

#include <gio/gio.h>

#include "postern-profile.h"
#include "postern-trust.h"

G_BEGIN_DECLS

/**
 * PosternKeyValidity:
 * @POSTERN_KEY_VALID: the key can be used
 * @POSTERN_KEY_EXPIRED: the key has expired
 * @POSTERN_KEY_REVOKED: its owner revoked the key
 * @POSTERN_KEY_DISABLED: the key was disabled in this keyring
 * @POSTERN_KEY_INVALID: GnuPG cannot use the key (bad self-signature, unknown algorithm)
 *
 * Whether a key itself is usable. Whose key it is, is the trust policy's
 * business (PosternTrust), not GnuPG's web of trust.
 */
typedef enum
{
  POSTERN_KEY_VALID,
  POSTERN_KEY_EXPIRED,
  POSTERN_KEY_REVOKED,
  POSTERN_KEY_DISABLED,
  POSTERN_KEY_INVALID,
} PosternKeyValidity;

const char *postern_key_validity_to_string (PosternKeyValidity validity);

/**
 * PosternKeyInfo:
 * @fingerprint: the primary key's fingerprint, upper-case hex
 * @uids: (array zero-terminated=1): the user IDs as written in the key
 * @addresses: (array zero-terminated=1): the lower-case addr-specs of the
 *   user IDs that are neither revoked nor invalid, each once
 * @secret: whether this keyring holds the secret key
 * @validity: whether the key is usable
 * @can_encrypt: whether a usable subkey can encrypt
 * @can_sign: whether a usable (sub)key can sign
 * @created: creation time, seconds since the epoch
 * @expires: expiry time, or 0 when the key never expires
 */
typedef struct
{
  char *fingerprint;
  char **uids;
  char **addresses;
  gboolean secret;
  PosternKeyValidity validity;
  gboolean can_encrypt;
  gboolean can_sign;
  gint64 created;
  gint64 expires;
} PosternKeyInfo;

#define POSTERN_TYPE_KEY_INFO (postern_key_info_get_type ())
GType postern_key_info_get_type (void);
PosternKeyInfo *postern_key_info_copy (const PosternKeyInfo *info);
void postern_key_info_free (PosternKeyInfo *info);
gboolean postern_key_info_has_address (const PosternKeyInfo *info, const char *address);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternKeyInfo, postern_key_info_free)

/**
 * PosternKeyImportStatus:
 * @POSTERN_KEY_IMPORT_NEW: the key was not in the keyring and now is
 * @POSTERN_KEY_IMPORT_UPDATED: the keyring had the key; new user IDs,
 *   subkeys or signatures (a revocation, say) were merged into it
 * @POSTERN_KEY_IMPORT_UNCHANGED: the keyring already had all of it
 * @POSTERN_KEY_IMPORT_CONFLICT: another key is pinned for the key's
 *   addresses; the key was not imported but kept as a conflict for the user
 *   to resolve
 * @POSTERN_KEY_IMPORT_REJECTED: the user already chose to keep the pinned
 *   key over this one; it was not imported again
 */
typedef enum
{
  POSTERN_KEY_IMPORT_NEW,
  POSTERN_KEY_IMPORT_UPDATED,
  POSTERN_KEY_IMPORT_UNCHANGED,
  POSTERN_KEY_IMPORT_CONFLICT,
  POSTERN_KEY_IMPORT_REJECTED,
} PosternKeyImportStatus;

const char *postern_key_import_status_to_string (PosternKeyImportStatus status);

/**
 * PosternKeyImport:
 * @fingerprint: the key's fingerprint
 * @status: what happened to it
 * @secret: whether the data held its secret key
 * @pinned: (array zero-terminated=1): addresses now pinned to this key
 * @conflicts: (array zero-terminated=1): addresses for which another key is
 *   pinned, each now an open conflict
 *
 * What importing did with one key.
 */
typedef struct
{
  char *fingerprint;
  PosternKeyImportStatus status;
  gboolean secret;
  char **pinned;
  char **conflicts;
} PosternKeyImport;

#define POSTERN_TYPE_KEY_IMPORT (postern_key_import_get_type ())
GType postern_key_import_get_type (void);
PosternKeyImport *postern_key_import_copy (const PosternKeyImport *import);
void postern_key_import_free (PosternKeyImport *import);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternKeyImport, postern_key_import_free)

/**
 * PosternKeyExportFlags:
 * @POSTERN_KEY_EXPORT_DEFAULT: the whole public key, ASCII-armored
 * @POSTERN_KEY_EXPORT_MINIMAL: only what is needed to use the key: the
 *   self-signatures, no third-party certifications (as Autocrypt asks)
 * @POSTERN_KEY_EXPORT_BINARY: binary OpenPGP packets instead of armor
 */
typedef enum
{
  POSTERN_KEY_EXPORT_DEFAULT = 0,
  POSTERN_KEY_EXPORT_MINIMAL = 1 << 0,
  POSTERN_KEY_EXPORT_BINARY = 1 << 1,
} PosternKeyExportFlags;

#define POSTERN_TYPE_KEYRING (postern_keyring_get_type ())
G_DECLARE_FINAL_TYPE (PosternKeyring, postern_keyring, POSTERN, KEYRING, GObject)

PosternKeyring *postern_keyring_new (const char *gnupg_home, PosternTrust *trust);
PosternKeyring *postern_keyring_new_for_profile (PosternProfile *profile);
const char *postern_keyring_get_gnupg_home (PosternKeyring *self);
PosternTrust *postern_keyring_get_trust (PosternKeyring *self);

char *postern_keyring_normalize_fingerprint (const char *text, GError **error);
char *postern_keyring_normalize_address (const char *text, GError **error);

PosternKeyInfo *postern_keyring_generate_sync (PosternKeyring *self, const char *const *addresses,
                                               GCancellable *cancellable, GError **error);
GPtrArray *postern_keyring_list_sync (PosternKeyring *self, const char *address,
                                      GCancellable *cancellable, GError **error);
PosternKeyInfo *postern_keyring_get_key_sync (PosternKeyring *self, const char *fingerprint,
                                              GCancellable *cancellable, GError **error);
GPtrArray *postern_keyring_import_sync (PosternKeyring *self, GBytes *data, const char *source,
                                        const char *only_address, GCancellable *cancellable,
                                        GError **error);
GBytes *postern_keyring_export_sync (PosternKeyring *self, const char *address_or_fingerprint,
                                     PosternKeyExportFlags flags, GCancellable *cancellable,
                                     GError **error);
gboolean postern_keyring_delete_sync (PosternKeyring *self, const char *fingerprint,
                                      GCancellable *cancellable, GError **error);

char *postern_keyring_find_own_key_sync (PosternKeyring *self, const char *address,
                                         GCancellable *cancellable, GError **error);
char *postern_keyring_find_recipient_key_sync (PosternKeyring *self, const char *address,
                                               GCancellable *cancellable, GError **error);
gboolean postern_keyring_resolve_conflict_sync (PosternKeyring *self, const char *address,
                                                const char *fingerprint, gboolean replace,
                                                GCancellable *cancellable, GError **error);

void postern_keyring_generate_async (PosternKeyring *self, const char *const *addresses,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
PosternKeyInfo *postern_keyring_generate_finish (PosternKeyring *self, GAsyncResult *result,
                                                 GError **error);
void postern_keyring_list_async (PosternKeyring *self, const char *address,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
GPtrArray *postern_keyring_list_finish (PosternKeyring *self, GAsyncResult *result, GError **error);
void postern_keyring_import_async (PosternKeyring *self, GBytes *data, const char *source,
                                   const char *only_address, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *postern_keyring_import_finish (PosternKeyring *self, GAsyncResult *result,
                                          GError **error);
void postern_keyring_export_async (PosternKeyring *self, const char *address_or_fingerprint,
                                   PosternKeyExportFlags flags, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
GBytes *postern_keyring_export_finish (PosternKeyring *self, GAsyncResult *result, GError **error);
void postern_keyring_delete_async (PosternKeyring *self, const char *fingerprint,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
gboolean postern_keyring_delete_finish (PosternKeyring *self, GAsyncResult *result, GError **error);
void postern_keyring_resolve_conflict_async (PosternKeyring *self, const char *address,
                                             const char *fingerprint, gboolean replace,
                                             GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);
gboolean postern_keyring_resolve_conflict_finish (PosternKeyring *self, GAsyncResult *result,
                                                  GError **error);

G_END_DECLS
