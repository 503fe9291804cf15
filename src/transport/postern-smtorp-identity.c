/* postern-smtorp-identity.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "postern-address.h"
#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-smtorp-identity.h"

#define CERT_FILE "cert.pem"
#define KEY_FILE "key.pem"
#define HOSTNAME_FILE "hostname"
#define LOCK_FILE ".lock"

struct _PosternSmtorpIdentity
{
  GObject parent_instance;
  GTlsCertificate *certificate;
  char *fingerprint; /* full length, 51 characters */
  char *dir;
};

G_DEFINE_FINAL_TYPE (PosternSmtorpIdentity, postern_smtorp_identity, G_TYPE_OBJECT)

static void
postern_smtorp_identity_dispose (GObject *object)
{
  PosternSmtorpIdentity *self = POSTERN_SMTORP_IDENTITY (object);

  g_clear_object (&self->certificate);
  G_OBJECT_CLASS (postern_smtorp_identity_parent_class)->dispose (object);
}

static void
postern_smtorp_identity_finalize (GObject *object)
{
  PosternSmtorpIdentity *self = POSTERN_SMTORP_IDENTITY (object);

  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_pointer (&self->dir, g_free);
  G_OBJECT_CLASS (postern_smtorp_identity_parent_class)->finalize (object);
}

static void
postern_smtorp_identity_class_init (PosternSmtorpIdentityClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = postern_smtorp_identity_dispose;
  object_class->finalize = postern_smtorp_identity_finalize;
}

static void
postern_smtorp_identity_init (PosternSmtorpIdentity *self)
{
}

/**
 * postern_smtorp_dir:
 *
 * Returns: (transfer full): PROFILE/smtorp, where everything SMTorP keeps
 *   lives: the server identity, the spent-stamp record and the pins.
 */
char *
postern_smtorp_dir (const char *profile_path)
{
  return g_build_filename (profile_path, "smtorp", NULL);
}

static gboolean
gnutls_failed (GError **error, const char *what, int rc)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED, "%s: %s", what, gnutls_strerror (rc));
  return FALSE;
}

/* Unpadded lowercase base32 (RFC 4648 alphabet): 5 bits per character, most
 * significant first, so the first N/5 characters are the first N bits. */
static char *
base32 (const guint8 *data, gsize len)
{
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  GString *out = g_string_sized_new ((len * 8 + 4) / 5);
  guint32 buffer = 0;
  guint bits = 0;

  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          g_string_append_c (out, alphabet[(buffer >> (bits - 5)) & 31]);
          bits -= 5;
        }
    }
  if (bits > 0)
    g_string_append_c (out, alphabet[(buffer << (5 - bits)) & 31]);
  return g_string_free (out, FALSE);
}

/**
 * postern_smtorp_fingerprint_of_spki:
 * @spki_der: a DER-encoded SubjectPublicKeyInfo
 *
 * Returns: (transfer full): the full-length fingerprint: SHA-256 of
 *   @spki_der, its first 255 bits as 51 lowercase base32 characters.
 */
char *
postern_smtorp_fingerprint_of_spki (const guint8 *spki_der, gsize len)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *all = NULL;

  g_checksum_update (sum, spki_der, (gssize) len);
  g_checksum_get_digest (sum, digest, &digest_len);
  /* 256 bits make 52 characters, the last holding a single bit; a label is
   * at most 255 bits (51 characters), so the full fingerprint stops there. */
  all = base32 (digest, digest_len);
  return g_strndup (all, POSTERN_SMTORP_FP_FULL_CHARS);
}

/**
 * postern_smtorp_fingerprint_of_certificate:
 *
 * Returns: (transfer full): the full-length fingerprint of @certificate's
 *   public key, or %NULL when the certificate cannot be read.
 */
char *
postern_smtorp_fingerprint_of_certificate (GTlsCertificate *certificate, GError **error)
{
  g_autoptr (GByteArray) der = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_pubkey_t pubkey = NULL;
  gnutls_datum_t in, spki = { NULL, 0 };
  char *fingerprint = NULL;
  int rc;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), NULL);

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "the certificate has no DER form");
      return NULL;
    }
  in.data = der->data;
  in.size = der->len;
  if ((rc = gnutls_x509_crt_init (&crt)) < 0
      || (rc = gnutls_x509_crt_import (crt, &in, GNUTLS_X509_FMT_DER)) < 0
      || (rc = gnutls_pubkey_init (&pubkey)) < 0
      || (rc = gnutls_pubkey_import_x509 (pubkey, crt, 0)) < 0
      || (rc = gnutls_pubkey_export2 (pubkey, GNUTLS_X509_FMT_DER, &spki)) < 0)
    gnutls_failed (error, "cannot read the certificate's public key", rc);
  else
    fingerprint = postern_smtorp_fingerprint_of_spki (spki.data, spki.size);

  gnutls_free (spki.data);
  if (pubkey != NULL)
    gnutls_pubkey_deinit (pubkey);
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  return fingerprint;
}

/**
 * postern_smtorp_fingerprint_matches:
 * @full: a full-length fingerprint
 * @label: the fingerprint label of an address (any length from 4 to 51
 *   characters)
 *
 * A label holds the first N bits of the fingerprint, so it matches when it
 * is a prefix of @full. Labels compare in lowercase.
 */
gboolean
postern_smtorp_fingerprint_matches (const char *full, const char *label)
{
  gsize n;

  if (full == NULL || label == NULL)
    return FALSE;
  n = strlen (label);
  if (n * 5 < POSTERN_SMTORP_FP_MIN_BITS || n > strlen (full))
    return FALSE;
  return g_ascii_strncasecmp (full, label, n) == 0;
}

static gboolean
onion_is_valid (const char *onion)
{
  if (strlen (onion) != 56 || onion[55] != 'd')
    return FALSE;
  for (const char *p = onion; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '2' && *p <= '7')))
      return FALSE;
  return TRUE;
}

/**
 * postern_smtorp_address_build:
 * @user: the local part
 * @fingerprint: a full-length fingerprint
 * @bits: how many of its bits the label carries: a multiple of 5, 20 to 255
 * @onion: the onion service's name, with or without ".onion"
 *
 * Returns: (transfer full): "user@FP.ONION.onion", or %NULL with
 *   %POSTERN_ERROR_INVALID when a part is not valid.
 */
char *
postern_smtorp_address_build (const char *user, const char *fingerprint, guint bits,
                              const char *onion, GError **error)
{
  g_autofree char *name = NULL;
  g_autofree char *address = NULL;
  g_autoptr (PosternAddress) parsed = NULL;

  g_return_val_if_fail (user != NULL && fingerprint != NULL && onion != NULL, NULL);

  if (bits % 5 != 0 || bits < POSTERN_SMTORP_FP_MIN_BITS || bits > POSTERN_SMTORP_FP_MAX_BITS
      || strlen (fingerprint) < bits / 5)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "a fingerprint label holds a multiple of 5 bits from 20 to 255, not %u", bits);
      return NULL;
    }
  name = g_ascii_strdown (onion, -1);
  if (g_str_has_suffix (name, ".onion"))
    name[strlen (name) - strlen (".onion")] = '\0';
  if (!onion_is_valid (name))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "\"%s\" is not the name of a version 3 onion service", onion);
      return NULL;
    }
  address = g_strdup_printf ("%s@%.*s.%s.onion", user, (int) (bits / 5), fingerprint, name);
  /* The one address parser decides what a valid local part is. */
  parsed = postern_address_parse (address, error);
  if (parsed == NULL)
    return NULL;
  return g_steal_pointer (&address);
}

/**
 * postern_smtorp_check_user:
 * @value: a value for the smtorp.user setting
 *
 * The local part of the user's SMTorP address must be a dot-atom (letters,
 * digits and RFC 5322 atext, no quotes), at most 64 characters.
 */
gboolean
postern_smtorp_check_user (const char *value, GError **error)
{
  g_autofree char *probe = g_strconcat (value ? value : "", "@example.invalid", NULL);
  g_autoptr (PosternAddress) parsed = NULL;

  /* The one address parser decides, minus what would need quoting. */
  if (value != NULL && *value != '\0' && *value != '"' && strpbrk (value, "@ <>") == NULL)
    parsed = postern_address_parse (probe, NULL);
  if (parsed == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "smtorp.user: \"%s\" is not a valid local part (letters, digits, . - _ …)",
                   value ? value : "");
      return FALSE;
    }
  return TRUE;
}

/**
 * postern_smtorp_check_stamp_bits:
 * @value: a value for the smtorp.stamp-bits setting
 *
 * Returns: whether @value is a number of bits the client can mint, 1 to 40.
 */
gboolean
postern_smtorp_check_stamp_bits (const char *value, GError **error)
{
  guint64 bits;

  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 1, 40, &bits, NULL))
    return TRUE;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
               "smtorp.stamp-bits: \"%s\" is not a number from 1 to 40", value ? value : "");
  return FALSE;
}

/* Writes @data to @path with mode 0600 and makes it durable. */
static gboolean
write_private (const char *path, const gnutls_datum_t *data, GError **error)
{
  return postern_fs_write_file_durable (path, data->data, data->size, error);
}

/* A key and a certificate nobody else ever needs to trust: the client pins
 * the key's fingerprint. The certificate says nothing about the owner or
 * when it was made, since every client that connects sees it. */
static gboolean
create_identity (const char *cert_path, const char *key_path, GError **error)
{
  gnutls_x509_privkey_t key = NULL;
  gnutls_x509_crt_t crt = NULL;
  gnutls_datum_t key_pem = { NULL, 0 }, cert_pem = { NULL, 0 };
  g_autoptr (GDateTime) epoch = g_date_time_new_utc (2000, 1, 1, 0, 0, 0);
  guint8 serial[16];
  gboolean ok = FALSE;
  int rc;

  if ((rc = gnutls_rnd (GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
    return gnutls_failed (error, "cannot make a certificate serial number", rc);
  /* A positive number without a leading zero byte (RFC 5280 §4.1.2.2). */
  serial[0] = (guint8) ((serial[0] & 0x7f) | 0x40);

  if ((rc = gnutls_x509_privkey_init (&key)) < 0
      || (rc = gnutls_x509_privkey_generate (
            key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1), 0))
           < 0)
    {
      gnutls_failed (error, "cannot generate the SMTorP server key", rc);
      goto out;
    }
  if ((rc = gnutls_x509_crt_init (&crt)) < 0 || (rc = gnutls_x509_crt_set_version (crt, 3)) < 0
      || (rc = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0
      || (rc = gnutls_x509_crt_set_dn (crt, "CN=smtorp", NULL)) < 0
      || (rc = gnutls_x509_crt_set_activation_time (crt, (time_t) g_date_time_to_unix (epoch)))
           < 0
      /* (time_t) -1 is "no well-defined expiration" (RFC 5280 §4.1.2.5):
       * the pin, not a date, decides whether the key is good. */
      || (rc = gnutls_x509_crt_set_expiration_time (crt, (time_t) -1)) < 0
      || (rc = gnutls_x509_crt_set_key (crt, key)) < 0
      || (rc = gnutls_x509_crt_set_basic_constraints (crt, 0, -1)) < 0
      || (rc = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0
      || (rc = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0
      || (rc = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
    {
      gnutls_failed (error, "cannot make the SMTorP server certificate", rc);
      goto out;
    }
  if ((rc = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                               &key_pem))
        < 0
      || (rc = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &cert_pem)) < 0)
    {
      gnutls_failed (error, "cannot export the SMTorP server identity", rc);
      goto out;
    }
  /* The key first: a certificate on disk means its key is there too. */
  ok = write_private (key_path, &key_pem, error) && write_private (cert_path, &cert_pem, error);

out:
  if (key_pem.data != NULL)
    {
      explicit_bzero (key_pem.data, key_pem.size);
      gnutls_free (key_pem.data);
    }
  gnutls_free (cert_pem.data);
  if (crt != NULL)
    gnutls_x509_crt_deinit (crt);
  if (key != NULL)
    gnutls_x509_privkey_deinit (key);
  return ok;
}

static gboolean
io_failed (GError **error, const char *what, const char *path)
{
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "%s %s: %s", what, path,
               g_strerror (errno));
  return FALSE;
}

/* Two processes of one profile (the server and a send) may start at once;
 * the lock makes sure only one of them creates the identity. */
static gboolean
ensure_identity (const char *dir, const char *cert_path, const char *key_path, GError **error)
{
  g_autofree char *lock_path = g_build_filename (dir, LOCK_FILE, NULL);
  gboolean ok = TRUE;
  int fd;

  if (!postern_fs_mkdir_durable (dir, error))
    return FALSE;
  if (g_chmod (dir, 0700) != 0)
    return io_failed (error, "cannot protect", dir);
  fd = open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return io_failed (error, "cannot open", lock_path);
  while (flock (fd, LOCK_EX) != 0)
    if (errno != EINTR)
      {
        io_failed (error, "cannot lock", lock_path);
        close (fd);
        return FALSE;
      }
  if (!g_file_test (cert_path, G_FILE_TEST_IS_REGULAR))
    ok = create_identity (cert_path, key_path, error);
  close (fd);
  if (!ok)
    return FALSE;
  /* A key someone made readable by others is made private again. */
  if (g_chmod (key_path, 0600) != 0)
    return io_failed (error, "cannot protect", key_path);
  return TRUE;
}

/**
 * postern_smtorp_identity_load:
 * @profile_path: the profile folder
 *
 * Loads the profile's SMTorP server identity, creating it on first use.
 *
 * Returns: (transfer full): the identity, or %NULL with an error.
 */
PosternSmtorpIdentity *
postern_smtorp_identity_load (const char *profile_path, GError **error)
{
  g_autoptr (PosternSmtorpIdentity) self = NULL;
  g_autofree char *cert_path = NULL;
  g_autofree char *key_path = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (profile_path != NULL, NULL);

  self = g_object_new (POSTERN_TYPE_SMTORP_IDENTITY, NULL);
  self->dir = postern_smtorp_dir (profile_path);
  cert_path = g_build_filename (self->dir, CERT_FILE, NULL);
  key_path = g_build_filename (self->dir, KEY_FILE, NULL);
  if (!ensure_identity (self->dir, cert_path, key_path, error))
    return NULL;

  self->certificate = g_tls_certificate_new_from_files (cert_path, key_path, &local_error);
  if (self->certificate == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO,
                   "cannot load the SMTorP server identity from %s: %s", self->dir,
                   local_error->message);
      return NULL;
    }
  self->fingerprint = postern_smtorp_fingerprint_of_certificate (self->certificate, error);
  if (self->fingerprint == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * postern_smtorp_identity_get_certificate:
 *
 * Returns: (transfer none): the certificate, with its private key, for a
 *   #GTlsServerConnection.
 */
GTlsCertificate *
postern_smtorp_identity_get_certificate (PosternSmtorpIdentity *self)
{
  g_return_val_if_fail (POSTERN_IS_SMTORP_IDENTITY (self), NULL);
  return self->certificate;
}

/**
 * postern_smtorp_identity_get_fingerprint:
 *
 * Returns: the full-length (51 character) fingerprint of the server key.
 */
const char *
postern_smtorp_identity_get_fingerprint (PosternSmtorpIdentity *self)
{
  g_return_val_if_fail (POSTERN_IS_SMTORP_IDENTITY (self), NULL);
  return self->fingerprint;
}

/**
 * postern_smtorp_identity_get_onion:
 *
 * The onion service's name from PROFILE/smtorp/hostname, the file tor
 * writes for an onion service ("ONION.onion"), written when the profile's
 * service is published (postern-smtorp-onion.h).
 *
 * Returns: (transfer full) (nullable): the 56-character name without
 *   ".onion", or %NULL without an error when there is no onion service.
 */
char *
postern_smtorp_identity_get_onion (PosternSmtorpIdentity *self, GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;
  char *name;

  g_return_val_if_fail (POSTERN_IS_SMTORP_IDENTITY (self), NULL);

  path = g_build_filename (self->dir, HOSTNAME_FILE, NULL);
  if (!g_file_get_contents (path, &text, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "%s", local_error->message);
      return NULL;
    }
  name = g_ascii_strdown (g_strstrip (text), -1);
  if (g_str_has_suffix (name, ".onion"))
    name[strlen (name) - strlen (".onion")] = '\0';
  if (!onion_is_valid (name))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "%s does not hold the name of a version 3 onion service", path);
      g_free (name);
      return NULL;
    }
  return name;
}

/**
 * postern_smtorp_identity_build_address:
 * @user: the local part
 * @onion: the onion service's name, with or without ".onion"
 *
 * The address the user of this identity publishes:
 * "user@FP.ONION.onion" with the default 80-bit (16 character) label.
 *
 * Returns: (transfer full): the address, or %NULL with an error.
 */
char *
postern_smtorp_identity_build_address (PosternSmtorpIdentity *self, const char *user,
                                       const char *onion, GError **error)
{
  g_return_val_if_fail (POSTERN_IS_SMTORP_IDENTITY (self), NULL);
  return postern_smtorp_address_build (user, self->fingerprint, POSTERN_SMTORP_FP_DEFAULT_BITS,
                                       onion, error);
}
