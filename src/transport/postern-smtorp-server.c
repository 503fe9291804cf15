/* postern-smtorp-server.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-address.h"
#include "postern-error.h"
#include "postern-pow-spent.h"
#include "postern-smtorp-command.h"
#include "postern-smtorp-identity.h"
#include "postern-smtorp-server.h"
#include "postern-store.h"

/* How much one read asks for; lines are cut out of what arrives. */
#define READ_CHUNK 16384
/* Stamps tried per recipient before the message is refused: each may cost
 * an Argon2 run, and a sender offers one that works. */
#define MAX_STAMP_TRIES 2
#define MAX_STAMP_HEADERS 256
/* Seconds the TLS goodbye may take. */
#define CLOSE_TIMEOUT 5
/* Header fields looked at for stamps: stamps come first, among the trace
 * fields at the top. */
#define MAX_HEADER_FIELDS 4096

struct _PosternSmtorpServer
{
  GObject parent_instance;

  char *profile_path;
  PosternProfile *profile; /* our own: its store is used by delivery threads only */
  PosternSmtorpIdentity *identity;
  PosternPowSpent *spent;
  char *user;
  char *onion;    /* nullable: no onion service yet */
  char *hostname; /* what the greeting says */

  PosternPowPolicy policy;
  guint timeout;
  guint64 max_size;

  GSocketService *service;
  guint16 port;
  GList *sessions;

  /* Deliveries one at a time: the spent record and the store are shared. */
  GMutex deliver_lock;

  gint n_sessions, n_transactions, n_delivered, n_refused; /* atomic */
};

G_DEFINE_FINAL_TYPE (PosternSmtorpServer, postern_smtorp_server, G_TYPE_OBJECT)

enum
{
  SIGNAL_MESSAGE_DELIVERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum
{
  STATE_HANDSHAKE,
  STATE_COMMAND,
  STATE_DATA,
  STATE_BUSY, /* a delivery thread is checking and storing the message */
  STATE_CLOSING,
  STATE_CLOSED,
} SessionState;

typedef struct
{
  gatomicrefcount ref_count;
  PosternSmtorpServer *server;
  GSocketConnection *connection;
  GIOStream *tls;
  GCancellable *cancellable; /* the operation under way; the timer cancels it */
  GSource *timer;
  gboolean timed_out;
  gboolean io_pending; /* one read, write or handshake at a time */
  gint64 line_deadline; /* monotonic time by which the line being read must end */
  SessionState state;

  GByteArray *in;
  gsize in_offset;
  GString *out;
  GBytes *writing;

  guint n_commands;
  guint n_errors;
  gboolean greeted;
  char *mail_from; /* NULL outside a transaction */
  GPtrArray *recipients;
  guint n_rcpt_commands;
  GByteArray *message;
  guint64 message_octets; /* as they came, for SIZE */
  gboolean too_big;
} Session;

static void session_pump (Session *s);
static void session_close (Session *s);

static Session *
session_ref (Session *s)
{
  g_atomic_ref_count_inc (&s->ref_count);
  return s;
}

static void
session_clear_transaction (Session *s)
{
  g_clear_pointer (&s->mail_from, g_free);
  g_ptr_array_set_size (s->recipients, 0);
  g_clear_pointer (&s->message, g_byte_array_unref);
  s->n_rcpt_commands = 0;
  s->message_octets = 0;
  s->too_big = FALSE;
}

static void
session_unref (Session *s)
{
  if (!g_atomic_ref_count_dec (&s->ref_count))
    return;
  g_assert (s->timer == NULL);
  session_clear_transaction (s);
  g_ptr_array_unref (s->recipients);
  g_byte_array_unref (s->in);
  g_string_free (s->out, TRUE);
  g_clear_pointer (&s->writing, g_bytes_unref);
  g_clear_object (&s->cancellable);
  g_clear_object (&s->tls);
  g_clear_object (&s->connection);
  g_clear_object (&s->server);
  g_free (s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Session, session_unref)

static void
postern_smtorp_server_dispose (GObject *object)
{
  PosternSmtorpServer *self = POSTERN_SMTORP_SERVER (object);

  postern_smtorp_server_stop (self);
  g_clear_object (&self->service);
  g_clear_object (&self->spent);
  g_clear_object (&self->identity);
  g_clear_object (&self->profile);
  G_OBJECT_CLASS (postern_smtorp_server_parent_class)->dispose (object);
}

static void
postern_smtorp_server_finalize (GObject *object)
{
  PosternSmtorpServer *self = POSTERN_SMTORP_SERVER (object);

  g_mutex_clear (&self->deliver_lock);
  g_clear_pointer (&self->profile_path, g_free);
  g_clear_pointer (&self->user, g_free);
  g_clear_pointer (&self->onion, g_free);
  g_clear_pointer (&self->hostname, g_free);
  G_OBJECT_CLASS (postern_smtorp_server_parent_class)->finalize (object);
}

static void
postern_smtorp_server_class_init (PosternSmtorpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = postern_smtorp_server_dispose;
  object_class->finalize = postern_smtorp_server_finalize;

  /**
   * PosternSmtorpServer::message-delivered:
   * @id: the stored message's id
   *
   * A message was stored in the INBOX and the client got its 250.
   */
  signals[SIGNAL_MESSAGE_DELIVERED]
    = g_signal_new ("message-delivered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                    NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
postern_smtorp_server_init (PosternSmtorpServer *self)
{
  g_mutex_init (&self->deliver_lock);
  postern_pow_policy_init_default (&self->policy);
  self->timeout = POSTERN_SMTORP_DEFAULT_TIMEOUT;
  self->max_size = POSTERN_SMTORP_DEFAULT_MAX_SIZE;
}

/**
 * postern_smtorp_server_new:
 * @profile_path: the profile whose INBOX receives the mail
 *
 * Loads (or makes) the profile's server identity and opens its spent-stamp
 * record, PROFILE/smtorp/spent.sqlite. The local part comes from the
 * profile's smtorp.user setting, the onion name from PROFILE/smtorp/hostname
 * when an onion service exists.
 *
 * Returns: (transfer full): a server that does not listen yet, or %NULL.
 */
PosternSmtorpServer *
postern_smtorp_server_new (const char *profile_path, GError **error)
{
  g_autoptr (PosternSmtorpServer) self = g_object_new (POSTERN_TYPE_SMTORP_SERVER, NULL);
  g_autofree char *dir = NULL;
  g_autofree char *spent_path = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (profile_path != NULL, NULL);

  self->profile = postern_profile_open (profile_path, TRUE, error);
  if (self->profile == NULL)
    return NULL;
  self->profile_path = g_strdup (postern_profile_get_path (self->profile));
  self->identity = postern_smtorp_identity_load (self->profile_path, error);
  if (self->identity == NULL)
    return NULL;
  self->user = postern_profile_get_setting (self->profile, "smtorp.user", error);
  if (self->user == NULL || !postern_smtorp_check_user (self->user, error))
    return NULL;
  self->onion = postern_smtorp_identity_get_onion (self->identity, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* The greeting names the onion service and nothing else: no software,
   * no version, no machine name. */
  self->hostname = self->onion ? g_strconcat (self->onion, ".onion", NULL) : g_strdup ("smtorp");
  dir = postern_smtorp_dir (self->profile_path);
  spent_path = g_build_filename (dir, "spent.sqlite", NULL);
  self->spent = postern_pow_spent_open (spent_path, error);
  if (self->spent == NULL)
    return NULL;
  /* Open the store now, so a broken one fails here and not at the first
   * message. */
  if (postern_profile_get_store (self->profile, error) == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
postern_smtorp_server_set_policy (PosternSmtorpServer *self, const PosternPowPolicy *policy)
{
  g_return_if_fail (POSTERN_IS_SMTORP_SERVER (self));
  g_return_if_fail (policy != NULL);

  g_mutex_lock (&self->deliver_lock);
  self->policy = *policy;
  g_mutex_unlock (&self->deliver_lock);
}

/**
 * postern_smtorp_server_set_timeout:
 * @seconds: how long a client may take for the TLS handshake and for each
 *   line (default %POSTERN_SMTORP_DEFAULT_TIMEOUT)
 *
 * A client that sends nothing, or a line one byte at a time, is told
 * "421 4.4.2" and disconnected after this long.
 */
void
postern_smtorp_server_set_timeout (PosternSmtorpServer *self, guint seconds)
{
  g_return_if_fail (POSTERN_IS_SMTORP_SERVER (self));
  g_return_if_fail (seconds > 0);
  self->timeout = seconds;
}

/**
 * postern_smtorp_server_set_max_size:
 * @max_size: the largest message in octets, as sent (advertised as SIZE)
 */
void
postern_smtorp_server_set_max_size (PosternSmtorpServer *self, guint64 max_size)
{
  g_return_if_fail (POSTERN_IS_SMTORP_SERVER (self));
  g_return_if_fail (max_size > 0);
  /* The message is held in memory until it is stored. */
  self->max_size = MIN (max_size, (guint64) G_MAXINT32);
}

guint16
postern_smtorp_server_get_port (PosternSmtorpServer *self)
{
  g_return_val_if_fail (POSTERN_IS_SMTORP_SERVER (self), 0);
  return self->port;
}

const char *
postern_smtorp_server_get_user (PosternSmtorpServer *self)
{
  g_return_val_if_fail (POSTERN_IS_SMTORP_SERVER (self), NULL);
  return self->user;
}

/**
 * postern_smtorp_server_get_onion:
 *
 * Returns: (nullable): the onion service's name without ".onion", or %NULL
 *   when the profile has no onion service yet.
 */
const char *
postern_smtorp_server_get_onion (PosternSmtorpServer *self)
{
  g_return_val_if_fail (POSTERN_IS_SMTORP_SERVER (self), NULL);
  return self->onion;
}

const char *
postern_smtorp_server_get_fingerprint (PosternSmtorpServer *self)
{
  g_return_val_if_fail (POSTERN_IS_SMTORP_SERVER (self), NULL);
  return postern_smtorp_identity_get_fingerprint (self->identity);
}

void
postern_smtorp_server_get_stats (PosternSmtorpServer *self, PosternSmtorpServerStats *out)
{
  g_return_if_fail (POSTERN_IS_SMTORP_SERVER (self));
  out->sessions = (guint) g_atomic_int_get (&self->n_sessions);
  out->transactions = (guint) g_atomic_int_get (&self->n_transactions);
  out->delivered = (guint) g_atomic_int_get (&self->n_delivered);
  out->refused = (guint) g_atomic_int_get (&self->n_refused);
}

/* Local means: our local part at our onion service (when we know its name),
 * with a fingerprint label, if any, that our key matches. Everything else
 * would be relaying, which an SMTorP server never does. */
static gboolean
is_local (PosternSmtorpServer *self, const char *recipient)
{
  g_autoptr (PosternAddress) address = postern_address_parse (recipient, NULL);
  const char *label;

  if (address == NULL || postern_address_get_kind (address) != POSTERN_ADDRESS_ONION)
    return FALSE;
  if (g_ascii_strcasecmp (postern_address_get_local_part (address), self->user) != 0)
    return FALSE;
  if (self->onion != NULL && g_strcmp0 (postern_address_get_onion (address), self->onion) != 0)
    return FALSE;
  label = postern_address_get_fingerprint (address);
  return label == NULL
         || postern_smtorp_fingerprint_matches (postern_smtorp_identity_get_fingerprint (
                                                  self->identity),
                                                label);
}

/* Sessions */

static void
reply (Session *s, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
reply (Session *s, const char *format, ...)
{
  va_list ap;

  va_start (ap, format);
  g_string_append_vprintf (s->out, format, ap);
  va_end (ap);
  g_string_append (s->out, "\r\n");
}

/* Replies the session cannot go on after: the client is told why, then
 * the connection closes. */
static void
reply_and_close (Session *s, const char *text)
{
  reply (s, "%s", text);
  s->state = STATE_CLOSING;
}

static gboolean
on_timeout (gpointer data)
{
  Session *s = data;

  s->timed_out = TRUE;
  g_cancellable_cancel (s->cancellable);
  g_clear_pointer (&s->timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

/* Every wait for the client is bounded: the handshake, each read and each
 * write. A slow client (one byte a minute) is cut off like an idle one. */
static void
arm_timer_for (Session *s, gint64 usec)
{
  g_assert (s->timer == NULL);
  g_clear_object (&s->cancellable);
  s->cancellable = g_cancellable_new ();
  s->timer = g_timeout_source_new ((guint) CLAMP (usec / 1000, 0, G_MAXUINT));
  g_source_set_callback (s->timer, on_timeout, s, NULL);
  g_source_attach (s->timer, g_main_context_get_thread_default ());
}

static void
arm_timer (Session *s)
{
  arm_timer_for (s, (gint64) s->server->timeout * G_USEC_PER_SEC);
}

/* A line must be complete within the timeout of its first byte (of the
 * wait for it): a client that trickles a byte at a time gets no longer. */
static void
arm_line_timer (Session *s)
{
  gint64 now = g_get_monotonic_time ();

  if (s->in->len == 0)
    s->line_deadline = now + (gint64) s->server->timeout * G_USEC_PER_SEC;
  arm_timer_for (s, MAX (0, s->line_deadline - now));
}

static void
disarm_timer (Session *s)
{
  if (s->timer != NULL)
    {
      g_source_destroy (s->timer);
      g_clear_pointer (&s->timer, g_source_unref);
    }
}

/* An operation failed or was cancelled. A timed-out client is still told
 * why (once); anything else just closes. */
static void
session_io_failed (Session *s, GError *error)
{
  if (s->timed_out && s->state != STATE_CLOSING && s->state != STATE_CLOSED
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      s->timed_out = FALSE;
      g_string_truncate (s->out, 0);
      reply_and_close (s, "421 4.4.2 Timeout waiting for the client; closing the connection");
      session_pump (s);
      return;
    }
  g_debug ("SMTorP session ends: %s", error->message);
  session_close (s);
}

static void
closed (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Session) s = data;

  disarm_timer (s);
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  /* Whatever TLS managed to say, the socket goes now. */
  g_io_stream_close (G_IO_STREAM (s->connection), NULL, NULL);
}

static void
session_close (Session *s)
{
  PosternSmtorpServer *self = s->server;

  if (s->state == STATE_CLOSED)
    return;
  s->state = STATE_CLOSED;
  disarm_timer (s);
  self->sessions = g_list_remove (self->sessions, s);
  if (s->tls != NULL)
    {
      /* close_notify is a write too: bounded, and briefly, since nothing
       * depends on it any more. */
      s->timed_out = FALSE;
      arm_timer_for (s, CLOSE_TIMEOUT * G_USEC_PER_SEC);
      g_io_stream_close_async (s->tls, G_PRIORITY_DEFAULT, s->cancellable, closed,
                               session_ref (s));
    }
  else
    g_io_stream_close (G_IO_STREAM (s->connection), NULL, NULL);
  session_unref (s); /* the server's reference */
}

static void
written (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Session) s = data;
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&s->writing, g_bytes_unref);
  /* A session closed meanwhile has armed its timer for the close. */
  if (s->state == STATE_CLOSED)
    return;
  s->io_pending = FALSE;
  disarm_timer (s);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      session_io_failed (s, error);
      return;
    }
  session_pump (s);
}

static void
received (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Session) s = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;

  if (s->state == STATE_CLOSED)
    return;
  s->io_pending = FALSE;
  disarm_timer (s);
  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (bytes == NULL)
    {
      session_io_failed (s, error);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      session_close (s);
      return;
    }
  g_byte_array_append (s->in, g_bytes_get_data (bytes, NULL), (guint) g_bytes_get_size (bytes));
  session_pump (s);
}

/* The end of DATA: stamps, the spent record and the store, in a thread. */

typedef struct
{
  GBytes *message;
  char **recipients;
  PosternPowPolicy policy;
  char *id;
} Delivery;

static void
delivery_free (Delivery *d)
{
  g_bytes_unref (d->message);
  g_strfreev (d->recipients);
  g_free (d->id);
  g_free (d);
}

static void
add_stamp (GPtrArray *stamps, GString *field)
{
  if (g_ascii_strncasecmp (field->str, "X-Smtorp-Pow:", 13) == 0
      || g_ascii_strncasecmp (field->str, "X-Hashcash:", 11) == 0)
    {
      PosternPowStamp *stamp = postern_pow_stamp_parse (field->str, NULL);
      if (stamp != NULL)
        g_ptr_array_add (stamps, stamp);
    }
  g_string_truncate (field, 0);
}

/* The stamps in the message's header section, in order. Folded fields keep
 * their line breaks; the stamp parser unfolds them. */
static GPtrArray *
collect_stamps (GBytes *message)
{
  GPtrArray *stamps = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_pow_stamp_free);
  gsize len;
  const char *p = g_bytes_get_data (message, &len);
  const char *end = p + len;
  g_autoptr (GString) field = g_string_new (NULL);
  guint n_fields = 0;

  while (p < end && n_fields < MAX_HEADER_FIELDS)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      const char *line_end = nl ? nl : end;

      if ((*p == ' ' || *p == '\t') && field->len > 0)
        {
          /* A stamp is short; a huge folded field is not one. */
          if (field->len < 4096)
            {
              g_string_append_c (field, '\n');
              g_string_append_len (field, p, line_end - p);
            }
        }
      else
        {
          add_stamp (stamps, field);
          n_fields++;
          if (line_end == p || stamps->len >= MAX_STAMP_HEADERS)
            break; /* the end of the header section */
          g_string_append_len (field, p, MIN (line_end - p, 4096));
        }
      p = nl ? nl + 1 : end;
    }
  if (field->len > 0)
    add_stamp (stamps, field);
  return stamps;
}

static gboolean
refuse_recipient (GError **error, const char *recipient, const char *why)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY, "<%s>: %s", recipient, why);
  return FALSE;
}

/* Each recipient must have paid: a stamp for that very address that is
 * unspent (checked first, since that costs no hashing) and valid. Claims
 * are durable before the message is stored, and the message is durable
 * before the caller replies 250. */
static gboolean
deliver (PosternSmtorpServer *self, Delivery *d, GError **error)
{
  g_autoptr (GPtrArray) stamps = collect_stamps (d->message);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  PosternStore *store;

  for (guint i = 0; d->recipients[i] != NULL; i++)
    {
      const char *rcpt = d->recipients[i];
      g_autoptr (GError) why = NULL;
      guint tries = 0;
      gboolean paid = FALSE;

      for (guint j = 0; j < stamps->len && tries < MAX_STAMP_TRIES && !paid; j++)
        {
          PosternPowStamp *stamp = stamps->pdata[j];

          if (g_ascii_strcasecmp (stamp->resource, rcpt) != 0)
            continue;
          tries++;
          g_clear_error (&why);
          paid = postern_pow_spent_claim (self->spent, stamp, now, &why)
                 && postern_pow_verify (stamp, rcpt, &d->policy, now, &why);
          if (why != NULL && !g_error_matches (why, POSTERN_ERROR, POSTERN_ERROR_POLICY))
            {
              /* The record itself failed: not the sender's fault. */
              g_propagate_error (error, g_steal_pointer (&why));
              return FALSE;
            }
        }
      if (!paid)
        return refuse_recipient (error, rcpt,
                                 why != NULL ? why->message
                                             : "no proof-of-work stamp (X-Smtorp-Pow or "
                                               "X-Hashcash) for this recipient");
    }

  store = postern_profile_get_store (self->profile, error);
  return store != NULL
         && postern_store_add (store, POSTERN_STORE_INBOX, d->message, NULL, POSTERN_LOCK_ONION,
                               &d->id, error);
}

static void
deliver_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  PosternSmtorpServer *self = source;
  GError *error = NULL;
  gboolean ok;

  g_mutex_lock (&self->deliver_lock);
  ok = deliver (self, data, &error);
  g_mutex_unlock (&self->deliver_lock);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
delivered (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Session) s = data;
  PosternSmtorpServer *self = POSTERN_SMTORP_SERVER (source);
  Delivery *d = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_atomic_int_inc (&self->n_refused);
      if (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_POLICY))
        reply (s, "550 5.7.1 %s", error->message);
      else
        {
          g_warning ("SMTorP: cannot store a message: %s", error->message);
          reply (s, "451 4.3.0 The message could not be stored; try again later");
        }
    }
  else
    {
      g_atomic_int_inc (&self->n_delivered);
      reply (s, "250 2.0.0 Stored as %s", d->id);
      g_signal_emit (self, signals[SIGNAL_MESSAGE_DELIVERED], 0, d->id);
    }
  session_clear_transaction (s);
  if (s->state == STATE_BUSY)
    {
      s->state = STATE_COMMAND;
      session_pump (s);
    }
}

static void
end_of_data (Session *s)
{
  PosternSmtorpServer *self = s->server;
  g_autoptr (GTask) task = NULL;
  Delivery *d;

  if (s->too_big)
    {
      reply (s, "552 5.3.4 The message is larger than the %" G_GUINT64_FORMAT
                " octets this server accepts",
             self->max_size);
      g_atomic_int_inc (&self->n_refused);
      session_clear_transaction (s);
      s->state = STATE_COMMAND;
      return;
    }
  if (s->message->len == 0)
    {
      reply (s, "554 5.6.0 The message is empty");
      session_clear_transaction (s);
      s->state = STATE_COMMAND;
      return;
    }
  d = g_new0 (Delivery, 1);
  d->message = g_byte_array_free_to_bytes (g_steal_pointer (&s->message));
  g_ptr_array_add (s->recipients, NULL);
  d->recipients = g_strdupv ((char **) s->recipients->pdata);
  g_ptr_array_remove_index (s->recipients, s->recipients->len - 1);
  g_mutex_lock (&self->deliver_lock);
  d->policy = self->policy;
  g_mutex_unlock (&self->deliver_lock);

  s->state = STATE_BUSY;
  task = g_task_new (self, NULL, delivered, session_ref (s));
  g_task_set_source_tag (task, end_of_data);
  g_task_set_task_data (task, d, (GDestroyNotify) delivery_free);
  g_task_run_in_thread (task, deliver_thread);
}

/* One line of DATA: dot-unstuffed and stored with a bare LF, the way
 * Maildir files end their lines. */
static void
data_line (Session *s, const char *line, gsize len)
{
  gsize raw = len;

  if (len > 0 && line[len - 1] == '\n')
    len--;
  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (len == 1 && line[0] == '.')
    {
      end_of_data (s);
      return;
    }
  if (len > 0 && line[0] == '.')
    {
      line++;
      len--;
    }
  s->message_octets += raw;
  if (s->message_octets > s->server->max_size)
    s->too_big = TRUE;
  if (s->too_big)
    {
      /* The rest is read and dropped, so the client hears the 552. */
      g_clear_pointer (&s->message, g_byte_array_unref);
      s->message = g_byte_array_new ();
      return;
    }
  g_byte_array_append (s->message, (const guint8 *) line, (guint) len);
  g_byte_array_append (s->message, (const guint8 *) "\n", 1);
}

static void
refuse_command (Session *s, const char *text)
{
  reply (s, "%s", text);
  if (++s->n_errors > POSTERN_SMTORP_MAX_ERRORS)
    reply_and_close (s, "421 4.7.0 Too many errors; closing the connection");
}

static void
mail_command (Session *s, PosternSmtorpCommand *cmd)
{
  PosternSmtorpServer *self = s->server;

  if (!s->greeted)
    {
      refuse_command (s, "503 5.5.1 Say EHLO first");
      return;
    }
  if (s->mail_from != NULL)
    {
      refuse_command (s, "503 5.5.1 A transaction is already under way");
      return;
    }
  if (cmd->has_size && cmd->size > self->max_size)
    {
      reply (s,
             "552 5.3.4 The message is larger than the %" G_GUINT64_FORMAT
             " octets this server accepts",
             self->max_size);
      return;
    }
  s->mail_from = g_strdup (cmd->address);
  g_atomic_int_inc (&self->n_transactions);
  reply (s, "250 2.1.0 Sender OK");
}

static void
rcpt_command (Session *s, PosternSmtorpCommand *cmd)
{
  if (s->mail_from == NULL)
    {
      refuse_command (s, "503 5.5.1 MAIL first");
      return;
    }
  if (++s->n_rcpt_commands > POSTERN_SMTORP_MAX_RECIPIENTS)
    {
      reply_and_close (s, "421 4.5.3 Too many recipients (at most 100); closing the connection");
      return;
    }
  if (!is_local (s->server, cmd->address))
    {
      reply (s, "550 5.1.1 <%s>: no such mailbox here, and this server does not relay",
             cmd->address);
      return;
    }
  for (guint i = 0; i < s->recipients->len; i++)
    if (g_ascii_strcasecmp (s->recipients->pdata[i], cmd->address) == 0)
      {
        reply (s, "250 2.1.5 Recipient OK (already given)");
        return;
      }
  g_ptr_array_add (s->recipients, g_strdup (cmd->address));
  reply (s, "250 2.1.5 Recipient OK");
}

static void
command_line (Session *s, const char *line, gsize len)
{
  PosternSmtorpServer *self = s->server;
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternSmtorpCommand) cmd = NULL;

  if (++s->n_commands > POSTERN_SMTORP_MAX_COMMANDS)
    {
      reply_and_close (s, "421 4.7.0 Too many commands; closing the connection");
      return;
    }
  cmd = postern_smtorp_command_parse (line, len, &error);
  if (cmd == NULL)
    {
      g_autofree char *text = g_strdup_printf (
        "%s %s", postern_smtorp_command_error_reply (error), error->message);
      if (g_error_matches (error, POSTERN_SMTORP_COMMAND_ERROR,
                           POSTERN_SMTORP_COMMAND_ERROR_TOO_LONG))
        reply_and_close (s, text);
      else
        refuse_command (s, text);
      return;
    }

  switch (cmd->verb)
    {
    case POSTERN_SMTORP_EHLO:
      session_clear_transaction (s);
      s->greeted = TRUE;
      reply (s, "250-%s", self->hostname);
      reply (s, "250-SIZE %" G_GUINT64_FORMAT, self->max_size);
      reply (s, "250-8BITMIME");
      reply (s, "250-PIPELINING");
      reply (s, "250 ENHANCEDSTATUSCODES");
      break;
    case POSTERN_SMTORP_HELO:
      session_clear_transaction (s);
      s->greeted = TRUE;
      reply (s, "250 %s", self->hostname);
      break;
    case POSTERN_SMTORP_MAIL:
      mail_command (s, cmd);
      break;
    case POSTERN_SMTORP_RCPT:
      rcpt_command (s, cmd);
      break;
    case POSTERN_SMTORP_DATA:
      if (s->mail_from == NULL)
        refuse_command (s, "503 5.5.1 MAIL first");
      else if (s->recipients->len == 0)
        refuse_command (s, "554 5.5.1 No valid recipients");
      else
        {
          s->message = g_byte_array_new ();
          s->state = STATE_DATA;
          reply (s, "354 End data with <CR><LF>.<CR><LF>");
        }
      break;
    case POSTERN_SMTORP_RSET:
      session_clear_transaction (s);
      reply (s, "250 2.0.0 OK");
      break;
    case POSTERN_SMTORP_NOOP:
      reply (s, "250 2.0.0 OK");
      break;
    case POSTERN_SMTORP_QUIT:
    default:
      reply_and_close (s, "221 2.0.0 Bye");
      break;
    }
}

/* Handles every complete line that has arrived, then does the one thing
 * the session waits for next: write the replies, read more, or close.
 * Reads and writes never overlap, so replies keep their order however
 * many commands a client pipelines. */
static void
session_pump (Session *s)
{
  /* The operation under way calls back here when it is done. */
  if (s->io_pending)
    return;
  while (s->state == STATE_COMMAND || s->state == STATE_DATA)
    {
      const char *start = (const char *) s->in->data + s->in_offset;
      gsize avail = s->in->len - s->in_offset;
      /* An empty buffer may have no storage at all: memchr must not see it. */
      const char *nl = avail > 0 ? memchr (start, '\n', avail) : NULL;
      gsize len = nl ? (gsize) (nl - start) + 1 : avail;

      if (len > POSTERN_SMTORP_MAX_LINE)
        {
          reply_and_close (s, "500 5.5.2 Line too long (at most 1000 octets); closing the "
                              "connection");
          break;
        }
      if (nl == NULL)
        break;
      s->in_offset += len;
      if (s->state == STATE_DATA)
        data_line (s, start, len);
      else
        command_line (s, start, len);
    }
  if (s->in_offset > 0)
    {
      g_byte_array_remove_range (s->in, 0, (guint) s->in_offset);
      s->in_offset = 0;
    }

  if (s->state == STATE_CLOSED)
    return;
  if (s->out->len > 0)
    {
      gsize len = s->out->len;
      s->writing = g_bytes_new_take (g_string_free (s->out, FALSE), len);
      s->out = g_string_new (NULL);
      s->io_pending = TRUE;
      arm_timer (s);
      g_output_stream_write_all_async (g_io_stream_get_output_stream (s->tls),
                                       g_bytes_get_data (s->writing, NULL), len,
                                       G_PRIORITY_DEFAULT, s->cancellable, written,
                                       session_ref (s));
      return;
    }
  switch (s->state)
    {
    case STATE_CLOSING:
      session_close (s);
      break;
    case STATE_COMMAND:
    case STATE_DATA:
      s->io_pending = TRUE;
      arm_line_timer (s);
      g_input_stream_read_bytes_async (g_io_stream_get_input_stream (s->tls), READ_CHUNK,
                                       G_PRIORITY_DEFAULT, s->cancellable, received,
                                       session_ref (s));
      break;
    case STATE_BUSY:
    case STATE_HANDSHAKE:
    case STATE_CLOSED:
    default:
      break; /* the delivery thread's callback goes on */
    }
}

static void
handshaken (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Session) s = data;
  g_autoptr (GError) error = NULL;
  GTlsProtocolVersion version;

  if (s->state == STATE_CLOSED)
    return;
  s->io_pending = FALSE;
  disarm_timer (s);
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      g_debug ("SMTorP TLS handshake failed: %s", error->message);
      g_clear_object (&s->tls); /* nothing to say close_notify over */
      session_close (s);
      return;
    }
  /* GIO offers no way to set a minimum version, so an older one is caught
   * here, before the client hears a word. (GnuTLS as GIO sets it up does
   * not offer TLS 1.0 or 1.1 in the first place.) */
  version = g_tls_connection_get_protocol_version (G_TLS_CONNECTION (source));
  if (version != G_TLS_PROTOCOL_VERSION_TLS_1_2 && version != G_TLS_PROTOCOL_VERSION_TLS_1_3)
    {
      g_debug ("SMTorP client refused: TLS older than 1.2");
      session_close (s);
      return;
    }
  g_atomic_int_inc (&s->server->n_sessions);
  s->state = STATE_COMMAND;
  reply (s, "220 %s ESMTP ready", s->server->hostname);
  session_pump (s);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *connection, GObject *source_object,
             gpointer user_data)
{
  PosternSmtorpServer *self = user_data;
  g_autoptr (GError) error = NULL;
  Session *s;

  if (g_list_length (self->sessions) >= POSTERN_SMTORP_MAX_SESSIONS)
    {
      g_debug ("SMTorP: too many sessions, a connection is closed");
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }

  s = g_new0 (Session, 1);
  g_atomic_ref_count_init (&s->ref_count);
  s->server = g_object_ref (self);
  s->connection = g_object_ref (connection);
  s->in = g_byte_array_new ();
  s->out = g_string_new (NULL);
  s->recipients = g_ptr_array_new_with_free_func (g_free);
  s->state = STATE_HANDSHAKE;
  self->sessions = g_list_prepend (self->sessions, s);

  s->tls = g_tls_server_connection_new (
    G_IO_STREAM (connection), postern_smtorp_identity_get_certificate (self->identity), &error);
  if (s->tls == NULL)
    {
      g_warning ("SMTorP: TLS is not available: %s", error->message);
      session_close (s);
      return TRUE;
    }
  s->io_pending = TRUE;
  arm_timer (s);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (s->tls), G_PRIORITY_DEFAULT,
                                    s->cancellable, handshaken, session_ref (s));
  return TRUE;
}

/**
 * postern_smtorp_server_listen:
 * @port: the TCP port on 127.0.0.1, or 0 for one the kernel picks (see
 *   postern_smtorp_server_get_port())
 *
 * Starts accepting connections on the calling thread's thread-default main
 * context. Only loopback: the onion service is how the world reaches it.
 */
gboolean
postern_smtorp_server_listen (PosternSmtorpServer *self, guint16 port, GError **error)
{
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (POSTERN_IS_SMTORP_SERVER (self), FALSE);
  g_return_val_if_fail (self->service == NULL, FALSE);

  self->service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &local_error))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                   "the SMTorP server cannot listen on 127.0.0.1:%u: %s", port,
                   local_error->message);
      g_clear_object (&self->service);
      return FALSE;
    }
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  return TRUE;
}

/**
 * postern_smtorp_server_stop:
 *
 * Stops listening and ends every session (a message being stored is still
 * stored, but its client may not hear the 250 and will send it again).
 * Call it on the server's main context.
 */
void
postern_smtorp_server_stop (PosternSmtorpServer *self)
{
  g_return_if_fail (POSTERN_IS_SMTORP_SERVER (self));

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_func (self->service, on_incoming, self);
    }
  while (self->sessions != NULL)
    {
      Session *s = self->sessions->data;
      /* Pending operations see the cancellation and drop their references. */
      g_cancellable_cancel (s->cancellable);
      session_close (s);
    }
}
