/* postern-transport-smtorp.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-address.h"
#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-pow.h"
#include "postern-smtorp-identity.h"
#include "postern-smtorp-onion.h"
#include "postern-smtp-reply.h"
#include "postern-socks.h"
#include "postern-tor.h"
#include "postern-transport-smtorp.h"

#define SMTORP_TIMEOUT_SECONDS 120
#define PINS_FILE "pins.ini"
#define PINS_GROUP "pins"
/* Which onion services already have a message, for a retry after a
 * partial failure; see send_message(). */
#define DELIVERED_FILE "delivered.ini"
#define DELIVERED_DAYS 30

struct _PosternTransportSmtorp
{
  GObject parent_instance;
  PosternProfile *profile;
  char *profile_path;
  char *user;
  guint stamp_bits;
  GMutex tor_lock;
  PosternTor *tor; /* nullable until the first send through tor */
};

static void transport_iface_init (PosternTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PosternTransportSmtorp, postern_transport_smtorp, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (POSTERN_TYPE_TRANSPORT,
                                                      transport_iface_init))

/* The pin and delivery records are read, changed and written whole; one
 * send thread at a time in this process does so (the Outbox lock keeps
 * other processes' flushes apart). */
static GMutex records_lock;

static void
postern_transport_smtorp_finalize (GObject *object)
{
  PosternTransportSmtorp *self = POSTERN_TRANSPORT_SMTORP (object);

  g_clear_pointer (&self->profile_path, g_free);
  g_clear_pointer (&self->user, g_free);
  g_clear_object (&self->tor);
  g_clear_object (&self->profile);
  g_mutex_clear (&self->tor_lock);
  G_OBJECT_CLASS (postern_transport_smtorp_parent_class)->finalize (object);
}

static void
postern_transport_smtorp_class_init (PosternTransportSmtorpClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_transport_smtorp_finalize;
}

static void
postern_transport_smtorp_init (PosternTransportSmtorp *self)
{
  self->stamp_bits = POSTERN_SMTORP_DEFAULT_STAMP_BITS;
  g_mutex_init (&self->tor_lock);
}

/**
 * postern_transport_smtorp_new:
 * @profile: the sending profile: its smtorp.stamp-bits and smtorp.user
 *   settings, its pins, and its own address for MAIL FROM
 *
 * Returns: (transfer full): the transport.
 */
PosternTransportSmtorp *
postern_transport_smtorp_new (PosternProfile *profile)
{
  PosternTransportSmtorp *self = g_object_new (POSTERN_TYPE_TRANSPORT_SMTORP, NULL);
  g_autofree char *bits = postern_profile_get_setting (profile, "smtorp.stamp-bits", NULL);
  guint64 value;

  self->profile = g_object_ref (profile);
  self->profile_path = g_strdup (postern_profile_get_path (profile));
  self->user = postern_profile_get_setting (profile, "smtorp.user", NULL);
  if (bits != NULL && g_ascii_string_to_unsigned (bits, 10, 1, 40, &value, NULL))
    self->stamp_bits = (guint) value;
  return self;
}

/* Records kept in PROFILE/smtorp/ as keyfiles, written durably. */

static char *
record_path (const char *profile_path, const char *name)
{
  g_autofree char *dir = postern_smtorp_dir (profile_path);
  return g_build_filename (dir, name, NULL);
}

static GKeyFile *
record_load (const char *path, GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;

  if (!g_key_file_load_from_file (keyfile, path, G_KEY_FILE_NONE, &local_error)
      && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot read %s: %s", path,
                   local_error->message);
      return NULL;
    }
  return g_steal_pointer (&keyfile);
}

static gboolean
record_save (const char *path, GKeyFile *keyfile, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  gsize len;
  g_autofree char *data = g_key_file_to_data (keyfile, &len, NULL);

  return postern_fs_mkdir_durable (dir, error)
         && postern_fs_write_file_durable (path, data, len, error);
}

/**
 * postern_transport_smtorp_get_pin:
 * @onion: the onion service's name, without ".onion"
 *
 * Returns: (transfer full) (nullable): the full-length fingerprint pinned
 *   for @onion's server on first contact, or %NULL when it has none.
 */
char *
postern_transport_smtorp_get_pin (const char *profile_path, const char *onion, GError **error)
{
  g_autofree char *path = record_path (profile_path, PINS_FILE);
  g_autoptr (GKeyFile) pins = NULL;

  g_mutex_lock (&records_lock);
  pins = record_load (path, error);
  g_mutex_unlock (&records_lock);
  if (pins == NULL)
    return NULL;
  return g_key_file_get_string (pins, PINS_GROUP, onion, NULL);
}

/* After the first successful session, the contact's key is known in full:
 * a short label (or none) is upgraded to all 255 bits (smtorp.md §2). */
static gboolean
save_pin (const char *profile_path, const char *onion, const char *fingerprint, GError **error)
{
  g_autofree char *path = record_path (profile_path, PINS_FILE);
  g_autoptr (GKeyFile) pins = NULL;
  g_autofree char *old = NULL;
  gboolean ok = TRUE;

  g_mutex_lock (&records_lock);
  pins = record_load (path, error);
  if (pins == NULL)
    ok = FALSE;
  else
    {
      old = g_key_file_get_string (pins, PINS_GROUP, onion, NULL);
      if (g_strcmp0 (old, fingerprint) != 0)
        {
          g_key_file_set_string (pins, PINS_GROUP, onion, fingerprint);
          ok = record_save (path, pins, error);
        }
    }
  g_mutex_unlock (&records_lock);
  return ok;
}

/* A message to recipients at several onion services goes to each in its
 * own session. When one of them fails, the message stays in the Outbox and
 * is sent again later; the services that already have it are remembered
 * here (by the message's hash) so that nobody gets it twice. */
static gboolean
delivered_before (const char *profile_path, const char *digest, const char *onion)
{
  g_autofree char *path = record_path (profile_path, DELIVERED_FILE);
  g_autoptr (GKeyFile) record = NULL;
  gboolean found;

  g_mutex_lock (&records_lock);
  record = record_load (path, NULL);
  found = record != NULL && g_key_file_has_key (record, digest, onion, NULL);
  g_mutex_unlock (&records_lock);
  return found;
}

/* @onion NULL forgets the message: it reached everybody. */
static gboolean
delivered_update (const char *profile_path, const char *digest, const char *onion,
                  GError **error)
{
  g_autofree char *path = record_path (profile_path, DELIVERED_FILE);
  g_autoptr (GKeyFile) record = NULL;
  g_auto (GStrv) groups = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gboolean ok = FALSE;

  g_mutex_lock (&records_lock);
  record = record_load (path, error);
  if (record == NULL)
    goto out;
  if (onion == NULL && !g_key_file_has_group (record, digest))
    {
      ok = TRUE;
      goto out;
    }
  if (onion != NULL)
    g_key_file_set_int64 (record, digest, onion, now);
  else
    g_key_file_remove_group (record, digest, NULL);
  /* A message still queued after a month has been given up on. */
  groups = g_key_file_get_groups (record, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (record, groups[i], NULL, NULL);
      gint64 newest = 0;
      for (guint j = 0; keys != NULL && keys[j] != NULL; j++)
        newest = MAX (newest, g_key_file_get_int64 (record, groups[i], keys[j], NULL));
      if (newest < now - DELIVERED_DAYS * 86400)
        g_key_file_remove_group (record, groups[i], NULL);
    }
  ok = record_save (path, record, error);
out:
  g_mutex_unlock (&records_lock);
  return ok;
}

/* Test-only routes: ONION=HOST:PORT, comma-separated, HOST a loopback
 * address. When the variable is set, they stand in for tor (tests of the
 * server and client without a Tor network); anything that could send onion
 * mail over the open network is refused. */
static gboolean
dev_routes_set (void)
{
  const char *routes = g_getenv (POSTERN_SMTORP_DEV_ROUTES_ENV);
  return routes != NULL && *routes != '\0';
}

static gboolean
dev_route (const char *onion, char **out_host, guint16 *out_port, GError **error)
{
  const char *routes = g_getenv (POSTERN_SMTORP_DEV_ROUTES_ENV);
  g_auto (GStrv) entries = NULL;

  entries = g_strsplit (routes, ",", -1);
  for (guint i = 0; entries[i] != NULL; i++)
    {
      const char *eq = strchr (entries[i], '=');
      g_autofree char *raw = NULL;
      g_autofree char *name = NULL;
      g_autofree char *host = NULL;
      g_autoptr (GInetAddress) address = NULL;
      const char *colon;
      guint64 port;

      if (eq == NULL)
        continue;
      raw = g_strndup (entries[i], (gsize) (eq - entries[i]));
      name = g_ascii_strdown (g_strstrip (raw), -1);
      if (g_str_has_suffix (name, ".onion"))
        name[strlen (name) - strlen (".onion")] = '\0';
      if (!g_str_equal (name, onion))
        continue;
      colon = strrchr (eq + 1, ':');
      if (colon == NULL)
        break;
      host = g_strndup (eq + 1, (gsize) (colon - eq - 1));
      g_strstrip (host);
      if (host[0] == '[' && host[strlen (host) - 1] == ']')
        {
          memmove (host, host + 1, strlen (host));
          host[strlen (host) - 1] = '\0';
        }
      address = g_inet_address_new_from_string (host);
      if (address == NULL || !g_inet_address_get_is_loopback (address)
          || !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
        break;
      *out_host = g_steal_pointer (&host);
      *out_port = (guint16) port;
      return TRUE;
    }
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED,
               "%s.onion cannot be reached: %s (test-only) is set but has no loopback route "
               "(ONION=127.0.0.1:PORT) for it",
               onion, POSTERN_SMTORP_DEV_ROUTES_ENV);
  return FALSE;
}

/* What the client expects of the server's key, and what it saw. */
typedef struct
{
  const char *onion;
  char **labels;     /* every fingerprint label the recipients' addresses carry */
  char *pin;         /* nullable: the full fingerprint pinned on first contact */
  char *seen;        /* the presented key's full fingerprint */
  char *refusal;     /* why it was refused, or NULL */
} PinCheck;

static void
pin_check_clear (PinCheck *check)
{
  g_strfreev (check->labels);
  g_free (check->pin);
  g_free (check->seen);
  g_free (check->refusal);
}

static gboolean
pin_check_run (PinCheck *check, GTlsCertificate *peer)
{
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&check->seen, g_free);
  g_clear_pointer (&check->refusal, g_free);
  check->seen = peer ? postern_smtorp_fingerprint_of_certificate (peer, &error) : NULL;
  if (check->seen == NULL)
    {
      check->refusal = g_strdup_printf ("its certificate cannot be read (%s)",
                                        error ? error->message : "none was sent");
      return FALSE;
    }
  for (guint i = 0; check->labels[i] != NULL; i++)
    if (!postern_smtorp_fingerprint_matches (check->seen, check->labels[i]))
      {
        check->refusal = g_strdup_printf ("it presented the key %.16s…, but the address says %s",
                                          check->seen, check->labels[i]);
        return FALSE;
      }
  if (check->pin != NULL && g_strcmp0 (check->pin, check->seen) != 0)
    {
      check->refusal = g_strdup_printf ("it presented the key %.16s…, not the %.16s… pinned on "
                                        "first contact",
                                        check->seen, check->pin);
      return FALSE;
    }
  return TRUE;
}

/* No authority and no host name count, only the key (smtorp.md §2): the
 * handshake fails here on a mismatch, before a single SMTP byte. */
static gboolean
accept_pinned (GTlsConnection *conn, GTlsCertificate *peer, GTlsCertificateFlags errors,
               gpointer user_data)
{
  return pin_check_run (user_data, peer);
}

/* Test-only: a loopback TCP connection that stands in for tor. */
static GIOStream *
connect_dev_route (const char *host, guint16 port, const char *onion, GCancellable *cancellable,
                   GError **error)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GError) local_error = NULL;
  GSocketConnection *conn;

  g_socket_client_set_timeout (client, SMTORP_TIMEOUT_SECONDS);
  g_socket_client_set_enable_proxy (client, FALSE);
  conn = g_socket_client_connect_to_host (client, host, port, cancellable, &local_error);
  if (conn == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                     "cannot connect to the SMTorP server of %s.onion: %s", onion,
                     local_error->message);
      return NULL;
    }
  return G_IO_STREAM (conn);
}

/* The profile's tor, started (once per process) when first needed. */
static PosternTor *
ensure_tor (PosternTransportSmtorp *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternTor) tor = NULL;

  g_mutex_lock (&self->tor_lock);
  if (self->tor == NULL)
    self->tor = postern_tor_get_shared (self->profile, error);
  tor = self->tor ? g_object_ref (self->tor) : NULL;
  g_mutex_unlock (&self->tor_lock);
  if (tor == NULL || !postern_tor_start_sync (tor, cancellable, error))
    return NULL;
  return g_steal_pointer (&tor);
}

/* Through tor's SOCKS port, the name resolved by tor. The dev routes
 * (POSTERN_SMTORP_DEV_ROUTES) are for tests without tor only. */
static GIOStream *
connect_onion (PosternTransportSmtorp *self, const char *onion, GCancellable *cancellable,
               GError **error)
{
  g_autoptr (PosternTor) tor = NULL;
  g_autoptr (GSocketAddress) socks = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *host = NULL;
  GIOStream *stream;
  guint16 port;

  if (dev_routes_set ())
    {
      if (!dev_route (onion, &host, &port, error))
        return NULL;
      return connect_dev_route (host, port, onion, cancellable, error);
    }
  tor = ensure_tor (self, cancellable, &local_error);
  if (tor == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, POSTERN_ERROR,
                     local_error->domain == POSTERN_ERROR ? local_error->code : POSTERN_ERROR_IO,
                     "%s.onion cannot be reached without tor: %s", onion, local_error->message);
      return NULL;
    }
  socks = postern_tor_get_socks_address (tor);
  host = g_strconcat (onion, ".onion", NULL);
  stream = postern_socks_connect (socks, host, POSTERN_SMTORP_ONION_PORT, SMTORP_TIMEOUT_SECONDS,
                                  cancellable, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                     "cannot connect to the SMTorP server of %s.onion: %s", onion,
                     local_error->message);
    }
  return stream;
}

static GIOStream *
connect_pinned (PosternTransportSmtorp *self, PinCheck *check, GCancellable *cancellable,
                GError **error)
{
  g_autoptr (GIOStream) conn = NULL;
  g_autoptr (GIOStream) tls = NULL;
  g_autoptr (GError) local_error = NULL;
  GTlsProtocolVersion version;
  gulong handler;

  conn = connect_onion (self, check->onion, cancellable, error);
  if (conn == NULL)
    return NULL;

  /* No server identity: no SNI, and nothing for GIO to match a name to. */
  tls = g_tls_client_connection_new (conn, NULL, &local_error);
  if (tls == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED, "TLS is not available: %s",
                   local_error->message);
      return NULL;
    }
  /* Without a database every certificate is "unknown CA", so GIO always
   * asks accept-certificate, which decides by the pin alone. */
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), NULL);
  handler = g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_pinned), check);
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (tls), cancellable, &local_error))
    {
      g_signal_handler_disconnect (tls, handler);
      if (check->refusal != NULL)
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY,
                     "the SMTorP server of %s.onion was refused: %s; nothing was sent",
                     check->onion, check->refusal);
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                     "TLS with the SMTorP server of %s.onion failed: %s", check->onion,
                     local_error->message);
      return NULL;
    }
  g_signal_handler_disconnect (tls, handler);
  /* Had GIO trusted the certificate on its own, the handler would not
   * have run: the pin is checked here once more, whatever happened. */
  if (!pin_check_run (check, g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (tls))))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY,
                   "the SMTorP server of %s.onion was refused: %s; nothing was sent",
                   check->onion, check->refusal);
      return NULL;
    }
  version = g_tls_connection_get_protocol_version (G_TLS_CONNECTION (tls));
  if (version != G_TLS_PROTOCOL_VERSION_TLS_1_2 && version != G_TLS_PROTOCOL_VERSION_TLS_1_3)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY,
                   "the SMTorP server of %s.onion speaks a TLS older than 1.2; nothing was sent",
                   check->onion);
      return NULL;
    }
  return g_steal_pointer (&tls);
}

/* One session with one server. */
typedef struct
{
  GIOStream *stream;
  GDataInputStream *in;
  GOutputStream *out;
  const char *onion;
} Session;

static void
session_clear (Session *s)
{
  g_clear_object (&s->in);
  if (s->stream != NULL)
    g_io_stream_close (s->stream, NULL, NULL);
  g_clear_object (&s->stream);
}

static gboolean
lost (Session *s, GError *cause, GError **error)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, cause);
  else
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                   "the connection to the SMTorP server of %s.onion was lost: %s", s->onion,
                   cause->message);
      g_error_free (cause);
    }
  return FALSE;
}

static PosternSmtpReply *
read_reply (Session *s, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternSmtpReply) reply = postern_smtp_reply_new ();

  while (!reply->complete)
    {
      GError *io_error = NULL;
      gsize len = 0;
      g_autofree char *line = g_data_input_stream_read_line (s->in, &len, cancellable, &io_error);

      if (line == NULL)
        {
          if (io_error == NULL)
            io_error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                            "the server closed the connection");
          lost (s, io_error, error);
          return NULL;
        }
      if (len > 0 && line[len - 1] == '\r')
        len--;
      if (!postern_smtp_reply_feed_line (reply, line, len, error))
        return NULL;
    }
  return g_steal_pointer (&reply);
}

static gboolean
write_all (Session *s, const void *data, gsize len, GCancellable *cancellable, GError **error)
{
  GError *io_error = NULL;

  if (!g_output_stream_write_all (s->out, data, len, NULL, cancellable, &io_error))
    return lost (s, io_error, error);
  return TRUE;
}

/* 4xx is worth retrying; 5xx is not until something changes; a refused
 * stamp (5.7.1) is a policy refusal. The message stays in the Outbox. */
static gboolean
refused (Session *s, const char *what, PosternSmtpReply *reply, GError **error)
{
  g_autofree char *text = postern_smtp_reply_to_string (reply);
  int code = POSTERN_ERROR_IO;

  if (reply->code >= 500)
    code = g_str_has_prefix (reply->enhanced ? reply->enhanced : "", "5.7.")
             ? POSTERN_ERROR_POLICY
             : POSTERN_ERROR_FAILED;
  g_set_error (error, POSTERN_ERROR, code, "the SMTorP server of %s.onion %s %s: %s", s->onion,
               reply->code >= 500 ? "refused" : "deferred", what, text);
  return FALSE;
}

/* The DATA body: CRLF line ends and dot-stuffing (RFC 5321 §4.5.2). */
static GBytes *
encode_data (const char *stamps, GBytes *message)
{
  gsize len;
  const char *p = g_bytes_get_data (message, &len);
  const char *end = p + len;
  GString *out = g_string_sized_new (strlen (stamps) + len + len / 32 + 8);
  gboolean line_start = TRUE;

  g_string_append (out, stamps);
  for (; p < end; p++)
    {
      if (line_start && *p == '.')
        g_string_append_c (out, '.');
      line_start = FALSE;
      if (*p == '\r' && p + 1 < end && p[1] == '\n')
        continue;
      if (*p == '\n' || *p == '\r')
        {
          g_string_append (out, "\r\n");
          line_start = TRUE;
          continue;
        }
      g_string_append_c (out, *p);
    }
  if (!line_start)
    g_string_append (out, "\r\n");
  g_string_append (out, ".\r\n");
  return g_string_free_to_bytes (out);
}

static gboolean
has_8bit (GBytes *message)
{
  gsize len;
  const guint8 *p = g_bytes_get_data (message, &len);

  for (gsize i = 0; i < len; i++)
    if (p[i] & 0x80)
      return TRUE;
  return FALSE;
}

/* The recipients at one onion service. */
typedef struct
{
  char *onion;
  GPtrArray *recipients; /* addr-specs as given */
  GPtrArray *labels;     /* their fingerprint labels */
} Group;

static void
group_free (Group *g)
{
  g_free (g->onion);
  g_ptr_array_unref (g->recipients);
  g_ptr_array_unref (g->labels);
  g_free (g);
}

static GPtrArray *
group_recipients (char **recipients, GError **error)
{
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) group_free);

  for (guint i = 0; recipients[i] != NULL; i++)
    {
      g_autoptr (PosternAddress) address = postern_address_parse (recipients[i], error);
      Group *group = NULL;

      if (address == NULL)
        return NULL;
      if (postern_address_get_kind (address) != POSTERN_ADDRESS_ONION)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "%s is not an onion address; SMTorP cannot reach it", recipients[i]);
          return NULL;
        }
      for (guint j = 0; j < groups->len && group == NULL; j++)
        if (g_str_equal (((Group *) groups->pdata[j])->onion, postern_address_get_onion (address)))
          group = groups->pdata[j];
      if (group == NULL)
        {
          group = g_new0 (Group, 1);
          group->onion = g_strdup (postern_address_get_onion (address));
          group->recipients = g_ptr_array_new_with_free_func (g_free);
          group->labels = g_ptr_array_new_with_free_func (g_free);
          g_ptr_array_add (groups, group);
        }
      g_ptr_array_add (group->recipients, g_strdup (postern_address_get_addr_spec (address)));
      if (postern_address_get_fingerprint (address) != NULL)
        g_ptr_array_add (group->labels, g_strdup (postern_address_get_fingerprint (address)));
    }
  return g_steal_pointer (&groups);
}

/* The user's own SMTorP address, for MAIL FROM; the null reverse-path
 * while there is none (no onion service yet). */
static char *
own_address (PosternTransportSmtorp *self)
{
  g_autoptr (PosternSmtorpIdentity) identity = NULL;
  g_autofree char *onion = NULL;
  char *address;

  identity = postern_smtorp_identity_load (self->profile_path, NULL);
  onion = identity ? postern_smtorp_identity_get_onion (identity, NULL) : NULL;
  if (onion == NULL || self->user == NULL)
    return g_strdup ("");
  address = postern_smtorp_identity_build_address (identity, self->user, onion, NULL);
  return address ? address : g_strdup ("");
}

static gboolean
send_group (PosternTransportSmtorp *self, GBytes *message, Group *group, const char *sender,
            GCancellable *cancellable, GError **error)
{
  g_autoptr (GString) stamps = g_string_new (NULL);
  g_autoptr (GBytes) data = NULL;
  g_autoptr (GString) envelope = NULL;
  g_autoptr (PosternSmtpReply) greeting = NULL;
  g_autoptr (PosternSmtpReply) caps = NULL;
  g_autoptr (GError) pin_error = NULL;
  const char *size_param = NULL;
  PinCheck check = { 0 };
  Session s = { 0 };
  gboolean pipelining, ok = FALSE;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* Without a route, nothing: not even stamps are worth minting. */
  if (dev_routes_set ())
    {
      g_autofree char *host = NULL;
      guint16 port;
      if (!dev_route (group->onion, &host, &port, error))
        return FALSE;
    }

  /* Stamps first: minting takes a while, and no connection should sit
   * idle meanwhile. Only this server's recipients' stamps go into its
   * copy, so it learns no other (Bcc) recipient. */
  for (guint i = 0; i < group->recipients->len; i++)
    {
      g_autoptr (PosternPowStamp) stamp = NULL;
      g_autofree char *header = NULL;

      stamp = postern_pow_mint (POSTERN_POW_ARGON2ID, self->stamp_bits, group->recipients->pdata[i],
                                0, 0, now, cancellable, error);
      if (stamp == NULL)
        return FALSE;
      header = postern_pow_stamp_to_header (stamp);
      g_string_append_printf (stamps, "%s\r\n", header);
    }
  data = encode_data (stamps->str, message);

  check.onion = group->onion;
  g_ptr_array_add (group->labels, NULL);
  check.labels = g_strdupv ((char **) group->labels->pdata);
  g_ptr_array_remove_index (group->labels, group->labels->len - 1);
  check.pin = postern_transport_smtorp_get_pin (self->profile_path, group->onion, &pin_error);
  if (pin_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&pin_error));
      goto out;
    }

  s.onion = group->onion;
  s.stream = connect_pinned (self, &check, cancellable, error);
  if (s.stream == NULL)
    goto out;
  s.in = g_data_input_stream_new (g_io_stream_get_input_stream (s.stream));
  g_data_input_stream_set_newline_type (s.in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  s.out = g_io_stream_get_output_stream (s.stream);

  greeting = read_reply (&s, cancellable, error);
  if (greeting == NULL)
    goto out;
  if (greeting->code != 220)
    {
      refused (&s, "the connection", greeting, error);
      goto out;
    }
  /* A literal keeps the client's name out of the conversation. */
  if (!write_all (&s, "EHLO [127.0.0.1]\r\n", 18, cancellable, error))
    goto out;
  caps = read_reply (&s, cancellable, error);
  if (caps == NULL)
    goto out;
  if (caps->code != 250)
    {
      refused (&s, "EHLO", caps, error);
      goto out;
    }
  if (postern_smtp_reply_has_capability (caps, "SIZE", &size_param) && *size_param != '\0')
    {
      guint64 limit = g_ascii_strtoull (size_param, NULL, 10);
      if (limit > 0 && g_bytes_get_size (data) > limit)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                       "the message is %zu bytes, more than the %" G_GUINT64_FORMAT
                       " the SMTorP server of %s.onion accepts",
                       g_bytes_get_size (data), limit, group->onion);
          goto out;
        }
    }

  envelope = g_string_new (NULL);
  g_string_append_printf (envelope, "MAIL FROM:<%s>", sender);
  if (size_param != NULL)
    g_string_append_printf (envelope, " SIZE=%zu", g_bytes_get_size (data));
  if (has_8bit (message) && postern_smtp_reply_has_capability (caps, "8BITMIME", NULL))
    g_string_append (envelope, " BODY=8BITMIME");
  g_string_append (envelope, "\r\n");
  for (guint i = 0; i < group->recipients->len; i++)
    g_string_append_printf (envelope, "RCPT TO:<%s>\r\n",
                            (const char *) group->recipients->pdata[i]);
  g_string_append (envelope, "DATA\r\n");

  /* With PIPELINING the envelope goes in one write; without it, one
   * command per reply. Either way everybody gets the message or nobody:
   * one refused recipient abandons the transaction. */
  pipelining = postern_smtp_reply_has_capability (caps, "PIPELINING", NULL);
  {
    g_auto (GStrv) commands = g_strsplit (envelope->str, "\r\n", -1);
    guint n_commands = group->recipients->len + 2;
    g_autoptr (GError) first_error = NULL;
    gboolean data_ok = FALSE;

    if (pipelining && !write_all (&s, envelope->str, envelope->len, cancellable, error))
      goto out;
    for (guint i = 0; i < n_commands && first_error == NULL; i++)
      {
        g_autoptr (PosternSmtpReply) reply = NULL;
        g_autofree char *line = g_strconcat (commands[i], "\r\n", NULL);

        if (!pipelining && !write_all (&s, line, strlen (line), cancellable, error))
          goto out;
        reply = read_reply (&s, cancellable, error);
        if (reply == NULL)
          goto out;
        if (i == n_commands - 1)
          {
            data_ok = reply->code == 354;
            if (!data_ok)
              refused (&s, "DATA", reply, &first_error);
          }
        else if (reply->code / 100 != 2)
          {
            g_autofree char *what = i == 0 ? g_strdup ("the sender")
                                           : g_strdup_printf ("the recipient %s",
                                                              (const char *) group->recipients
                                                                ->pdata[i - 1]);
            refused (&s, what, reply, &first_error);
          }
        /* Pipelined replies still have to be read, in order. */
        if (first_error != NULL && pipelining)
          for (guint j = i + 1; j < n_commands; j++)
            {
              g_autoptr (PosternSmtpReply) rest = read_reply (&s, cancellable, NULL);
              if (rest == NULL)
                break;
              if (j == n_commands - 1)
                data_ok = rest->code == 354;
            }
      }
    if (first_error != NULL)
      {
        /* After a 354 the only way back is to hang up before the dot. */
        if (!data_ok)
          write_all (&s, "RSET\r\n", 6, cancellable, NULL);
        g_propagate_error (error, g_steal_pointer (&first_error));
        goto out;
      }
  }

  if (!write_all (&s, g_bytes_get_data (data, NULL), g_bytes_get_size (data), cancellable, error))
    goto out;
  {
    g_autoptr (PosternSmtpReply) reply = read_reply (&s, cancellable, error);
    if (reply == NULL)
      goto out;
    if (reply->code / 100 != 2)
      {
        refused (&s, "the message", reply, error);
        goto out;
      }
  }
  ok = TRUE;
  /* The message is accepted; a failing QUIT changes nothing. */
  write_all (&s, "QUIT\r\n", 6, cancellable, NULL);
  /* Trust on first use, and a short label made full: from now on this
   * onion service must show this very key. The message is delivered
   * either way, so a failure here is only worth a warning. */
  if (!save_pin (self->profile_path, group->onion, check.seen, &pin_error))
    g_warning ("SMTorP: the key of %s.onion was not pinned: %s", group->onion,
               pin_error->message);

out:
  session_clear (&s);
  pin_check_clear (&check);
  return ok;
}

typedef struct
{
  GBytes *message;
  char **recipients;
} SendJob;

static void
send_job_free (SendJob *job)
{
  g_bytes_unref (job->message);
  g_strfreev (job->recipients);
  g_free (job);
}

static gboolean
send_message (PosternTransportSmtorp *self, SendJob *job, GCancellable *cancellable,
              GError **error)
{
  g_autoptr (GPtrArray) groups = group_recipients (job->recipients, error);
  g_autofree char *digest = NULL;
  g_autofree char *sender = NULL;

  if (groups == NULL)
    return FALSE;
  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, job->message);
  sender = own_address (self);
  for (guint i = 0; i < groups->len; i++)
    {
      Group *group = groups->pdata[i];

      if (delivered_before (self->profile_path, digest, group->onion))
        continue;
      if (!send_group (self, job->message, group, sender, cancellable, error))
        return FALSE;
      if (groups->len > 1 && !delivered_update (self->profile_path, digest, group->onion, error))
        return FALSE;
    }
  if (groups->len > 1)
    delivered_update (self->profile_path, digest, NULL, NULL);
  return TRUE;
}

static const char *
smtorp_get_name (PosternTransport *transport)
{
  return "smtorp";
}

static PosternLock
smtorp_get_lock (PosternTransport *transport)
{
  return POSTERN_LOCK_ONION;
}

static void
send_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (send_message (source, task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
smtorp_send_async (PosternTransport *transport, GBytes *message, const char *const *recipients,
                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (transport, cancellable, callback, user_data);
  SendJob *job = g_new0 (SendJob, 1);

  job->message = g_bytes_ref (message);
  job->recipients = g_strdupv ((char **) recipients);
  g_task_set_source_tag (task, smtorp_send_async);
  g_task_set_task_data (task, job, (GDestroyNotify) send_job_free);
  /* Minting and the sessions block: a worker thread, never the caller's. */
  g_task_run_in_thread (task, send_thread);
}

static gboolean
smtorp_send_finish (PosternTransport *transport, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
transport_iface_init (PosternTransportInterface *iface)
{
  iface->get_name = smtorp_get_name;
  iface->get_lock = smtorp_get_lock;
  iface->send_async = smtorp_send_async;
  iface->send_finish = smtorp_send_finish;
}
