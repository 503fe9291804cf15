/* postern-resolved-address.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-resolved-address.h"

struct _PosternResolvedAddress
{
  GNetworkAddress parent_instance;
  GPtrArray *socket_addresses; /* GSocketAddress, in the order to try */
};

static void connectable_iface_init (GSocketConnectableIface *iface);

/* GNetworkAddress's own enumeration asks the system's resolver; ours
 * replaces it and hands out the addresses given. */
G_DEFINE_FINAL_TYPE_WITH_CODE (PosternResolvedAddress, postern_resolved_address,
                               G_TYPE_NETWORK_ADDRESS,
                               G_IMPLEMENT_INTERFACE (G_TYPE_SOCKET_CONNECTABLE,
                                                      connectable_iface_init))

/* The enumerator: walks a copy of the list, nothing to look up. */
#define LIST_TYPE_ENUMERATOR (list_enumerator_get_type ())
G_DECLARE_FINAL_TYPE (ListEnumerator, list_enumerator, LIST, ENUMERATOR, GSocketAddressEnumerator)

struct _ListEnumerator
{
  GSocketAddressEnumerator parent_instance;
  GPtrArray *addresses;
  guint next;
};

G_DEFINE_FINAL_TYPE (ListEnumerator, list_enumerator, G_TYPE_SOCKET_ADDRESS_ENUMERATOR)

static GSocketAddress *
list_enumerator_next (GSocketAddressEnumerator *enumerator, GCancellable *cancellable,
                      GError **error)
{
  ListEnumerator *self = LIST_ENUMERATOR (enumerator);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (self->next >= self->addresses->len)
    return NULL;
  return g_object_ref (self->addresses->pdata[self->next++]);
}

static void
list_enumerator_finalize (GObject *object)
{
  g_ptr_array_unref (LIST_ENUMERATOR (object)->addresses);
  G_OBJECT_CLASS (list_enumerator_parent_class)->finalize (object);
}

static void
list_enumerator_class_init (ListEnumeratorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = list_enumerator_finalize;
  /* The base class's next_async calls next(), which never blocks here. */
  G_SOCKET_ADDRESS_ENUMERATOR_CLASS (klass)->next = list_enumerator_next;
}

static void
list_enumerator_init (ListEnumerator *self)
{
}

static GSocketAddressEnumerator *
resolved_enumerate (GSocketConnectable *connectable)
{
  PosternResolvedAddress *self = POSTERN_RESOLVED_ADDRESS (connectable);
  ListEnumerator *enumerator = g_object_new (LIST_TYPE_ENUMERATOR, NULL);

  enumerator->addresses = g_ptr_array_ref (self->socket_addresses);
  return G_SOCKET_ADDRESS_ENUMERATOR (enumerator);
}

static char *
resolved_to_string (GSocketConnectable *connectable)
{
  GNetworkAddress *address = G_NETWORK_ADDRESS (connectable);

  return g_strdup_printf ("%s:%u", g_network_address_get_hostname (address),
                          g_network_address_get_port (address));
}

static void
connectable_iface_init (GSocketConnectableIface *iface)
{
  iface->enumerate = resolved_enumerate;
  /* No proxy: the addresses were chosen on purpose. */
  iface->proxy_enumerate = resolved_enumerate;
  iface->to_string = resolved_to_string;
}

static void
postern_resolved_address_finalize (GObject *object)
{
  g_clear_pointer (&POSTERN_RESOLVED_ADDRESS (object)->socket_addresses, g_ptr_array_unref);
  G_OBJECT_CLASS (postern_resolved_address_parent_class)->finalize (object);
}

static void
postern_resolved_address_class_init (PosternResolvedAddressClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_resolved_address_finalize;
}

static void
postern_resolved_address_init (PosternResolvedAddress *self)
{
  self->socket_addresses = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * postern_resolved_address_new:
 * @hostname: the name TLS checks the certificate against
 * @addresses: (element-type GInetAddress): where to connect, in order
 *
 * Returns: (transfer full): a connectable for @hostname:@port that
 *   connects to @addresses only.
 */
GSocketConnectable *
postern_resolved_address_new (const char *hostname, guint16 port, GList *addresses)
{
  PosternResolvedAddress *self = g_object_new (POSTERN_TYPE_RESOLVED_ADDRESS, "hostname", hostname,
                                               "port", (guint) port, NULL);

  for (GList *l = addresses; l != NULL; l = l->next)
    g_ptr_array_add (self->socket_addresses, g_inet_socket_address_new (l->data, port));
  return G_SOCKET_CONNECTABLE (self);
}
