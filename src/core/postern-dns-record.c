/* postern-dns-record.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-dns-record.h"
#include "postern-error.h"

G_DEFINE_BOXED_TYPE (PosternSrvRecord, postern_srv_record, postern_srv_record_copy,
                     postern_srv_record_free)

PosternSrvRecord *
postern_srv_record_copy (const PosternSrvRecord *record)
{
  PosternSrvRecord *copy = g_new0 (PosternSrvRecord, 1);

  *copy = *record;
  copy->target = g_strdup (record->target);
  return copy;
}

void
postern_srv_record_free (PosternSrvRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->target);
  g_free (record);
}

static gboolean
host_name_char (guint8 c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '_';
}

/**
 * postern_dns_name_from_wire:
 * @data: a domain name in wire form (length-prefixed labels ending in the
 *   empty root label), followed by anything
 * @out_used: (out) (optional): how many bytes the name took
 *
 * Decodes an uncompressed domain name. Only host-name labels (letters,
 * digits, '-' and '_') are accepted: the names Postern reads are hosts to
 * connect to, and anything else in them could only mislead.
 *
 * Returns: the lower-case name without the trailing dot, "." for the root.
 */
char *
postern_dns_name_from_wire (const guint8 *data, gsize len, gsize *out_used, GError **error)
{
  g_autoptr (GString) name = g_string_new (NULL);
  gsize pos = 0;

  for (;;)
    {
      guint8 label;

      if (pos >= len)
        goto truncated;
      label = data[pos++];
      if (label == 0)
        break;
      if (label > 63)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "malformed DNS name: label length %u", label);
          return NULL;
        }
      if (label > len - pos)
        goto truncated;
      if (name->len + label + 1 > 253)
        {
          g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                               "malformed DNS name: longer than 253 characters");
          return NULL;
        }
      if (name->len > 0)
        g_string_append_c (name, '.');
      for (guint i = 0; i < label; i++)
        {
          guint8 c = data[pos + i];
          if (!host_name_char (c))
            {
              g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                           "DNS name holds a character that is not in a host name (0x%02x)", c);
              return NULL;
            }
          g_string_append_c (name, g_ascii_tolower ((char) c));
        }
      pos += label;
    }
  if (out_used != NULL)
    *out_used = pos;
  if (name->len == 0)
    g_string_append_c (name, '.');
  return g_string_free (g_steal_pointer (&name), FALSE);

truncated:
  g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "malformed DNS name: truncated");
  return NULL;
}

/**
 * postern_dns_parse_srv:
 *
 * Decodes SRV RDATA: priority, weight, port (16 bits each, network order)
 * and the target name, which must fill the rest exactly.
 */
PosternSrvRecord *
postern_dns_parse_srv (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (PosternSrvRecord) record = g_new0 (PosternSrvRecord, 1);
  gsize used = 0;

  if (len < 7)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "malformed SRV record: %" G_GSIZE_FORMAT " bytes", len);
      return NULL;
    }
  record->priority = (guint16) (data[0] << 8 | data[1]);
  record->weight = (guint16) (data[2] << 8 | data[3]);
  record->port = (guint16) (data[4] << 8 | data[5]);
  record->target = postern_dns_name_from_wire (data + 6, len - 6, &used, error);
  if (record->target == NULL)
    {
      g_prefix_error (error, "malformed SRV record: ");
      return NULL;
    }
  if (used != len - 6)
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                           "malformed SRV record: data after the target");
      return NULL;
    }
  return g_steal_pointer (&record);
}

/**
 * postern_dns_parse_txt:
 *
 * Decodes TXT RDATA: one or more length-prefixed character-strings, joined
 * without a separator (as RFC 7208 §3.3 reads them). A NUL byte is refused;
 * bytes that are not UTF-8 become U+FFFD.
 *
 * Returns: the text, valid UTF-8.
 */
char *
postern_dns_parse_txt (const guint8 *data, gsize len, GError **error)
{
  g_autoptr (GString) text = g_string_new (NULL);
  gsize pos = 0;

  if (len == 0)
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                           "malformed TXT record: empty");
      return NULL;
    }
  while (pos < len)
    {
      guint8 n = data[pos++];
      if (n > len - pos)
        {
          g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                               "malformed TXT record: truncated string");
          return NULL;
        }
      if (memchr (data + pos, '\0', n) != NULL)
        {
          g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                               "malformed TXT record: NUL byte");
          return NULL;
        }
      g_string_append_len (text, (const char *) data + pos, n);
      pos += n;
    }
  return g_utf8_make_valid (text->str, (gssize) text->len);
}

static int
compare_srv (gconstpointer a, gconstpointer b)
{
  const PosternSrvRecord *x = *(PosternSrvRecord *const *) a;
  const PosternSrvRecord *y = *(PosternSrvRecord *const *) b;

  if (x->priority != y->priority)
    return x->priority < y->priority ? -1 : 1;
  if (x->weight != y->weight)
    return x->weight > y->weight ? -1 : 1;
  return g_strcmp0 (x->target, y->target);
}

/**
 * postern_dns_sort_srv:
 * @records: (element-type PosternSrvRecord)
 *
 * Puts SRV records in the order to try them: lowest priority first, then
 * the heaviest weight. RFC 2782 picks among one priority at random by
 * weight; a fixed order keeps the choice reproducible and still prefers
 * what the domain prefers.
 */
void
postern_dns_sort_srv (GPtrArray *records)
{
  g_ptr_array_sort (records, compare_srv);
}
