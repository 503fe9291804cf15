/* postern-autocrypt.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Autocrypt Level 1: every message we send by a legacy transport carries
 * our public key in an Autocrypt header, and the keys in the Autocrypt
 * headers of mail we receive are learned. Learning goes through the trust
 * policy like any other key: the first key for an address is pinned, a
 * different one becomes a conflict for the user, never a silent
 * replacement (stricter than Autocrypt's own rule of taking the newest).
 */
#pragma once

#include <gio/gio.h>

#include "postern-keyring.h"
#include "postern-profile.h"
#include "postern-trust.h"

G_BEGIN_DECLS

/* Keydata larger than this is refused: a minimal Ed25519/Cv25519 key is
 * under 1 KiB, a big RSA key with many user IDs a few KiB. */
#define POSTERN_AUTOCRYPT_MAX_KEYDATA (64 * 1024)

/**
 * PosternAutocryptHeader:
 * @addr: the lower-case address the key is for
 * @prefer_encrypt: whether the sender said prefer-encrypt=mutual
 * @keydata: the key: binary OpenPGP packets, a transferable public key
 *
 * One Autocrypt header (Autocrypt Level 1, §2.1).
 */
typedef struct
{
  char *addr;
  gboolean prefer_encrypt;
  GBytes *keydata;
} PosternAutocryptHeader;

#define POSTERN_TYPE_AUTOCRYPT_HEADER (postern_autocrypt_header_get_type ())
GType postern_autocrypt_header_get_type (void);
PosternAutocryptHeader *postern_autocrypt_header_new (const char *addr, gboolean prefer_encrypt,
                                                      GBytes *keydata, GError **error);
PosternAutocryptHeader *postern_autocrypt_header_copy (const PosternAutocryptHeader *header);
void postern_autocrypt_header_free (PosternAutocryptHeader *header);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternAutocryptHeader, postern_autocrypt_header_free)

PosternAutocryptHeader *postern_autocrypt_header_parse (const char *value, GError **error);
char *postern_autocrypt_header_format (const PosternAutocryptHeader *header, const char *newline);
GBytes *postern_autocrypt_filter_key (GBytes *keydata, const char *addr);

GBytes *postern_autocrypt_add_header_sync (PosternKeyring *keyring, GBytes *message,
                                           GCancellable *cancellable, GError **error);
gboolean postern_autocrypt_learn_sync (PosternKeyring *keyring, GBytes *message,
                                       PosternTrustVerdict *out_verdict, char **out_fingerprint,
                                       GCancellable *cancellable, GError **error);
void postern_autocrypt_learn_incoming (PosternProfile *profile, GBytes *message);

void postern_autocrypt_learn_async (PosternKeyring *keyring, GBytes *message,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
gboolean postern_autocrypt_learn_finish (PosternKeyring *keyring, GAsyncResult *result,
                                         PosternTrustVerdict *out_verdict, char **out_fingerprint,
                                         GError **error);

G_END_DECLS
