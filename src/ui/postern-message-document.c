/* postern-message-document.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "postern-attachment.h"
#include "postern-gmime.h"
#include "postern-message-document.h"
#include "postern-outgoing.h"

struct _PosternMessageDocument
{
  GObject parent_instance;
  char *id;
  char *folder;
  char *subject;
  char *from;
  char *to;
  char *cc;
  char **recipients; /* addr-specs of To and Cc, for editing a draft */
  char **senders;    /* addr-specs of Reply-To, else From */
  char *message_id;
  char *references;
  char *date;
  char *body;
  gboolean body_is_html;
  GListStore *attachments;
  PosternLock lock;
  PosternSignatureState signature;
  char *signer; /* fingerprint of the signing key, when signed */
  gboolean decrypted;
  char *html; /* the HTML body as sent, for a renderer that blocks remote content */
};

G_DEFINE_FINAL_TYPE (PosternMessageDocument, postern_message_document, G_TYPE_OBJECT)

static void
postern_message_document_finalize (GObject *object)
{
  PosternMessageDocument *self = POSTERN_MESSAGE_DOCUMENT (object);

  g_free (self->id);
  g_free (self->folder);
  g_free (self->subject);
  g_free (self->from);
  g_free (self->to);
  g_free (self->cc);
  g_strfreev (self->recipients);
  g_strfreev (self->senders);
  g_free (self->message_id);
  g_free (self->references);
  g_free (self->date);
  g_free (self->body);
  g_free (self->signer);
  g_free (self->html);
  g_clear_object (&self->attachments);
  G_OBJECT_CLASS (postern_message_document_parent_class)->finalize (object);
}

static void
postern_message_document_class_init (PosternMessageDocumentClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_message_document_finalize;
}

static void
postern_message_document_init (PosternMessageDocument *self)
{
  self->attachments = g_list_store_new (POSTERN_TYPE_ATTACHMENT);
}

/* --- HTML as text ------------------------------------------------------ */

static const struct
{
  const char *name;
  const char *text;
} entities[] = {
  { "amp", "&" },       { "lt", "<" },    { "gt", ">" },    { "quot", "\"" }, { "apos", "'" },
  { "nbsp", "\u00a0" }, { "copy", "©" },  { "reg", "®" },   { "mdash", "—" }, { "ndash", "–" },
  { "hellip", "…" },    { "laquo", "«" }, { "raquo", "»" }, { "euro", "€" },  { "rsquo", "’" },
  { "lsquo", "‘" },     { "rdquo", "”" }, { "ldquo", "“" }, { "bull", "•" },  { "middot", "·" },
};

/* Decodes the entity at @p (just after '&'); returns the bytes consumed,
 * 0 when it is not one. */
static gsize
decode_entity (const char *p, GString *out)
{
  const char *semi = strchr (p, ';');
  gsize len;

  if (semi == NULL || semi - p > 10 || semi == p)
    return 0;
  len = (gsize) (semi - p);
  if (p[0] == '#')
    {
      gunichar c = (p[1] == 'x' || p[1] == 'X') ? (gunichar) g_ascii_strtoull (p + 2, NULL, 16)
                                                : (gunichar) g_ascii_strtoull (p + 1, NULL, 10);
      if (c == 0 || !g_unichar_validate (c))
        c = 0xFFFD;
      g_string_append_unichar (out, c);
      return len + 1;
    }
  for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
    if (strlen (entities[i].name) == len && strncmp (p, entities[i].name, len) == 0)
      {
        g_string_append (out, entities[i].text);
        return len + 1;
      }
  return 0;
}

static gboolean
tag_is (const char *name, const char *const *set)
{
  return g_strv_contains (set, name);
}

/* Reads attribute @attr out of a tag's text (without the angle brackets). */
static char *
tag_attribute (const char *tag, const char *attr)
{
  g_autofree char *pattern
    = g_strdup_printf ("\\s%s\\s*=\\s*(\"([^\"]*)\"|'([^']*)'|([^\\s>]+))", attr);
  g_autoptr (GRegex) re = g_regex_new (pattern, G_REGEX_CASELESS, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  if (re == NULL || !g_regex_match (re, tag, 0, &match))
    return NULL;
  for (int group = 2; group <= 4; group++)
    {
      g_autofree char *value = g_match_info_fetch (match, group);
      if (value != NULL && *value != '\0')
        return g_steal_pointer (&value);
    }
  return NULL;
}

static void
newline (GString *out, guint count)
{
  guint have = 0;

  /* Trailing spaces before a break carry nothing. */
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  for (gsize i = out->len; i > 0 && out->str[i - 1] == '\n'; i--)
    have++;
  if (out->len == 0)
    return;
  for (; have < count; have++)
    g_string_append_c (out, '\n');
}

/**
 * postern_html_to_readable_text:
 *
 * Renders HTML as plain text a person can read: paragraphs and line breaks
 * stay, list items get bullets, links show their address, images their
 * alternative text. Scripts, styles and everything in <head> go. Nothing
 * is fetched and no markup survives, so the result is safe to display.
 */
char *
postern_html_to_readable_text (const char *html)
{
  static const char *const blocks[]
    = { "p",       "div",     "table",  "tr",     "ul", "ol",         "h1",
        "h2",      "h3",      "h4",     "h5",     "h6", "blockquote", "pre",
        "section", "article", "header", "footer", "hr", "dl",         NULL };
  static const char *const skipped[] = { "script", "style", "head", "title", NULL };
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *pending_href = NULL;
  gsize link_start = 0;
  const char *p = html;

  if (html == NULL)
    return g_strdup ("");

  while (*p != '\0')
    {
      if (*p == '<')
        {
          const char *close;
          g_autofree char *tag = NULL;
          g_autofree char *name = NULL;
          gboolean closing;
          gsize n = 0;

          if (g_str_has_prefix (p, "<!--"))
            {
              const char *end = strstr (p + 4, "-->");
              p = end ? end + 3 : p + strlen (p);
              continue;
            }
          close = strchr (p, '>');
          if (close == NULL)
            break;
          tag = g_strndup (p + 1, (gsize) (close - p - 1));
          p = close + 1;
          closing = tag[0] == '/';
          while (g_ascii_isalnum (tag[(closing ? 1 : 0) + n]))
            n++;
          name = g_ascii_strdown (tag + (closing ? 1 : 0), (gssize) n);

          if (!closing && tag_is (name, skipped))
            {
              g_autofree char *end_tag = g_strdup_printf ("</%s", name);
              const char *q = p;
              while (*q != '\0' && g_ascii_strncasecmp (q, end_tag, strlen (end_tag)) != 0)
                q++;
              close = strchr (q, '>');
              p = close ? close + 1 : q;
              continue;
            }
          if (g_str_equal (name, "br"))
            g_string_append_c (out, '\n');
          else if (g_str_equal (name, "li") && !closing)
            {
              newline (out, 1);
              g_string_append (out, "• ");
            }
          else if (g_str_equal (name, "td") || g_str_equal (name, "th"))
            {
              if (!closing && out->len > 0 && out->str[out->len - 1] != '\n')
                g_string_append (out, "  ");
            }
          else if (g_str_equal (name, "img") && !closing)
            {
              g_autofree char *alt = tag_attribute (tag, "alt");
              if (alt != NULL)
                g_string_append_printf (out, "[%s]", alt);
            }
          else if (g_str_equal (name, "a"))
            {
              if (!closing)
                {
                  g_free (pending_href);
                  pending_href = tag_attribute (tag, "href");
                  link_start = out->len;
                }
              else if (pending_href != NULL)
                {
                  g_autofree char *text = g_strndup (out->str + link_start, out->len - link_start);
                  /* Show where a link goes unless its text already says so. */
                  if (!g_str_has_prefix (pending_href, "#") && strstr (text, pending_href) == NULL)
                    g_string_append_printf (out, " <%s>", pending_href);
                  g_clear_pointer (&pending_href, g_free);
                }
            }
          else if (tag_is (name, blocks))
            newline (out, g_str_has_prefix (name, "h") || g_str_equal (name, "p") ? 2 : 1);
          continue;
        }
      if (*p == '&')
        {
          gsize used = decode_entity (p + 1, out);
          if (used > 0)
            {
              p += used + 1;
              continue;
            }
        }
      if (g_ascii_isspace (*p))
        {
          if (out->len > 0 && out->str[out->len - 1] != ' ' && out->str[out->len - 1] != '\n')
            g_string_append_c (out, ' ');
          p++;
          continue;
        }
      g_string_append_c (out, *p);
      p++;
    }

  newline (out, 1);
  {
    g_autofree char *valid = g_utf8_make_valid (out->str, (gssize) out->len);
    return g_strstrip (g_steal_pointer (&valid));
  }
}

/* --- walking the MIME tree -------------------------------------------- */

typedef struct
{
  PosternMessageDocument *doc;
  GString *plain;
  GString *html;
} Walk;

static GBytes *
part_bytes (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  GByteArray *array;

  if (content == NULL)
    return g_bytes_new (NULL, 0);
  g_mime_data_wrapper_write_to_stream (content, mem);
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  return g_bytes_new (array->data, array->len);
}

static void
add_attachment (Walk *w, GMimeObject *object, const char *filename)
{
  GMimeContentType *type = g_mime_object_get_content_type (object);
  g_autofree char *mime_type = type ? g_mime_content_type_get_mime_type (type) : NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (PosternAttachment) attachment = NULL;

  if (GMIME_IS_PART (object))
    bytes = part_bytes (GMIME_PART (object));
  else
    {
      g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
      GByteArray *array;
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      if (inner != NULL)
        g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL, mem);
      array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
      bytes = g_bytes_new (array->data, array->len);
    }
  attachment = postern_attachment_new (filename, mime_type, bytes);
  g_list_store_append (w->doc->attachments, attachment);
}

static void
append_text (GString *into, const char *text)
{
  if (text == NULL || *text == '\0')
    return;
  if (into->len > 0)
    g_string_append (into, "\n\n");
  g_string_append (into, text);
}

static void
walk (Walk *w, GMimeObject *object, gboolean in_alternative)
{
  if (GMIME_IS_MULTIPART_ENCRYPTED (object))
    {
      w->doc->signature = POSTERN_SIGNATURE_ENCRYPTED;
      return;
    }
  if (GMIME_IS_MULTIPART_SIGNED (object))
    {
      GMimeObject *signed_part
        = g_mime_multipart_get_part (GMIME_MULTIPART (object), GMIME_MULTIPART_SIGNED_CONTENT);
      if (w->doc->signature == POSTERN_SIGNATURE_NONE)
        w->doc->signature = POSTERN_SIGNATURE_UNVERIFIED;
      if (signed_part != NULL)
        walk (w, signed_part, in_alternative);
      return;
    }
  if (GMIME_IS_MULTIPART (object))
    {
      GMimeMultipart *multi = GMIME_MULTIPART (object);
      GMimeContentType *type = g_mime_object_get_content_type (object);
      gboolean alternative = type && g_mime_content_type_is_type (type, "multipart", "alternative");
      for (int i = 0; i < g_mime_multipart_get_count (multi); i++)
        walk (w, g_mime_multipart_get_part (multi, i), alternative);
      return;
    }
  if (GMIME_IS_MESSAGE_PART (object))
    {
      add_attachment (w, object, "message.eml");
      return;
    }
  if (GMIME_IS_PART (object))
    {
      GMimePart *part = GMIME_PART (object);
      GMimeContentType *type = g_mime_object_get_content_type (object);
      const char *disposition = g_mime_object_get_disposition (object);
      const char *filename = g_mime_part_get_filename (part);
      gboolean is_attachment
        = g_strcmp0 (disposition, "attachment") == 0 || (filename != NULL && !in_alternative);

      if (type && g_mime_content_type_is_type (type, "application", "pgp-signature"))
        return;
      if (type && g_mime_content_type_is_type (type, "application", "pkcs7-signature"))
        return;
      if (GMIME_IS_TEXT_PART (object) && !is_attachment)
        {
          g_autofree char *text = g_mime_text_part_get_text (GMIME_TEXT_PART (object));
          g_autofree char *valid = text ? g_utf8_make_valid (text, -1) : NULL;
          if (g_mime_content_type_is_type (type, "text", "html"))
            {
              /* In an alternative, the first HTML part is the one. */
              if (!in_alternative || w->html->len == 0)
                append_text (w->html, valid);
            }
          else if (!in_alternative || w->plain->len == 0)
            append_text (w->plain, valid);
          return;
        }
      add_attachment (w, object, filename);
    }
}

static void
add_mailboxes (InternetAddressList *list, GStrvBuilder *out)
{
  for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);
      if (INTERNET_ADDRESS_IS_GROUP (ia))
        add_mailboxes (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)), out);
      else if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        {
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
          if (addr != NULL && *addr != '\0' && g_utf8_validate (addr, -1, NULL))
            g_strv_builder_add (out, addr);
        }
    }
}

static char *
address_list (GMimeMessage *message, GMimeAddressType type)
{
  InternetAddressList *list = g_mime_message_get_addresses (message, type);
  g_autofree char *text = NULL;

  if (list == NULL || internet_address_list_length (list) == 0)
    return NULL;
  text = internet_address_list_to_string (list, NULL, FALSE);
  return text ? g_utf8_make_valid (text, -1) : NULL;
}

/**
 * postern_message_document_new:
 * @bytes: the raw message
 * @row: (nullable): its index row, for the id, folder and lock
 *
 * Parses the message. This never fails: a message GMime cannot make sense
 * of shows its raw text as the body.
 */
PosternMessageDocument *
postern_message_document_new (GBytes *bytes, const PosternMessageRow *row)
{
  g_autoptr (PosternMessageDocument) self = g_object_new (POSTERN_TYPE_MESSAGE_DOCUMENT, NULL);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  postern_core_init ();
  if (row != NULL)
    {
      self->id = g_strdup (row->id);
      self->folder = g_strdup (row->folder);
      self->lock = row->lock;
    }
  stream = g_mime_stream_mem_new_with_buffer (data, len);
  parser = g_mime_parser_new_with_stream (stream);
  message = g_mime_parser_construct_message (parser, NULL);
  if (message == NULL)
    {
      self->subject = g_strdup (row && row->subject ? row->subject : "");
      self->from = g_strdup (row && row->sender ? row->sender : "");
      self->body = g_utf8_make_valid (data ? data : "", (gssize) len);
      return g_steal_pointer (&self);
    }

  {
    const char *subject = g_mime_message_get_subject (message);
    GDateTime *date = g_mime_message_get_date (message);
    g_autoptr (GDateTime) local = date ? g_date_time_to_local (date) : NULL;
    GMimeObject *body = g_mime_message_get_mime_part (message);
    Walk w = { self, g_string_new (NULL), g_string_new (NULL) };

    self->subject = g_utf8_make_valid (subject ? subject : "", -1);
    self->from = address_list (message, GMIME_ADDRESS_TYPE_FROM);
    self->to = address_list (message, GMIME_ADDRESS_TYPE_TO);
    self->cc = address_list (message, GMIME_ADDRESS_TYPE_CC);
    {
      g_autoptr (GStrvBuilder) recipients = g_strv_builder_new ();
      add_mailboxes (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_TO), recipients);
      add_mailboxes (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_CC), recipients);
      self->recipients = g_strv_builder_end (recipients);
    }
    {
      g_autoptr (GStrvBuilder) senders = g_strv_builder_new ();
      InternetAddressList *reply_to = g_mime_message_get_reply_to (message);
      if (reply_to != NULL && internet_address_list_length (reply_to) > 0)
        add_mailboxes (reply_to, senders);
      else
        add_mailboxes (g_mime_message_get_addresses (message, GMIME_ADDRESS_TYPE_FROM), senders);
      self->senders = g_strv_builder_end (senders);
    }
    if (g_mime_message_get_message_id (message) != NULL)
      self->message_id = g_utf8_make_valid (g_mime_message_get_message_id (message), -1);
    {
      const char *refs = g_mime_object_get_header (GMIME_OBJECT (message), "References");
      if (refs != NULL)
        self->references = g_utf8_make_valid (refs, -1);
    }
    self->date = local ? g_date_time_format (local, _ ("%A, %-e %B %Y, %H:%M")) : NULL;
    if (body != NULL)
      walk (&w, body, FALSE);
    if (w.plain->len > 0)
      self->body = g_string_free (w.plain, FALSE);
    else
      {
        g_string_free (w.plain, TRUE);
        self->body = postern_html_to_readable_text (w.html->str);
        self->body_is_html = w.html->len > 0;
      }
    if (self->body_is_html)
      self->html = g_string_free (w.html, FALSE);
    else
      g_string_free (w.html, TRUE);
  }
  return g_steal_pointer (&self);
}

static PosternSignatureState
signature_state_of (const PosternPgpMimeResult *opened)
{
  switch (opened->signature)
    {
      case POSTERN_SIGNATURE_STATUS_GOOD:
        return opened->signer_pinned ? POSTERN_SIGNATURE_GOOD : POSTERN_SIGNATURE_GOOD_UNPINNED;
      case POSTERN_SIGNATURE_STATUS_BAD:
        return POSTERN_SIGNATURE_BAD;
      case POSTERN_SIGNATURE_STATUS_UNKNOWN_KEY:
        return POSTERN_SIGNATURE_UNKNOWN_KEY;
      case POSTERN_SIGNATURE_STATUS_NONE:
      default:
        return POSTERN_SIGNATURE_NONE;
    }
}

/**
 * postern_message_document_new_opened:
 * @opened: (nullable): what the keyring made of the message: the readable
 *   message and its signature state
 * @open_error: (nullable): why the keyring could not open it, when it could not
 * @stored: the message as stored, shown when @opened is %NULL
 * @row: (nullable): its index row
 *
 * Like postern_message_document_new(), for a message that went through
 * OpenPGP/MIME decryption and verification first: the body is the
 * decrypted one and the signature state the checked one.
 */
PosternMessageDocument *
postern_message_document_new_opened (const PosternPgpMimeResult *opened, const GError *open_error,
                                     GBytes *stored, const PosternMessageRow *row)
{
  PosternMessageDocument *self;

  if (opened == NULL)
    {
      self = postern_message_document_new (stored, row);
      /* A signature the keyring could not read at all is not a bad one:
       * say it was not checked. Encrypted mail keeps its own state. */
      if (open_error != NULL && self->signature == POSTERN_SIGNATURE_NONE)
        self->signature = POSTERN_SIGNATURE_UNVERIFIED;
      return self;
    }
  self = postern_message_document_new (opened->message, row);
  self->decrypted = opened->decrypted;
  if (opened->signature != POSTERN_SIGNATURE_STATUS_NONE)
    {
      self->signature = signature_state_of (opened);
      self->signer = g_strdup (opened->signer_fingerprint);
    }
  return self;
}

const char *
postern_message_document_get_signer (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->signer;
}

gboolean
postern_message_document_get_decrypted (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), FALSE);
  return self->decrypted;
}

/**
 * postern_message_document_get_html:
 *
 * Returns: (nullable): the HTML body as it was sent, when the message has
 *   no plain-text body; never shown without blocking remote content
 */
const char *
postern_message_document_get_html (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->html;
}

const char *
postern_message_document_get_id (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->id;
}

const char *
postern_message_document_get_folder (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->folder;
}

const char *
postern_message_document_get_subject (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->subject;
}

const char *
postern_message_document_get_from (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->from;
}

const char *
postern_message_document_get_to (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->to;
}

const char *
postern_message_document_get_cc (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->cc;
}

const char *
postern_message_document_get_date (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->date;
}

const char *
postern_message_document_get_body (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return self->body ? self->body : "";
}

gboolean
postern_message_document_get_body_is_html (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), FALSE);
  return self->body_is_html;
}

GListModel *
postern_message_document_get_attachments (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  return G_LIST_MODEL (self->attachments);
}

PosternLock
postern_message_document_get_lock (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), POSTERN_LOCK_UNKNOWN);
  return self->lock;
}

PosternSignatureState
postern_message_document_get_signature (PosternMessageDocument *self)
{
  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), POSTERN_SIGNATURE_NONE);
  return self->signature;
}

/**
 * postern_message_document_to_outgoing:
 *
 * What a composer needs to go on with this message (a draft): recipients,
 * subject, body and attachments.
 */
PosternOutgoing *
postern_message_document_to_outgoing (PosternMessageDocument *self)
{
  PosternOutgoing *outgoing;
  guint n;

  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  outgoing = postern_outgoing_new ();
  outgoing->to = g_strdupv (self->recipients);
  outgoing->subject = g_strdup (self->subject);
  outgoing->body = g_strdup (self->body);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->attachments));
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (outgoing->attachments,
                     g_list_model_get_item (G_LIST_MODEL (self->attachments), i));
  return outgoing;
}

/**
 * postern_message_document_to_reply:
 * @all: whether the other recipients are answered too
 * @own_address: (nullable): the user's address, left out of a reply to all
 *
 * A reply: to the sender (Reply-To when given), with "Re: " before the
 * subject, the body quoted, and In-Reply-To/References for threading.
 */
PosternOutgoing *
postern_message_document_to_reply (PosternMessageDocument *self, gboolean all,
                                   const char *own_address)
{
  PosternOutgoing *outgoing;
  g_autoptr (GStrvBuilder) to = g_strv_builder_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GString) body = g_string_new (NULL);
  g_auto (GStrv) lines = NULL;
  const char *subject = self->subject ? self->subject : "";

  g_return_val_if_fail (POSTERN_IS_MESSAGE_DOCUMENT (self), NULL);
  if (own_address != NULL)
    g_hash_table_add (seen, g_ascii_strdown (own_address, -1));
  for (guint pass = 0; pass < (all ? 2u : 1u); pass++)
    for (char **a = pass == 0 ? self->senders : self->recipients; a != NULL && *a != NULL; a++)
      {
        g_autofree char *key = g_ascii_strdown (*a, -1);
        if (g_hash_table_contains (seen, key))
          continue;
        g_hash_table_add (seen, g_steal_pointer (&key));
        g_strv_builder_add (to, *a);
      }

  outgoing = postern_outgoing_new ();
  outgoing->to = g_strv_builder_end (to);
  outgoing->subject = g_ascii_strncasecmp (subject, "Re:", 3) == 0
                        ? g_strdup (subject)
                        : g_strconcat ("Re: ", subject, NULL);
  g_string_append_printf (body, _ ("\n\nOn %s, %s wrote:\n"), self->date ? self->date : "",
                          self->from ? self->from : _ ("someone"));
  lines = g_strsplit (self->body ? self->body : "", "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (body, "%s%s\n", *lines[i] == '>' ? ">" : "> ", lines[i]);
  outgoing->body = g_string_free (g_steal_pointer (&body), FALSE);
  if (self->message_id != NULL)
    {
      outgoing->in_reply_to = g_strdup (self->message_id);
      outgoing->references = self->references
                               ? g_strdup_printf ("%s <%s>", self->references, self->message_id)
                               : g_strdup_printf ("<%s>", self->message_id);
    }
  return outgoing;
}
