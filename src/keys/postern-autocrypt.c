/* postern-autocrypt.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-autocrypt.h"
#include "postern-error.h"
#include "postern-gmime.h"
#include "postern-message-info.h"
#include "postern-mime-private.h"

/* Base64 of the keydata, folded so that no header line passes 78
 * characters (RFC 5322 §2.1.1). */
#define FOLD_WIDTH 76

/* OpenPGP packet tags (RFC 4880 §4.3). */
enum
{
  TAG_SIGNATURE = 2,
  TAG_PUBLIC_KEY = 6,
  TAG_USER_ID = 13,
  TAG_PUBLIC_SUBKEY = 14,
};

G_DEFINE_BOXED_TYPE (PosternAutocryptHeader, postern_autocrypt_header,
                     postern_autocrypt_header_copy, postern_autocrypt_header_free)

static gboolean
invalid (GError **error, const char *why)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "invalid Autocrypt header: %s", why);
  return FALSE;
}

/* One OpenPGP packet: [start, end) of the data, the body from body. */
typedef struct
{
  gsize start;
  gsize body;
  gsize end;
  guint tag;
} Packet;

/* Reads the packet at @pos. Partial and indeterminate lengths are refused:
 * RFC 4880 §4.2.2.4 allows them only for data packets, never in keys. */
static gboolean
read_packet (const guchar *data, gsize len, gsize pos, Packet *out)
{
  gsize p = pos + 1;
  gsize body_len;
  guchar b;

  if (pos >= len || ((b = data[pos]) & 0x80) == 0)
    return FALSE;
  if (b & 0x40)
    {
      out->tag = b & 0x3f;
      if (p >= len)
        return FALSE;
      if (data[p] < 192)
        body_len = data[p], p += 1;
      else if (data[p] < 224)
        {
          if (p + 1 >= len)
            return FALSE;
          body_len = ((gsize) (data[p] - 192) << 8) + data[p + 1] + 192;
          p += 2;
        }
      else if (data[p] == 255)
        {
          if (len - p < 5)
            return FALSE;
          body_len = ((gsize) data[p + 1] << 24) | ((gsize) data[p + 2] << 16)
                     | ((gsize) data[p + 3] << 8) | data[p + 4];
          p += 5;
        }
      else
        return FALSE;
    }
  else
    {
      guint length_type = b & 0x03;
      guint n = length_type == 0 ? 1 : length_type == 1 ? 2 : length_type == 2 ? 4 : 0;

      out->tag = (b >> 2) & 0x0f;
      if (n == 0 || len - p < n)
        return FALSE;
      body_len = 0;
      for (guint i = 0; i < n; i++)
        body_len = (body_len << 8) | data[p + i];
      p += n;
    }
  if (body_len > len - p)
    return FALSE;
  out->start = pos;
  out->body = p;
  out->end = p + body_len;
  return TRUE;
}

/* Whether @data is one transferable public key: well-formed packets, the
 * first a public key, no second one. */
static gboolean
is_one_public_key (const guchar *data, gsize len)
{
  Packet packet;
  gsize pos = 0;
  guint keys = 0;

  if (len == 0)
    return FALSE;
  while (pos < len)
    {
      if (!read_packet (data, len, pos, &packet))
        return FALSE;
      if (pos == 0 && packet.tag != TAG_PUBLIC_KEY)
        return FALSE;
      if (packet.tag == TAG_PUBLIC_KEY && ++keys > 1)
        return FALSE;
      pos = packet.end;
    }
  return TRUE;
}

static char *
user_id_address (const guchar *text, gsize len)
{
  g_autofree char *uid = g_strndup ((const char *) text, len);
  const char *lt = strrchr (uid, '<');
  const char *gt = lt ? strchr (lt, '>') : NULL;
  g_autofree char *spec
    = lt && gt ? g_strndup (lt + 1, (gsize) (gt - lt - 1)) : g_strstrip (g_strdup (uid));

  if (!g_utf8_validate (spec, -1, NULL))
    return NULL;
  return g_utf8_strdown (spec, -1);
}

/**
 * postern_autocrypt_filter_key:
 * @keydata: one transferable public key, binary
 * @addr: the address the key is sent for
 *
 * Keeps only what Autocrypt needs (Level 1, §2.1.1): the primary key, the
 * user ID for @addr, the subkeys, and their self-signatures. A key made
 * for several addresses (a legacy and an onion one, say) would otherwise
 * tell every correspondent all of them.
 *
 * Returns: (transfer full) (nullable): the filtered key, or %NULL when
 *   @keydata is not one well-formed key or has no user ID for @addr.
 */
GBytes *
postern_autocrypt_filter_key (GBytes *keydata, const char *addr)
{
  g_autoptr (GByteArray) out = NULL;
  g_autofree char *wanted = NULL;
  const guchar *data;
  gsize len;
  gsize pos = 0;
  gboolean keep = TRUE;
  gboolean have_uid = FALSE;

  g_return_val_if_fail (keydata != NULL, NULL);
  g_return_val_if_fail (addr != NULL, NULL);
  data = g_bytes_get_data (keydata, &len);
  if (data == NULL || !is_one_public_key (data, len))
    return NULL;
  wanted = g_utf8_strdown (addr, -1);
  out = g_byte_array_new ();
  while (pos < len)
    {
      Packet packet;
      gboolean keep_this;

      if (!read_packet (data, len, pos, &packet))
        return NULL;
      switch (packet.tag)
        {
        case TAG_PUBLIC_KEY:
        case TAG_PUBLIC_SUBKEY:
          keep = keep_this = TRUE;
          break;
        case TAG_USER_ID:
          {
            g_autofree char *uid_addr
              = user_id_address (data + packet.body, packet.end - packet.body);
            keep = keep_this = uid_addr != NULL && g_str_equal (uid_addr, wanted);
            have_uid |= keep;
          }
          break;
        case TAG_SIGNATURE:
          /* A signature belongs to the packet it follows. */
          keep_this = keep;
          break;
        default:
          /* User attributes (photos) and what follows them, trust packets. */
          keep = keep_this = FALSE;
          break;
        }
      if (keep_this)
        g_byte_array_append (out, data + packet.start, (guint) (packet.end - packet.start));
      pos = packet.end;
    }
  if (!have_uid)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* An address that can stand in the header's attribute syntax. */
static gboolean
addr_is_usable (const char *addr)
{
  for (const char *c = addr; *c != '\0'; c++)
    if (*c == ';' || g_ascii_isspace (*c) || g_ascii_iscntrl (*c))
      return FALSE;
  return TRUE;
}

/**
 * postern_autocrypt_header_new:
 * @addr: the address
 * @keydata: one transferable public key, binary
 *
 * Returns: (transfer full): the header, or %NULL with @error set when
 *   @addr or @keydata cannot go into an Autocrypt header.
 */
PosternAutocryptHeader *
postern_autocrypt_header_new (const char *addr, gboolean prefer_encrypt, GBytes *keydata,
                              GError **error)
{
  g_autoptr (PosternAutocryptHeader) header = g_new0 (PosternAutocryptHeader, 1);
  g_autoptr (GError) local_error = NULL;
  gsize len = 0;
  const guchar *data = keydata ? g_bytes_get_data (keydata, &len) : NULL;

  header->addr = postern_keyring_normalize_address (addr, &local_error);
  if (header->addr == NULL)
    {
      invalid (error, local_error->message);
      return NULL;
    }
  if (!addr_is_usable (header->addr))
    {
      invalid (error, "the address cannot be written in the header");
      return NULL;
    }
  if (data == NULL || len > POSTERN_AUTOCRYPT_MAX_KEYDATA || !is_one_public_key (data, len))
    {
      invalid (error, "keydata is not one OpenPGP public key");
      return NULL;
    }
  header->prefer_encrypt = prefer_encrypt;
  header->keydata = g_bytes_ref (keydata);
  return g_steal_pointer (&header);
}

PosternAutocryptHeader *
postern_autocrypt_header_copy (const PosternAutocryptHeader *header)
{
  PosternAutocryptHeader *copy = g_new0 (PosternAutocryptHeader, 1);

  copy->addr = g_strdup (header->addr);
  copy->prefer_encrypt = header->prefer_encrypt;
  copy->keydata = header->keydata ? g_bytes_ref (header->keydata) : NULL;
  return copy;
}

void
postern_autocrypt_header_free (PosternAutocryptHeader *header)
{
  if (header == NULL)
    return;
  g_free (header->addr);
  g_clear_pointer (&header->keydata, g_bytes_unref);
  g_free (header);
}

/* Strict base64: folding white space is dropped, anything else outside
 * the alphabet, or padding in the middle, is an error. */
static GBytes *
decode_keydata (const char *value, GError **error)
{
  g_autoptr (GString) clean = g_string_new (NULL);
  g_autofree guchar *decoded = NULL;
  gsize len = 0;
  gsize padding = 0;

  for (const char *c = value; *c != '\0'; c++)
    {
      if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
        continue;
      if (!(g_ascii_isalnum (*c) || *c == '+' || *c == '/' || *c == '='))
        {
          invalid (error, "keydata is not base64");
          return NULL;
        }
      if (*c == '=')
        padding++;
      else if (padding > 0)
        {
          invalid (error, "keydata is not base64");
          return NULL;
        }
      g_string_append_c (clean, *c);
      if (clean->len > POSTERN_AUTOCRYPT_MAX_KEYDATA / 3 * 4 + 4)
        {
          invalid (error, "keydata is too big");
          return NULL;
        }
    }
  if (clean->len == 0 || clean->len % 4 != 0 || padding > 2)
    {
      invalid (error, "keydata is not base64");
      return NULL;
    }
  decoded = g_base64_decode (clean->str, &len);
  if (len == 0 || len > POSTERN_AUTOCRYPT_MAX_KEYDATA || !is_one_public_key (decoded, len))
    {
      invalid (error, "keydata is not one OpenPGP public key");
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&decoded), len);
}

/**
 * postern_autocrypt_header_parse:
 * @value: the header's value, folded or not
 *
 * Parses an Autocrypt header by the rules of Level 1 §2.1: `addr` and
 * `keydata` must be there once each; `prefer-encrypt` is `mutual` or
 * means no preference; unknown attributes starting with `_` are ignored,
 * any other unknown attribute makes the whole header invalid.
 *
 * Returns: (transfer full): the header, or %NULL with
 *   %POSTERN_ERROR_INVALID saying what is wrong.
 */
PosternAutocryptHeader *
postern_autocrypt_header_parse (const char *value, GError **error)
{
  g_auto (GStrv) attributes = NULL;
  g_autofree char *addr = NULL;
  g_autoptr (GBytes) keydata = NULL;
  gboolean prefer_encrypt = FALSE;
  gboolean seen_prefer = FALSE;

  if (value == NULL || !g_utf8_validate (value, -1, NULL))
    {
      invalid (error, "it is not UTF-8");
      return NULL;
    }
  attributes = g_strsplit (value, ";", -1);
  for (guint i = 0; attributes[i] != NULL; i++)
    {
      char *attr = g_strstrip (attributes[i]);
      char *eq;
      char *name;
      char *val;

      if (*attr == '\0')
        continue;
      if ((eq = strchr (attr, '=')) == NULL)
        {
          invalid (error, "an attribute has no value");
          return NULL;
        }
      *eq = '\0';
      name = g_strstrip (attr);
      val = g_strstrip (eq + 1);
      if (g_ascii_strcasecmp (name, "addr") == 0)
        {
          g_autoptr (GError) local_error = NULL;
          if (addr != NULL)
            {
              invalid (error, "addr appears twice");
              return NULL;
            }
          if ((addr = postern_keyring_normalize_address (val, &local_error)) == NULL)
            {
              invalid (error, local_error->message);
              return NULL;
            }
        }
      else if (g_ascii_strcasecmp (name, "prefer-encrypt") == 0)
        {
          if (seen_prefer)
            {
              invalid (error, "prefer-encrypt appears twice");
              return NULL;
            }
          seen_prefer = TRUE;
          prefer_encrypt = g_str_equal (val, "mutual");
        }
      else if (g_ascii_strcasecmp (name, "keydata") == 0)
        {
          if (keydata != NULL)
            {
              invalid (error, "keydata appears twice");
              return NULL;
            }
          if ((keydata = decode_keydata (val, error)) == NULL)
            return NULL;
        }
      else if (name[0] != '_')
        {
          invalid (error, "it has an unknown critical attribute");
          return NULL;
        }
    }
  if (addr == NULL || keydata == NULL)
    {
      invalid (error, addr == NULL ? "addr is missing" : "keydata is missing");
      return NULL;
    }
  return postern_autocrypt_header_new (addr, prefer_encrypt, keydata, error);
}

/**
 * postern_autocrypt_header_format:
 * @newline: the message's line ending, "\r\n" or "\n"
 *
 * Returns: (transfer full): the header's value (what follows
 *   "Autocrypt: "), its keydata folded into lines of 76 characters.
 */
char *
postern_autocrypt_header_format (const PosternAutocryptHeader *header, const char *newline)
{
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *encoded = NULL;
  gsize len;

  g_return_val_if_fail (header != NULL && header->keydata != NULL, NULL);
  g_string_append_printf (out, "addr=%s; ", header->addr);
  if (header->prefer_encrypt)
    g_string_append (out, "prefer-encrypt=mutual; ");
  g_string_append (out, "keydata=");
  encoded = g_base64_encode (g_bytes_get_data (header->keydata, NULL),
                             g_bytes_get_size (header->keydata));
  len = strlen (encoded);
  for (gsize i = 0; i < len; i += FOLD_WIDTH)
    {
      g_string_append_printf (out, "%s ", newline ? newline : "\r\n");
      g_string_append_len (out, encoded + i, (gssize) MIN (FOLD_WIDTH, len - i));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static GMimeMessage *
parse_message (GBytes *bytes)
{
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;

  postern_core_init ();
  stream = g_mime_stream_mem_new_with_buffer (data ? data : "", len);
  parser = g_mime_parser_new_with_stream (stream);
  return g_mime_parser_construct_message (parser, NULL);
}

/* The one mailbox in From, normalized; NULL for none or several. */
static char *
sole_sender (GMimeMessage *message)
{
  InternetAddressList *from = g_mime_message_get_from (message);
  InternetAddress *ia;

  if (from == NULL || internet_address_list_length (from) != 1)
    return NULL;
  ia = internet_address_list_get_address (from, 0);
  if (!INTERNET_ADDRESS_IS_MAILBOX (ia))
    return NULL;
  return postern_keyring_normalize_address (
    internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)), NULL);
}

/**
 * postern_autocrypt_add_header_sync:
 * @message: a message about to be sent
 *
 * Puts an Autocrypt header with our key for the From address on
 * @message (in place of any it had), with prefer-encrypt=mutual: Postern
 * encrypts whenever it holds every recipient's key. A message from an
 * address we have no key for is returned as it is.
 *
 * Returns: (transfer full): the message to send, or %NULL with @error set.
 */
GBytes *
postern_autocrypt_add_header_sync (PosternKeyring *keyring, GBytes *message,
                                   GCancellable *cancellable, GError **error)
{
  g_autoptr (GMimeMessage) parsed = NULL;
  g_autoptr (PosternRawMessage) raw = NULL;
  g_autoptr (GBytes) exported = NULL;
  g_autoptr (GBytes) keydata = NULL;
  g_autoptr (PosternAutocryptHeader) header = NULL;
  g_autoptr (GString) out = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *from = NULL;
  g_autofree char *own = NULL;
  g_autofree char *value = NULL;
  gsize rest;

  g_return_val_if_fail (POSTERN_IS_KEYRING (keyring), NULL);
  g_return_val_if_fail (message != NULL, NULL);
  if ((parsed = parse_message (message)) == NULL || (from = sole_sender (parsed)) == NULL)
    return g_bytes_ref (message);
  own = postern_keyring_find_own_key_sync (keyring, from, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (own == NULL)
    return g_bytes_ref (message);
  exported = postern_keyring_export_sync (
    keyring, own, POSTERN_KEY_EXPORT_MINIMAL | POSTERN_KEY_EXPORT_BINARY, cancellable, error);
  if (exported == NULL)
    return NULL;
  keydata = postern_autocrypt_filter_key (exported, from);
  if ((header = postern_autocrypt_header_new (from, TRUE, keydata ? keydata : exported, error))
      == NULL)
    return NULL;

  raw = _postern_raw_message_new (message);
  value = postern_autocrypt_header_format (header, _postern_raw_message_newline (raw));
  out = g_string_new (NULL);
  g_string_append_printf (out, "Autocrypt: %s%s", value, _postern_raw_message_newline (raw));
  rest = 0;
  for (guint i = 0; i < raw->fields->len; i++)
    {
      PosternRawField *f = &g_array_index (raw->fields, PosternRawField, i);
      if (!_postern_raw_field_is (raw, i, "Autocrypt"))
        g_string_append_len (out, raw->data + f->start, (gssize) (f->end - f->start));
      rest = f->end;
    }
  g_string_append_len (out, raw->data + rest, (gssize) (raw->len - rest));
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

static gint64
effective_date (GMimeMessage *message)
{
  GDateTime *date = g_mime_message_get_date (message);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* A date in the future must not outrank what later mail says. */
  if (date == NULL)
    return now;
  return MIN (g_date_time_to_unix (date), now);
}

/**
 * postern_autocrypt_learn_sync:
 * @message: a message that arrived
 * @out_verdict: (out) (optional): what the trust policy made of the key,
 *   when one was learned
 * @out_fingerprint: (out) (optional) (nullable): the key's fingerprint, or
 *   %NULL when the message taught nothing
 *
 * Learns the key in @message's Autocrypt header (Level 1, §2.3): only
 * from a message with one From address and exactly one valid Autocrypt
 * header for that address, not from a delivery report. The key is pinned
 * for that address only, whatever user IDs it carries; a different key
 * than the one pinned becomes a conflict.
 *
 * Returns: %FALSE with @error set when the keyring or the pins failed;
 *   a message without a usable header is no error.
 */
gboolean
postern_autocrypt_learn_sync (PosternKeyring *keyring, GBytes *message,
                              PosternTrustVerdict *out_verdict, char **out_fingerprint,
                              GCancellable *cancellable, GError **error)
{
  g_autoptr (GMimeMessage) parsed = NULL;
  g_autoptr (PosternAutocryptHeader) found = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autoptr (PosternPin) pin = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *from = NULL;
  g_autofree char *source = NULL;
  PosternTrust *trust = postern_keyring_get_trust (keyring);
  GMimeHeaderList *headers;
  GMimeContentType *type;
  GMimeObject *top;
  PosternKeyImport *import;
  PosternTrustVerdict verdict;
  const char *message_id;
  guint valid = 0;

  g_return_val_if_fail (POSTERN_IS_KEYRING (keyring), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  if (out_fingerprint != NULL)
    *out_fingerprint = NULL;
  if ((parsed = parse_message (message)) == NULL || (from = sole_sender (parsed)) == NULL)
    return TRUE;
  top = g_mime_message_get_mime_part (parsed);
  type = top ? g_mime_object_get_content_type (top) : NULL;
  if (type != NULL && g_mime_content_type_is_type (type, "multipart", "report"))
    return TRUE;

  headers = g_mime_object_get_header_list (GMIME_OBJECT (parsed));
  for (int i = 0; i < g_mime_header_list_get_count (headers); i++)
    {
      GMimeHeader *h = g_mime_header_list_get_header_at (headers, i);
      g_autoptr (PosternAutocryptHeader) header = NULL;

      if (g_ascii_strcasecmp (g_mime_header_get_name (h), "Autocrypt") != 0)
        continue;
      header = postern_autocrypt_header_parse (g_mime_header_get_raw_value (h), NULL);
      if (header == NULL || !g_str_equal (header->addr, from))
        continue;
      valid++;
      g_clear_pointer (&found, postern_autocrypt_header_free);
      found = g_steal_pointer (&header);
    }
  /* Two headers for the sender: no one knows which one is meant. */
  if (valid != 1)
    return TRUE;

  if (trust != NULL && (pin = postern_trust_get_pin (trust, from, &local_error)) == NULL
      && local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  message_id = g_mime_message_get_message_id (parsed);
  source = message_id ? g_strdup_printf ("Autocrypt header of <%s>", message_id)
                      : g_strdup_printf ("Autocrypt header of a message from %s", from);
  imports = postern_keyring_import_sync (keyring, found->keydata, source, from, cancellable,
                                         &local_error);
  if (imports == NULL)
    {
      /* Key data GnuPG will not take (no valid self-signature, say) is a
       * bad header, not a failure to learn. */
      if (g_error_matches (local_error, POSTERN_ERROR, POSTERN_ERROR_INVALID))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (imports->len != 1)
    return TRUE;
  import = imports->pdata[0];
  if (import->status == POSTERN_KEY_IMPORT_CONFLICT)
    verdict = POSTERN_TRUST_VERDICT_CONFLICT;
  else if (import->status == POSTERN_KEY_IMPORT_REJECTED)
    verdict = POSTERN_TRUST_VERDICT_REJECTED;
  else
    {
      verdict = pin == NULL ? POSTERN_TRUST_VERDICT_NEW_PIN : POSTERN_TRUST_VERDICT_PINNED;
      if (trust != NULL
          && !postern_trust_note_autocrypt (trust, from, import->fingerprint,
                                            effective_date (parsed), found->prefer_encrypt, error))
        return FALSE;
    }
  if (out_verdict != NULL)
    *out_verdict = verdict;
  if (out_fingerprint != NULL)
    *out_fingerprint = g_strdup (import->fingerprint);
  return TRUE;
}

/**
 * postern_autocrypt_learn_incoming:
 * @profile: the profile the message was delivered to
 * @message: the message, already stored
 *
 * What a receiving transport calls after storing a message: learns its
 * Autocrypt key for @profile. Learning is a bonus; a failure is logged
 * (without key material) and never undoes the delivery.
 */
void
postern_autocrypt_learn_incoming (PosternProfile *profile, GBytes *message)
{
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (POSTERN_IS_PROFILE (profile));
  keyring = postern_keyring_new_for_profile (profile);
  if (!postern_autocrypt_learn_sync (keyring, message, NULL, NULL, NULL, &error))
    g_debug ("no key learned from an Autocrypt header: %s", error->message);
}

typedef struct
{
  PosternTrustVerdict verdict;
  char *fingerprint;
} Learned;

static void
learned_free (Learned *learned)
{
  g_free (learned->fingerprint);
  g_free (learned);
}

static void
learn_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Learned *learned = g_new0 (Learned, 1);
  GError *error = NULL;

  if (!postern_autocrypt_learn_sync (source, task_data, &learned->verdict, &learned->fingerprint,
                                     cancellable, &error))
    {
      learned_free (learned);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, learned, (GDestroyNotify) learned_free);
}

void
postern_autocrypt_learn_async (PosternKeyring *keyring, GBytes *message, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (keyring, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_autocrypt_learn_async);
  g_task_set_task_data (task, g_bytes_ref (message), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, learn_thread);
}

gboolean
postern_autocrypt_learn_finish (PosternKeyring *keyring, GAsyncResult *result,
                                PosternTrustVerdict *out_verdict, char **out_fingerprint,
                                GError **error)
{
  Learned *learned;

  g_return_val_if_fail (g_task_is_valid (result, keyring), FALSE);
  learned = g_task_propagate_pointer (G_TASK (result), error);
  if (learned == NULL)
    return FALSE;
  if (out_verdict != NULL)
    *out_verdict = learned->verdict;
  if (out_fingerprint != NULL)
    *out_fingerprint = g_steal_pointer (&learned->fingerprint);
  learned_free (learned);
  return TRUE;
}
