/* postern-message-info.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "postern-gmime.h"
#include <string.h>

#include "postern-message-info.h"

#define ID_HEX_LEN 24

/* glibc loads a charset's converter module on iconv_open() and unloads it
 * on the last iconv_close(). GMime opens and closes a converter for every
 * text part, so mail in ISO-8859-1 would load and unload a module per
 * message, and each unload stops every core to flush its TLB. One
 * descriptor per charset, opened once and never used, keeps the module
 * loaded for the life of the process. */
#define PINNED_CHARSETS_MAX 64

static void
pin_charset (const char *charset)
{
  static GMutex lock;
  static GHashTable *pinned;

  if (charset == NULL || g_ascii_strcasecmp (charset, "utf-8") == 0
      || g_ascii_strcasecmp (charset, "us-ascii") == 0)
    return;
  g_mutex_lock (&lock);
  if (pinned == NULL)
    pinned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (g_hash_table_size (pinned) < PINNED_CHARSETS_MAX)
    {
      g_autofree char *name = g_ascii_strdown (charset, -1);
      if (!g_hash_table_contains (pinned, name))
        {
          /* Never closed, on purpose, and kept in the table so leak
           * checkers see it is still reachable. A charset iconv does not
           * know is remembered too, so it is not tried again. */
          iconv_t cd = g_mime_iconv_open ("utf-8", name);
          g_hash_table_insert (pinned, g_steal_pointer (&name), (gpointer) cd);
        }
    }
  g_mutex_unlock (&lock);
}

static gpointer
init_once (gpointer data)
{
  g_mime_init ();
  return NULL;
}

void
postern_core_init (void)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, init_once, NULL);
}

char *
postern_message_compute_id (const void *data, gsize len)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  g_checksum_update (sum, data, len);
  return g_strndup (g_checksum_get_string (sum), ID_HEX_LEN);
}

static char *
valid_utf8 (const char *s)
{
  if (s == NULL)
    return NULL;
  return g_utf8_make_valid (s, -1);
}

static GMimeParserOptions *
parser_options (void)
{
  static GMimeParserOptions *options;

  if (g_once_init_enter (&options))
    {
      /* Much real mail carries raw 8-bit headers; try UTF-8 first, then the
       * charset such mail most often turns out to be in. */
      const char *fallback[] = { "utf-8", "windows-1252", NULL };
      GMimeParserOptions *o = g_mime_parser_options_new ();
      g_mime_parser_options_set_fallback_charsets (o, fallback);
      g_mime_parser_options_set_rfc2047_compliance_mode (o, GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_address_compliance_mode (o, GMIME_RFC_COMPLIANCE_LOOSE);
      g_mime_parser_options_set_parameter_compliance_mode (o, GMIME_RFC_COMPLIANCE_LOOSE);
      /* Here rather than at start-up: only parsing needs it. */
      pin_charset (fallback[1]);
      g_once_init_leave (&options, o);
    }
  return options;
}

static char *
addresses_to_string (InternetAddressList *list)
{
  if (list == NULL || internet_address_list_length (list) == 0)
    return NULL;
  return internet_address_list_to_string (list, NULL, FALSE);
}

typedef struct
{
  GString *text;
} BodyWalk;

static void
append_capped (GString *out, const char *text)
{
  gsize len;

  if (text == NULL || out->len >= POSTERN_MESSAGE_INFO_BODY_MAX)
    return;
  if (out->len > 0)
    g_string_append_c (out, '\n');
  /* The room is measured after the separator, which counts against the
   * cap too: measured before it, a part that just fit overshot by a byte. */
  len = strlen (text);
  if (len > POSTERN_MESSAGE_INFO_BODY_MAX - out->len)
    {
      /* Cut on a character boundary so the index only ever sees UTF-8:
       * back up over continuation bytes to the start of the character the
       * cap falls in (text is valid UTF-8 here), keeping every whole
       * character that fits. */
      len = POSTERN_MESSAGE_INFO_BODY_MAX - out->len;
      while (len > 0 && ((guchar) text[len] & 0xc0) == 0x80)
        len--;
    }
  g_string_append_len (out, text, (gssize) len);
}

static void
collect_text (GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
  BodyWalk *walk = user_data;
  GMimeContentType *type;
  g_autofree char *text = NULL;

  if (!GMIME_IS_TEXT_PART (part))
    return;
  if (GMIME_IS_PART (part) && g_mime_part_is_attachment (GMIME_PART (part)))
    return;

  type = g_mime_object_get_content_type (part);
  pin_charset (g_mime_content_type_get_parameter (type, "charset"));
  text = g_mime_text_part_get_text (GMIME_TEXT_PART (part));
  if (text == NULL)
    return;

  if (g_mime_content_type_is_type (type, "text", "html"))
    {
      g_autofree char *plain = postern_html_to_text (text, -1);
      g_autofree char *valid = valid_utf8 (plain);
      append_capped (walk->text, valid);
    }
  else
    {
      g_autofree char *valid = valid_utf8 (text);
      append_capped (walk->text, valid);
    }
}

PosternMessageInfo *
postern_message_info_parse (const void *data, gsize len)
{
  PosternMessageInfo *info = g_new0 (PosternMessageInfo, 1);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;
  g_autoptr (GMimeMessage) message = NULL;
  BodyWalk walk;

  postern_core_init ();

  info->id = postern_message_compute_id (data, len);
  info->size = len;

  /* The mem stream copies; mail is parsed once at delivery, so that is fine.
   * An empty file maps to NULL data, which the mem stream refuses with a
   * critical, so an empty message gets an empty stream instead. */
  stream = len > 0 ? g_mime_stream_mem_new_with_buffer (data, len) : g_mime_stream_mem_new ();
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  message = g_mime_parser_construct_message (parser, parser_options ());
  if (message == NULL)
    return info;

  {
    const char *mid = g_mime_message_get_message_id (message);
    GDateTime *date = g_mime_message_get_date (message);
    g_autofree char *to = addresses_to_string (g_mime_message_get_to (message));
    g_autofree char *cc = addresses_to_string (g_mime_message_get_cc (message));
    g_autofree char *from = addresses_to_string (g_mime_message_get_from (message));

    info->message_id = valid_utf8 (mid);
    info->subject = valid_utf8 (g_mime_message_get_subject (message));
    info->sender = valid_utf8 (from);
    if (to != NULL && cc != NULL)
      {
        g_autofree char *both = g_strconcat (to, ", ", cc, NULL);
        info->recipients = valid_utf8 (both);
      }
    else
      info->recipients = valid_utf8 (to != NULL ? to : cc);
    if (date != NULL)
      info->date = g_date_time_to_unix (date);
  }

  walk.text = g_string_new (NULL);
  if (g_mime_message_get_mime_part (message) != NULL)
    {
      GMimeObject *body = g_mime_message_get_mime_part (message);
      if (GMIME_IS_MULTIPART (body))
        g_mime_multipart_foreach (GMIME_MULTIPART (body), collect_text, &walk);
      else
        collect_text (NULL, body, &walk);
    }
  info->body_text = g_string_free (walk.text, FALSE);
  return info;
}

void
postern_message_info_free (PosternMessageInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->message_id);
  g_free (info->sender);
  g_free (info->recipients);
  g_free (info->subject);
  g_free (info->body_text);
  g_free (info);
}

static const struct
{
  const char *name;
  const char *text;
} entities[] = {
  { "amp;", "&" }, { "lt;", "<" }, { "gt;", ">" }, { "quot;", "\"" }, { "nbsp;", " " }, { "#39;", "'" },
};

/* A tag-stripping pass good enough for the search index: words in, markup
 * out. Script and style contents are dropped; block tags become spaces. */
char *
postern_html_to_text (const char *html, gssize len)
{
  GString *out;
  const char *p, *end;

  if (html == NULL)
    return g_strdup ("");
  if (len < 0)
    len = (gssize) strlen (html);
  out = g_string_sized_new ((gsize) len / 2 + 1);
  p = html;
  end = html + len;

  while (p < end)
    {
      if (*p == '<')
        {
          const char *close = memchr (p, '>', (gsize) (end - p));
          gboolean skip_body = FALSE;
          const char *skip_tag = NULL;

          if (close == NULL)
            break;
          if ((gsize) (close - p) >= 7 && g_ascii_strncasecmp (p + 1, "script", 6) == 0)
            skip_body = TRUE, skip_tag = "</script";
          else if ((gsize) (close - p) >= 6 && g_ascii_strncasecmp (p + 1, "style", 5) == 0)
            skip_body = TRUE, skip_tag = "</style";
          p = close + 1;
          if (skip_body)
            {
              gsize tag_len = strlen (skip_tag);
              while (p + tag_len <= end && g_ascii_strncasecmp (p, skip_tag, tag_len) != 0)
                p++;
              if (p + tag_len > end)
                p = end; /* never closed: the rest is script or style */
            }
          if (out->len > 0 && out->str[out->len - 1] != ' ')
            g_string_append_c (out, ' ');
          continue;
        }
      if (*p == '&')
        {
          gboolean matched = FALSE;
          for (guint i = 0; i < G_N_ELEMENTS (entities); i++)
            {
              gsize n = strlen (entities[i].name);
              if ((gsize) (end - p - 1) >= n && strncmp (p + 1, entities[i].name, n) == 0)
                {
                  g_string_append (out, entities[i].text);
                  p += n + 1;
                  matched = TRUE;
                  break;
                }
            }
          if (matched)
            continue;
        }
      g_string_append_c (out, *p);
      p++;
    }
  return g_string_free (out, FALSE);
}
