/* postern-account.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A mail account as the profile records it: a name, the user's address and
 * the servers. Passwords are never part of it; they live in libsecret.
 */
#pragma once

#include <glib-object.h>

#include "postern-types.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_ACCOUNT (postern_account_get_type ())
G_DECLARE_FINAL_TYPE (PosternAccount, postern_account, POSTERN, ACCOUNT, GObject)

PosternAccount *postern_account_new (const char *name, const char *address, GError **error);
const char *postern_account_get_name (PosternAccount *self);
const char *postern_account_get_address (PosternAccount *self);
const char *postern_account_get_imap_url (PosternAccount *self);
const char *postern_account_get_smtp_url (PosternAccount *self);
const char *postern_account_get_user (PosternAccount *self);
gboolean postern_account_get_allow_plaintext (PosternAccount *self);
gboolean postern_account_set_imap_url (PosternAccount *self, const char *url, GError **error);
gboolean postern_account_set_smtp_url (PosternAccount *self, const char *url, GError **error);
void postern_account_set_user (PosternAccount *self, const char *user);
void postern_account_set_allow_plaintext (PosternAccount *self, gboolean allow);
PosternLock postern_account_get_legacy_lock (PosternAccount *self);

PosternAccount *postern_account_load (GKeyFile *keyfile, const char *group, GError **error);
void postern_account_save (PosternAccount *self, GKeyFile *keyfile);

G_END_DECLS
