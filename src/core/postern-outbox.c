/* postern-outbox.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "postern-gmime.h"
#include <string.h>

#include "postern-error.h"
#include "postern-pgp-mime.h"
#include "postern-message-info.h"
#include "postern-outbox.h"
#include "postern-outbox-retry.h"
#include "postern-transport.h"

struct _PosternOutbox
{
  GObject parent_instance;
  PosternProfile *profile;
  PosternAccount *account;
  PosternRouter *router;
};

G_DEFINE_FINAL_TYPE (PosternOutbox, postern_outbox, G_TYPE_OBJECT)

void
postern_outbox_result_free (PosternOutboxResult *result)
{
  if (result == NULL)
    return;
  g_free (result->id);
  g_clear_pointer (&result->routes, g_ptr_array_unref);
  g_clear_error (&result->error);
  g_free (result);
}

static void
postern_outbox_dispose (GObject *object)
{
  PosternOutbox *self = POSTERN_OUTBOX (object);

  g_clear_object (&self->router);
  g_clear_object (&self->account);
  g_clear_object (&self->profile);
  G_OBJECT_CLASS (postern_outbox_parent_class)->dispose (object);
}

static void
postern_outbox_class_init (PosternOutboxClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = postern_outbox_dispose;
}

static void
postern_outbox_init (PosternOutbox *self)
{
}

PosternOutbox *
postern_outbox_new (PosternProfile *profile, PosternAccount *account)
{
  PosternOutbox *self = g_object_new (POSTERN_TYPE_OUTBOX, NULL);

  self->profile = g_object_ref (profile);
  self->account = account ? g_object_ref (account) : NULL;
  self->router = postern_router_new (profile, account);
  return self;
}

static GMimeMessage *
parse_message (GBytes *message, GError **error)
{
  gsize len;
  const void *data = g_bytes_get_data (message, &len);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  GMimeMessage *parsed;

  postern_core_init ();
  stream = g_mime_stream_mem_new_with_buffer (data, len);
  parser = g_mime_parser_new_with_stream (stream);
  parsed = g_mime_parser_construct_message (parser, NULL);
  if (parsed == NULL)
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                 "the message to send is not an RFC 5322 message");
  return parsed;
}

static void
collect_addresses (InternetAddressList *list, GStrvBuilder *out, GHashTable *seen)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);
      if (INTERNET_ADDRESS_IS_GROUP (ia))
        collect_addresses (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)), out,
                           seen);
      else if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
          g_autofree char *key = g_ascii_strdown (addr, -1);
          if (addr != NULL && *addr != '\0' && !g_hash_table_contains (seen, key))
            {
              g_strv_builder_add (out, addr);
              g_hash_table_add (seen, g_steal_pointer (&key));
            }
        }
    }
}

/**
 * postern_outbox_get_recipients:
 *
 * Returns: (transfer full): every address in To, Cc and Bcc, once each.
 */
char **
postern_outbox_get_recipients (GBytes *message, GError **error)
{
  g_autoptr (GMimeMessage) parsed = parse_message (message, error);
  g_autoptr (GStrvBuilder) builder = NULL;
  g_autoptr (GHashTable) seen = NULL;
  g_auto (GStrv) result = NULL;

  if (parsed == NULL)
    return NULL;
  builder = g_strv_builder_new ();
  seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  collect_addresses (g_mime_message_get_addresses (parsed, GMIME_ADDRESS_TYPE_TO), builder, seen);
  collect_addresses (g_mime_message_get_addresses (parsed, GMIME_ADDRESS_TYPE_CC), builder, seen);
  collect_addresses (g_mime_message_get_addresses (parsed, GMIME_ADDRESS_TYPE_BCC), builder,
                     seen);
  result = g_strv_builder_end (builder);
  if (result[0] == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the message has no recipients in To, Cc or Bcc");
      return NULL;
    }
  return g_steal_pointer (&result);
}

/**
 * postern_outbox_prepare:
 * @message: the message as composed
 * @sender: (nullable): the account's address, for a missing From
 *
 * Adds what a submission server would: Date, Message-ID and From when they
 * are missing. The rest of the message is kept byte for byte.
 */
GBytes *
postern_outbox_prepare (GBytes *message, const char *sender, GError **error)
{
  g_autoptr (GMimeMessage) parsed = parse_message (message, error);
  g_autoptr (GString) extra = NULL;
  gsize len;
  const char *data;

  if (parsed == NULL)
    return NULL;
  extra = g_string_new (NULL);
  if (g_mime_message_get_message_id (parsed) == NULL)
    {
      g_autofree char *uuid = g_uuid_string_random ();
      const char *at = sender ? strrchr (sender, '@') : NULL;
      g_string_append_printf (extra, "Message-ID: <%s@%s>\r\n", uuid,
                              at ? at + 1 : "postern.invalid");
    }
  if (g_mime_object_get_header (GMIME_OBJECT (parsed), "Date") == NULL)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *date = g_mime_utils_header_format_date (now);
      g_string_append_printf (extra, "Date: %s\r\n", date);
    }
  if (g_mime_object_get_header (GMIME_OBJECT (parsed), "From") == NULL)
    {
      if (sender == NULL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "the message has no From and no account gives one");
          return NULL;
        }
      g_string_append_printf (extra, "From: %s\r\n", sender);
    }
  if (extra->len == 0)
    return g_bytes_ref (message);

  data = g_bytes_get_data (message, &len);
  /* Match the message's own line endings. */
  if (memchr (data, '\r', MIN (len, 4096)) == NULL)
    {
      g_autofree char *lf = NULL;
      g_autoptr (GRegex) crlf = g_regex_new ("\r\n", 0, 0, NULL);
      lf = g_regex_replace_literal (crlf, extra->str, -1, 0, "\n", 0, NULL);
      g_string_assign (extra, lf);
    }
  g_string_append_len (extra, data, (gssize) len);
  return g_string_free_to_bytes (g_steal_pointer (&extra));
}

static GPtrArray *
route_message (PosternOutbox *self, GBytes *message, GError **error)
{
  g_auto (GStrv) recipients = postern_outbox_get_recipients (message, error);
  g_autoptr (GPtrArray) routes = NULL;

  if (recipients == NULL)
    return NULL;
  routes = postern_router_route (self->router, (const char *const *) recipients, error);
  if (routes == NULL || !postern_routes_check_single_transport (routes, error))
    return NULL;
  return g_steal_pointer (&routes);
}

/**
 * postern_outbox_enqueue:
 *
 * Routes @message (refusing mixed transports with %POSTERN_ERROR_POLICY,
 * in which case nothing is queued) and stores it durably in the Outbox.
 *
 * Returns: (transfer full): the id of the queued message.
 */
char *
postern_outbox_enqueue (PosternOutbox *self, GBytes *message, GPtrArray **out_routes,
                        GError **error)
{
  g_autoptr (GPtrArray) routes = route_message (self, message, error);
  PosternStore *store;
  char *id = NULL;

  if (routes == NULL)
    return NULL;
  store = postern_profile_get_store (self->profile, error);
  if (store == NULL
      || !postern_store_add (store, POSTERN_STORE_OUTBOX, message, NULL, routes->len
                               ? ((PosternRoute *) routes->pdata[0])->lock
                               : POSTERN_LOCK_UNKNOWN,
                             &id, error))
    return NULL;
  if (out_routes != NULL)
    *out_routes = g_steal_pointer (&routes);
  return id;
}

/* Bcc recipients must not see each other, nor be seen by To and Cc. */
static GBytes *
strip_bcc (GBytes *message, GError **error)
{
  g_autoptr (GMimeMessage) parsed = parse_message (message, error);
  g_autoptr (GMimeStream) out = NULL;
  GByteArray *array;

  if (parsed == NULL)
    return NULL;
  if (g_mime_object_get_header (GMIME_OBJECT (parsed), "Bcc") == NULL)
    return g_bytes_ref (message);
  g_mime_object_remove_header (GMIME_OBJECT (parsed), "Bcc");
  out = g_mime_stream_mem_new ();
  g_mime_object_write_to_stream (GMIME_OBJECT (parsed), NULL, out);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  return g_bytes_new (array->data, array->len);
}

static PosternOutboxResult *
send_one (PosternOutbox *self, PosternStore *store, PosternMessageRow *row,
          GCancellable *cancellable)
{
  PosternOutboxResult *result = g_new0 (PosternOutboxResult, 1);
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GBytes) wire = NULL;
  g_autoptr (GBytes) sealed = NULL;
  g_autoptr (PosternKeyring) keyring = postern_keyring_new_for_profile (self->profile);
  g_autoptr (PosternTransport) transport = NULL;
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  g_auto (GStrv) addresses = NULL;
  const char *name;

  result->id = g_strdup (row->id);
  message = postern_store_load (store, row->id, POSTERN_STORE_OUTBOX, NULL, &result->error);
  if (message == NULL)
    return result;
  result->routes = route_message (self, message, &result->error);
  if (result->routes == NULL)
    return result;

  name = ((PosternRoute *) result->routes->pdata[0])->transport;
  transport = postern_router_get_transport (self->router, name, &result->error);
  if (transport == NULL)
    return result;
  for (guint i = 0; i < result->routes->len; i++)
    g_strv_builder_add (builder, ((PosternRoute *) result->routes->pdata[i])->address);
  addresses = g_strv_builder_end (builder);
  wire = strip_bcc (message, &result->error);
  if (wire == NULL)
    return result;
  /* Only the copy handed to the transport is encrypted: the Sent copy is
   * the message as written (Bcc included), readable and searchable. */
  sealed = postern_pgp_mime_prepare_outgoing_sync (keyring, wire, result->routes, cancellable,
                                                   &result->error);
  if (sealed == NULL)
    return result;
  if (!postern_transport_send_sync (transport, sealed, (const char *const *) addresses, cancellable,
                                    &result->error))
    return result;

  /* Confirmed: the message leaves the Outbox and is in Sent, atomically. */
  postern_store_move (store, row->id, POSTERN_STORE_OUTBOX, POSTERN_STORE_SENT, "S",
                      &result->error);
  return result;
}

static GPtrArray *
flush (PosternOutbox *self, gboolean due_only, GCancellable *cancellable, GError **error)
{
  PosternStore *store = postern_profile_get_store (self->profile, error);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *lock_path = NULL;
  int lock_fd;

  if (store == NULL)
    return NULL;

  /* Two flushes at once (two `send`s, the app and the CLI) would both
   * send the same queued message; one waits for the other instead. The
   * kernel drops the lock of a process that dies. */
  lock_path = g_build_filename (postern_profile_get_path (self->profile), "outbox.lock", NULL);
  lock_fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot open %s: %s", lock_path,
                   g_strerror (errno));
      return NULL;
    }
  while (flock (lock_fd, LOCK_EX) != 0)
    if (errno != EINTR)
      {
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot lock %s: %s", lock_path,
                     g_strerror (errno));
        close (lock_fd);
        return NULL;
      }

  rows = postern_store_list (store, POSTERN_STORE_OUTBOX, 0, 0, error);
  if (rows != NULL)
    {
      const char *path = postern_profile_get_path (self->profile);
      gint64 now = g_get_real_time () / G_USEC_PER_SEC;

      results = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_outbox_result_free);
      for (guint i = rows->len; i > 0; i--)
        {
          PosternMessageRow *row = rows->pdata[i - 1];
          PosternOutboxResult *result;

          if (due_only && postern_outbox_retry_next (path, row->id) > now)
            continue;
          result = send_one (self, store, row, cancellable);
          /* The schedule is advice: failing to keep it loses nothing. */
          if (result->error != NULL)
            postern_outbox_retry_failed (path, row->id, now, NULL);
          else
            postern_outbox_retry_forget (path, row->id, NULL);
          g_ptr_array_add (results, result);
        }
    }
  close (lock_fd);
  return g_steal_pointer (&results);
}

/**
 * postern_outbox_flush_sync:
 *
 * Tries to send everything in the Outbox, oldest first. A message that
 * fails stays queued; its error is in its result, and its next automatic
 * retry waits longer (postern-outbox-retry.h).
 *
 * Returns: (transfer full) (element-type PosternOutboxResult): one result
 *   per queued message, or %NULL when the Outbox could not be read.
 */
GPtrArray *
postern_outbox_flush_sync (PosternOutbox *self, GCancellable *cancellable, GError **error)
{
  return flush (self, FALSE, cancellable, error);
}

/**
 * postern_outbox_retry_sync:
 *
 * Like postern_outbox_flush_sync(), for the messages whose retry is due
 * only: what an application does by itself, now and then.
 *
 * Returns: (transfer full) (element-type PosternOutboxResult): one result
 *   per message tried.
 */
GPtrArray *
postern_outbox_retry_sync (PosternOutbox *self, GCancellable *cancellable, GError **error)
{
  return flush (self, TRUE, cancellable, error);
}

guint
postern_outbox_get_pending (PosternOutbox *self)
{
  PosternStore *store = postern_profile_get_store (self->profile, NULL);
  return store ? postern_store_count (store, POSTERN_STORE_OUTBOX) : 0;
}
