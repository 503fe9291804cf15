/* postern-router.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Picks, for each recipient, the transport a message to them travels by
 * and the lock level it gets, and enforces the mixed-transport rule: one
 * message, one transport (DESIGN §3).
 */
#pragma once

#include <gio/gio.h>

#include "postern-profile.h"
#include "postern-types.h"

G_BEGIN_DECLS

typedef struct
{
  char *input;     /* what the caller gave */
  char *address;   /* the addr-spec */
  char *transport; /* "smtp", "local", "smtorp", … */
  PosternLock lock;
} PosternRoute;

#define POSTERN_TYPE_ROUTE (postern_route_get_type ())
GType postern_route_get_type (void);
PosternRoute *postern_route_copy (const PosternRoute *route);
void postern_route_free (PosternRoute *route);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternRoute, postern_route_free)

#define POSTERN_TYPE_ROUTER (postern_router_get_type ())
G_DECLARE_FINAL_TYPE (PosternRouter, postern_router, POSTERN, ROUTER, GObject)

PosternRouter *postern_router_new (PosternProfile *profile, PosternAccount *account);
PosternRoute *postern_router_route_one (PosternRouter *self, const char *recipient, GError **error);
PosternRoute *postern_router_route_one_sync (PosternRouter *self, const char *recipient,
                                             GCancellable *cancellable, GError **error);
GPtrArray *postern_router_route (PosternRouter *self, const char *const *recipients,
                                 GError **error);
GPtrArray *postern_router_route_sync (PosternRouter *self, const char *const *recipients,
                                      GCancellable *cancellable, GError **error);
void postern_router_route_async (PosternRouter *self, const char *const *recipients,
                                 GCancellable *cancellable, GAsyncReadyCallback callback,
                                 gpointer user_data);
GPtrArray *postern_router_route_finish (PosternRouter *self, GAsyncResult *result, GError **error);

GPtrArray *postern_routes_find_conflicts (GPtrArray *routes, const char **out_transport);
gboolean postern_routes_check_single_transport (GPtrArray *routes, GError **error);

PosternTransport *postern_router_get_transport (PosternRouter *self, const char *name,
                                                GError **error);

G_END_DECLS
