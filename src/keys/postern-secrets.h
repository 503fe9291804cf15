/* postern-secrets.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Account passwords, kept only in the Secret Service (libsecret) under one
 * schema, keyed by the profile and the account name. They never touch the
 * profile folder, a log or an error message.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean postern_secrets_store_password (const char *profile_path, const char *account,
                                         const char *password, GCancellable *cancellable,
                                         GError **error);
char *postern_secrets_lookup_password (const char *profile_path, const char *account,
                                       GCancellable *cancellable, GError **error);
gboolean postern_secrets_clear_password (const char *profile_path, const char *account,
                                         GCancellable *cancellable, GError **error);

void postern_secrets_lookup_password_async (const char *profile_path, const char *account,
                                            GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
char *postern_secrets_lookup_password_finish (GAsyncResult *result, GError **error);
void postern_secrets_store_password_async (const char *profile_path, const char *account,
                                           const char *password, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
gboolean postern_secrets_store_password_finish (GAsyncResult *result, GError **error);

void postern_secrets_free_password (char *password);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (char, postern_secrets_free_password)

G_END_DECLS
