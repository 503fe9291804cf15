/* postern-net.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-error.h"
#include "postern-net.h"

typedef struct
{
  GTlsDatabase *extra;
  GSocketConnectable *identity;
} TrustCheck;

/**
 * postern_net_extra_ca_vouches:
 * @extra: (nullable): the profile's extra CA, as a database
 * @errors: what GIO's own verification found wrong
 * @identity: the host the certificate must name
 *
 * For an accept-certificate handler, called only when GIO's verification
 * failed. The one failure we may forgive is an issuer unknown to the
 * system when the profile's extra CA vouches for the very same chain and
 * host; anything else stays fatal.
 */
gboolean
postern_net_extra_ca_vouches (GTlsDatabase *extra, GTlsCertificate *peer,
                              GTlsCertificateFlags errors, GSocketConnectable *identity)
{
  GTlsCertificateFlags verdict;

  if (extra == NULL || errors != G_TLS_CERTIFICATE_UNKNOWN_CA)
    return FALSE;
  verdict = g_tls_database_verify_chain (extra, peer, G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                         identity, NULL, G_TLS_DATABASE_VERIFY_NONE, NULL, NULL);
  return verdict == 0;
}

static gboolean
accept_with_extra_ca (GTlsConnection *conn, GTlsCertificate *peer, GTlsCertificateFlags errors,
                      gpointer user_data)
{
  TrustCheck *check = user_data;

  return postern_net_extra_ca_vouches (check->extra, peer, errors, check->identity);
}

static void
trust_check_free (gpointer data)
{
  TrustCheck *check = data;
  g_clear_object (&check->extra);
  g_clear_object (&check->identity);
  g_free (check);
}

/* Why a certificate was refused, for an error message. */
char *
postern_net_describe_certificate_errors (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return g_strdup ("it does not match the host name");
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return g_strdup ("it is not signed by a trusted authority (see tls.ca-file)");
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return g_strdup ("it has expired");
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return g_strdup ("it is not valid yet");
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return g_strdup ("it has been revoked");
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return g_strdup ("it uses an insecure algorithm");
  return g_strdup ("it could not be verified");
}

static GIOStream *
handshake (GIOStream *base, const char *host, guint16 port, const char *extra_ca_file,
           GCancellable *cancellable, GError **error)
{
  g_autoptr (GSocketConnectable) identity = g_network_address_new (host, port);
  g_autoptr (GIOStream) tls = NULL;
  g_autoptr (GError) local_error = NULL;
  TrustCheck *check;

  tls = g_tls_client_connection_new (base, identity, &local_error);
  if (tls == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED, "TLS is not available: %s",
                   local_error->message);
      return NULL;
    }

  check = g_new0 (TrustCheck, 1);
  check->identity = g_object_ref (identity);
  if (extra_ca_file != NULL && *extra_ca_file != '\0')
    {
      check->extra = g_tls_file_database_new (extra_ca_file, &local_error);
      if (check->extra == NULL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "tls.ca-file %s cannot be read: %s", extra_ca_file, local_error->message);
          trust_check_free (check);
          return NULL;
        }
    }
  g_object_set_data_full (G_OBJECT (tls), "postern-trust-check", check, trust_check_free);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_with_extra_ca), check);

  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), cancellable, &local_error))
    {
      if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        {
          GTlsCertificateFlags flags
            = g_tls_connection_get_peer_certificate_errors (G_TLS_CONNECTION (tls));
          g_autofree char *why = postern_net_describe_certificate_errors (flags);
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY,
                       "the certificate of %s:%u was refused: %s", host, port, why);
        }
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                    "TLS with %s:%u failed: ", host, port);
      return NULL;
    }
  return g_steal_pointer (&tls);
}

/**
 * postern_net_connect:
 * @implicit_tls: TLS from the first byte (imaps, smtps); otherwise plain
 *   TCP, to be upgraded with postern_net_start_tls()
 * @timeout_seconds: the socket timeout for every read and write, 0 for none
 *
 * Returns: (transfer full): the connected stream, or %NULL with a message
 *   that names the host and what went wrong.
 */
GIOStream *
postern_net_connect (const char *host, guint16 port, gboolean implicit_tls,
                     const char *extra_ca_file, guint timeout_seconds, GCancellable *cancellable,
                     GError **error)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) local_error = NULL;

  g_socket_client_set_timeout (client, timeout_seconds);
  /* Mail servers are reached directly: a desktop proxy setting (or a
   * proxy auto-discovery going out to the network) has no say here. */
  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, host, port, cancellable, &local_error);
  if (conn == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot connect to %s:%u: %s", host,
                     port, local_error->message);
      return NULL;
    }
  if (!implicit_tls)
    return G_IO_STREAM (g_steal_pointer (&conn));
  return handshake (G_IO_STREAM (conn), host, port, extra_ca_file, cancellable, error);
}

GIOStream *
postern_net_start_tls (GIOStream *plain, const char *host, guint16 port, const char *extra_ca_file,
                       GCancellable *cancellable, GError **error)
{
  return handshake (plain, host, port, extra_ca_file, cancellable, error);
}

/* "scheme://host[:port]" with one of @schemes; the port defaults by scheme. */
gboolean
postern_net_parse_url (const char *url, const char *const *schemes, char **out_scheme,
                       char **out_host, guint16 *out_port, GError **error)
{
  static const struct
  {
    const char *scheme;
    guint16 port;
  } defaults[] = { { "imap", 143 },  { "imaps", 993 }, { "smtp", 587 },
                   { "smtps", 465 }, { "http", 80 },   { "https", 443 } };
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *scheme;
  int port;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "invalid server URL \"%s\"",
                   url ? url : "");
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  if (!g_strv_contains (schemes, scheme))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "server URL \"%s\" has an unsupported scheme", url);
      return FALSE;
    }
  port = g_uri_get_port (uri);
  for (guint i = 0; port < 0 && i < G_N_ELEMENTS (defaults); i++)
    if (g_str_equal (defaults[i].scheme, scheme))
      port = defaults[i].port;
  if (port <= 0 || port > 65535)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "server URL \"%s\" has no port",
                   url);
      return FALSE;
    }
  *out_scheme = g_strdup (scheme);
  *out_host = g_strdup (g_uri_get_host (uri));
  *out_port = (guint16) port;
  return TRUE;
}
