/* postern-trust.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The trust policy: trust on first use (TOFU). The first key seen for an
 * address is pinned to it. A different key for a pinned address is never
 * taken silently: it becomes a conflict (address, pinned key, new key and
 * where the new key came from) until the user keeps the pinned key or
 * replaces it. Scanning someone's card verifies their key.
 *
 * Pins live in PROFILE/trust.sqlite, apart from the search index: the index
 * is a cache that may be thrown away and rebuilt, the pins are not. Every
 * change is committed durably (WAL, synchronous=FULL) before the call
 * returns. One object may be used from any thread.
 */
#pragma once

#include <gio/gio.h>

#include "postern-types.h"

G_BEGIN_DECLS

/**
 * PosternTrustLevel:
 * @POSTERN_TRUST_NONE: no key is pinned for the address
 * @POSTERN_TRUST_PINNED: a key is pinned on first use
 * @POSTERN_TRUST_VERIFIED: the key was verified (a scanned card, or our own)
 */
typedef enum
{
  POSTERN_TRUST_NONE,
  POSTERN_TRUST_PINNED,
  POSTERN_TRUST_VERIFIED,
} PosternTrustLevel;

const char *postern_trust_level_to_string (PosternTrustLevel level);

/**
 * PosternTrustVerdict:
 * @POSTERN_TRUST_VERDICT_NEW_PIN: nothing was pinned; the key now is
 * @POSTERN_TRUST_VERDICT_PINNED: the key is the one pinned
 * @POSTERN_TRUST_VERDICT_CONFLICT: another key is pinned; this one is an
 *   open conflict
 * @POSTERN_TRUST_VERDICT_REJECTED: another key is pinned and the user
 *   already chose it over this one
 *
 * What the policy says about a key seen for an address.
 */
typedef enum
{
  POSTERN_TRUST_VERDICT_NEW_PIN,
  POSTERN_TRUST_VERDICT_PINNED,
  POSTERN_TRUST_VERDICT_CONFLICT,
  POSTERN_TRUST_VERDICT_REJECTED,
} PosternTrustVerdict;

/**
 * PosternPin:
 * @address: the lower-case addr-spec
 * @fingerprint: the pinned key
 * @level: pinned on first use, or verified
 * @source: where the pinned key came from
 * @first_seen: when it was pinned (seconds since the epoch)
 * @last_seen: when it was last seen for the address
 * @autocrypt_timestamp: the Date of the newest message whose Autocrypt
 *   header carried the key, or 0
 * @prefer_encrypt: whether that header said prefer-encrypt=mutual
 */
typedef struct
{
  char *address;
  char *fingerprint;
  PosternTrustLevel level;
  char *source;
  gint64 first_seen;
  gint64 last_seen;
  gint64 autocrypt_timestamp;
  gboolean prefer_encrypt;
} PosternPin;

#define POSTERN_TYPE_PIN (postern_pin_get_type ())
GType postern_pin_get_type (void);
PosternPin *postern_pin_copy (const PosternPin *pin);
void postern_pin_free (PosternPin *pin);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternPin, postern_pin_free)

/**
 * PosternKeyConflict:
 * @address: the lower-case addr-spec
 * @pinned_fingerprint: the key pinned for @address
 * @fingerprint: the other key seen for it
 * @source: where the other key came from ("import FILE", "Autocrypt header
 *   of <MESSAGE-ID>", …)
 * @first_seen: when the other key was first seen
 * @last_seen: when it was last seen
 * @keydata: (nullable): the other key's public key packets, kept here
 *   instead of in the keyring until the user decides
 * @verified: the other key came from a card the user scanned: choosing it
 *   pins it verified, even before the key itself is held
 */
typedef struct
{
  char *address;
  char *pinned_fingerprint;
  char *fingerprint;
  char *source;
  gint64 first_seen;
  gint64 last_seen;
  GBytes *keydata;
  gboolean verified;
} PosternKeyConflict;

#define POSTERN_TYPE_KEY_CONFLICT (postern_key_conflict_get_type ())
GType postern_key_conflict_get_type (void);
PosternKeyConflict *postern_key_conflict_copy (const PosternKeyConflict *conflict);
void postern_key_conflict_free (PosternKeyConflict *conflict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternKeyConflict, postern_key_conflict_free)

#define POSTERN_TYPE_TRUST (postern_trust_get_type ())
G_DECLARE_FINAL_TYPE (PosternTrust, postern_trust, POSTERN, TRUST, GObject)

PosternTrust *postern_trust_new (const char *path);
PosternTrust *postern_trust_new_for_profile (PosternProfile *profile);
const char *postern_trust_get_path (PosternTrust *self);

PosternPin *postern_trust_get_pin (PosternTrust *self, const char *address, GError **error);
GPtrArray *postern_trust_list_pins (PosternTrust *self, GError **error);
gboolean postern_trust_check (PosternTrust *self, const char *address, const char *fingerprint,
                              PosternTrustVerdict *out_verdict, GError **error);
gboolean postern_trust_observe (PosternTrust *self, const char *address, const char *fingerprint,
                                const char *source, GBytes *keydata,
                                PosternTrustVerdict *out_verdict, GError **error);
gboolean postern_trust_verify (PosternTrust *self, const char *address, const char *fingerprint,
                               GError **error);
gboolean postern_trust_scan (PosternTrust *self, const char *address, const char *fingerprint,
                             const char *source, PosternTrustVerdict *out_verdict, GError **error);
gboolean postern_trust_note_autocrypt (PosternTrust *self, const char *address,
                                       const char *fingerprint, gint64 timestamp,
                                       gboolean prefer_encrypt, GError **error);

GPtrArray *postern_trust_list_conflicts (PosternTrust *self, const char *address, GError **error);
gboolean postern_trust_keep (PosternTrust *self, const char *address, const char *fingerprint,
                             GError **error);
gboolean postern_trust_replace (PosternTrust *self, const char *address, const char *fingerprint,
                                GError **error);

gboolean postern_trust_claim_lookup (PosternTrust *self, const char *address, gint64 now,
                                     gint64 interval, gboolean *out_claimed, GError **error);
gboolean postern_trust_set_last_lookup (PosternTrust *self, const char *address, gint64 when,
                                        GError **error);
gint64 postern_trust_get_last_lookup (PosternTrust *self, const char *address, GError **error);

G_END_DECLS
