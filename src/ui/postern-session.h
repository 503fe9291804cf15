/* postern-session.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The UI's one door into the core for one profile. The store and its
 * SQLite index are not thread-safe, so every call that touches them runs in
 * a GTask thread under the session's lock: the main loop never waits on
 * disk, and two workers never share the index at once.
 */
#pragma once

#include <gio/gio.h>

#include "postern-core.h"
#include "postern-message-document.h"

G_BEGIN_DECLS

#define POSTERN_TYPE_SESSION (postern_session_get_type ())
G_DECLARE_FINAL_TYPE (PosternSession, postern_session, POSTERN, SESSION, GObject)

void postern_session_open_async (const char *path, gboolean create, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
PosternSession *postern_session_open_finish (GAsyncResult *result, GError **error);

PosternProfile *postern_session_get_profile (PosternSession *self);
const char *postern_session_get_path (PosternSession *self);
GListModel *postern_session_get_accounts (PosternSession *self);
PosternAccount *postern_session_get_default_account (PosternSession *self);
PosternRouter *postern_session_get_router (PosternSession *self);
gboolean postern_session_add_account (PosternSession *self, PosternAccount *account,
                                      GError **error);

void postern_session_list_folders_async (PosternSession *self, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *postern_session_list_folders_finish (PosternSession *self, GAsyncResult *result,
                                                GError **error);

void postern_session_count_async (PosternSession *self, const char *folder,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
gssize postern_session_count_finish (PosternSession *self, GAsyncResult *result, GError **error);

void postern_session_list_async (PosternSession *self, const char *folder, guint offset,
                                 guint limit, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data);
GPtrArray *postern_session_list_finish (PosternSession *self, GAsyncResult *result, GError **error);

void postern_session_search_async (PosternSession *self, const char *query, guint limit,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
GPtrArray *postern_session_search_finish (PosternSession *self, GAsyncResult *result,
                                          GError **error);

void postern_session_load_async (PosternSession *self, const char *id, const char *folder,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
PosternMessageDocument *postern_session_load_finish (PosternSession *self, GAsyncResult *result,
                                                     GError **error);

void postern_session_mark_seen_async (PosternSession *self, const char *id, const char *folder,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean postern_session_mark_seen_finish (PosternSession *self, GAsyncResult *result,
                                           GError **error);

void postern_session_save_draft_async (PosternSession *self, GBytes *message,
                                       const char *replaces_id, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
char *postern_session_save_draft_finish (PosternSession *self, GAsyncResult *result,
                                         GError **error);

void postern_session_discard_draft_async (PosternSession *self, const char *id,
                                          GCancellable *cancellable, GAsyncReadyCallback callback,
                                          gpointer user_data);
gboolean postern_session_discard_draft_finish (PosternSession *self, GAsyncResult *result,
                                               GError **error);

void postern_session_send_async (PosternSession *self, GBytes *message, PosternAccount *account,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
PosternOutboxResult *postern_session_send_finish (PosternSession *self, GAsyncResult *result,
                                                  GError **error);
void postern_session_retry_async (PosternSession *self, PosternAccount *account,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
GPtrArray *postern_session_retry_finish (PosternSession *self, GAsyncResult *result,
                                         GError **error);

G_END_DECLS
