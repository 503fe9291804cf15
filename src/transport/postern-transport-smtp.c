/* postern-transport-smtp.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-error.h"
#include "postern-net.h"
#include "postern-secrets.h"
#include "postern-smtp-reply.h"
#include "postern-transport-smtp.h"

#define SMTP_TIMEOUT_SECONDS 120

struct _PosternTransportSmtp
{
  GObject parent_instance;
  PosternAccount *account;
  char *profile_path;
  char *extra_ca_file;
};

static void transport_iface_init (PosternTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PosternTransportSmtp, postern_transport_smtp, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (POSTERN_TYPE_TRANSPORT,
                                                      transport_iface_init))

static void
postern_transport_smtp_dispose (GObject *object)
{
  PosternTransportSmtp *self = POSTERN_TRANSPORT_SMTP (object);

  g_clear_object (&self->account);
  G_OBJECT_CLASS (postern_transport_smtp_parent_class)->dispose (object);
}

static void
postern_transport_smtp_finalize (GObject *object)
{
  PosternTransportSmtp *self = POSTERN_TRANSPORT_SMTP (object);

  g_clear_pointer (&self->profile_path, g_free);
  g_clear_pointer (&self->extra_ca_file, g_free);
  G_OBJECT_CLASS (postern_transport_smtp_parent_class)->finalize (object);
}

static void
postern_transport_smtp_class_init (PosternTransportSmtpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = postern_transport_smtp_dispose;
  object_class->finalize = postern_transport_smtp_finalize;
}

static void
postern_transport_smtp_init (PosternTransportSmtp *self)
{
}

PosternTransportSmtp *
postern_transport_smtp_new (PosternAccount *account, const char *profile_path,
                            const char *extra_ca_file)
{
  PosternTransportSmtp *self = g_object_new (POSTERN_TYPE_TRANSPORT_SMTP, NULL);

  self->account = g_object_ref (account);
  self->profile_path = g_strdup (profile_path);
  self->extra_ca_file = extra_ca_file && *extra_ca_file ? g_strdup (extra_ca_file) : NULL;
  return self;
}

/* One SMTP session: the stream and a line reader over it. */
typedef struct
{
  GIOStream *stream;
  GDataInputStream *in;
  GOutputStream *out;
  const char *host;
  guint16 port;
} Session;

static void
session_set_stream (Session *s, GIOStream *stream)
{
  g_clear_object (&s->in);
  g_set_object (&s->stream, stream);
  s->in = g_data_input_stream_new (g_io_stream_get_input_stream (stream));
  /* Dropping the reader at STARTTLS must not close the socket under TLS. */
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (s->in), FALSE);
  g_data_input_stream_set_newline_type (s->in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  /* Reading ahead past STARTTLS's reply would swallow the TLS handshake. */
  g_buffered_input_stream_set_buffer_size (G_BUFFERED_INPUT_STREAM (s->in), 4096);
  s->out = g_io_stream_get_output_stream (stream);
}

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
                   "the connection to the SMTP server %s:%u was lost: %s", s->host, s->port,
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

static gboolean
send_line (Session *s, const char *line, GCancellable *cancellable, GError **error)
{
  g_autofree char *crlf = g_strconcat (line, "\r\n", NULL);
  return write_all (s, crlf, strlen (crlf), cancellable, error);
}

/* 4xx replies are worth retrying later; 5xx are not until something
 * changes. Either way the message stays in the outbox. */
static gboolean
refused (const char *what, PosternSmtpReply *reply, GError **error)
{
  g_autofree char *text = postern_smtp_reply_to_string (reply);

  g_set_error (error, POSTERN_ERROR,
               reply->code >= 500 ? POSTERN_ERROR_FAILED : POSTERN_ERROR_IO,
               "the SMTP server %s %s: %s", reply->code >= 500 ? "refused" : "deferred", what,
               text);
  return FALSE;
}

static PosternSmtpReply *
command (Session *s, const char *line, guint expect, const char *what, GCancellable *cancellable,
         GError **error)
{
  g_autoptr (PosternSmtpReply) reply = NULL;

  if (!send_line (s, line, cancellable, error))
    return NULL;
  reply = read_reply (s, cancellable, error);
  if (reply == NULL)
    return NULL;
  if (reply->code / 100 != expect / 100)
    {
      refused (what, reply, error);
      return NULL;
    }
  return g_steal_pointer (&reply);
}

static PosternSmtpReply *
ehlo (Session *s, GCancellable *cancellable, GError **error)
{
  /* A literal keeps the client's own name and address out of the trace. */
  return command (s, "EHLO [127.0.0.1]", 250, "EHLO", cancellable, error);
}

static gboolean
authenticate (PosternTransportSmtp *self, Session *s, PosternSmtpReply *caps,
              GCancellable *cancellable, GError **error)
{
  const char *mechs = NULL;
  const char *user = postern_account_get_user (self->account);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (PosternSmtpReply) reply = NULL;
  g_auto (GStrv) list = NULL;
  char *password;

  if (!postern_smtp_reply_has_capability (caps, "AUTH", &mechs))
    return TRUE; /* nothing to authenticate to */
  password = postern_secrets_lookup_password (self->profile_path,
                                              postern_account_get_name (self->account),
                                              cancellable, error);
  if (password == NULL)
    return FALSE;

  list = g_strsplit (mechs, " ", -1);
  if (g_strv_contains ((const char *const *) list, "PLAIN"))
    {
      gsize ulen = strlen (user), plen = strlen (password);
      g_autofree guint8 *raw = g_malloc (ulen + plen + 2);
      g_autofree char *b64 = NULL;
      g_autofree char *line = NULL;

      raw[0] = '\0';
      memcpy (raw + 1, user, ulen);
      raw[ulen + 1] = '\0';
      memcpy (raw + ulen + 2, password, plen);
      b64 = g_base64_encode (raw, ulen + plen + 2);
      line = g_strconcat ("AUTH PLAIN ", b64, NULL);
      explicit_bzero (raw, ulen + plen + 2);
      postern_secrets_free_password (password);
      if (!send_line (s, line, cancellable, error))
        return FALSE;
      explicit_bzero (line, strlen (line));
      explicit_bzero (b64, strlen (b64));
    }
  else if (g_strv_contains ((const char *const *) list, "LOGIN"))
    {
      g_autofree char *u64 = g_base64_encode ((const guchar *) user, strlen (user));
      g_autofree char *p64 = g_base64_encode ((const guchar *) password, strlen (password));
      g_autoptr (PosternSmtpReply) step = NULL;

      postern_secrets_free_password (password);
      step = command (s, "AUTH LOGIN", 334, "AUTH LOGIN", cancellable, error);
      if (step == NULL)
        return FALSE;
      g_clear_pointer (&step, postern_smtp_reply_free);
      step = command (s, u64, 334, "the user name", cancellable, error);
      if (step == NULL)
        return FALSE;
      if (!send_line (s, p64, cancellable, error))
        return FALSE;
      explicit_bzero (p64, strlen (p64));
    }
  else
    {
      postern_secrets_free_password (password);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED,
                   "the SMTP server %s:%u offers no password login Postern knows (AUTH %s)",
                   s->host, s->port, mechs);
      return FALSE;
    }

  reply = read_reply (s, cancellable, error);
  if (reply == NULL)
    return FALSE;
  if (reply->code != 235)
    {
      g_autofree char *text = postern_smtp_reply_to_string (reply);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "authentication failed at %s:%u for %s: %s", s->host, s->port, user, text);
      return FALSE;
    }
  return TRUE;
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

/* The DATA body: lines end in CRLF whatever the stored message used, and
 * a line starting with "." gets another (RFC 5321 §4.5.2). */
static GBytes *
encode_data (GBytes *message)
{
  gsize len;
  const char *p = g_bytes_get_data (message, &len);
  const char *end = p + len;
  GString *out = g_string_sized_new (len + len / 32 + 8);
  gboolean line_start = TRUE;

  for (; p < end; p++)
    {
      if (line_start && *p == '.')
        g_string_append_c (out, '.');
      line_start = FALSE;
      if (*p == '\r' && p + 1 < end && p[1] == '\n')
        continue; /* the \n that follows writes the CRLF */
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
smtp_send (PosternTransportSmtp *self, SendJob *job, GCancellable *cancellable, GError **error)
{
  static const char *const schemes[] = { "smtp", "smtps", NULL };
  g_autofree char *scheme = NULL;
  g_autofree char *host = NULL;
  g_autoptr (PosternSmtpReply) greeting = NULL;
  g_autoptr (PosternSmtpReply) caps = NULL;
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (GBytes) data = NULL;
  g_autoptr (GString) envelope = NULL;
  g_autoptr (GPtrArray) rejected = g_ptr_array_new_with_free_func (g_free);
  const char *size_param = NULL;
  guint16 port;
  gboolean pipelining, ok = FALSE;
  guint n_rcpt = g_strv_length (job->recipients);
  Session s = { 0 };

  if (!postern_net_parse_url (postern_account_get_smtp_url (self->account), schemes, &scheme,
                              &host, &port, error))
    return FALSE;
  s.host = host;
  s.port = port;
  stream = postern_net_connect (host, port, g_str_equal (scheme, "smtps"), self->extra_ca_file,
                                SMTP_TIMEOUT_SECONDS, cancellable, error);
  if (stream == NULL)
    return FALSE;
  session_set_stream (&s, stream);

  greeting = read_reply (&s, cancellable, error);
  if (greeting == NULL)
    goto out;
  if (greeting->code != 220)
    {
      refused ("the connection", greeting, error);
      goto out;
    }
  caps = ehlo (&s, cancellable, error);
  if (caps == NULL)
    goto out;

  if (g_str_equal (scheme, "smtp"))
    {
      g_autoptr (PosternSmtpReply) reply = NULL;
      g_autoptr (GIOStream) tls = NULL;

      if (!postern_smtp_reply_has_capability (caps, "STARTTLS", NULL))
        {
          if (!postern_account_get_allow_plaintext (self->account))
            {
              g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY,
                           "the SMTP server %s:%u does not offer STARTTLS; Postern will not "
                           "send the password or the mail in the clear",
                           host, port);
              goto out;
            }
        }
      else
        {
          reply = command (&s, "STARTTLS", 220, "STARTTLS", cancellable, error);
          if (reply == NULL)
            goto out;
          tls = postern_net_start_tls (s.stream, host, port, self->extra_ca_file, cancellable,
                                       error);
          if (tls == NULL)
            goto out;
          session_set_stream (&s, tls);
          g_clear_pointer (&caps, postern_smtp_reply_free);
          caps = ehlo (&s, cancellable, error);
          if (caps == NULL)
            goto out;
        }
    }

  if (!authenticate (self, &s, caps, cancellable, error))
    goto out;

  data = encode_data (job->message);
  if (postern_smtp_reply_has_capability (caps, "SIZE", &size_param) && *size_param != '\0')
    {
      guint64 limit = g_ascii_strtoull (size_param, NULL, 10);
      if (limit > 0 && g_bytes_get_size (data) > limit)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                       "the message is %zu bytes, more than the %" G_GUINT64_FORMAT
                       " the SMTP server %s:%u accepts",
                       g_bytes_get_size (data), limit, host, port);
          goto out;
        }
    }

  /* With PIPELINING, MAIL, every RCPT and DATA go out in one write and the
   * replies are read in order (RFC 2920); without it, one at a time. */
  pipelining = postern_smtp_reply_has_capability (caps, "PIPELINING", NULL);
  envelope = g_string_new (NULL);
  g_string_append_printf (envelope, "MAIL FROM:<%s>", postern_account_get_address (self->account));
  if (size_param != NULL)
    g_string_append_printf (envelope, " SIZE=%zu", g_bytes_get_size (data));
  if (has_8bit (job->message) && postern_smtp_reply_has_capability (caps, "8BITMIME", NULL))
    g_string_append (envelope, " BODY=8BITMIME");
  g_string_append (envelope, "\r\n");
  for (guint i = 0; i < n_rcpt; i++)
    {
      if (strpbrk (job->recipients[i], "\r\n<>") != NULL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "invalid recipient %s",
                       job->recipients[i]);
          goto out;
        }
      g_string_append_printf (envelope, "RCPT TO:<%s>\r\n", job->recipients[i]);
    }
  g_string_append (envelope, "DATA\r\n");

  {
    g_auto (GStrv) commands = g_strsplit (envelope->str, "\r\n", -1);
    guint n_commands = n_rcpt + 2;
    g_autoptr (GError) first_error = NULL;
    gboolean data_ok = FALSE;

    if (pipelining && !write_all (&s, envelope->str, envelope->len, cancellable, error))
      goto out;
    for (guint i = 0; i < n_commands; i++)
      {
        g_autoptr (PosternSmtpReply) reply = NULL;

        if (!pipelining && !send_line (&s, commands[i], cancellable, error))
          goto out;
        reply = read_reply (&s, cancellable, error);
        if (reply == NULL)
          goto out;
        if (i == 0 && reply->code / 100 != 2)
          refused ("the sender", reply, first_error ? NULL : &first_error);
        else if (i > 0 && i <= n_rcpt && reply->code / 100 != 2)
          g_ptr_array_add (rejected, g_strdup_printf ("%s (%u)", job->recipients[i - 1],
                                                      reply->code));
        else if (i == n_commands - 1)
          {
            data_ok = reply->code == 354;
            if (!data_ok && first_error == NULL && rejected->len == 0)
              refused ("DATA", reply, &first_error);
          }
        /* Without pipelining, stop at the first refusal. */
        if (!pipelining && (first_error != NULL || rejected->len > 0))
          break;
      }

    if (first_error != NULL || rejected->len > 0)
      {
        /* Nobody may get the message unless everybody does: a retry
         * would otherwise send it twice to those who already have it.
         * After a 354 the only way back is to hang up before the final
         * dot; otherwise RSET ends the transaction. */
        if (!data_ok)
          send_line (&s, "RSET", cancellable, NULL);
        if (first_error != NULL)
          g_propagate_error (error, g_steal_pointer (&first_error));
        else
          {
            g_autofree char *who = NULL;
            g_ptr_array_add (rejected, NULL);
            who = g_strjoinv (", ", (char **) rejected->pdata);
            g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                         "the SMTP server refused the recipients %s; nothing was sent", who);
          }
        goto out;
      }
  }

  if (!write_all (&s, g_bytes_get_data (data, NULL), g_bytes_get_size (data), cancellable,
                  error))
    goto out;
  {
    g_autoptr (PosternSmtpReply) reply = read_reply (&s, cancellable, error);
    if (reply == NULL)
      goto out;
    if (reply->code / 100 != 2)
      {
        refused ("the message", reply, error);
        goto out;
      }
  }
  ok = TRUE;
  /* The message is accepted; a failing QUIT changes nothing. */
  send_line (&s, "QUIT", cancellable, NULL);

out:
  session_clear (&s);
  return ok;
}

static const char *
smtp_get_name (PosternTransport *transport)
{
  return "smtp";
}

static PosternLock
smtp_get_lock (PosternTransport *transport)
{
  return postern_account_get_legacy_lock (POSTERN_TRANSPORT_SMTP (transport)->account);
}

static void
send_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (smtp_send (source, task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
smtp_send_async (PosternTransport *transport, GBytes *message, const char *const *recipients,
                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (transport, cancellable, callback, user_data);
  SendJob *job = g_new0 (SendJob, 1);

  job->message = g_bytes_ref (message);
  job->recipients = g_strdupv ((char **) recipients);
  g_task_set_source_tag (task, smtp_send_async);
  g_task_set_task_data (task, job, (GDestroyNotify) send_job_free);
  g_task_run_in_thread (task, send_thread);
}

static gboolean
smtp_send_finish (PosternTransport *transport, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
transport_iface_init (PosternTransportInterface *iface)
{
  iface->get_name = smtp_get_name;
  iface->get_lock = smtp_get_lock;
  iface->send_async = smtp_send_async;
  iface->send_finish = smtp_send_finish;
}
