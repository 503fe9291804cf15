/* postern-router.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-address.h"
#include "postern-auto-locate.h"
#include "postern-error.h"
#include "postern-keyring.h"
#include "postern-router.h"
#include "postern-transport-local.h"
#include "postern-transport-smtp.h"
#include "postern-transport-smtorp.h"

struct _PosternRouter
{
  GObject parent_instance;
  PosternProfile *profile;
  PosternAccount *account; /* nullable: no account configured yet */
  PosternKeyring *keyring; /* nullable: without a profile, no keys */
};

G_DEFINE_FINAL_TYPE (PosternRouter, postern_router, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (PosternRoute, postern_route, postern_route_copy, postern_route_free)

PosternRoute *
postern_route_copy (const PosternRoute *route)
{
  PosternRoute *copy = g_new0 (PosternRoute, 1);

  copy->input = g_strdup (route->input);
  copy->address = g_strdup (route->address);
  copy->transport = g_strdup (route->transport);
  copy->lock = route->lock;
  return copy;
}

void
postern_route_free (PosternRoute *route)
{
  if (route == NULL)
    return;
  g_free (route->input);
  g_free (route->address);
  g_free (route->transport);
  g_free (route);
}

static void
postern_router_dispose (GObject *object)
{
  PosternRouter *self = POSTERN_ROUTER (object);

  g_clear_object (&self->profile);
  g_clear_object (&self->account);
  g_clear_object (&self->keyring);
  G_OBJECT_CLASS (postern_router_parent_class)->dispose (object);
}

static void
postern_router_class_init (PosternRouterClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = postern_router_dispose;
}

static void
postern_router_init (PosternRouter *self)
{
}

PosternRouter *
postern_router_new (PosternProfile *profile, PosternAccount *account)
{
  PosternRouter *self = g_object_new (POSTERN_TYPE_ROUTER, NULL);

  self->profile = profile ? g_object_ref (profile) : NULL;
  self->account = account ? g_object_ref (account) : NULL;
  self->keyring = profile ? postern_keyring_new_for_profile (profile) : NULL;
  return self;
}

/* The concrete engine behind the legacy class is the account's: SMTP for
 * smtp:// and smtps://, local delivery for local:. */
static const char *
legacy_transport_name (PosternRouter *self)
{
  const char *url = self->account ? postern_account_get_smtp_url (self->account) : NULL;

  if (url != NULL && g_str_has_prefix (url, "local:"))
    return "local";
  return "smtp";
}

static PosternLock
legacy_lock (PosternRouter *self)
{
  return self->account ? postern_account_get_legacy_lock (self->account) : POSTERN_LOCK_TLS;
}

/* Legacy mail is sealed with OpenPGP/MIME when we hold the recipient's
 * pinned key (DESIGN §3). When there is no usable pinned key (the first
 * time anyone writes to the address), its key is looked up, at most once
 * a day (TOFU, postern-auto-locate.h). While a key conflict over the
 * address is open, no one knows which key is right, and the route is
 * refused. */
static gboolean
seal_legacy (PosternRouter *self, PosternRoute *route, GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *fpr = NULL;

  if (self->keyring == NULL)
    return TRUE;
  fpr = postern_keyring_find_recipient_key_sync (self->keyring, route->address, cancellable,
                                                 &local_error);
  if (fpr == NULL && local_error == NULL)
    {
      gboolean looked_up = FALSE;
      if (!postern_auto_locate_sync (self->profile, self->keyring, route->address, &looked_up,
                                     cancellable, error))
        return FALSE;
      if (looked_up)
        fpr = postern_keyring_find_recipient_key_sync (self->keyring, route->address, cancellable,
                                                       &local_error);
    }
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (fpr != NULL)
    route->lock = POSTERN_LOCK_SEALED;
  return TRUE;
}

/**
 * postern_router_route_one:
 *
 * Routes one recipient. The order follows DESIGN §3: onion addresses go by
 * SMTorP; everything else, for now, by the account's legacy transport,
 * SEALED (OpenPGP/MIME) when the recipient has a usable pinned key.
 * Stubmail and VES hook in here as they land.
 */
PosternRoute *
postern_router_route_one (PosternRouter *self, const char *recipient, GError **error)
{
  return postern_router_route_one_sync (self, recipient, NULL, error);
}

/**
 * postern_router_route_one_sync:
 *
 * Like postern_router_route_one(), but the key lookup it may make can be
 * cancelled.
 */
PosternRoute *
postern_router_route_one_sync (PosternRouter *self, const char *recipient,
                               GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternAddress) address = postern_address_parse (recipient, error);
  PosternRoute *route;

  if (address == NULL)
    return NULL;

  route = g_new0 (PosternRoute, 1);
  route->input = g_strdup (recipient);
  route->address = g_strdup (postern_address_get_addr_spec (address));
  switch (postern_address_get_kind (address))
    {
      case POSTERN_ADDRESS_ONION:
        route->transport = g_strdup ("smtorp");
        route->lock = POSTERN_LOCK_ONION;
        break;
      case POSTERN_ADDRESS_LEGACY:
      default:
        route->transport = g_strdup (legacy_transport_name (self));
        route->lock = legacy_lock (self);
        if (!seal_legacy (self, route, cancellable, error))
          g_clear_pointer (&route, postern_route_free);
        break;
    }
  return route;
}

GPtrArray *
postern_router_route (PosternRouter *self, const char *const *recipients, GError **error)
{
  return postern_router_route_sync (self, recipients, NULL, error);
}

/**
 * postern_router_route_sync:
 *
 * Routes every recipient of one message. It may block on the network: a
 * legacy recipient never written to before has its key looked up once
 * (postern-auto-locate.h); the UI calls postern_router_route_async().
 */
GPtrArray *
postern_router_route_sync (PosternRouter *self, const char *const *recipients,
                           GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) routes
    = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_route_free);

  for (guint i = 0; recipients[i] != NULL; i++)
    {
      PosternRoute *route = postern_router_route_one_sync (self, recipients[i], cancellable, error);
      if (route == NULL)
        return NULL;
      g_ptr_array_add (routes, route);
    }
  /* One message is encrypted to all its legacy recipients or to none:
   * when one of them has no key, none of them gets SEALED. */
  for (guint i = 0; i < routes->len; i++)
    {
      PosternRoute *r = routes->pdata[i];
      if (g_str_equal (r->transport, legacy_transport_name (self))
          && r->lock != POSTERN_LOCK_SEALED)
        {
          for (guint j = 0; j < routes->len; j++)
            {
              PosternRoute *s = routes->pdata[j];
              if (g_str_equal (s->transport, legacy_transport_name (self)))
                s->lock = legacy_lock (self);
            }
          break;
        }
    }
  return g_steal_pointer (&routes);
}

static void
route_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *routes = postern_router_route_sync (source, task_data, cancellable, &error);

  if (routes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, routes, (GDestroyNotify) g_ptr_array_unref);
}

/* Routing may look keys up on the network, so the UI only ever calls it
 * asynchronously. A cancelled call returns at once; its thread stops at
 * the lookup's next step. */
void
postern_router_route_async (PosternRouter *self, const char *const *recipients,
                            GCancellable *cancellable, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_router_route_async);
  g_task_set_task_data (task, g_strdupv ((char **) recipients), (GDestroyNotify) g_strfreev);
  g_task_set_return_on_cancel (task, TRUE);
  /* GLib 2.74 leaks the error of a return-on-cancel task started already
   * cancelled; such a task needs no thread anyway. */
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_run_in_thread (task, route_thread);
}

GPtrArray *
postern_router_route_finish (PosternRouter *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * postern_routes_find_conflicts:
 * @routes: (element-type PosternRoute): routed recipients
 * @out_transport: (out) (optional): the transport the message keeps
 *
 * The message keeps the transport most recipients share; on a tie, the one
 * with the stronger lock, so that removing the others never weakens it.
 *
 * Returns: (transfer container) (element-type PosternRoute): the routes that
 *   do not travel by that transport, empty when the message is consistent.
 */
GPtrArray *
postern_routes_find_conflicts (GPtrArray *routes, const char **out_transport)
{
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *conflicts = g_ptr_array_new ();
  const char *best = NULL;
  guint best_count = 0;
  PosternLock best_lock = POSTERN_LOCK_UNKNOWN;

  for (guint i = 0; i < routes->len; i++)
    {
      PosternRoute *r = routes->pdata[i];
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, r->transport)) + 1;
      g_hash_table_insert (counts, r->transport, GUINT_TO_POINTER (n));
    }
  for (guint i = 0; i < routes->len; i++)
    {
      PosternRoute *r = routes->pdata[i];
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, r->transport));
      if (n > best_count || (n == best_count && r->lock > best_lock))
        {
          best = r->transport;
          best_count = n;
          best_lock = r->lock;
        }
    }
  for (guint i = 0; i < routes->len; i++)
    {
      PosternRoute *r = routes->pdata[i];
      if (g_strcmp0 (r->transport, best) != 0)
        g_ptr_array_add (conflicts, r);
    }
  if (out_transport != NULL)
    *out_transport = best;
  return conflicts;
}

gboolean
postern_routes_check_single_transport (GPtrArray *routes, GError **error)
{
  const char *keep = NULL;
  g_autoptr (GPtrArray) conflicts = postern_routes_find_conflicts (routes, &keep);
  g_autoptr (GString) names = NULL;

  if (conflicts->len == 0)
    return TRUE;
  names = g_string_new (NULL);
  for (guint i = 0; i < conflicts->len; i++)
    {
      PosternRoute *r = conflicts->pdata[i];
      g_string_append_printf (names, "%s%s (%s)", i ? ", " : "", r->address, r->transport);
    }
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY,
               "recipients would travel by different transports; the message goes by %s, so "
               "remove %s",
               keep, names->str);
  return FALSE;
}

PosternTransport *
postern_router_get_transport (PosternRouter *self, const char *name, GError **error)
{
  if (g_strcmp0 (name, "local") == 0 && self->account != NULL)
    {
      g_autoptr (GUri) uri
        = g_uri_parse (postern_account_get_smtp_url (self->account), G_URI_FLAGS_NONE, error);
      if (uri == NULL)
        return NULL;
      return POSTERN_TRANSPORT (postern_transport_local_new (g_uri_get_path (uri)));
    }
  if (g_strcmp0 (name, "smtp") == 0)
    {
      g_autofree char *ca_file = NULL;
      if (self->account == NULL || postern_account_get_smtp_url (self->account) == NULL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "the account has no SMTP server (account add … --smtp URL)");
          return NULL;
        }
      ca_file
        = self->profile ? postern_profile_get_setting (self->profile, "tls.ca-file", NULL) : NULL;
      return POSTERN_TRANSPORT (postern_transport_smtp_new (
        self->account, self->profile ? postern_profile_get_path (self->profile) : NULL, ca_file));
    }
  if (g_strcmp0 (name, "smtorp") == 0 && self->profile != NULL)
    return POSTERN_TRANSPORT (postern_transport_smtorp_new (self->profile));
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED,
               "the %s transport is not available in this version of Postern", name);
  return NULL;
}
