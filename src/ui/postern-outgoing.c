/* postern-outgoing.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "postern-attachment.h"
#include "postern-core.h"
#include "postern-gmime.h"
#include "postern-outgoing.h"

PosternOutgoing *
postern_outgoing_new (void)
{
  PosternOutgoing *outgoing = g_new0 (PosternOutgoing, 1);

  outgoing->attachments = g_ptr_array_new_with_free_func (g_object_unref);
  return outgoing;
}

void
postern_outgoing_free (PosternOutgoing *outgoing)
{
  if (outgoing == NULL)
    return;
  g_free (outgoing->from);
  g_strfreev (outgoing->to);
  g_free (outgoing->subject);
  g_free (outgoing->body);
  g_free (outgoing->in_reply_to);
  g_free (outgoing->references);
  g_clear_pointer (&outgoing->attachments, g_ptr_array_unref);
  g_free (outgoing);
}

static GMimeObject *
text_part (const char *body)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype ("plain");

  g_mime_text_part_set_text (part, body ? body : "");
  g_mime_text_part_set_charset (part, "utf-8");
  /* Short lines of ASCII stay readable; anything else is made safe. */
  g_mime_part_set_content_encoding (
    GMIME_PART (part),
    g_mime_part_get_best_content_encoding (GMIME_PART (part), GMIME_ENCODING_CONSTRAINT_7BIT));
  return GMIME_OBJECT (part);
}

static GMimeObject *
attachment_part (PosternAttachment *attachment)
{
  GMimeContentType *type
    = g_mime_content_type_parse (NULL, postern_attachment_get_content_type (attachment));
  GMimePart *part = g_mime_part_new_with_type (g_mime_content_type_get_media_type (type),
                                               g_mime_content_type_get_media_subtype (type));
  GBytes *bytes = postern_attachment_get_bytes (attachment);
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, len);
  GMimeDataWrapper *content
    = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

  g_mime_part_set_content (part, content);
  g_object_unref (content);
  g_object_unref (type);
  g_mime_part_set_filename (part, postern_attachment_get_filename (attachment));
  g_mime_object_set_disposition (GMIME_OBJECT (part), "attachment");
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  return GMIME_OBJECT (part);
}

/**
 * postern_outgoing_build:
 *
 * Returns: (transfer full): the message. Date and Message-ID are left to
 *   the outbox, which adds them when the message is queued.
 */
GBytes *
postern_outgoing_build (const PosternOutgoing *outgoing)
{
  g_autoptr (GMimeMessage) message = NULL;
  g_autoptr (GMimeStream) out = NULL;
  GMimeObject *body;
  GByteArray *array;

  postern_core_init ();
  message = g_mime_message_new (TRUE);
  if (outgoing->from != NULL)
    {
      InternetAddressList *from = internet_address_list_parse (NULL, outgoing->from);
      if (from != NULL)
        {
          internet_address_list_append (g_mime_message_get_from (message), from);
          g_object_unref (from);
        }
    }
  for (guint i = 0; outgoing->to != NULL && outgoing->to[i] != NULL; i++)
    g_mime_message_add_mailbox (message, GMIME_ADDRESS_TYPE_TO, NULL, outgoing->to[i]);
  g_mime_message_set_subject (message, outgoing->subject ? outgoing->subject : "", "utf-8");
  if (outgoing->in_reply_to != NULL)
    {
      g_autofree char *id = g_strdup_printf ("<%s>", outgoing->in_reply_to);
      g_mime_object_set_header (GMIME_OBJECT (message), "In-Reply-To", id, NULL);
    }
  if (outgoing->references != NULL)
    g_mime_object_set_header (GMIME_OBJECT (message), "References", outgoing->references, NULL);

  body = text_part (outgoing->body);
  if (outgoing->attachments->len > 0)
    {
      GMimeMultipart *mixed = g_mime_multipart_new_with_subtype ("mixed");
      g_mime_multipart_add (mixed, body);
      g_object_unref (body);
      for (guint i = 0; i < outgoing->attachments->len; i++)
        {
          GMimeObject *part = attachment_part (outgoing->attachments->pdata[i]);
          g_mime_multipart_add (mixed, part);
          g_object_unref (part);
        }
      body = GMIME_OBJECT (mixed);
    }
  g_mime_message_set_mime_part (message, body);
  g_object_unref (body);

  out = g_mime_stream_mem_new ();
  g_mime_object_write_to_stream (GMIME_OBJECT (message), NULL, out);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  return g_bytes_new (array->data, array->len);
}

static void
build_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_task_return_pointer (task, postern_outgoing_build (task_data), (GDestroyNotify) g_bytes_unref);
}

/* Takes ownership of @outgoing. */
void
postern_outgoing_build_async (PosternOutgoing *outgoing, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_outgoing_build_async);
  g_task_set_task_data (task, outgoing, (GDestroyNotify) postern_outgoing_free);
  g_task_run_in_thread (task, build_thread);
}

GBytes *
postern_outgoing_build_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * postern_outgoing_new_from_mailto:
 * @uri: a mailto: URI (RFC 6068)
 *
 * Reads the recipients (the path plus to=, cc= and bcc=, all shown as
 * recipients), subject= and body=.
 */
PosternOutgoing *
postern_outgoing_new_from_mailto (const char *uri, GError **error)
{
  g_autoptr (PosternOutgoing) outgoing = postern_outgoing_new ();
  g_autoptr (GStrvBuilder) to = g_strv_builder_new ();
  g_autofree char *scheme = NULL;
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;
  g_autoptr (GHashTable) params = NULL;
  static const char *const address_params[] = { "to", "cc", "bcc" };

  if (!g_uri_split (uri, G_URI_FLAGS_ENCODED, &scheme, NULL, NULL, NULL, &path, &query, NULL,
                    error))
    return NULL;
  if (g_ascii_strcasecmp (scheme, "mailto") != 0)
    {
      g_set_error (error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME, _ ("%s is not a mailto: URI"), uri);
      return NULL;
    }
  if (query != NULL)
    {
      params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_CASE_INSENSITIVE, error);
      if (params == NULL)
        return NULL;
    }

  {
    g_autofree char *addresses = g_uri_unescape_string (path, NULL);
    g_auto (GStrv) parts = g_strsplit (addresses ? addresses : "", ",", -1);
    for (guint i = 0; parts[i] != NULL; i++)
      if (*g_strstrip (parts[i]) != '\0')
        g_strv_builder_add (to, parts[i]);
  }
  for (guint p = 0; params != NULL && p < G_N_ELEMENTS (address_params); p++)
    {
      const char *value = g_hash_table_lookup (params, address_params[p]);
      g_auto (GStrv) parts = g_strsplit (value ? value : "", ",", -1);
      for (guint i = 0; parts[i] != NULL; i++)
        if (*g_strstrip (parts[i]) != '\0')
          g_strv_builder_add (to, parts[i]);
    }
  outgoing->to = g_strv_builder_end (to);
  if (params != NULL)
    {
      outgoing->subject = g_strdup (g_hash_table_lookup (params, "subject"));
      outgoing->body = g_strdup (g_hash_table_lookup (params, "body"));
    }
  return g_steal_pointer (&outgoing);
}
