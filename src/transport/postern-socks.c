/* postern-socks.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-error.h"
#include "postern-socks.h"

/**
 * postern_socks_describe:
 * @reply: the REP field of a SOCKS5 reply
 *
 * Returns: what it means, in words for an error message.
 */
const char *
postern_socks_describe (guint8 reply)
{
  switch (reply)
    {
      case 0x00:
        return "succeeded";
      case 0x01:
        return "general failure";
      case 0x02:
        return "not allowed by the proxy's rules";
      case 0x03:
        return "network unreachable";
      case 0x04:
        return "host unreachable";
      case 0x05:
        return "connection refused";
      case 0x06:
        return "TTL expired (the connection timed out in tor)";
      case 0x07:
        return "command not supported";
      case 0x08:
        return "address type not supported";
      case 0xF0:
        return "the onion service is not online (its descriptor cannot be found)";
      case 0xF1:
        return "the onion service's descriptor is invalid";
      case 0xF2:
        return "the onion service is not online (introduction failed)";
      case 0xF3:
        return "the onion service did not answer (rendezvous failed)";
      case 0xF4:
        return "the onion service needs client authorization";
      case 0xF5:
        return "the onion service refused the client's authorization";
      case 0xF6:
        return "the onion address is not valid";
      case 0xF7:
        return "the onion service's introduction timed out";
      default:
        return "an unknown SOCKS error";
    }
}

static gboolean
bad_reply (GError **error, const char *why)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "tor's SOCKS port sent a bad reply: %s",
               why);
  return FALSE;
}

/**
 * postern_socks_parse_reply:
 * @data: what the proxy sent after the CONNECT request, so far
 *
 * Returns: the length of the whole reply once @data holds it; 0 when more
 *   is needed; -1 with @error for a malformed reply or a refusal (the
 *   error's message names the reason).
 */
gssize
postern_socks_parse_reply (const guint8 *data, gsize len, GError **error)
{
  gsize need;

  if (len < 5)
    return 0;
  if (data[0] != 0x05)
    {
      bad_reply (error, "not SOCKS version 5");
      return -1;
    }
  if (data[2] != 0x00)
    {
      bad_reply (error, "a reserved byte is set");
      return -1;
    }
  switch (data[3])
    {
      case 0x01:
        need = 4 + 4 + 2;
        break;
      case 0x04:
        need = 4 + 16 + 2;
        break;
      case 0x03:
        need = 4 + 1 + (gsize) data[4] + 2;
        break;
      default:
        {
          bad_reply (error, "an unknown address type");
          return -1;
        }
    }
  if (data[1] != 0x00)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "%s (SOCKS error 0x%02X)",
                   postern_socks_describe (data[1]), data[1]);
      return -1;
    }
  return len >= need ? (gssize) need : 0;
}

static gboolean
io_failed (GError *cause, const char *host, GError **error)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, cause);
  else
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot reach %s through tor: %s", host,
                   cause->message);
      g_error_free (cause);
    }
  return FALSE;
}

/**
 * postern_socks_connect:
 * @proxy: tor's SOCKS port (TCP or a unix socket)
 * @host: the name to connect to, such as "ONION.onion"; tor resolves it
 *
 * Returns: (transfer full) (nullable): the connection, ready for the
 *   application's bytes.
 */
GIOStream *
postern_socks_connect (GSocketAddress *proxy, const char *host, guint16 port, guint timeout_seconds,
                       GCancellable *cancellable, GError **error)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  GError *io_error = NULL;
  GInputStream *in;
  GOutputStream *out;
  guint8 buf[4 + 1 + 255 + 2];
  gsize host_len = strlen (host);
  gsize got = 0, n;
  gssize whole = 0;

  if (host_len == 0 || host_len > 255)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "\"%s\" is not a host name SOCKS can carry", host);
      return NULL;
    }
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, timeout_seconds);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (proxy), cancellable, &io_error);
  if (conn == NULL)
    {
      io_failed (io_error, host, error);
      return NULL;
    }
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));

  /* Greeting: version 5, one method, "no authentication". */
  buf[0] = 0x05;
  buf[1] = 0x01;
  buf[2] = 0x00;
  if (!g_output_stream_write_all (out, buf, 3, NULL, cancellable, &io_error)
      || !g_input_stream_read_all (in, buf, 2, &n, cancellable, &io_error))
    {
      io_failed (io_error, host, error);
      return NULL;
    }
  if (n < 2 || buf[0] != 0x05 || buf[1] != 0x00)
    {
      bad_reply (error, n < 2 ? "it closed the connection" : "it wants authentication");
      return NULL;
    }

  /* CONNECT host:port by name. */
  buf[0] = 0x05;
  buf[1] = 0x01;
  buf[2] = 0x00;
  buf[3] = 0x03;
  buf[4] = (guint8) host_len;
  memcpy (buf + 5, host, host_len);
  buf[5 + host_len] = (guint8) (port >> 8);
  buf[6 + host_len] = (guint8) (port & 0xff);
  if (!g_output_stream_write_all (out, buf, 7 + host_len, NULL, cancellable, &io_error))
    {
      io_failed (io_error, host, error);
      return NULL;
    }
  /* The reply's length depends on its address type: read what is known
   * to be needed, never past the reply into the application's bytes. */
  while (whole == 0)
    {
      gsize want = got < 5 ? 5 - got : 1;
      GError *parse_error = NULL;

      if (got + want > sizeof buf)
        {
          bad_reply (error, "too long");
          return NULL;
        }
      if (!g_input_stream_read_all (in, buf + got, want, &n, cancellable, &io_error))
        {
          io_failed (io_error, host, error);
          return NULL;
        }
      if (n < want)
        {
          bad_reply (error, "it closed the connection");
          return NULL;
        }
      got += n;
      whole = postern_socks_parse_reply (buf, got, &parse_error);
      if (whole < 0)
        {
          g_set_error (error, POSTERN_ERROR, parse_error->code, "cannot reach %s through tor: %s",
                       host, parse_error->message);
          g_error_free (parse_error);
          return NULL;
        }
    }
  return G_IO_STREAM (g_steal_pointer (&conn));
}
