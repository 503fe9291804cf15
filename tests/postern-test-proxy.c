/* postern-test-proxy.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-test-proxy.h"

struct _PosternTestProxy
{
  GSocket *listener;
  guint16 port;
  guint16 upstream_port;
  gsize cut_after;
  gint client_bytes; /* atomic; tests move far less than 2 GiB */
  gint cut;            /* atomic */
  gint stopping;       /* atomic */
  GThread *thread;
};

typedef struct
{
  PosternTestProxy *proxy;
  GSocket *from;
  GSocket *to;
  gboolean from_client;
} Pump;

static gpointer
pump_thread (gpointer data)
{
  Pump *pump = data;
  char buf[4096];

  for (;;)
    {
      gssize n = g_socket_receive (pump->from, buf, sizeof buf, NULL, NULL);
      gsize allowed;

      if (n <= 0)
        break;
      allowed = (gsize) n;
      if (pump->from_client && pump->proxy->cut_after > 0)
        {
          gint before = g_atomic_int_add (&pump->proxy->client_bytes, (gint) n);
          if ((gsize) before + (gsize) n >= pump->proxy->cut_after)
            {
              allowed = pump->proxy->cut_after > (gsize) before
                          ? pump->proxy->cut_after - (gsize) before : 0;
              g_atomic_int_set (&pump->proxy->cut, 1);
            }
        }
      else if (pump->from_client)
        g_atomic_int_add (&pump->proxy->client_bytes, (gint) n);
      if (allowed > 0 && g_socket_send (pump->to, buf, allowed, NULL, NULL) < 0)
        break;
      if (g_atomic_int_get (&pump->proxy->cut))
        break;
    }
  /* Cutting both directions at once is what a dropped link looks like. */
  g_socket_shutdown (pump->from, TRUE, TRUE, NULL);
  g_socket_shutdown (pump->to, TRUE, TRUE, NULL);
  return NULL;
}

static gpointer
accept_thread (gpointer data)
{
  PosternTestProxy *proxy = data;

  while (!g_atomic_int_get (&proxy->stopping))
    {
      g_autoptr (GSocket) client = g_socket_accept (proxy->listener, NULL, NULL);
      g_autoptr (GSocket) server = NULL;
      g_autoptr (GInetAddress) lo = NULL;
      g_autoptr (GSocketAddress) addr = NULL;
      Pump up, down;
      GThread *a, *b;

      if (client == NULL || g_atomic_int_get (&proxy->stopping))
        break;
      server = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                             NULL);
      lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      addr = g_inet_socket_address_new (lo, proxy->upstream_port);
      if (!g_socket_connect (server, addr, NULL, NULL))
        continue;
      up = (Pump){ proxy, client, server, TRUE };
      down = (Pump){ proxy, server, client, FALSE };
      a = g_thread_new ("proxy-up", pump_thread, &up);
      b = g_thread_new ("proxy-down", pump_thread, &down);
      g_thread_join (a);
      g_thread_join (b);
    }
  return NULL;
}

PosternTestProxy *
postern_test_proxy_new (guint16 upstream_port, gsize cut_after_client_bytes)
{
  PosternTestProxy *proxy = g_new0 (PosternTestProxy, 1);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  proxy->upstream_port = upstream_port;
  proxy->cut_after = cut_after_client_bytes;
  proxy->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                  G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (proxy->listener, any, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (proxy->listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (proxy->listener, &error);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  proxy->thread = g_thread_new ("proxy-accept", accept_thread, proxy);
  return proxy;
}

guint16
postern_test_proxy_get_port (PosternTestProxy *proxy)
{
  return proxy->port;
}

gsize
postern_test_proxy_get_client_bytes (PosternTestProxy *proxy)
{
  return (gsize) g_atomic_int_get (&proxy->client_bytes);
}

gboolean
postern_test_proxy_was_cut (PosternTestProxy *proxy)
{
  return g_atomic_int_get (&proxy->cut);
}

void
postern_test_proxy_free (PosternTestProxy *proxy)
{
  if (proxy == NULL)
    return;
  g_atomic_int_set (&proxy->stopping, 1);
  /* Wake the accept() with a connection of our own. */
  {
    g_autoptr (GSocketClient) c = g_socket_client_new ();
    g_autoptr (GSocketConnection) conn
      = g_socket_client_connect_to_host (c, "127.0.0.1", proxy->port, NULL, NULL);
  }
  g_thread_join (proxy->thread);
  g_object_unref (proxy->listener);
  g_free (proxy);
}
