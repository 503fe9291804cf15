/* postern-card.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A contact card as a QR code carries it: a name, the person's addresses
 * (legacy and SMTorP) and the fingerprint of their OpenPGP key. Two text
 * forms are read and written: a vCard 4.0 (RFC 6350; FN, one EMAIL per
 * address, KEY as an openpgp4fpr: URI), which any phone camera turns into
 * a contact, and OPENPGP4FPR:FPR#a=ADDR&n=NAME, the form OpenPGP apps
 * (OpenKeychain, Delta Chat) scan. A card is immutable once made.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* More text than a QR code can hold (2953 bytes) is no card. */
#define POSTERN_CARD_MAX_TEXT 8192
#define POSTERN_CARD_MAX_ADDRESSES 32
#define POSTERN_CARD_MAX_NAME 200

/**
 * PosternCardForm:
 * @POSTERN_CARD_FORM_VCARD: a vCard 4.0
 * @POSTERN_CARD_FORM_OPENPGP4FPR: an OPENPGP4FPR: URI
 */
typedef enum
{
  POSTERN_CARD_FORM_VCARD,
  POSTERN_CARD_FORM_OPENPGP4FPR,
} PosternCardForm;

#define POSTERN_TYPE_CARD (postern_card_get_type ())
G_DECLARE_FINAL_TYPE (PosternCard, postern_card, POSTERN, CARD, GObject)

PosternCard *postern_card_new (const char *name, const char *const *addresses,
                               const char *fingerprint, GError **error);
PosternCard *postern_card_parse (const char *text, gssize len, GError **error);
const char *postern_card_get_name (PosternCard *self);
const char *const *postern_card_get_addresses (PosternCard *self);
const char *postern_card_get_fingerprint (PosternCard *self);
char *postern_card_to_text (PosternCard *self, PosternCardForm form);
gboolean postern_card_equal (PosternCard *a, PosternCard *b);

G_END_DECLS
