/* postern-ves-key.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-error.h"
#include "postern-gpg-private.h"
#include "postern-ves-key.h"
#include "postern-ves.h"

/**
 * postern_ves_key_wrap_sync:
 * @key: the message key, %POSTERN_VES_KEY_BYTES bytes
 * @fingerprints: the keys to wrap it to (the recipients', and the
 *   sender's own so the Sent copy stays readable)
 *
 * Returns: (transfer full): the ASCII-armored wrapped key
 */
char *
postern_ves_key_wrap_sync (PosternKeyring *keyring, const guint8 *key, const char *message_id,
                           const char *const *fingerprints, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (PosternGpgData) plain = NULL;
  g_autoptr (PosternGpgData) cipher = NULL;
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) gpgme_key_unref);
  g_autoptr (GBytes) armored = NULL;
  g_autofree char *encoded = g_base64_encode (key, POSTERN_VES_KEY_BYTES);
  g_autofree char *line = g_strdup_printf ("VES1 %s %s\n", message_id, encoded);
  g_autoptr (GBytes) line_bytes
    = g_bytes_new_take (g_steal_pointer (&line), strlen (encoded) + strlen (message_id) + 7);
  gpgme_encrypt_result_t result;

  if (fingerprints == NULL || fingerprints[0] == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "no key to wrap the message key to");
      return NULL;
    }
  if ((ctx = _postern_keyring_new_context (keyring, error)) == NULL)
    return NULL;
  for (guint i = 0; fingerprints[i] != NULL; i++)
    {
      gpgme_key_t k = NULL;
      if (!_postern_gpg_check (gpgme_get_key (ctx, fingerprints[i], &k, 0),
                               "cannot find the key to wrap to", error))
        return NULL;
      g_ptr_array_add (keys, k);
    }
  g_ptr_array_add (keys, NULL);
  gpgme_set_armor (ctx, 1);
  if ((plain = _postern_gpg_data_from_bytes (line_bytes, error)) == NULL
      || !_postern_gpg_check (gpgme_data_new (&cipher), "cannot wrap the message key", error)
      || !_postern_gpg_check (gpgme_op_encrypt (ctx, (gpgme_key_t *) keys->pdata,
                                                GPGME_ENCRYPT_ALWAYS_TRUST, plain, cipher),
                              "cannot wrap the message key", error))
    return NULL;
  result = gpgme_op_encrypt_result (ctx);
  if (result != NULL && result->invalid_recipients != NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "cannot wrap the message key to %s: %s", result->invalid_recipients->fpr,
                   gpgme_strerror (result->invalid_recipients->reason));
      return NULL;
    }
  armored = _postern_gpg_data_to_bytes (g_steal_pointer (&cipher));
  return g_strndup (g_bytes_get_data (armored, NULL), g_bytes_get_size (armored));
}

/**
 * postern_ves_key_unwrap_sync:
 * @key_block: the armored wrapped key the message carries
 * @message_id: the Message-ID of the message it must open
 * @key: (out caller-allocates): receives %POSTERN_VES_KEY_BYTES bytes
 */
gboolean
postern_ves_key_unwrap_sync (PosternKeyring *keyring, const char *key_block, const char *message_id,
                             guint8 *key, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (PosternGpgData) cipher = NULL;
  g_autoptr (PosternGpgData) plain = NULL;
  g_autoptr (GBytes) block = g_bytes_new (key_block, strlen (key_block));
  g_autoptr (GBytes) line = NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) fields = NULL;
  g_autofree guint8 *decoded = NULL;
  gsize decoded_len = 0;

  if ((ctx = _postern_keyring_new_context (keyring, error)) == NULL
      || (cipher = _postern_gpg_data_from_bytes (block, error)) == NULL
      || !_postern_gpg_check (gpgme_data_new (&plain), "cannot open the message key", error)
      || !_postern_gpg_check (gpgme_op_decrypt (ctx, cipher, plain),
                              "no key here opens the message key", error))
    return FALSE;
  line = _postern_gpg_data_to_bytes (g_steal_pointer (&plain));
  text = g_strndup (g_bytes_get_data (line, NULL), g_bytes_get_size (line));
  fields = g_strsplit (g_strstrip (text), " ", 3);
  if (g_strv_length (fields) != 3 || !g_str_equal (fields[0], "VES1"))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the message key is not a VES 1 key");
      return FALSE;
    }
  if (!g_str_equal (fields[1], message_id))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the message key belongs to another message (%s)", fields[1]);
      return FALSE;
    }
  decoded = g_base64_decode (fields[2], &decoded_len);
  if (decoded_len != POSTERN_VES_KEY_BYTES)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the message key has the wrong size");
      return FALSE;
    }
  memcpy (key, decoded, POSTERN_VES_KEY_BYTES);
  memset (decoded, 0, decoded_len);
  memset (text, 0, strlen (text));
  return TRUE;
}
