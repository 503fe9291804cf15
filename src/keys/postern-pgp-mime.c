/* postern-pgp-mime.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-autocrypt.h"
#include "postern-error.h"
#include "postern-gmime.h"
#include "postern-gpg-private.h"
#include "postern-message-info.h"
#include "postern-mime-private.h"
#include "postern-pgp-mime.h"
#include "postern-router.h"
#include "postern-store.h"

#define PGP_ENCRYPTED "application/pgp-encrypted"
#define PGP_SIGNATURE "application/pgp-signature"

G_DEFINE_BOXED_TYPE (PosternPgpMimeResult, postern_pgp_mime_result, postern_pgp_mime_result_copy,
                     postern_pgp_mime_result_free)

const char *
postern_signature_status_to_string (PosternSignatureStatus status)
{
  switch (status)
    {
    case POSTERN_SIGNATURE_STATUS_GOOD:
      return "good";
    case POSTERN_SIGNATURE_STATUS_BAD:
      return "bad";
    case POSTERN_SIGNATURE_STATUS_UNKNOWN_KEY:
      return "unknown-key";
    case POSTERN_SIGNATURE_STATUS_NONE:
    default:
      return "none";
    }
}

PosternPgpMimeResult *
postern_pgp_mime_result_copy (const PosternPgpMimeResult *result)
{
  PosternPgpMimeResult *copy = g_new0 (PosternPgpMimeResult, 1);

  *copy = *result;
  copy->message = result->message ? g_bytes_ref (result->message) : NULL;
  copy->decrypt_error = result->decrypt_error ? g_error_copy (result->decrypt_error) : NULL;
  copy->signer_fingerprint = g_strdup (result->signer_fingerprint);
  return copy;
}

void
postern_pgp_mime_result_free (PosternPgpMimeResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->message, g_bytes_unref);
  g_clear_error (&result->decrypt_error);
  g_free (result->signer_fingerprint);
  g_free (result);
}

/* The raw header block. */

PosternRawMessage *
_postern_raw_message_new (GBytes *bytes)
{
  PosternRawMessage *raw = g_new0 (PosternRawMessage, 1);
  gsize pos = 0;

  raw->bytes = g_bytes_ref (bytes);
  raw->data = g_bytes_get_data (bytes, &raw->len);
  if (raw->data == NULL)
    raw->data = "";
  raw->fields = g_array_new (FALSE, FALSE, sizeof (PosternRawField));
  raw->body_start = raw->len;
  while (pos < raw->len)
    {
      const char *nl = memchr (raw->data + pos, '\n', raw->len - pos);
      gsize next = nl ? (gsize) (nl - raw->data) + 1 : raw->len;
      gsize content_end = nl ? (gsize) (nl - raw->data) : raw->len;
      const char *colon;

      if (pos == 0)
        raw->crlf = content_end > 0 && raw->data[content_end - 1] == '\r';
      if (content_end > pos && raw->data[content_end - 1] == '\r')
        content_end--;
      if (content_end == pos)
        {
          /* The empty line: the body follows. */
          raw->body_start = next;
          break;
        }
      if ((raw->data[pos] == ' ' || raw->data[pos] == '\t') && raw->fields->len > 0)
        g_array_index (raw->fields, PosternRawField, raw->fields->len - 1).end = next;
      else
        {
          PosternRawField field = { pos, next, 0 };
          colon = memchr (raw->data + pos, ':', content_end - pos);
          if (colon != NULL)
            field.name_len = (gsize) (colon - (raw->data + pos));
          while (field.name_len > 0
                 && (raw->data[pos + field.name_len - 1] == ' '
                     || raw->data[pos + field.name_len - 1] == '\t'))
            field.name_len--;
          g_array_append_val (raw->fields, field);
        }
      pos = next;
    }
  return raw;
}

void
_postern_raw_message_free (PosternRawMessage *raw)
{
  if (raw == NULL)
    return;
  g_bytes_unref (raw->bytes);
  g_array_unref (raw->fields);
  g_free (raw);
}

gboolean
_postern_raw_field_is (PosternRawMessage *raw, guint i, const char *name)
{
  PosternRawField *f = &g_array_index (raw->fields, PosternRawField, i);

  return f->name_len == strlen (name)
         && g_ascii_strncasecmp (raw->data + f->start, name, f->name_len) == 0;
}

/* The fields that describe the body (RFC 2045): they travel with it. */
gboolean
_postern_raw_field_is_content (PosternRawMessage *raw, guint i)
{
  PosternRawField *f = &g_array_index (raw->fields, PosternRawField, i);

  return f->name_len > 8 && g_ascii_strncasecmp (raw->data + f->start, "Content-", 8) == 0;
}

const char *
_postern_raw_message_newline (PosternRawMessage *raw)
{
  return raw->crlf ? "\r\n" : "\n";
}

/* Appends @data with every line ending made CRLF (@crlf) or LF. */
void
_postern_append_with_newline (GString *out, const char *data, gsize len, gboolean crlf)
{
  for (gsize i = 0; i < len; i++)
    {
      if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
        continue;
      if (data[i] == '\n')
        g_string_append (out, crlf ? "\r\n" : "\n");
      else
        g_string_append_c (out, data[i]);
    }
}

static void
append_field (GString *out, PosternRawMessage *raw, guint i)
{
  PosternRawField *f = &g_array_index (raw->fields, PosternRawField, i);

  g_string_append_len (out, raw->data + f->start, (gssize) (f->end - f->start));
  /* The last field of a message without a body may lack its newline. */
  if (f->end == f->start || raw->data[f->end - 1] != '\n')
    g_string_append (out, _postern_raw_message_newline (raw));
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

static GMimeObject *
parse_entity (GBytes *bytes)
{
  gsize len;
  const void *data = g_bytes_get_data (bytes, &len);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GMimeParser) parser = NULL;

  postern_core_init ();
  stream = g_mime_stream_mem_new_with_buffer (data ? data : "", len);
  parser = g_mime_parser_new_with_stream (stream);
  return g_mime_parser_construct_part (parser, NULL);
}

static GBytes *
stream_to_bytes (GMimeStream *stream)
{
  GByteArray *array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  return g_bytes_new (array->data, array->len);
}

/* The decoded content of a leaf part (the transfer encoding undone). */
static GBytes *
part_content (GMimeObject *object)
{
  g_autoptr (GMimeStream) stream = NULL;
  GMimeDataWrapper *wrapper;

  if (!GMIME_IS_PART (object) || (wrapper = g_mime_part_get_content (GMIME_PART (object))) == NULL)
    return NULL;
  stream = g_mime_stream_mem_new ();
  if (g_mime_data_wrapper_write_to_stream (wrapper, stream) < 0)
    return NULL;
  return stream_to_bytes (stream);
}

static gboolean
has_protocol (GMimeObject *object, const char *protocol)
{
  const char *value = g_mime_object_get_content_type_parameter (object, "protocol");
  return value != NULL && g_ascii_strcasecmp (value, protocol) == 0;
}

static GMimeObject *
encrypted_part (GMimeObject *top)
{
  GMimeMultipart *multipart;

  if (top == NULL || !GMIME_IS_MULTIPART_ENCRYPTED (top) || !has_protocol (top, PGP_ENCRYPTED))
    return NULL;
  multipart = GMIME_MULTIPART (top);
  if (g_mime_multipart_get_count (multipart) < 2)
    return NULL;
  return g_mime_multipart_get_part (multipart, 1);
}

/**
 * postern_pgp_mime_is_encrypted:
 *
 * Returns: whether @message is an OpenPGP/MIME encrypted message
 *   (multipart/encrypted, RFC 3156 §4), so that a transport can record that
 *   it travelled sealed.
 */
gboolean
postern_pgp_mime_is_encrypted (GBytes *message)
{
  g_autoptr (GMimeMessage) parsed = NULL;

  g_return_val_if_fail (message != NULL, FALSE);
  parsed = parse_message (message);
  return parsed != NULL && encrypted_part (g_mime_message_get_mime_part (parsed)) != NULL;
}

static GPtrArray *
get_keys (PosternGpgCtx *ctx, const char *const *fingerprints, gboolean secret, GError **error)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) gpgme_key_unref);

  for (guint i = 0; fingerprints != NULL && fingerprints[i] != NULL; i++)
    {
      gpgme_key_t key = NULL;
      gpgme_error_t err = gpgme_get_key (ctx, fingerprints[i], &key, secret);
      if (err != 0 || key == NULL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND,
                       "the keyring has no %s key %s", secret ? "secret" : "public",
                       fingerprints[i]);
          return NULL;
        }
      g_ptr_array_add (keys, key);
    }
  /* gpgme wants a NULL-terminated array. */
  g_ptr_array_add (keys, NULL);
  return g_steal_pointer (&keys);
}

/* RFC 3156 §4 and §6.2: the body travels as a MIME entity with canonical
 * CRLF line endings, so that a signature inside holds on any system. */
static GBytes *
inner_entity (PosternRawMessage *raw)
{
  g_autoptr (GString) entity = g_string_new (NULL);

  for (guint i = 0; i < raw->fields->len; i++)
    if (_postern_raw_field_is_content (raw, i))
      {
        PosternRawField *f = &g_array_index (raw->fields, PosternRawField, i);
        _postern_append_with_newline (entity, raw->data + f->start, f->end - f->start, TRUE);
        if (entity->len < 2 || entity->str[entity->len - 1] != '\n')
          g_string_append (entity, "\r\n");
      }
  g_string_append (entity, "\r\n");
  _postern_append_with_newline (entity, raw->data + raw->body_start, raw->len - raw->body_start,
                                TRUE);
  return g_string_free_to_bytes (g_steal_pointer (&entity));
}

/**
 * postern_pgp_mime_encrypt_sync:
 * @message: an RFC 5322 message (without Bcc: strip it first)
 * @recipient_fingerprints: (array zero-terminated=1): the keys to encrypt to
 * @signer_fingerprint: (nullable): our key to sign with, inside the
 *   encryption (RFC 3156 §6.2), or %NULL not to sign
 * @hide_recipients: leave the recipients' key IDs out of the ciphertext,
 *   for a message with Bcc recipients: the key IDs would name them
 *
 * Returns: (transfer full): @message as multipart/encrypted: the outer
 *   headers as they were, the body with its Content-* headers encrypted.
 */
GBytes *
postern_pgp_mime_encrypt_sync (PosternKeyring *keyring, GBytes *message,
                               const char *const *recipient_fingerprints,
                               const char *signer_fingerprint, gboolean hide_recipients,
                               GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternRawMessage) raw = NULL;
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (GPtrArray) recipients = NULL;
  g_autoptr (PosternGpgData) plain = NULL;
  g_autoptr (PosternGpgData) cipher = NULL;
  g_autoptr (GBytes) entity = NULL;
  g_autoptr (GBytes) armored = NULL;
  g_autoptr (GString) out = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *boundary = NULL;
  gpgme_encrypt_flags_t flags = GPGME_ENCRYPT_ALWAYS_TRUST;
  gpgme_encrypt_result_t enc_result;
  gboolean has_mime_version = FALSE;
  const char *nl;

  g_return_val_if_fail (POSTERN_IS_KEYRING (keyring), NULL);
  g_return_val_if_fail (message != NULL, NULL);
  if (recipient_fingerprints == NULL || recipient_fingerprints[0] == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "no key to encrypt to");
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  raw = _postern_raw_message_new (message);
  nl = _postern_raw_message_newline (raw);
  entity = inner_entity (raw);
  if ((ctx = _postern_keyring_new_context (keyring, error)) == NULL
      || (recipients = get_keys (ctx, recipient_fingerprints, FALSE, error)) == NULL
      || (plain = _postern_gpg_data_from_bytes (entity, error)) == NULL
      || !_postern_gpg_check (gpgme_data_new (&cipher), "cannot encrypt", error))
    return NULL;

  /* Trust is the pins' business: they chose these keys, so GnuPG's web of
   * trust is not asked again (ALWAYS_TRUST). */
  if (hide_recipients)
    flags |= GPGME_ENCRYPT_THROW_KEYIDS;
  gpgme_set_armor (ctx, 1);
  if (signer_fingerprint != NULL)
    {
      const char *signers[] = { signer_fingerprint, NULL };
      g_autoptr (GPtrArray) signer = get_keys (ctx, signers, TRUE, error);
      gpgme_sign_result_t sign_result;

      if (signer == NULL
          || !_postern_gpg_check (gpgme_signers_add (ctx, signer->pdata[0]), "cannot sign", error)
          || !_postern_gpg_check (
            gpgme_op_encrypt_sign (ctx, (gpgme_key_t *) recipients->pdata, flags, plain, cipher),
            "cannot encrypt and sign", error))
        return NULL;
      sign_result = gpgme_op_sign_result (ctx);
      if (sign_result == NULL || sign_result->invalid_signers != NULL
          || sign_result->signatures == NULL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "cannot sign with key %s",
                       signer_fingerprint);
          return NULL;
        }
    }
  else if (!_postern_gpg_check (
             gpgme_op_encrypt (ctx, (gpgme_key_t *) recipients->pdata, flags, plain, cipher),
             "cannot encrypt", error))
    return NULL;
  enc_result = gpgme_op_encrypt_result (ctx);
  if (enc_result != NULL && enc_result->invalid_recipients != NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "cannot encrypt to key %s: %s",
                   enc_result->invalid_recipients->fpr,
                   gpgme_strerror (enc_result->invalid_recipients->reason));
      return NULL;
    }
  armored = _postern_gpg_data_to_bytes (g_steal_pointer (&cipher));

  uuid = g_uuid_string_random ();
  boundary = g_strdup_printf ("postern-%s", uuid);
  out = g_string_new (NULL);
  for (guint i = 0; i < raw->fields->len; i++)
    {
      if (_postern_raw_field_is_content (raw, i))
        continue;
      has_mime_version |= _postern_raw_field_is (raw, i, "MIME-Version");
      append_field (out, raw, i);
    }
  if (!has_mime_version)
    g_string_append_printf (out, "MIME-Version: 1.0%s", nl);
  g_string_append_printf (out,
                          "Content-Type: multipart/encrypted;%s"
                          " protocol=\"" PGP_ENCRYPTED "\";%s"
                          " boundary=\"%s\"%s"
                          "%s"
                          "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)%s"
                          "--%s%s"
                          "Content-Type: " PGP_ENCRYPTED "%s"
                          "Content-Description: PGP/MIME version identification%s"
                          "%s"
                          "Version: 1%s"
                          "%s"
                          "--%s%s"
                          "Content-Type: application/octet-stream; name=\"encrypted.asc\"%s"
                          "Content-Description: OpenPGP encrypted message%s"
                          "Content-Disposition: inline; filename=\"encrypted.asc\"%s"
                          "%s",
                          nl, nl, boundary, nl, nl, nl, boundary, nl, nl, nl, nl, nl, nl, boundary,
                          nl, nl, nl, nl, nl);
  _postern_append_with_newline (out, g_bytes_get_data (armored, NULL), g_bytes_get_size (armored),
                                raw->crlf);
  g_string_append_printf (out, "%s--%s--%s", nl, boundary, nl);
  return g_string_free_to_bytes (g_steal_pointer (&out));
}

/* The signature a verification (or a decryption with verification) left
 * in @ctx. With several signatures, a bad one wins: the message must not
 * look better than its worst part. */
static void
read_signature (PosternGpgCtx *ctx, PosternPgpMimeResult *result)
{
  gpgme_verify_result_t verify = gpgme_op_verify_result (ctx);
  g_autofree char *fpr = NULL;
  g_autoptr (PosternGpgKey) key = NULL;

  result->signature = POSTERN_SIGNATURE_STATUS_NONE;
  for (gpgme_signature_t sig = verify ? verify->signatures : NULL; sig != NULL; sig = sig->next)
    {
      PosternSignatureStatus status;

      switch (gpgme_err_code (sig->status))
        {
        case GPG_ERR_NO_ERROR:
          status = (sig->summary & GPGME_SIGSUM_RED) ? POSTERN_SIGNATURE_STATUS_BAD
                                                     : POSTERN_SIGNATURE_STATUS_GOOD;
          break;
        case GPG_ERR_NO_PUBKEY:
          status = POSTERN_SIGNATURE_STATUS_UNKNOWN_KEY;
          break;
        default:
          status = POSTERN_SIGNATURE_STATUS_BAD;
          break;
        }
      if (result->signature == POSTERN_SIGNATURE_STATUS_NONE
          || status == POSTERN_SIGNATURE_STATUS_BAD)
        {
          result->signature = status;
          g_free (fpr);
          fpr = g_strdup (sig->fpr);
        }
    }
  /* A signature names the subkey that made it; people know the primary. */
  if (fpr != NULL && result->signature != POSTERN_SIGNATURE_STATUS_UNKNOWN_KEY
      && gpgme_get_key (ctx, fpr, &key, 0) == 0 && key != NULL && key->fpr != NULL)
    {
      g_free (fpr);
      fpr = g_strdup (key->fpr);
    }
  g_free (result->signer_fingerprint);
  result->signer_fingerprint = g_steal_pointer (&fpr);
}

/* RFC 3156 §5: the signed part, exactly as sent with CRLF line endings,
 * against the detached signature in the second part. */
static gboolean
verify_signed (PosternKeyring *keyring, GMimeObject *object, PosternPgpMimeResult *result,
               GError **error)
{
  GMimeMultipart *multipart = GMIME_MULTIPART (object);
  g_autoptr (GMimeStream) stream = NULL;
  g_autoptr (GBytes) signed_bytes = NULL;
  g_autoptr (GBytes) signature = NULL;
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (PosternGpgData) signed_data = NULL;
  g_autoptr (PosternGpgData) sig_data = NULL;
  GMimeFormatOptions *options;
  gpgme_error_t err;

  if (!has_protocol (object, PGP_SIGNATURE) || g_mime_multipart_get_count (multipart) < 2)
    return TRUE;
  signature = part_content (g_mime_multipart_get_part (multipart, 1));
  if (signature == NULL)
    {
      result->signature = POSTERN_SIGNATURE_STATUS_BAD;
      return TRUE;
    }
  stream = g_mime_stream_mem_new ();
  options = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  g_mime_object_write_to_stream (g_mime_multipart_get_part (multipart, 0), options, stream);
  g_mime_format_options_free (options);
  signed_bytes = stream_to_bytes (stream);

  if ((ctx = _postern_keyring_new_context (keyring, error)) == NULL
      || (signed_data = _postern_gpg_data_from_bytes (signed_bytes, error)) == NULL
      || (sig_data = _postern_gpg_data_from_bytes (signature, error)) == NULL)
    return FALSE;
  err = gpgme_op_verify (ctx, sig_data, signed_data, NULL);
  if (err != 0)
    {
      /* A signature part GnuPG cannot even read is no good signature. */
      result->signature = POSTERN_SIGNATURE_STATUS_BAD;
      return TRUE;
    }
  read_signature (ctx, result);
  return TRUE;
}

static const char *
from_address (GMimeMessage *message)
{
  InternetAddressList *from = message ? g_mime_message_get_from (message) : NULL;

  for (int i = 0; from != NULL && i < internet_address_list_length (from); i++)
    {
      InternetAddress *ia = internet_address_list_get_address (from, i);
      if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        return internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia));
    }
  return NULL;
}

static void
check_signer_pin (PosternKeyring *keyring, GMimeMessage *message, PosternPgpMimeResult *result)
{
  PosternTrust *trust = postern_keyring_get_trust (keyring);
  const char *from = from_address (message);
  g_autoptr (PosternPin) pin = NULL;

  result->signer_pinned = FALSE;
  if (trust == NULL || from == NULL || result->signer_fingerprint == NULL)
    return;
  pin = postern_trust_get_pin (trust, from, NULL);
  result->signer_pinned = pin != NULL && g_str_equal (pin->fingerprint, result->signer_fingerprint);
}

static const char *
decrypt_failure (gpgme_error_t err)
{
  switch (gpgme_err_code (err))
    {
    case GPG_ERR_NO_SECKEY:
      return "it is not encrypted to any key of this profile";
    case GPG_ERR_BAD_DATA:
    case GPG_ERR_DECRYPT_FAILED:
    case GPG_ERR_BAD_SIGNATURE:
    case GPG_ERR_CHECKSUM:
    case GPG_ERR_INV_PACKET:
    case GPG_ERR_NO_DATA:
      return "the encrypted part is damaged or was tampered with";
    default:
      return gpgme_strerror (err);
    }
}

/**
 * postern_pgp_mime_decrypt_sync:
 * @message: a message as stored
 *
 * Decrypts an OpenPGP/MIME encrypted message and checks its signature
 * (inside the encryption, or a multipart/signed one inside or outside it).
 * A message that is neither encrypted nor signed comes back as it is.
 *
 * Decryption is all or nothing: when the ciphertext is damaged or was
 * changed, nothing of the plaintext is returned (what gpg wrote of it is
 * wiped) and @error says so (%POSTERN_ERROR_FAILED); a message that is
 * not encrypted to any key of this keyring fails with
 * %POSTERN_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full): the result, or %NULL with @error set.
 */
PosternPgpMimeResult *
postern_pgp_mime_decrypt_sync (PosternKeyring *keyring, GBytes *message, GCancellable *cancellable,
                               GError **error)
{
  g_autoptr (PosternPgpMimeResult) result = g_new0 (PosternPgpMimeResult, 1);
  g_autoptr (GMimeMessage) parsed = NULL;
  g_autoptr (PosternRawMessage) raw = NULL;
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (PosternGpgData) cipher = NULL;
  g_autoptr (GBytes) ciphertext = NULL;
  g_autoptr (GBytes) plaintext = NULL;
  g_autoptr (GMimeObject) inner = NULL;
  g_autoptr (GString) out = NULL;
  PosternGpgData *plain = NULL;
  GMimeObject *top;
  GMimeObject *encrypted;
  gpgme_decrypt_result_t decrypt;
  gpgme_error_t err;
  size_t len = 0;
  char *buffer;

  g_return_val_if_fail (POSTERN_IS_KEYRING (keyring), NULL);
  g_return_val_if_fail (message != NULL, NULL);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  result->message = g_bytes_ref (message);
  parsed = parse_message (message);
  top = parsed ? g_mime_message_get_mime_part (parsed) : NULL;
  if (top != NULL && GMIME_IS_MULTIPART_SIGNED (top))
    {
      if (!verify_signed (keyring, top, result, error))
        return NULL;
      check_signer_pin (keyring, parsed, result);
      return g_steal_pointer (&result);
    }
  encrypted = encrypted_part (top);
  if (encrypted == NULL)
    {
      if (top != NULL && GMIME_IS_MULTIPART_ENCRYPTED (top) && has_protocol (top, PGP_ENCRYPTED))
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "cannot decrypt the message: its OpenPGP/MIME structure is broken");
          return NULL;
        }
      return g_steal_pointer (&result);
    }

  ciphertext = part_content (encrypted);
  if (ciphertext == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "cannot decrypt the message: its encrypted part is empty");
      return NULL;
    }
  if ((ctx = _postern_keyring_new_context (keyring, error)) == NULL
      || (cipher = _postern_gpg_data_from_bytes (ciphertext, error)) == NULL
      || !_postern_gpg_check (gpgme_data_new (&plain), "cannot decrypt the message", error))
    return NULL;
  err = gpgme_op_decrypt_verify (ctx, cipher, plain);
  decrypt = gpgme_op_decrypt_result (ctx);
  if (err == 0 && decrypt != NULL && decrypt->legacy_cipher_nomdc)
    err = gpg_error (GPG_ERR_BAD_DATA);
  if (err != 0)
    {
      /* gpg may have written part of the plaintext before it found the
       * damage: none of it may reach the reader, or linger in memory. */
      _postern_gpg_data_wipe (plain);
      g_set_error (error, POSTERN_ERROR,
                   gpgme_err_code (err) == GPG_ERR_NO_SECKEY ? POSTERN_ERROR_NOT_FOUND
                                                             : POSTERN_ERROR_FAILED,
                   "cannot decrypt the message: %s", decrypt_failure (err));
      return NULL;
    }
  buffer = gpgme_data_release_and_get_mem (plain, &len);
  plaintext = g_bytes_new (buffer, len);
  if (buffer != NULL)
    {
      explicit_bzero (buffer, len);
      gpgme_free (buffer);
    }
  result->encrypted = TRUE;
  result->decrypted = TRUE;
  read_signature (ctx, result);

  /* Signed, then encrypted as two layers (RFC 3156 §6.1). */
  inner = parse_entity (plaintext);
  if (result->signature == POSTERN_SIGNATURE_STATUS_NONE && inner != NULL
      && GMIME_IS_MULTIPART_SIGNED (inner) && !verify_signed (keyring, inner, result, error))
    return NULL;
  check_signer_pin (keyring, parsed, result);

  /* The readable message: the outer headers that are not about the body,
   * then the decrypted entity, in the stored message's line endings. */
  raw = _postern_raw_message_new (message);
  out = g_string_new (NULL);
  for (guint i = 0; i < raw->fields->len; i++)
    if (!_postern_raw_field_is_content (raw, i))
      append_field (out, raw, i);
  _postern_append_with_newline (out, g_bytes_get_data (plaintext, NULL),
                                g_bytes_get_size (plaintext), raw->crlf);
  g_clear_pointer (&result->message, g_bytes_unref);
  result->message = g_string_free_to_bytes (g_steal_pointer (&out));
  return g_steal_pointer (&result);
}

static char **
visible_recipients (GMimeMessage *message)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const GMimeAddressType types[] = { GMIME_ADDRESS_TYPE_TO, GMIME_ADDRESS_TYPE_CC };

  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      InternetAddressList *list = g_mime_message_get_addresses (message, types[t]);
      for (int i = 0; list != NULL && i < internet_address_list_length (list); i++)
        {
          InternetAddress *ia = internet_address_list_get_address (list, i);
          InternetAddressList *members = NULL;

          if (INTERNET_ADDRESS_IS_GROUP (ia))
            members = internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia));
          for (int j = 0; members != NULL && j < internet_address_list_length (members); j++)
            {
              InternetAddress *m = internet_address_list_get_address (members, j);
              if (INTERNET_ADDRESS_IS_MAILBOX (m))
                {
                  g_autofree char *a = postern_keyring_normalize_address (
                    internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (m)), NULL);
                  if (a != NULL)
                    g_strv_builder_add (builder, a);
                }
            }
          if (INTERNET_ADDRESS_IS_MAILBOX (ia))
            {
              g_autofree char *a = postern_keyring_normalize_address (
                internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)), NULL);
              if (a != NULL)
                g_strv_builder_add (builder, a);
            }
        }
    }
  return g_strv_builder_end (builder);
}

/**
 * postern_pgp_mime_prepare_outgoing_sync:
 * @message: the message as it goes to the transport (without Bcc)
 * @routes: (element-type PosternRoute): its recipients as routed
 *
 * What the outbox does to a message before a legacy transport sends it:
 * it gets an Autocrypt header with our key for the From address (when we
 * have one), and when every recipient was routed SEALED (each has a usable
 * pinned key), it is encrypted to their pinned keys and to our own, and
 * signed with our key. The Autocrypt header stays outside, where
 * Autocrypt looks for it.
 *
 * Returns: (transfer full): the message to send, or %NULL with @error set
 *   (a SEALED message is never sent unencrypted).
 */
GBytes *
postern_pgp_mime_prepare_outgoing_sync (PosternKeyring *keyring, GBytes *message, GPtrArray *routes,
                                        GCancellable *cancellable, GError **error)
{
  g_autoptr (GMimeMessage) parsed = NULL;
  g_autoptr (GPtrArray) fingerprints = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GBytes) with_key = NULL;
  g_auto (GStrv) visible = NULL;
  g_autofree char *own = NULL;
  gboolean sealed = routes != NULL && routes->len > 0;
  gboolean legacy = routes != NULL && routes->len > 0;
  gboolean hidden = FALSE;
  const char *from;

  g_return_val_if_fail (POSTERN_IS_KEYRING (keyring), NULL);
  g_return_val_if_fail (message != NULL, NULL);
  for (guint i = 0; routes != NULL && i < routes->len; i++)
    {
      PosternRoute *route = routes->pdata[i];
      sealed &= route->lock == POSTERN_LOCK_SEALED;
      legacy
        &= g_strcmp0 (route->transport, "smtp") == 0 || g_strcmp0 (route->transport, "local") == 0;
    }
  /* Autocrypt is for mail through providers; the other transports have
   * key exchange of their own. */
  if (legacy
      && (with_key = postern_autocrypt_add_header_sync (keyring, message, cancellable, error))
           == NULL)
    return NULL;
  if (with_key != NULL)
    message = with_key;
  if (!sealed)
    return g_bytes_ref (message);

  if ((parsed = parse_message (message)) == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the message to send is not an RFC 5322 message");
      return NULL;
    }
  from = from_address (parsed);
  if (from != NULL)
    {
      own = postern_keyring_find_own_key_sync (keyring, from, cancellable, &local_error);
      /* A From that is no valid address just means: not signed. */
      if (local_error != NULL
          && !g_error_matches (local_error, POSTERN_ERROR, POSTERN_ERROR_INVALID))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      g_clear_error (&local_error);
    }
  visible = visible_recipients (parsed);
  for (guint i = 0; i < routes->len; i++)
    {
      PosternRoute *route = routes->pdata[i];
      g_autofree char *address = postern_keyring_normalize_address (route->address, error);
      char *fpr;

      if (address == NULL)
        return NULL;
      /* The pins are asked again: a conflict may have come up since the
       * message was queued. */
      fpr = postern_keyring_find_recipient_key_sync (keyring, address, cancellable, &local_error);
      if (fpr == NULL)
        {
          if (local_error != NULL)
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                         "%s has no usable key any more: the message was not sent", address);
          return NULL;
        }
      if (!g_ptr_array_find_with_equal_func (fingerprints, fpr, g_str_equal, NULL))
        g_ptr_array_add (fingerprints, fpr);
      else
        g_free (fpr);
      hidden |= !g_strv_contains ((const char *const *) visible, address);
    }
  /* Our own key too, so that we can read what we sent. */
  if (own != NULL && !g_ptr_array_find_with_equal_func (fingerprints, own, g_str_equal, NULL))
    g_ptr_array_add (fingerprints, g_strdup (own));
  g_ptr_array_add (fingerprints, NULL);
  return postern_pgp_mime_encrypt_sync (keyring, message, (const char *const *) fingerprints->pdata,
                                        own, hidden, cancellable, error);
}

/**
 * postern_pgp_mime_load_readable_sync:
 * @id: a message id
 * @out_result: (out) (optional): the decryption and signature state
 *
 * Loads a stored message as the reader shows it and `postern-cli show`
 * prints it: decrypted when it is encrypted to us, with its signature
 * checked (see postern_pgp_mime_decrypt_sync()). An encrypted message
 * that cannot be decrypted (not to our keys, or damaged) is given as
 * stored, ciphertext and all, with the reason in the result's
 * @decrypt_error: the reader shows both, and no plaintext is involved.
 *
 * Returns: (transfer full): the readable RFC 5322 message, or %NULL with
 *   @error set when it cannot be loaded.
 */
GBytes *
postern_pgp_mime_load_readable_sync (PosternProfile *profile, const char *id,
                                     PosternPgpMimeResult **out_result, GCancellable *cancellable,
                                     GError **error)
{
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternPgpMimeResult) result = NULL;
  g_autoptr (GBytes) stored = NULL;
  g_autoptr (GError) local_error = NULL;
  PosternStore *store;
  GBytes *readable;

  g_return_val_if_fail (POSTERN_IS_PROFILE (profile), NULL);
  if ((store = postern_profile_get_store (profile, error)) == NULL
      || (stored = postern_store_load (store, id, NULL, NULL, error)) == NULL)
    return NULL;
  keyring = postern_keyring_new_for_profile (profile);
  result = postern_pgp_mime_decrypt_sync (keyring, stored, cancellable, &local_error);
  if (result == NULL)
    {
      if (!g_error_matches (local_error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND)
          && !g_error_matches (local_error, POSTERN_ERROR, POSTERN_ERROR_FAILED)
          && !g_error_matches (local_error, POSTERN_ERROR, POSTERN_ERROR_INVALID))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      result = g_new0 (PosternPgpMimeResult, 1);
      result->message = g_bytes_ref (stored);
      result->encrypted = TRUE;
      result->decrypt_error = g_steal_pointer (&local_error);
    }
  readable = g_bytes_ref (result->message);
  if (out_result != NULL)
    *out_result = g_steal_pointer (&result);
  return readable;
}

static void
decrypt_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  PosternPgpMimeResult *result
    = postern_pgp_mime_decrypt_sync (source, task_data, cancellable, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) postern_pgp_mime_result_free);
}

/* gpg runs for as long as the message is big: never on the UI thread. */
void
postern_pgp_mime_decrypt_async (PosternKeyring *keyring, GBytes *message, GCancellable *cancellable,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (keyring, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_pgp_mime_decrypt_async);
  g_task_set_task_data (task, g_bytes_ref (message), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, decrypt_thread);
}

PosternPgpMimeResult *
postern_pgp_mime_decrypt_finish (PosternKeyring *keyring, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, keyring), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;
  PosternPgpMimeResult *result = NULL;
  g_autoptr (GBytes) readable
    = postern_pgp_mime_load_readable_sync (source, task_data, &result, cancellable, &error);

  if (readable == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) postern_pgp_mime_result_free);
}

/**
 * postern_pgp_mime_load_readable_async:
 *
 * The reader's way to postern_pgp_mime_load_readable_sync(); the finish
 * function returns the whole result, the readable message in its @message.
 */
void
postern_pgp_mime_load_readable_async (PosternProfile *profile, const char *id,
                                      GCancellable *cancellable, GAsyncReadyCallback callback,
                                      gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (profile, cancellable, callback, user_data);

  g_task_set_source_tag (task, postern_pgp_mime_load_readable_async);
  g_task_set_task_data (task, g_strdup (id), g_free);
  g_task_run_in_thread (task, load_thread);
}

PosternPgpMimeResult *
postern_pgp_mime_load_readable_finish (PosternProfile *profile, GAsyncResult *result,
                                       GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, profile), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
