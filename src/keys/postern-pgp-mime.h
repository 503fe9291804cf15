/* postern-pgp-mime.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * OpenPGP/MIME (RFC 3156) for mail that travels by the legacy transports:
 * outgoing messages are encrypted to every recipient's pinned key and
 * signed with ours; incoming ones are decrypted and their signatures
 * checked. GMime parses the MIME structure, gpgme (in the profile's
 * GNUPGHOME, through PosternKeyring) does the cryptography.
 *
 * The message handed to a transport carries the original headers outside
 * (routing needs them; Subject included, as most OpenPGP mail does) and
 * the original body, with its Content-* headers, inside the encryption.
 */
#pragma once

#include <gio/gio.h>

#include "postern-keyring.h"
#include "postern-profile.h"

G_BEGIN_DECLS

/**
 * PosternSignatureStatus:
 * @POSTERN_SIGNATURE_STATUS_NONE: the message is not signed
 * @POSTERN_SIGNATURE_STATUS_GOOD: the signature holds and the signing key is usable
 * @POSTERN_SIGNATURE_STATUS_BAD: the signature does not hold (the message was
 *   changed), or its key is revoked or expired
 * @POSTERN_SIGNATURE_STATUS_UNKNOWN_KEY: the keyring does not hold the signing key
 */
typedef enum
{
  POSTERN_SIGNATURE_STATUS_NONE,
  POSTERN_SIGNATURE_STATUS_GOOD,
  POSTERN_SIGNATURE_STATUS_BAD,
  POSTERN_SIGNATURE_STATUS_UNKNOWN_KEY,
} PosternSignatureStatus;

const char *postern_signature_status_to_string (PosternSignatureStatus status);

/**
 * PosternPgpMimeResult:
 * @message: the readable RFC 5322 message: decrypted when it arrived
 *   encrypted (the outer headers with the decrypted body), else as stored
 * @encrypted: whether it arrived OpenPGP/MIME encrypted
 * @decrypted: whether it was decrypted
 * @decrypt_error: (nullable): why an encrypted message was not decrypted
 *   (from postern_pgp_mime_load_readable_sync() only, which then gives the
 *   message as stored)
 * @signature: the state of its OpenPGP signature
 * @signer_fingerprint: (nullable): the signing key's fingerprint (its
 *   primary key's when the keyring holds it; for an unknown key, what the
 *   signature names)
 * @signer_pinned: whether the signing key is the one pinned for the
 *   message's From address: a good signature by another key proves only
 *   that someone holding that key signed
 */
typedef struct
{
  GBytes *message;
  gboolean encrypted;
  gboolean decrypted;
  GError *decrypt_error;
  PosternSignatureStatus signature;
  char *signer_fingerprint;
  gboolean signer_pinned;
} PosternPgpMimeResult;

#define POSTERN_TYPE_PGP_MIME_RESULT (postern_pgp_mime_result_get_type ())
GType postern_pgp_mime_result_get_type (void);
PosternPgpMimeResult *postern_pgp_mime_result_copy (const PosternPgpMimeResult *result);
void postern_pgp_mime_result_free (PosternPgpMimeResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternPgpMimeResult, postern_pgp_mime_result_free)

gboolean postern_pgp_mime_is_encrypted (GBytes *message);

GBytes *postern_pgp_mime_encrypt_sync (PosternKeyring *keyring, GBytes *message,
                                       const char *const *recipient_fingerprints,
                                       const char *signer_fingerprint, gboolean hide_recipients,
                                       GCancellable *cancellable, GError **error);
PosternPgpMimeResult *postern_pgp_mime_decrypt_sync (PosternKeyring *keyring, GBytes *message,
                                                     GCancellable *cancellable, GError **error);
GBytes *postern_pgp_mime_prepare_outgoing_sync (PosternKeyring *keyring, GBytes *message,
                                                GPtrArray *routes, GCancellable *cancellable,
                                                GError **error);
GBytes *postern_pgp_mime_load_readable_sync (PosternProfile *profile, const char *id,
                                             PosternPgpMimeResult **out_result,
                                             GCancellable *cancellable, GError **error);

void postern_pgp_mime_decrypt_async (PosternKeyring *keyring, GBytes *message,
                                     GCancellable *cancellable, GAsyncReadyCallback callback,
                                     gpointer user_data);
PosternPgpMimeResult *postern_pgp_mime_decrypt_finish (PosternKeyring *keyring,
                                                       GAsyncResult *result, GError **error);
void postern_pgp_mime_load_readable_async (PosternProfile *profile, const char *id,
                                           GCancellable *cancellable, GAsyncReadyCallback callback,
                                           gpointer user_data);
PosternPgpMimeResult *postern_pgp_mime_load_readable_finish (PosternProfile *profile,
                                                             GAsyncResult *result, GError **error);

G_END_DECLS
