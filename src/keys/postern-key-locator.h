/* postern-key-locator.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Finds someone's OpenPGP key from their address, the way their domain
 * publishes it, trying in turn:
 *
 *  1. Web Key Directory (draft-koch-openpgp-webkey-service): HTTPS from
 *     openpgpkey.DOMAIN (advanced method), or from DOMAIN itself when that
 *     host does not exist (direct method); certificates always verified
 *     (the system's authorities plus the profile's tls.ca-file);
 *  2. DANE OPENPGPKEY records (RFC 7929) in DNS;
 *  3. the HKP keyserver the domain names in its _pks._tcp SRV record.
 *
 * Every host and record is looked up through PosternResolver, so each
 * result says whether DNSSEC vouched for the DNS it relied on; a bogus
 * answer stops the search with POSTERN_RESOLVER_ERROR_BOGUS. A key found
 * goes through the keyring's trust policy like any import: pinned for the
 * address when nothing is pinned yet, and when another key is pinned it
 * becomes an open conflict, never a silent replacement.
 *
 * Only a key that carries the address as a user ID is taken, pinned for
 * that address only; with an expected fingerprint (a scanned card), only
 * that key.
 */
#pragma once

#include <gio/gio.h>

#include "postern-keyring.h"
#include "postern-resolver.h"

G_BEGIN_DECLS

/**
 * PosternKeySource:
 * @POSTERN_KEY_SOURCE_WKD: a Web Key Directory
 * @POSTERN_KEY_SOURCE_DANE: an OPENPGPKEY record in DNS
 * @POSTERN_KEY_SOURCE_HKP: the domain's HKP keyserver
 */
typedef enum
{
  POSTERN_KEY_SOURCE_WKD,
  POSTERN_KEY_SOURCE_DANE,
  POSTERN_KEY_SOURCE_HKP,
} PosternKeySource;

const char *postern_key_source_to_string (PosternKeySource source);

/**
 * PosternLocatedKey:
 * @address: the lower-case address looked for
 * @source: where the key was found
 * @location: the URL it was fetched from, or the DNS name of its record
 * @dnssec: the DNSSEC status of the DNS answers the key's location relied
 *   on (secure only when all of them were)
 * @import: what importing the key did: its fingerprint, whether it is new,
 *   and whether it is pinned or in conflict with the pinned key
 */
typedef struct
{
  char *address;
  PosternKeySource source;
  char *location;
  PosternDnssecStatus dnssec;
  PosternKeyImport *import;
} PosternLocatedKey;

#define POSTERN_TYPE_LOCATED_KEY (postern_located_key_get_type ())
GType postern_located_key_get_type (void);
PosternLocatedKey *postern_located_key_copy (const PosternLocatedKey *key);
void postern_located_key_free (PosternLocatedKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternLocatedKey, postern_located_key_free)

#define POSTERN_TYPE_KEY_LOCATOR (postern_key_locator_get_type ())
G_DECLARE_FINAL_TYPE (PosternKeyLocator, postern_key_locator, POSTERN, KEY_LOCATOR, GObject)

PosternKeyLocator *postern_key_locator_new (PosternKeyring *keyring, PosternResolver *resolver,
                                            const char *extra_ca_file);
PosternKeyLocator *postern_key_locator_new_for_profile (PosternProfile *profile,
                                                        PosternKeyring *keyring, GError **error);

PosternLocatedKey *postern_key_locator_locate_sync (PosternKeyLocator *self, const char *address,
                                                    const char *fingerprint,
                                                    GCancellable *cancellable, GError **error);
void postern_key_locator_locate_async (PosternKeyLocator *self, const char *address,
                                       const char *fingerprint, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
PosternLocatedKey *postern_key_locator_locate_finish (PosternKeyLocator *self, GAsyncResult *result,
                                                      GError **error);

char *postern_wkd_hash (const char *local_part);

G_END_DECLS
