/* postern-imap-client.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "postern-error.h"
#include "postern-imap-client.h"
#include "postern-net.h"

/* What a read waits for when the parser has not said: one TLS record. */
#define READ_CHUNK 16384
/* After a large literal the buffer shrinks back to this. */
#define SMALL_BUFFER (64 * 1024)

struct _PosternImapClient
{
  GObject parent_instance;
  GIOStream *stream;
  char *host;
  guint16 port;
  guint timeout;
  gboolean tls;
  gboolean preauth;
  /* A read or write failed, or a response made no sense: the two sides no
   * longer agree where a command ends, so nothing more may be sent. */
  gboolean broken;
  GHashTable *capabilities; /* upper-case names */
  guint next_tag;
  char *bye_text; /* what the server said when it closed the session */
  char *refusal;  /* the text of the last NO or BAD */

  /* Received and not yet parsed. */
  guint8 *buf;
  gsize len;
  gsize size;
  gsize needed;      /* parse again only when len reaches this */
  gboolean scan_eol; /* and, when waiting for a line end, only once one came */
};

G_DEFINE_FINAL_TYPE (PosternImapClient, postern_imap_client, G_TYPE_OBJECT)

static void
postern_imap_client_dispose (GObject *object)
{
  PosternImapClient *self = POSTERN_IMAP_CLIENT (object);

  if (self->stream != NULL)
    g_io_stream_close (self->stream, NULL, NULL);
  g_clear_object (&self->stream);
  G_OBJECT_CLASS (postern_imap_client_parent_class)->dispose (object);
}

static void
postern_imap_client_finalize (GObject *object)
{
  PosternImapClient *self = POSTERN_IMAP_CLIENT (object);

  g_clear_pointer (&self->host, g_free);
  g_clear_pointer (&self->capabilities, g_hash_table_unref);
  g_clear_pointer (&self->bye_text, g_free);
  g_clear_pointer (&self->refusal, g_free);
  g_clear_pointer (&self->buf, g_free);
  G_OBJECT_CLASS (postern_imap_client_parent_class)->finalize (object);
}

static void
postern_imap_client_class_init (PosternImapClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = postern_imap_client_dispose;
  object_class->finalize = postern_imap_client_finalize;
}

static void
postern_imap_client_init (PosternImapClient *self)
{
  self->capabilities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

const char *
postern_imap_client_get_host (PosternImapClient *self)
{
  return self->host;
}

guint16
postern_imap_client_get_port (PosternImapClient *self)
{
  return self->port;
}

gboolean
postern_imap_client_is_tls (PosternImapClient *self)
{
  return self->tls;
}

gboolean
postern_imap_client_has_capability (PosternImapClient *self, const char *capability)
{
  g_autofree char *upper = g_ascii_strup (capability, -1);
  return g_hash_table_contains (self->capabilities, upper);
}

static void
set_capabilities (PosternImapClient *self, GPtrArray *values)
{
  g_hash_table_remove_all (self->capabilities);
  for (guint i = 0; i < values->len; i++)
    {
      PosternImapValue *v = values->pdata[i];
      if (v->type == POSTERN_IMAP_ATOM)
        g_hash_table_add (self->capabilities, g_ascii_strup (v->atom, -1));
    }
}

/* I/O failures name the server and keep their code (a timeout stays
 * G_IO_ERROR_TIMED_OUT); a cancellation stays as it is, so callers can
 * tell it apart and stay quiet. */
static void
set_io_error (PosternImapClient *self, GError *cause, GError **error)
{
  self->broken = TRUE;
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED) || cause->domain == POSTERN_ERROR
      || cause->domain == POSTERN_IMAP_ERROR)
    g_propagate_error (error, cause);
  else
    g_propagate_prefixed_error (error, cause, "the connection to the IMAP server %s:%u failed: ",
                                self->host, self->port);
}

static gboolean
check_usable (PosternImapClient *self, GError **error)
{
  if (!self->broken && self->stream != NULL)
    return TRUE;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
               "the connection to the IMAP server %s:%u is closed", self->host, self->port);
  return FALSE;
}

static gboolean
write_bytes (PosternImapClient *self, const void *data, gsize len, GCancellable *cancellable,
             GError **error)
{
  GOutputStream *out = g_io_stream_get_output_stream (self->stream);
  GError *local_error = NULL;

  if (!g_output_stream_write_all (out, data, len, NULL, cancellable, &local_error)
      || !g_output_stream_flush (out, cancellable, &local_error))
    {
      set_io_error (self, local_error, error);
      return FALSE;
    }
  return TRUE;
}

/* Room for at least @want bytes after what is buffered. Large literals get
 * exactly what they need rather than the next power of two. */
static void
reserve (PosternImapClient *self, gsize want)
{
  gsize need = self->len + want;

  if (need <= self->size)
    return;
  self->size = MAX (need, MIN (self->size * 2, self->size + 4 * 1024 * 1024));
  self->buf = g_realloc (self->buf, self->size);
}

static void
consume (PosternImapClient *self, gsize n)
{
  memmove (self->buf, self->buf + n, self->len - n);
  self->len -= n;
  if (self->size > SMALL_BUFFER && self->len < SMALL_BUFFER)
    {
      self->size = SMALL_BUFFER;
      self->buf = g_realloc (self->buf, self->size);
    }
}

static void
log_response (PosternImapResponse *response, const guint8 *data, gsize len)
{
  const guint8 *eol = memchr (data, '\n', len);
  gsize line = eol != NULL ? (gsize) (eol - data) : len;

  if (line > 0 && data[line - 1] == '\r')
    line--;

  /* Only the first line: a literal (a whole message) stays out of logs. */
  g_debug ("S: %.*s", (int) MIN (line, 300), (const char *) data);
}

/* The next response from the server, whole. */
static PosternImapResponse *
read_response (PosternImapClient *self, GCancellable *cancellable, GError **error)
{
  GInputStream *in;

  if (!check_usable (self, error))
    return NULL;
  in = g_io_stream_get_input_stream (self->stream);
  for (;;)
    {
      GError *local_error = NULL;
      gsize want;
      gssize n;

      if (self->len > 0 && self->len >= self->needed)
        {
          PosternImapResponse *response = NULL;
          gsize consumed = 0, needed = 0;

          switch (postern_imap_parse_response (self->buf, self->len, &response, &consumed,
                                               &needed, &local_error))
            {
            case POSTERN_IMAP_PARSE_OK:
              log_response (response, self->buf, consumed);
              consume (self, consumed);
              self->needed = 0;
              self->scan_eol = FALSE;
              return response;
            case POSTERN_IMAP_PARSE_ERROR:
              self->broken = TRUE;
              g_propagate_prefixed_error (error, local_error, "IMAP server %s:%u: ", self->host,
                                          self->port);
              return NULL;
            case POSTERN_IMAP_PARSE_INCOMPLETE:
            default:
              self->needed = needed;
              /* A line may arrive in many reads; parse it again only when
               * its end has come, not after every read. */
              self->scan_eol = needed == self->len + 1;
              break;
            }
        }

      want = self->needed > self->len ? self->needed - self->len : 1;
      want = MAX (want, READ_CHUNK);
      reserve (self, want);
      n = g_input_stream_read (in, self->buf + self->len, want, cancellable, &local_error);
      if (n < 0)
        {
          set_io_error (self, local_error, error);
          return NULL;
        }
      if (n == 0)
        {
          self->broken = TRUE;
          if (self->bye_text != NULL)
            g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_BYE,
                         "the IMAP server %s:%u closed the session: %s", self->host, self->port,
                         self->bye_text);
          else
            g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                         "the IMAP server %s:%u closed the connection unexpectedly", self->host,
                         self->port);
          return NULL;
        }
      if (self->scan_eol && memchr (self->buf + self->len, '\n', (gsize) n) == NULL)
        self->needed = self->len + (gsize) n + 1;
      self->len += (gsize) n;
    }
}

/* What the client itself learns from any untagged response. */
static void
note_untagged (PosternImapClient *self, PosternImapResponse *response)
{
  if (g_strcmp0 (response->name, "CAPABILITY") == 0 && response->args != NULL)
    set_capabilities (self, response->args);
  else if (g_strcmp0 (response->code, "CAPABILITY") == 0)
    set_capabilities (self, response->code_args);
  if (response->status == POSTERN_IMAP_STATUS_BYE)
    {
      g_free (self->bye_text);
      self->bye_text = g_strdup (response->text);
    }
}

typedef enum
{
  PART_TEXT,     /* sent as it is */
  PART_LITERAL,  /* {N} and the bytes */
  PART_CONTINUE, /* waits for the server's "+", then sends the text */
} PartKind;

typedef struct
{
  PartKind kind;
  const char *text;
  GBytes *literal;
} Part;

/* Reads up to the "+" a literal or an AUTHENTICATE step waits for. */
static gboolean
wait_continuation (PosternImapClient *self, const char *tag, const char *what,
                   PosternImapUntaggedFunc func, gpointer user_data, GCancellable *cancellable,
                   GError **error)
{
  for (;;)
    {
      g_autoptr (PosternImapResponse) r = read_response (self, cancellable, error);

      if (r == NULL)
        return FALSE;
      if (r->kind == POSTERN_IMAP_RESPONSE_CONTINUATION)
        return TRUE;
      if (r->kind == POSTERN_IMAP_RESPONSE_TAGGED)
        {
          /* The server refused before the rest was sent: the command is
           * over, and the session still in step. */
          g_free (self->refusal);
          self->refusal = g_strdup (r->text);
          g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_REFUSED,
                       "the IMAP server %s:%u refused %s: %s", self->host, self->port, what,
                       r->text);
          if (g_strcmp0 (r->tag, tag) != 0)
            self->broken = TRUE;
          return FALSE;
        }
      note_untagged (self, r);
      if (func != NULL && !func (r, user_data, error))
        {
          self->broken = TRUE;
          return FALSE;
        }
    }
}

/* The command's name for messages: "UID FETCH", "SELECT"… never its
 * arguments, which may hold a password. */
static char *
command_name (const char *text)
{
  const char *space = strchr (text, ' ');
  gsize n = space != NULL ? (gsize) (space - text) : strlen (text);

  if (g_ascii_strncasecmp (text, "UID ", 4) == 0 && space != NULL)
    {
      const char *second = strchr (space + 1, ' ');
      n = second != NULL ? (gsize) (second - text) : strlen (text);
    }
  return g_strndup (text, n);
}

/* Sends one command and reads everything up to its tagged response, which
 * it returns when that is OK. @secret keeps the arguments out of the log
 * and wipes the line from memory once sent. */
static PosternImapResponse *
run (PosternImapClient *self, const Part *parts, guint n_parts, gboolean secret,
     PosternImapUntaggedFunc func, gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_autofree char *tag = NULL;
  g_autofree char *what = NULL;
  g_autoptr (GString) line = g_string_new (NULL);

  if (!check_usable (self, error))
    return NULL;
  tag = g_strdup_printf ("P%u", ++self->next_tag);
  what = command_name (parts[0].text);
  g_string_append_printf (line, "%s ", tag);

  for (guint i = 0; i < n_parts; i++)
    {
      const Part *part = &parts[i];
      gboolean ok;

      if (part->kind == PART_TEXT)
        {
          g_string_append (line, part->text);
          continue;
        }
      if (part->kind == PART_LITERAL)
        {
          /* LITERAL+ (RFC 7888) lets the bytes follow without waiting. */
          gboolean plus = postern_imap_client_has_capability (self, "LITERAL+");
          g_string_append_printf (line, "{%" G_GSIZE_FORMAT "%s}", g_bytes_get_size (part->literal),
                                  plus ? "+" : "");
          g_string_append (line, "\r\n");
          g_debug ("C: %s", secret ? what : line->str);
          ok = write_bytes (self, line->str, line->len, cancellable, error);
          if (secret)
            explicit_bzero (line->str, line->len);
          g_string_truncate (line, 0);
          if (!ok)
            return NULL;
          if (!plus
              && !wait_continuation (self, tag, what, func, user_data, cancellable, error))
            return NULL;
          if (!write_bytes (self, g_bytes_get_data (part->literal, NULL),
                            g_bytes_get_size (part->literal), cancellable, error))
            return NULL;
          continue;
        }
      /* PART_CONTINUE */
      g_string_append (line, "\r\n");
      g_debug ("C: %s", secret ? what : line->str);
      ok = write_bytes (self, line->str, line->len, cancellable, error);
      if (secret)
        explicit_bzero (line->str, line->len);
      g_string_truncate (line, 0);
      if (!ok || !wait_continuation (self, tag, what, func, user_data, cancellable, error))
        return NULL;
      g_string_append (line, part->text);
    }

  g_string_append (line, "\r\n");
  if (secret)
    g_debug ("C: %s %s …", tag, what);
  else
    g_debug ("C: %.*s", (int) MIN (line->len - 2, 300), line->str);
  {
    gboolean ok = write_bytes (self, line->str, line->len, cancellable, error);
    if (secret)
      explicit_bzero (line->str, line->len);
    if (!ok)
      return NULL;
  }

  for (;;)
    {
      g_autoptr (PosternImapResponse) r = read_response (self, cancellable, error);

      if (r == NULL)
        return NULL;
      if (r->kind == POSTERN_IMAP_RESPONSE_UNTAGGED)
        {
          note_untagged (self, r);
          if (func != NULL && !func (r, user_data, error))
            {
              self->broken = TRUE;
              return NULL;
            }
          continue;
        }
      if (r->kind == POSTERN_IMAP_RESPONSE_CONTINUATION)
        {
          self->broken = TRUE;
          g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_SYNTAX,
                       "the IMAP server %s:%u asked for more of %s than there is", self->host,
                       self->port, what);
          return NULL;
        }
      if (g_strcmp0 (r->tag, tag) != 0)
        {
          self->broken = TRUE;
          g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_SYNTAX,
                       "the IMAP server %s:%u answered a command that was not sent (tag %s)",
                       self->host, self->port, r->tag);
          return NULL;
        }
      if (g_strcmp0 (r->code, "CAPABILITY") == 0)
        set_capabilities (self, r->code_args);
      if (r->status != POSTERN_IMAP_STATUS_OK)
        {
          g_free (self->refusal);
          self->refusal = g_strdup (r->text);
          g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_REFUSED,
                       "the IMAP server %s:%u refused %s: %s", self->host, self->port, what,
                       r->text);
          return NULL;
        }
      return g_steal_pointer (&r);
    }
}

/**
 * postern_imap_client_command:
 * @func: (nullable): sees each untagged response
 * @format: the command without its tag, printf-style; arguments must
 *   already be quoted (postern_imap_quote())
 *
 * Runs one command that carries no literal.
 *
 * Returns: (transfer full): the tagged OK response, or %NULL with
 *   %POSTERN_IMAP_ERROR_REFUSED when the server answered NO or BAD, or
 *   another error when the session failed
 */
PosternImapResponse *
postern_imap_client_command (PosternImapClient *self, PosternImapUntaggedFunc func,
                             gpointer user_data, GCancellable *cancellable, GError **error,
                             const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list ap;
  Part part = { PART_TEXT, NULL, NULL };

  g_return_val_if_fail (POSTERN_IS_IMAP_CLIENT (self), NULL);

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  part.text = text;
  return run (self, &part, 1, FALSE, func, user_data, cancellable, error);
}

static gboolean
refresh_capabilities (PosternImapClient *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternImapResponse) r
    = postern_imap_client_command (self, NULL, NULL, cancellable, error, "CAPABILITY");
  return r != NULL;
}

static gboolean
start_tls (PosternImapClient *self, const char *extra_ca_file, GCancellable *cancellable,
           GError **error)
{
  g_autoptr (PosternImapResponse) r = NULL;
  GIOStream *tls;

  r = postern_imap_client_command (self, NULL, NULL, cancellable, error, "STARTTLS");
  if (r == NULL)
    return FALSE;
  /* Anything already received came in the clear and could have been
   * injected by whoever sits in between (the STARTTLS command injection
   * flaw): refuse rather than read it as if it came through TLS. */
  if (self->len > 0)
    {
      self->broken = TRUE;
      g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_SYNTAX,
                   "the IMAP server %s:%u sent data after STARTTLS before TLS began",
                   self->host, self->port);
      return FALSE;
    }
  tls = postern_net_start_tls (self->stream, self->host, self->port, extra_ca_file, cancellable,
                               error);
  if (tls == NULL)
    {
      self->broken = TRUE;
      return FALSE;
    }
  g_object_unref (self->stream);
  self->stream = tls;
  self->tls = TRUE;
  /* What the server said before TLS is forgotten (RFC 3501 §6.2.1). */
  g_hash_table_remove_all (self->capabilities);
  return refresh_capabilities (self, cancellable, error);
}

/**
 * postern_imap_client_connect:
 * @implicit_tls: TLS from the first byte (imaps://); otherwise STARTTLS
 *   (imap://), which is required unless @allow_plaintext
 * @allow_plaintext: whether the account lets Postern talk without TLS when
 *   the server offers none; STARTTLS is still used whenever offered
 * @extra_ca_file: (nullable): the profile's tls.ca-file
 * @timeout_seconds: for every read and write
 *
 * Connects, reads the greeting, learns the capabilities and starts TLS.
 *
 * Returns: (transfer full): a session ready to log in, or %NULL
 */
PosternImapClient *
postern_imap_client_connect (const char *host, guint16 port, gboolean implicit_tls,
                             gboolean allow_plaintext, const char *extra_ca_file,
                             guint timeout_seconds, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternImapClient) self = g_object_new (POSTERN_TYPE_IMAP_CLIENT, NULL);
  g_autoptr (PosternImapResponse) greeting = NULL;

  self->host = g_strdup (host);
  self->port = port;
  self->timeout = timeout_seconds;
  self->stream = postern_net_connect (host, port, implicit_tls, extra_ca_file, timeout_seconds,
                                      cancellable, error);
  if (self->stream == NULL)
    return NULL;
  self->tls = implicit_tls;

  greeting = read_response (self, cancellable, error);
  if (greeting == NULL)
    return NULL;
  if (greeting->kind != POSTERN_IMAP_RESPONSE_UNTAGGED
      || (greeting->status != POSTERN_IMAP_STATUS_OK
          && greeting->status != POSTERN_IMAP_STATUS_PREAUTH
          && greeting->status != POSTERN_IMAP_STATUS_BYE))
    {
      g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_SYNTAX,
                   "%s:%u does not greet like an IMAP server", host, port);
      return NULL;
    }
  if (greeting->status == POSTERN_IMAP_STATUS_BYE)
    {
      g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_BYE,
                   "the IMAP server %s:%u refused the connection: %s", host, port,
                   greeting->text);
      return NULL;
    }
  self->preauth = greeting->status == POSTERN_IMAP_STATUS_PREAUTH;
  note_untagged (self, greeting);
  if (g_hash_table_size (self->capabilities) == 0
      && !refresh_capabilities (self, cancellable, error))
    return NULL;

  if (!self->tls)
    {
      /* STARTTLS only exists before login; a server that logs us in at
       * once leaves the session in the clear. */
      if (!self->preauth && postern_imap_client_has_capability (self, "STARTTLS"))
        {
          if (!start_tls (self, extra_ca_file, cancellable, error))
            return NULL;
        }
      else if (!allow_plaintext)
        {
          g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_NO_TLS,
                       "the IMAP server %s:%u offers no STARTTLS, and the account does not "
                       "allow talking without TLS (account add … --allow-plaintext)",
                       host, port);
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

static void
set_auth_error (PosternImapClient *self, const char *user, GError *cause, GError **error)
{
  if (g_error_matches (cause, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_REFUSED))
    {
      g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_AUTH,
                   "authentication failed at %s:%u for %s: %s", self->host, self->port, user,
                   self->refusal != NULL ? self->refusal : "refused");
      g_error_free (cause);
    }
  else
    g_propagate_error (error, cause);
}

/**
 * postern_imap_client_login:
 * @password: the password; it is sent only over TLS unless the account
 *   allowed plaintext, never logged, and wiped from the buffers that held it
 *
 * Logs in with AUTHENTICATE PLAIN (with SASL-IR when offered) or, on
 * servers without it, LOGIN.
 *
 * Returns: %TRUE when logged in; a refused login is
 *   %POSTERN_IMAP_ERROR_AUTH ("authentication failed at …")
 */
gboolean
postern_imap_client_login (PosternImapClient *self, const char *user, const char *password,
                           GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternImapResponse) r = NULL;
  GError *local_error = NULL;

  g_return_val_if_fail (POSTERN_IS_IMAP_CLIENT (self), FALSE);

  if (self->preauth)
    return TRUE;

  if (postern_imap_client_has_capability (self, "AUTH=PLAIN"))
    {
      gsize ulen = strlen (user), plen = strlen (password);
      gsize rawlen = ulen + plen + 2;
      g_autofree guint8 *raw = g_malloc (rawlen);
      g_autofree char *b64 = NULL;

      raw[0] = '\0';
      memcpy (raw + 1, user, ulen);
      raw[ulen + 1] = '\0';
      memcpy (raw + ulen + 2, password, plen);
      b64 = g_base64_encode (raw, rawlen);
      explicit_bzero (raw, rawlen);
      if (postern_imap_client_has_capability (self, "SASL-IR"))
        {
          g_autofree char *text = g_strconcat ("AUTHENTICATE PLAIN ", b64, NULL);
          Part part = { PART_TEXT, text, NULL };
          r = run (self, &part, 1, TRUE, NULL, NULL, cancellable, &local_error);
          explicit_bzero (text, strlen (text));
        }
      else
        {
          Part parts[] = { { PART_TEXT, "AUTHENTICATE PLAIN", NULL },
                           { PART_CONTINUE, b64, NULL } };
          r = run (self, parts, G_N_ELEMENTS (parts), TRUE, NULL, NULL, cancellable,
                   &local_error);
        }
      explicit_bzero (b64, strlen (b64));
    }
  else if (!postern_imap_client_has_capability (self, "LOGINDISABLED"))
    {
      g_autofree char *quoted_user = postern_imap_quote (user);
      g_autofree char *quoted_password = postern_imap_quote (password);
      g_autoptr (GBytes) user_literal = g_bytes_new (user, strlen (user));
      g_autoptr (GBytes) password_literal = g_bytes_new (password, strlen (password));
      Part parts[4];
      guint n = 0;

      /* A name or password that cannot be quoted goes as a literal. */
      parts[n++] = (Part) { PART_TEXT, "LOGIN ", NULL };
      parts[n++] = quoted_user ? (Part) { PART_TEXT, quoted_user, NULL }
                               : (Part) { PART_LITERAL, NULL, user_literal };
      parts[n++] = (Part) { PART_TEXT, " ", NULL };
      parts[n++] = quoted_password ? (Part) { PART_TEXT, quoted_password, NULL }
                                   : (Part) { PART_LITERAL, NULL, password_literal };
      r = run (self, parts, n, TRUE, NULL, NULL, cancellable, &local_error);
      if (quoted_password != NULL)
        explicit_bzero (quoted_password, strlen (quoted_password));
    }
  else
    {
      g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_NOT_SUPPORTED,
                   "the IMAP server %s:%u offers no password login Postern knows", self->host,
                   self->port);
      return FALSE;
    }

  if (r == NULL)
    {
      set_auth_error (self, user, local_error, error);
      return FALSE;
    }
  if (g_strcmp0 (r->code, "CAPABILITY") != 0
      && !refresh_capabilities (self, cancellable, error))
    return FALSE;
  return TRUE;
}

/**
 * postern_imap_client_append:
 * @mailbox: the mailbox's name as the server knows it
 * @flags: (nullable): a parenthesized flag list such as "(\\Seen)"
 * @message: the message, with CRLF line ends
 * @out_uidvalidity: (out) (optional): the mailbox's UIDVALIDITY from
 *   APPENDUID, or 0 when the server has no UIDPLUS
 * @out_uid: (out) (optional): the new message's UID, or 0
 *
 * Returns: %TRUE when the server stored the message
 */
gboolean
postern_imap_client_append (PosternImapClient *self, const char *mailbox, const char *flags,
                            GBytes *message, guint32 *out_uidvalidity, guint32 *out_uid,
                            GCancellable *cancellable, GError **error)
{
  g_autofree char *quoted = postern_imap_quote (mailbox);
  g_autofree char *head = NULL;
  g_autoptr (PosternImapResponse) r = NULL;
  guint64 uidvalidity = 0, uid = 0;

  if (quoted == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the IMAP mailbox name \"%s\" cannot be sent", mailbox);
      return FALSE;
    }
  head = g_strdup_printf ("APPEND %s %s%s", quoted, flags ? flags : "", flags ? " " : "");
  {
    Part parts[] = { { PART_TEXT, head, NULL }, { PART_LITERAL, NULL, message } };
    r = run (self, parts, G_N_ELEMENTS (parts), FALSE, NULL, NULL, cancellable, error);
  }
  if (r == NULL)
    return FALSE;
  if (postern_imap_response_get_code_number (r, "APPENDUID", &uidvalidity)
      && r->code_args->len >= 2
      && postern_imap_value_get_number (r->code_args->pdata[1], &uid))
    {
      if (uidvalidity > G_MAXUINT32 || uid > G_MAXUINT32)
        uidvalidity = uid = 0;
    }
  else
    uidvalidity = uid = 0;
  if (out_uidvalidity != NULL)
    *out_uidvalidity = (guint32) uidvalidity;
  if (out_uid != NULL)
    *out_uid = (guint32) uid;
  return TRUE;
}

static GSocket *
stream_socket (GIOStream *stream)
{
  g_autoptr (GIOStream) base = NULL;

  if (G_IS_TLS_CONNECTION (stream))
    {
      g_object_get (stream, "base-io-stream", &base, NULL);
      stream = base;
    }
  if (G_IS_SOCKET_CONNECTION (stream))
    return g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  return NULL;
}

static gboolean
is_change (PosternImapResponse *r)
{
  static const char *const names[] = { "EXISTS", "EXPUNGE", "FETCH", "RECENT", "VANISHED", NULL };
  return r->name != NULL && g_strv_contains (names, r->name);
}

static gboolean
note_change (PosternImapResponse *response, gpointer user_data, GError **error)
{
  if (is_change (response))
    *(gboolean *) user_data = TRUE;
  return TRUE;
}

/* Sleeps, waking at once when @cancellable fires. */
static gboolean
sleep_cancellable (guint ms, GCancellable *cancellable, GError **error)
{
  GPollFD pfd;

  if (g_cancellable_make_pollfd (cancellable, &pfd))
    {
      g_poll (&pfd, 1, (int) ms);
      g_cancellable_release_fd (cancellable);
    }
  else
    g_usleep (ms * (gulong) 1000);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Servers without IDLE are asked with NOOP, every half minute. */
static gboolean
poll_with_noop (PosternImapClient *self, guint max_seconds, gboolean *out_changed,
                GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) max_seconds * G_USEC_PER_SEC;
  gboolean changed = FALSE;

  for (;;)
    {
      g_autoptr (PosternImapResponse) r
        = postern_imap_client_command (self, note_change, &changed, cancellable, error, "NOOP");
      gint64 left;

      if (r == NULL)
        return FALSE;
      left = deadline - g_get_monotonic_time ();
      if (changed || left <= 0)
        break;
      if (!sleep_cancellable ((guint) MIN (left / 1000, 30 * 1000), cancellable, error))
        return FALSE;
    }
  *out_changed = changed;
  return TRUE;
}

/**
 * postern_imap_client_idle:
 * @max_seconds: how long to wait at most (servers drop an IDLE after 30
 *   minutes, RFC 2177, so about 29 minutes is the most worth asking)
 * @out_changed: (out): whether the selected mailbox changed: new mail, an
 *   expunge, or changed flags
 *
 * Waits in IDLE (or by NOOP, when the server has no IDLE) until the
 * selected mailbox changes, @max_seconds pass or @cancellable fires.
 * After a timeout the session is closed and must not be used again.
 *
 * Returns: %FALSE on error, including cancellation
 */
gboolean
postern_imap_client_idle (PosternImapClient *self, guint max_seconds, gboolean *out_changed,
                          GCancellable *cancellable, GError **error)
{
  g_autofree char *tag = NULL;
  g_autofree char *line = NULL;
  GSocket *socket;
  gboolean changed = FALSE;
  gboolean timed_out = FALSE;

  g_return_val_if_fail (POSTERN_IS_IMAP_CLIENT (self), FALSE);

  if (!check_usable (self, error))
    return FALSE;
  if (!postern_imap_client_has_capability (self, "IDLE"))
    return poll_with_noop (self, max_seconds, out_changed, cancellable, error);

  tag = g_strdup_printf ("P%u", ++self->next_tag);
  line = g_strdup_printf ("%s IDLE\r\n", tag);
  g_debug ("C: %s IDLE", tag);
  if (!write_bytes (self, line, strlen (line), cancellable, error)
      || !wait_continuation (self, tag, "IDLE", note_change, &changed, cancellable, error))
    return FALSE;

  /* The socket's timeout becomes the deadline of the wait. */
  socket = stream_socket (self->stream);
  if (socket != NULL)
    g_socket_set_timeout (socket, max_seconds);
  while (!changed)
    {
      GError *local_error = NULL;
      g_autoptr (PosternImapResponse) r = read_response (self, cancellable, &local_error);

      if (r == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
            {
              g_error_free (local_error);
              timed_out = TRUE;
              break;
            }
          g_propagate_error (error, local_error);
          return FALSE;
        }
      if (r->kind != POSTERN_IMAP_RESPONSE_UNTAGGED)
        {
          self->broken = TRUE;
          g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_SYNTAX,
                       "the IMAP server %s:%u ended IDLE on its own", self->host, self->port);
          return FALSE;
        }
      note_untagged (self, r);
      changed = is_change (r);
    }
  if (socket != NULL)
    g_socket_set_timeout (socket, self->timeout);

  if (timed_out)
    {
      /* The read that timed out may have left TLS mid-record: rather than
       * trust the stream, this session ends here. */
      self->broken = TRUE;
      *out_changed = FALSE;
      return TRUE;
    }

  g_debug ("C: DONE");
  if (!write_bytes (self, "DONE\r\n", 6, cancellable, error))
    return FALSE;
  for (;;)
    {
      g_autoptr (PosternImapResponse) r = read_response (self, cancellable, error);

      if (r == NULL)
        return FALSE;
      if (r->kind == POSTERN_IMAP_RESPONSE_TAGGED)
        {
          if (g_strcmp0 (r->tag, tag) != 0 || r->status != POSTERN_IMAP_STATUS_OK)
            {
              self->broken = TRUE;
              g_set_error (error, POSTERN_IMAP_ERROR, POSTERN_IMAP_ERROR_REFUSED,
                           "the IMAP server %s:%u refused IDLE: %s", self->host, self->port,
                           r->text);
              return FALSE;
            }
          break;
        }
      note_untagged (self, r);
    }
  *out_changed = TRUE;
  return TRUE;
}

/* Says goodbye when the session is still in step; either way the
 * connection is closed. Errors do not matter any more. */
void
postern_imap_client_logout (PosternImapClient *self)
{
  g_return_if_fail (POSTERN_IS_IMAP_CLIENT (self));

  if (!self->broken && self->stream != NULL)
    {
      g_autoptr (PosternImapResponse) r
        = postern_imap_client_command (self, NULL, NULL, NULL, NULL, "LOGOUT");
    }
  if (self->stream != NULL)
    g_io_stream_close (self->stream, NULL, NULL);
  self->broken = TRUE;
}

/**
 * postern_imap_quote:
 * @text: a string
 *
 * Returns: (transfer full) (nullable): @text as an IMAP quoted string, or
 *   %NULL when it holds a byte a quoted string cannot (CR, LF, 8-bit),
 *   which then has to go as a literal
 */
char *
postern_imap_quote (const char *text)
{
  g_autoptr (GString) out = g_string_new ("\"");

  for (const guchar *p = (const guchar *) text; *p != '\0'; p++)
    {
      if (*p == '\r' || *p == '\n' || *p >= 0x80)
        return NULL;
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static int
compare_uids (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

/**
 * postern_imap_uid_set:
 * @uids: (array length=n_uids): UIDs in any order, duplicates allowed
 *
 * Returns: (transfer full): the shortest sequence set naming them, such as
 *   "1:5,7,9:10"; "" for none
 */
char *
postern_imap_uid_set (const guint32 *uids, guint n_uids)
{
  g_autofree guint32 *sorted = g_memdup2 (uids, sizeof (guint32) * n_uids);
  g_autoptr (GString) out = g_string_new (NULL);
  guint i = 0;

  if (n_uids > 1)
    qsort (sorted, n_uids, sizeof (guint32), compare_uids);
  while (i < n_uids)
    {
      guint32 first = sorted[i], last = sorted[i];

      while (i + 1 < n_uids && (sorted[i + 1] == last || sorted[i + 1] == last + 1))
        last = sorted[++i];
      i++;
      if (out->len > 0)
        g_string_append_c (out, ',');
      if (first == last)
        g_string_append_printf (out, "%u", first);
      else
        g_string_append_printf (out, "%u:%u", first, last);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
