/* postern-tor-control.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <string.h>

#include "postern-error.h"
#include "postern-tor-control.h"

/* A command's reply comes at once; this only ends a hang. */
#define REPLY_TIMEOUT_SECONDS 60
#define COOKIE_LEN 32
#define NONCE_LEN 32
#define SERVER_KEY "Tor safe cookie authentication server-to-controller hash"
#define CLIENT_KEY "Tor safe cookie authentication controller-to-server hash"

struct _PosternTorControl
{
  GObject parent_instance;
  GMutex lock;
  GSocketConnection *conn;
  GDataInputStream *in;
  GOutputStream *out;
  GQueue events; /* PosternTorReply *, read while a command waited */
};

G_DEFINE_FINAL_TYPE (PosternTorControl, postern_tor_control, G_TYPE_OBJECT)

static void
postern_tor_control_finalize (GObject *object)
{
  PosternTorControl *self = POSTERN_TOR_CONTROL (object);

  postern_tor_control_close (self);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (postern_tor_control_parent_class)->finalize (object);
}

static void
postern_tor_control_class_init (PosternTorControlClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_tor_control_finalize;
}

static void
postern_tor_control_init (PosternTorControl *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->events);
}

/**
 * postern_tor_control_parse_address:
 * @text: an absolute path (a unix socket), a port ("9051", on 127.0.0.1)
 *   or "HOST:PORT" with a loopback HOST
 *
 * A control port elsewhere than this machine would carry the cookie and
 * every command in the clear, so it is refused.
 *
 * Returns: (transfer full) (nullable): the address.
 */
GSocketAddress *
postern_tor_control_parse_address (const char *text, GError **error)
{
  g_autoptr (GInetAddress) host = NULL;
  g_autofree char *host_text = NULL;
  const char *port_text = text;
  const char *colon;
  guint64 port;

  if (text == NULL || *text == '\0')
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "no tor control port is set (config set tor.control PATH|PORT)");
      return NULL;
    }
  if (text[0] == '/')
    {
      if (strlen (text) >= 108)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "the control socket path %s is too long for a unix socket", text);
          return NULL;
        }
      return g_unix_socket_address_new (text);
    }
  colon = strrchr (text, ':');
  if (colon != NULL)
    {
      host_text = g_strndup (text, (gsize) (colon - text));
      if (host_text[0] == '[' && host_text[strlen (host_text) - 1] == ']')
        {
          memmove (host_text, host_text + 1, strlen (host_text));
          host_text[strlen (host_text) - 1] = '\0';
        }
      port_text = colon + 1;
    }
  host = g_inet_address_new_from_string (host_text ? host_text : "127.0.0.1");
  if (host == NULL || !g_inet_address_get_is_loopback (host)
      || !g_ascii_string_to_unsigned (port_text, 10, 1, 65535, &port, NULL))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "\"%s\" is not a tor control port on this machine (an absolute socket path, "
                   "a port, or 127.0.0.1:PORT)",
                   text);
      return NULL;
    }
  return g_inet_socket_address_new (host, (guint16) port);
}

static gboolean
io_failed (GError *cause, GError **error)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_propagate_error (error, cause);
  else
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                   "the connection to tor's control port failed: %s", cause->message);
      g_error_free (cause);
    }
  return FALSE;
}

/**
 * postern_tor_control_connect:
 *
 * Connects; nothing is sent yet. Call postern_tor_control_authenticate()
 * next.
 *
 * Returns: (transfer full) (nullable): the connection.
 */
PosternTorControl *
postern_tor_control_connect (GSocketAddress *address, GCancellable *cancellable, GError **error)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (PosternTorControl) self = NULL;
  GError *local_error = NULL;
  GSocketConnection *conn;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, REPLY_TIMEOUT_SECONDS);
  conn
    = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), cancellable, &local_error);
  if (conn == NULL)
    {
      io_failed (local_error, error);
      return NULL;
    }
  self = g_object_new (POSTERN_TYPE_TOR_CONTROL, NULL);
  self->conn = conn;
  self->in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_data_input_stream_set_newline_type (self->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (self->in), 65536);
  self->out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  return g_steal_pointer (&self);
}

void
postern_tor_control_close (PosternTorControl *self)
{
  PosternTorReply *event;

  while ((event = g_queue_pop_head (&self->events)) != NULL)
    postern_tor_reply_free (event);
  g_clear_object (&self->in);
  self->out = NULL;
  if (self->conn != NULL)
    g_io_stream_close (G_IO_STREAM (self->conn), NULL, NULL);
  g_clear_object (&self->conn);
}

static gboolean
not_connected (GError **error)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
               "the connection to tor's control port is closed");
  return FALSE;
}

/* Reads one whole reply or event, whichever comes. */
static PosternTorReply *
read_reply (PosternTorControl *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternTorReply) reply = postern_tor_reply_new ();

  if (self->in == NULL)
    {
      not_connected (error);
      return NULL;
    }
  while (!reply->complete || reply->in_data)
    {
      GError *io_error = NULL;
      gsize len = 0;
      g_autofree char *line = NULL;

      line = g_data_input_stream_read_line (self->in, &len, cancellable, &io_error);
      if (line == NULL)
        {
          if (io_error == NULL)
            io_error
              = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "tor closed it");
          io_failed (io_error, error);
          return NULL;
        }
      if (len > 0 && line[len - 1] == '\r')
        len--;
      if (!postern_tor_reply_feed_line (reply, line, len, error))
        return NULL;
    }
  return g_steal_pointer (&reply);
}

static gboolean
write_line (PosternTorControl *self, const char *command, GCancellable *cancellable, GError **error)
{
  g_autofree char *line = g_strconcat (command, "\r\n", NULL);
  GError *io_error = NULL;

  if (self->out == NULL)
    return not_connected (error);
  if (!g_output_stream_write_all (self->out, line, strlen (line), NULL, cancellable, &io_error))
    return io_failed (io_error, error);
  return TRUE;
}

static PosternTorReply *
command_locked (PosternTorControl *self, const char *command, const char *what,
                GCancellable *cancellable, GError **error)
{
  g_autofree char *first_word = NULL;
  GSocket *socket;

  if (self->conn == NULL)
    {
      not_connected (error);
      return NULL;
    }
  socket = g_socket_connection_get_socket (self->conn);
  g_socket_set_timeout (socket, REPLY_TIMEOUT_SECONDS);
  if (!write_line (self, command, cancellable, error))
    return NULL;
  for (;;)
    {
      g_autoptr (PosternTorReply) reply = read_reply (self, cancellable, error);

      if (reply == NULL)
        return NULL;
      if (reply->code == 650)
        {
          g_queue_push_tail (&self->events, g_steal_pointer (&reply));
          continue;
        }
      if (reply->code / 100 == 2)
        return g_steal_pointer (&reply);
      /* Never the command itself: it may carry a key or the cookie. */
      if (what == NULL)
        {
          const char *space = strchr (command, ' ');
          first_word = g_strndup (command, space ? (gsize) (space - command) : strlen (command));
          what = first_word;
        }
      {
        g_autofree char *text = postern_tor_reply_to_string (reply);
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "tor refused %s: %s", what, text);
      }
      return NULL;
    }
}

/**
 * postern_tor_control_command:
 * @command: one command line, without CRLF
 * @what: (nullable): how errors name the command; by default its first
 *   word (the rest is never repeated: it may hold a secret)
 *
 * Returns: (transfer full) (nullable): the reply when its code is 2xx;
 *   otherwise %NULL with an error that quotes tor's reply.
 */
PosternTorReply *
postern_tor_control_command (PosternTorControl *self, const char *command, const char *what,
                             GCancellable *cancellable, GError **error)
{
  PosternTorReply *reply;

  g_return_val_if_fail (POSTERN_IS_TOR_CONTROL (self), NULL);
  g_mutex_lock (&self->lock);
  reply = command_locked (self, command, what, cancellable, error);
  g_mutex_unlock (&self->lock);
  return reply;
}

/**
 * postern_tor_control_next_event:
 * @deadline: g_get_monotonic_time() after which to give up
 *
 * Returns: (transfer full) (nullable): the next event (code 650), or
 *   %NULL with %G_IO_ERROR_TIMED_OUT at @deadline, or another error.
 */
PosternTorReply *
postern_tor_control_next_event (PosternTorControl *self, gint64 deadline, GCancellable *cancellable,
                                GError **error)
{
  PosternTorReply *reply = NULL;

  g_return_val_if_fail (POSTERN_IS_TOR_CONTROL (self), NULL);
  g_mutex_lock (&self->lock);
  while (reply == NULL)
    {
      GSocket *socket;
      gint64 left = deadline - g_get_monotonic_time ();
      GError *io_error = NULL;

      reply = g_queue_pop_head (&self->events);
      if (reply != NULL)
        break;
      if (self->conn == NULL)
        {
          not_connected (error);
          break;
        }
      socket = g_socket_connection_get_socket (self->conn);
      /* Buffered bytes first: the socket may have nothing more to say. */
      if (g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (self->in)) == 0)
        {
          if (left <= 0)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "tor sent no event in time");
              break;
            }
          if (!g_socket_condition_timed_wait (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, left,
                                              cancellable, &io_error))
            {
              if (g_error_matches (io_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
                g_propagate_error (error, io_error);
              else
                io_failed (io_error, error);
              break;
            }
        }
      reply = read_reply (self, cancellable, error);
      if (reply == NULL)
        break;
      if (reply->code != 650)
        {
          g_autofree char *text = postern_tor_reply_to_string (reply);
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                       "tor sent a reply nobody asked for: %s", text);
          g_clear_pointer (&reply, postern_tor_reply_free);
          break;
        }
    }
  g_mutex_unlock (&self->lock);
  return reply;
}

static GBytes *
read_cookie (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local_error = NULL;

  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "cannot read tor's control cookie: %s", local_error->message);
      return NULL;
    }
  if (len != COOKIE_LEN)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "tor's control cookie %s is %zu bytes, not %d", path, len, COOKIE_LEN);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static char *
to_hex (const guint8 *data, gsize len)
{
  char *hex = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    g_snprintf (hex + i * 2, 3, "%02X", data[i]);
  hex[len * 2] = '\0';
  return hex;
}

static gboolean
from_hex (const char *hex, guint8 *out, gsize len)
{
  if (hex == NULL || strlen (hex) != len * 2)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      int hi = g_ascii_xdigit_value (hex[i * 2]);
      int lo = g_ascii_xdigit_value (hex[i * 2 + 1]);
      if (hi < 0 || lo < 0)
        return FALSE;
      out[i] = (guint8) (hi * 16 + lo);
    }
  return TRUE;
}

static void
safecookie_hmac (const char *key, GBytes *cookie, const guint8 *client_nonce,
                 const guint8 *server_nonce, guint8 *out)
{
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) key, strlen (key));
  gsize len = 32;

  g_hmac_update (hmac, g_bytes_get_data (cookie, NULL), COOKIE_LEN);
  g_hmac_update (hmac, client_nonce, NONCE_LEN);
  g_hmac_update (hmac, server_nonce, NONCE_LEN);
  g_hmac_get_digest (hmac, out, &len);
}

/* SAFECOOKIE (control-spec §3.24): tor proves it knows the cookie before
 * Postern shows its own proof, so a process that only pretends to be tor
 * learns nothing it could replay. */
static char *
safecookie_command (PosternTorControl *self, GBytes *cookie, GCancellable *cancellable,
                    GError **error)
{
  guint8 client_nonce[NONCE_LEN], server_nonce[NONCE_LEN], server_hash[32], expected[32];
  guint8 proof[32];
  g_autofree char *nonce_hex = NULL;
  g_autofree char *command = NULL;
  g_autoptr (PosternTorReply) reply = NULL;
  g_autoptr (PosternTorArgs) args = NULL;

  for (gsize i = 0; i < NONCE_LEN; i += 4)
    {
      guint32 r = g_random_int ();
      memcpy (client_nonce + i, &r, 4);
    }
  nonce_hex = to_hex (client_nonce, NONCE_LEN);
  command = g_strdup_printf ("AUTHCHALLENGE SAFECOOKIE %s", nonce_hex);
  reply = command_locked (self, command, NULL, cancellable, error);
  if (reply == NULL)
    return NULL;
  args = postern_tor_args_parse (reply->lines->pdata[0], error);
  if (args == NULL)
    return NULL;
  if (!from_hex (postern_tor_args_get (args, "SERVERHASH"), server_hash, 32)
      || !from_hex (postern_tor_args_get (args, "SERVERNONCE"), server_nonce, NONCE_LEN))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "tor's AUTHCHALLENGE reply lacks its hash or nonce");
      return NULL;
    }
  safecookie_hmac (SERVER_KEY, cookie, client_nonce, server_nonce, expected);
  if (memcmp (expected, server_hash, 32) != 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "the control port did not prove that it knows tor's cookie; it is not "
                   "the tor it claims to be");
      return NULL;
    }
  safecookie_hmac (CLIENT_KEY, cookie, client_nonce, server_nonce, proof);
  {
    g_autofree char *proof_hex = to_hex (proof, 32);
    return g_strconcat ("AUTHENTICATE ", proof_hex, NULL);
  }
}

static gboolean
authenticate_locked (PosternTorControl *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternTorReply) info = NULL;
  g_autoptr (PosternTorArgs) auth = NULL;
  g_autoptr (PosternTorReply) done = NULL;
  g_autoptr (GBytes) cookie = NULL;
  g_auto (GStrv) methods = NULL;
  g_autofree char *command = NULL;
  const char *cookie_file;

  info = command_locked (self, "PROTOCOLINFO 1", NULL, cancellable, error);
  if (info == NULL)
    return FALSE;
  for (guint i = 0; i < info->lines->len && auth == NULL; i++)
    if (g_str_has_prefix (info->lines->pdata[i], "AUTH "))
      {
        auth = postern_tor_args_parse ((const char *) info->lines->pdata[i] + 5, error);
        if (auth == NULL)
          return FALSE;
      }
  if (auth == NULL || postern_tor_args_get (auth, "METHODS") == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "tor's PROTOCOLINFO reply names no authentication method");
      return FALSE;
    }
  methods = g_strsplit (postern_tor_args_get (auth, "METHODS"), ",", -1);
  cookie_file = postern_tor_args_get (auth, "COOKIEFILE");
  if (g_strv_contains ((const char *const *) methods, "NULL"))
    command = g_strdup ("AUTHENTICATE");
  else if (cookie_file != NULL
           && (g_strv_contains ((const char *const *) methods, "SAFECOOKIE")
               || g_strv_contains ((const char *const *) methods, "COOKIE")))
    {
      cookie = read_cookie (cookie_file, error);
      if (cookie == NULL)
        return FALSE;
      if (g_strv_contains ((const char *const *) methods, "SAFECOOKIE"))
        command = safecookie_command (self, cookie, cancellable, error);
      else
        {
          g_autofree char *hex = to_hex (g_bytes_get_data (cookie, NULL), COOKIE_LEN);
          command = g_strconcat ("AUTHENTICATE ", hex, NULL);
          memset (hex, 0, strlen (hex));
        }
      if (command == NULL)
        return FALSE;
    }
  else
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED,
                   "tor's control port asks for %s; Postern authenticates with a cookie only "
                   "(CookieAuthentication 1)",
                   postern_tor_args_get (auth, "METHODS"));
      return FALSE;
    }
  done = command_locked (self, command, "AUTHENTICATE", cancellable, error);
  memset (command, 0, strlen (command));
  return done != NULL;
}

/**
 * postern_tor_control_authenticate:
 *
 * Asks tor how it wants to be authenticated and does so; the cookie file
 * is the one tor names.
 */
gboolean
postern_tor_control_authenticate (PosternTorControl *self, GCancellable *cancellable,
                                  GError **error)
{
  gboolean ok;

  g_return_val_if_fail (POSTERN_IS_TOR_CONTROL (self), FALSE);
  g_mutex_lock (&self->lock);
  ok = authenticate_locked (self, cancellable, error);
  g_mutex_unlock (&self->lock);
  return ok;
}
