/* postern-profile.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A profile is one folder holding everything of one user: settings and
 * accounts (keyfiles), the store (Maildirs and index) and its own GnuPG
 * home. Passwords are never written into it.
 *
 *   DIR/profile.ini     settings
 *   DIR/accounts.ini    accounts, one group each
 *   DIR/store/          one Maildir per folder
 *   DIR/index.sqlite    the search index (a cache of store/)
 *   DIR/gnupg/          GNUPGHOME, mode 0700
 */
#pragma once

#include <glib-object.h>

#include "postern-account.h"
#include "postern-store.h"
#include "postern-types.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_PROFILE (postern_profile_get_type ())
G_DECLARE_FINAL_TYPE (PosternProfile, postern_profile, POSTERN, PROFILE, GObject)

char *postern_profile_default_path (void);
PosternProfile *postern_profile_open (const char *path, gboolean create, GError **error);
const char *postern_profile_get_path (PosternProfile *self);
const char *postern_profile_get_gnupg_home (PosternProfile *self);
PosternStore *postern_profile_get_store (PosternProfile *self, GError **error);

const char *const *postern_profile_list_setting_keys (void);
char *postern_profile_get_setting (PosternProfile *self, const char *key, GError **error);
gboolean postern_profile_set_setting (PosternProfile *self, const char *key, const char *value,
                                      GError **error);

GPtrArray *postern_profile_list_accounts (PosternProfile *self, GError **error);
PosternAccount *postern_profile_find_account (PosternProfile *self, const char *name,
                                              GError **error);
gboolean postern_profile_add_account (PosternProfile *self, PosternAccount *account,
                                      GError **error);

G_END_DECLS
