/* postern-address.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One parser for every address Postern handles: legacy user@domain and
 * SMTorP user@[FP.]ONION.onion, each optionally as "Name <addr>".
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  POSTERN_ADDRESS_LEGACY,
  POSTERN_ADDRESS_ONION,
} PosternAddressKind;

#define POSTERN_ONION_LEN 56

#define POSTERN_TYPE_ADDRESS (postern_address_get_type ())
G_DECLARE_FINAL_TYPE (PosternAddress, postern_address, POSTERN, ADDRESS, GObject)

PosternAddress *postern_address_parse (const char *text, GError **error);
PosternAddressKind postern_address_get_kind (PosternAddress *self);
const char *postern_address_get_display_name (PosternAddress *self);
const char *postern_address_get_local_part (PosternAddress *self);
const char *postern_address_get_domain (PosternAddress *self);
const char *postern_address_get_addr_spec (PosternAddress *self);
const char *postern_address_get_onion (PosternAddress *self);
const char *postern_address_get_fingerprint (PosternAddress *self);
char *postern_address_to_string (PosternAddress *self);

G_END_DECLS
