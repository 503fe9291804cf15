/* postern-smtorp-identity.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The SMTorP server identity of a profile (docs/protocols/smtorp.md §1, §2):
 * a self-signed certificate and its key, made on first use in
 * PROFILE/smtorp/, and the fingerprint of its SubjectPublicKeyInfo that an
 * SMTorP address carries as its first label. Clients never check the
 * certificate against an authority; they compare this fingerprint.
 *
 *   PROFILE/smtorp/cert.pem    the certificate (ECDSA P-256, self-signed)
 *   PROFILE/smtorp/key.pem     its private key, PKCS#8, mode 0600
 *   PROFILE/smtorp/hostname    the onion service's name, "ONION.onion", once
 *                              one exists (as tor writes it)
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The label length a server publishes by default: 80 bits, 16 characters. */
#define POSTERN_SMTORP_FP_DEFAULT_BITS 80
/* The longest label: 255 bits (51 base32 characters) of the 256-bit hash. */
#define POSTERN_SMTORP_FP_MAX_BITS 255
#define POSTERN_SMTORP_FP_MIN_BITS 20
#define POSTERN_SMTORP_FP_FULL_CHARS (POSTERN_SMTORP_FP_MAX_BITS / 5)
/* Argon2id bits a client's stamps carry unless smtorp.stamp-bits says
 * otherwise: what a server requires by default (smtorp.md §3.3). */
#define POSTERN_SMTORP_DEFAULT_STAMP_BITS 12

#define POSTERN_TYPE_SMTORP_IDENTITY (postern_smtorp_identity_get_type ())
G_DECLARE_FINAL_TYPE (PosternSmtorpIdentity, postern_smtorp_identity, POSTERN, SMTORP_IDENTITY,
                      GObject)

char *postern_smtorp_dir (const char *profile_path);
PosternSmtorpIdentity *postern_smtorp_identity_load (const char *profile_path, GError **error);
GTlsCertificate *postern_smtorp_identity_get_certificate (PosternSmtorpIdentity *self);
const char *postern_smtorp_identity_get_fingerprint (PosternSmtorpIdentity *self);
char *postern_smtorp_identity_get_onion (PosternSmtorpIdentity *self, GError **error);
char *postern_smtorp_identity_build_address (PosternSmtorpIdentity *self, const char *user,
                                              const char *onion, GError **error);

char *postern_smtorp_fingerprint_of_spki (const guint8 *spki_der, gsize len);
char *postern_smtorp_fingerprint_of_certificate (GTlsCertificate *certificate, GError **error);
gboolean postern_smtorp_fingerprint_matches (const char *full, const char *label);
gboolean postern_smtorp_check_user (const char *value, GError **error);
gboolean postern_smtorp_check_stamp_bits (const char *value, GError **error);
char *postern_smtorp_address_build (const char *user, const char *fingerprint, guint bits,
                                    const char *onion, GError **error);

G_END_DECLS
