/* postern-keyring.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "postern-address.h"
#include "postern-error.h"
#include "postern-gpg-private.h"
#include "postern-keyring.h"

struct _PosternKeyring
{
  GObject parent_instance;
  char *gnupg_home;
  PosternTrust *trust; /* nullable: no policy, keys are taken as they come */
};

G_DEFINE_FINAL_TYPE (PosternKeyring, postern_keyring, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (PosternKeyInfo, postern_key_info, postern_key_info_copy, postern_key_info_free)
G_DEFINE_BOXED_TYPE (PosternKeyImport, postern_key_import, postern_key_import_copy,
                     postern_key_import_free)

/* Key generation follows Autocrypt Level 1 and current GnuPG defaults: an
 * Ed25519 primary key that certifies and signs, and a Curve25519 subkey
 * for encryption, neither expiring. */
#define PRIMARY_ALGO "ed25519"
#define ENCRYPTION_ALGO "cv25519"

const char *
postern_key_validity_to_string (PosternKeyValidity validity)
{
  switch (validity)
    {
      case POSTERN_KEY_VALID:
        return "valid";
      case POSTERN_KEY_EXPIRED:
        return "expired";
      case POSTERN_KEY_REVOKED:
        return "revoked";
      case POSTERN_KEY_DISABLED:
        return "disabled";
      case POSTERN_KEY_INVALID:
      default:
        return "invalid";
    }
}

const char *
postern_key_import_status_to_string (PosternKeyImportStatus status)
{
  switch (status)
    {
      case POSTERN_KEY_IMPORT_NEW:
        return "new";
      case POSTERN_KEY_IMPORT_UPDATED:
        return "updated";
      case POSTERN_KEY_IMPORT_UNCHANGED:
        return "unchanged";
      case POSTERN_KEY_IMPORT_CONFLICT:
        return "conflict";
      case POSTERN_KEY_IMPORT_REJECTED:
      default:
        return "rejected";
    }
}

PosternKeyInfo *
postern_key_info_copy (const PosternKeyInfo *info)
{
  PosternKeyInfo *copy = g_new0 (PosternKeyInfo, 1);

  *copy = *info;
  copy->fingerprint = g_strdup (info->fingerprint);
  copy->uids = g_strdupv (info->uids);
  copy->addresses = g_strdupv (info->addresses);
  return copy;
}

void
postern_key_info_free (PosternKeyInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->fingerprint);
  g_strfreev (info->uids);
  g_strfreev (info->addresses);
  g_free (info);
}

/**
 * postern_key_info_has_address:
 * @address: a normalized (lower-case) addr-spec
 *
 * Returns: whether one of the key's valid user IDs is for @address.
 */
gboolean
postern_key_info_has_address (const PosternKeyInfo *info, const char *address)
{
  return info->addresses != NULL && address != NULL
         && g_strv_contains ((const char *const *) info->addresses, address);
}

PosternKeyImport *
postern_key_import_copy (const PosternKeyImport *import)
{
  PosternKeyImport *copy = g_new0 (PosternKeyImport, 1);

  *copy = *import;
  copy->fingerprint = g_strdup (import->fingerprint);
  copy->pinned = g_strdupv (import->pinned);
  copy->conflicts = g_strdupv (import->conflicts);
  return copy;
}

void
postern_key_import_free (PosternKeyImport *import)
{
  if (import == NULL)
    return;
  g_free (import->fingerprint);
  g_strfreev (import->pinned);
  g_strfreev (import->conflicts);
  g_free (import);
}

static void
postern_keyring_dispose (GObject *object)
{
  PosternKeyring *self = POSTERN_KEYRING (object);

  g_clear_object (&self->trust);
  G_OBJECT_CLASS (postern_keyring_parent_class)->dispose (object);
}

static void
postern_keyring_finalize (GObject *object)
{
  PosternKeyring *self = POSTERN_KEYRING (object);

  g_clear_pointer (&self->gnupg_home, g_free);
  G_OBJECT_CLASS (postern_keyring_parent_class)->finalize (object);
}

static void
postern_keyring_class_init (PosternKeyringClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = postern_keyring_dispose;
  G_OBJECT_CLASS (klass)->finalize = postern_keyring_finalize;
}

static void
postern_keyring_init (PosternKeyring *self)
{
}

/**
 * postern_keyring_new:
 * @gnupg_home: the GnuPG home folder (mode 0700) this keyring lives in
 * @trust: (nullable): the pins that decide which keys are taken
 *
 * Nothing is read or started until the first operation.
 */
PosternKeyring *
postern_keyring_new (const char *gnupg_home, PosternTrust *trust)
{
  PosternKeyring *self;

  g_return_val_if_fail (gnupg_home != NULL, NULL);
  g_return_val_if_fail (trust == NULL || POSTERN_IS_TRUST (trust), NULL);
  self = g_object_new (POSTERN_TYPE_KEYRING, NULL);
  self->gnupg_home = g_strdup (gnupg_home);
  self->trust = trust ? g_object_ref (trust) : NULL;
  return self;
}

/**
 * postern_keyring_new_for_profile:
 *
 * The keyring in @profile's own GNUPGHOME, never the user's ~/.gnupg, with
 * the profile's pins.
 */
PosternKeyring *
postern_keyring_new_for_profile (PosternProfile *profile)
{
  g_autoptr (PosternTrust) trust = NULL;

  g_return_val_if_fail (POSTERN_IS_PROFILE (profile), NULL);
  trust = postern_trust_new_for_profile (profile);
  return postern_keyring_new (postern_profile_get_gnupg_home (profile), trust);
}

/**
 * postern_keyring_get_trust:
 *
 * Returns: (transfer none) (nullable): the keyring's pins
 */
PosternTrust *
postern_keyring_get_trust (PosternKeyring *self)
{
  g_return_val_if_fail (POSTERN_IS_KEYRING (self), NULL);
  return self->trust;
}

const char *
postern_keyring_get_gnupg_home (PosternKeyring *self)
{
  g_return_val_if_fail (POSTERN_IS_KEYRING (self), NULL);
  return self->gnupg_home;
}

/* gpgme must learn its version before the first context is made, once per
 * process; after that, contexts may be used from any thread as long as
 * each is used by one thread at a time. */
static gpointer
init_gpgme (gpointer data)
{
  if (gpgme_check_version (NULL) == NULL)
    return GINT_TO_POINTER (FALSE);
  gpgme_set_locale (NULL, LC_CTYPE, setlocale (LC_CTYPE, NULL));
  return GINT_TO_POINTER (gpgme_engine_check_version (GPGME_PROTOCOL_OpenPGP) == 0);
}

gboolean
_postern_gpg_check (gpgme_error_t err, const char *what, GError **error)
{
  int code;

  if (err == 0)
    return TRUE;
  /* gpgme's messages name the failure, never key material. */
  switch (gpgme_err_code (err))
    {
      case GPG_ERR_EOF:
      case GPG_ERR_NOT_FOUND:
      case GPG_ERR_NO_PUBKEY:
      case GPG_ERR_NO_SECKEY:
        code = POSTERN_ERROR_NOT_FOUND;
        break;
      case GPG_ERR_INV_VALUE:
      case GPG_ERR_NO_DATA:
      case GPG_ERR_INV_USER_ID:
        code = POSTERN_ERROR_INVALID;
        break;
      case GPG_ERR_NOT_SUPPORTED:
      case GPG_ERR_NOT_IMPLEMENTED:
        code = POSTERN_ERROR_NOT_SUPPORTED;
        break;
      default:
        code = POSTERN_ERROR_FAILED;
        break;
    }
  g_set_error (error, POSTERN_ERROR, code, "%s: %s", what, gpgme_strerror (err));
  return FALSE;
}

/* Keys are made without a passphrase, so gpg-agent never asks for one. A
 * protected key imported from elsewhere must not leave a request hanging
 * with no one to answer it: refuse at once. */
static gpgme_error_t
refuse_passphrase (void *hook, const char *uid_hint, const char *info, int prev_was_bad, int fd)
{
  return gpg_error (GPG_ERR_CANCELED);
}

PosternGpgCtx *
_postern_keyring_new_context (PosternKeyring *self, GError **error)
{
  static GOnce once = G_ONCE_INIT;
  g_autoptr (PosternGpgCtx) ctx = NULL;

  if (!GPOINTER_TO_INT (g_once (&once, init_gpgme, NULL)))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED,
                   "GnuPG is not available: install gpg 2.2 or later");
      return NULL;
    }
  if (!_postern_gpg_check (gpgme_new (&ctx), "cannot start GnuPG", error)
      || !_postern_gpg_check (gpgme_set_protocol (ctx, GPGME_PROTOCOL_OpenPGP),
                              "cannot start GnuPG", error)
      || !_postern_gpg_check (
        gpgme_ctx_set_engine_info (ctx, GPGME_PROTOCOL_OpenPGP, NULL, self->gnupg_home),
        "cannot use the profile's GnuPG home", error)
      || !_postern_gpg_check (gpgme_set_pinentry_mode (ctx, GPGME_PINENTRY_MODE_LOOPBACK),
                              "cannot start GnuPG", error))
    return NULL;
  gpgme_set_passphrase_cb (ctx, refuse_passphrase, NULL);
  /* Key discovery is an explicit step of its own; no operation here may
   * reach for a key server or dirmngr behind the user's back. */
  gpgme_set_offline (ctx, 1);
  return g_steal_pointer (&ctx);
}

PosternGpgData *
_postern_gpg_data_from_bytes (GBytes *bytes, GError **error)
{
  g_autoptr (PosternGpgData) data = NULL;
  gsize len = 0;
  const char *buffer = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  /* copy=1: gpgme keeps its own copy, so @bytes may go away first. */
  if (!_postern_gpg_check (gpgme_data_new_from_mem (&data, buffer ? buffer : "", len, 1),
                           "cannot pass data to GnuPG", error))
    return NULL;
  return g_steal_pointer (&data);
}

/* Takes @data and returns what was written into it. */
GBytes *
_postern_gpg_data_to_bytes (PosternGpgData *data)
{
  size_t len = 0;
  char *buffer = gpgme_data_release_and_get_mem (data, &len);
  GBytes *bytes = g_bytes_new (buffer, len);

  gpgme_free (buffer);
  return bytes;
}

/* Takes @data and zeroes what was written into it before freeing it: for
 * plaintext that must not survive a failed decryption in freed memory. */
void
_postern_gpg_data_wipe (PosternGpgData *data)
{
  size_t len = 0;
  char *buffer;

  if (data == NULL)
    return;
  buffer = gpgme_data_release_and_get_mem (data, &len);
  if (buffer != NULL)
    {
      explicit_bzero (buffer, len);
      gpgme_free (buffer);
    }
}

/**
 * postern_keyring_normalize_address:
 * @text: an address, with or without a display name
 *
 * Keys, pins and Autocrypt headers compare addresses case-insensitively
 * (as Autocrypt asks), so they are all kept as the lower-case addr-spec.
 *
 * Returns: (transfer full): the normalized address, or %NULL with @error set.
 */
char *
postern_keyring_normalize_address (const char *text, GError **error)
{
  g_autoptr (PosternAddress) address = postern_address_parse (text, error);

  if (address == NULL)
    return NULL;
  return g_utf8_strdown (postern_address_get_addr_spec (address), -1);
}

/* The address of a user ID: gpgme's parsed email when it has one, else the
 * user ID itself when it is a bare address. */
char *
_postern_gpg_uid_address (const char *uid, const char *email)
{
  if (email != NULL && *email != '\0')
    return postern_keyring_normalize_address (email, NULL);
  if (uid != NULL && *uid != '\0')
    return postern_keyring_normalize_address (uid, NULL);
  return NULL;
}

/**
 * postern_keyring_normalize_fingerprint:
 * @text: a fingerprint as people write it: hex, any case, maybe grouped
 *   with spaces, maybe with a 0x prefix
 *
 * Returns: (transfer full): the upper-case hex of a v4 (40 digits) or v5
 *   (64 digits) fingerprint, or %NULL with @error set. Short key IDs are
 *   refused on purpose: they are easy to collide.
 */
char *
postern_keyring_normalize_fingerprint (const char *text, GError **error)
{
  g_autoptr (GString) fpr = g_string_new (NULL);
  const char *p = text ? text : "";

  if (g_str_has_prefix (p, "0x") || g_str_has_prefix (p, "0X"))
    p += 2;
  for (; *p != '\0'; p++)
    {
      if (*p == ' ' || *p == ':')
        continue;
      if (!g_ascii_isxdigit (*p))
        {
          fpr->len = 0;
          break;
        }
      g_string_append_c (fpr, g_ascii_toupper (*p));
    }
  if (fpr->len != 40 && fpr->len != 64)
    {
      g_autofree char *shown
        = g_utf8_make_valid (text ? text : "", MIN (strlen (text ? text : ""), 80));
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "\"%s\" is not an OpenPGP fingerprint (40 or 64 hex digits)", shown);
      return NULL;
    }
  return g_string_free (g_steal_pointer (&fpr), FALSE);
}

static gboolean
subkey_usable (gpgme_subkey_t subkey)
{
  return !subkey->revoked && !subkey->expired && !subkey->disabled && !subkey->invalid;
}

static PosternKeyInfo *
key_info_new (gpgme_key_t key, gboolean secret)
{
  PosternKeyInfo *info = g_new0 (PosternKeyInfo, 1);
  g_autoptr (GStrvBuilder) uids = g_strv_builder_new ();
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);

  info->fingerprint = g_strdup (key->fpr ? key->fpr : key->subkeys->fpr);
  info->secret = secret;
  if (key->revoked)
    info->validity = POSTERN_KEY_REVOKED;
  else if (key->expired)
    info->validity = POSTERN_KEY_EXPIRED;
  else if (key->disabled)
    info->validity = POSTERN_KEY_DISABLED;
  else if (key->invalid)
    info->validity = POSTERN_KEY_INVALID;
  else
    info->validity = POSTERN_KEY_VALID;
  if (key->subkeys != NULL)
    {
      info->created = key->subkeys->timestamp > 0 ? key->subkeys->timestamp : 0;
      info->expires = key->subkeys->expires;
    }
  for (gpgme_subkey_t sub = key->subkeys; sub != NULL; sub = sub->next)
    if (info->validity == POSTERN_KEY_VALID && subkey_usable (sub))
      {
        info->can_encrypt |= sub->can_encrypt;
        info->can_sign |= sub->can_sign;
      }
  for (gpgme_user_id_t uid = key->uids; uid != NULL; uid = uid->next)
    {
      char *address;

      g_strv_builder_add (uids, uid->uid ? uid->uid : "");
      if (uid->revoked || uid->invalid)
        continue;
      address = _postern_gpg_uid_address (uid->uid, uid->email);
      if (address == NULL)
        continue;
      if (g_ptr_array_find_with_equal_func (addresses, address, g_str_equal, NULL))
        g_free (address);
      else
        g_ptr_array_add (addresses, address);
    }
  g_ptr_array_add (addresses, NULL);
  info->uids = g_strv_builder_end (uids);
  info->addresses = (char **) g_ptr_array_free (g_steal_pointer (&addresses), FALSE);
  return info;
}

/* A GnuPG home without a public keyring holds no key at all: then there is
 * no need to start gpg (and its agent) just to hear that. */
static gboolean
keyring_is_empty (PosternKeyring *self)
{
  g_autofree char *kbx = g_build_filename (self->gnupg_home, "pubring.kbx", NULL);
  g_autofree char *gpg = g_build_filename (self->gnupg_home, "pubring.gpg", NULL);

  return !g_file_test (kbx, G_FILE_TEST_EXISTS) && !g_file_test (gpg, G_FILE_TEST_EXISTS);
}

static gboolean
check_cancelled (GCancellable *cancellable, GError **error)
{
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}

/* Every key of the keyring (or only those that have a secret key), in
 * GnuPG's order. */
static GPtrArray *
list_keys (PosternKeyring *self, PosternGpgCtx *ctx, gboolean secret_only, GError **error)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) gpgme_key_unref);
  gpgme_key_t key;
  gpgme_error_t err;

  if (!_postern_gpg_check (gpgme_op_keylist_start (ctx, NULL, secret_only),
                           "cannot list the keyring", error))
    return NULL;
  while ((err = gpgme_op_keylist_next (ctx, &key)) == 0)
    g_ptr_array_add (keys, key);
  gpgme_op_keylist_end (ctx);
  if (gpgme_err_code (err) != GPG_ERR_EOF)
    {
      _postern_gpg_check (err, "cannot list the keyring", error);
      return NULL;
    }
  return g_steal_pointer (&keys);
}

static GHashTable *
list_secret_fingerprints (PosternKeyring *self, PosternGpgCtx *ctx, GError **error)
{
  g_autoptr (GPtrArray) secret = list_keys (self, ctx, TRUE, error);
  GHashTable *set;

  if (secret == NULL)
    return NULL;
  set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < secret->len; i++)
    {
      gpgme_key_t key = secret->pdata[i];
      if (key->fpr != NULL)
        g_hash_table_add (set, g_strdup (key->fpr));
    }
  return set;
}

/**
 * postern_keyring_list_sync:
 * @address: (nullable): only the keys with a user ID for this address
 *
 * Returns: (transfer container) (element-type PosternKeyInfo): the keys.
 */
GPtrArray *
postern_keyring_list_sync (PosternKeyring *self, const char *address, GCancellable *cancellable,
                           GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (GHashTable) secret = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GPtrArray) infos = NULL;
  g_autofree char *wanted = NULL;

  g_return_val_if_fail (POSTERN_IS_KEYRING (self), NULL);
  if (address != NULL && (wanted = postern_keyring_normalize_address (address, error)) == NULL)
    return NULL;
  if (!check_cancelled (cancellable, error)
      || (ctx = _postern_keyring_new_context (self, error)) == NULL
      || (secret = list_secret_fingerprints (self, ctx, error)) == NULL
      || (keys = list_keys (self, ctx, FALSE, error)) == NULL)
    return NULL;

  infos = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_key_info_free);
  for (guint i = 0; i < keys->len; i++)
    {
      gpgme_key_t key = keys->pdata[i];
      PosternKeyInfo *info = key_info_new (key, g_hash_table_contains (secret, key->fpr));
      if (wanted != NULL && !postern_key_info_has_address (info, wanted))
        postern_key_info_free (info);
      else
        g_ptr_array_add (infos, info);
    }
  return g_steal_pointer (&infos);
}

static PosternKeyInfo *
get_key (PosternKeyring *self, PosternGpgCtx *ctx, const char *fingerprint, GError **error)
{
  g_autoptr (PosternGpgKey) key = NULL;
  g_autoptr (PosternGpgKey) secret_key = NULL;
  gpgme_error_t err = gpgme_get_key (ctx, fingerprint, &key, 0);

  if (err != 0 || key == NULL)
    {
      if (err == 0 || gpgme_err_code (err) == GPG_ERR_EOF)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "the keyring has no key %s",
                       fingerprint);
          return NULL;
        }
      _postern_gpg_check (err, "cannot read the keyring", error);
      return NULL;
    }
  gpgme_get_key (ctx, fingerprint, &secret_key, 1);
  return key_info_new (key, secret_key != NULL);
}

/**
 * postern_keyring_get_key_sync:
 * @fingerprint: a full fingerprint
 *
 * Returns: (transfer full): the key, or %NULL with @error set
 *   (%POSTERN_ERROR_NOT_FOUND when the keyring does not hold it).
 */
PosternKeyInfo *
postern_keyring_get_key_sync (PosternKeyring *self, const char *fingerprint,
                              GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autofree char *fpr = NULL;

  g_return_val_if_fail (POSTERN_IS_KEYRING (self), NULL);
  if ((fpr = postern_keyring_normalize_fingerprint (fingerprint, error)) == NULL
      || !check_cancelled (cancellable, error)
      || (ctx = _postern_keyring_new_context (self, error)) == NULL)
    return NULL;
  return get_key (self, ctx, fpr, error);
}

/**
 * postern_keyring_find_own_key_sync:
 * @address: the address to sign or be written to as
 *
 * Returns: (transfer full) (nullable): the fingerprint of the newest usable
 *   key this keyring holds the secret of for @address, or %NULL (with
 *   @error unset when there simply is none).
 */
char *
postern_keyring_find_own_key_sync (PosternKeyring *self, const char *address,
                                   GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autofree char *wanted = NULL;
  const char *best = NULL;
  gint64 best_created = -1;

  g_return_val_if_fail (POSTERN_IS_KEYRING (self), NULL);
  if ((wanted = postern_keyring_normalize_address (address, error)) == NULL
      || !check_cancelled (cancellable, error) || keyring_is_empty (self)
      || (ctx = _postern_keyring_new_context (self, error)) == NULL
      || (keys = list_keys (self, ctx, TRUE, error)) == NULL)
    return NULL;
  for (guint i = 0; i < keys->len; i++)
    {
      g_autoptr (PosternKeyInfo) info = key_info_new (keys->pdata[i], TRUE);
      if (info->can_sign && info->can_encrypt && postern_key_info_has_address (info, wanted)
          && info->created > best_created)
        {
          best = ((gpgme_key_t) keys->pdata[i])->fpr;
          best_created = info->created;
        }
    }
  return g_strdup (best);
}

static char *
format_user_id (PosternAddress *address)
{
  const char *name = postern_address_get_display_name (address);
  g_autofree char *spec = g_utf8_strdown (postern_address_get_addr_spec (address), -1);

  /* A name that holds the brackets or quotes of the user ID syntax would
   * make the address ambiguous; the address alone is then the safer ID. */
  if (name != NULL && *name != '\0' && strpbrk (name, "<>\"\\") == NULL)
    return g_strdup_printf ("%s <%s>", name, spec);
  return g_strdup_printf ("<%s>", spec);
}

/**
 * postern_keyring_generate_sync:
 * @addresses: (array zero-terminated=1): one or more addresses, each maybe
 *   with a display name; the first becomes the primary user ID
 *
 * Generates one key for all @addresses: an Ed25519 primary key that
 * certifies and signs and a Curve25519 encryption subkey, with no
 * passphrase and no expiry. An address that already has a key of ours is
 * refused (%POSTERN_ERROR_INVALID) rather than given a second one.
 *
 * Returns: (transfer full): the new key, or %NULL with @error set.
 */
PosternKeyInfo *
postern_keyring_generate_sync (PosternKeyring *self, const char *const *addresses,
                               GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (PosternGpgKey) key = NULL;
  g_autoptr (GPtrArray) parsed = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *primary_uid = NULL;
  g_autofree char *fpr = NULL;
  g_autoptr (GError) local_error = NULL;
  gpgme_genkey_result_t result;
  GError *step_error = NULL;
  const unsigned int no_passphrase = GPGME_CREATE_NOPASSWD | GPGME_CREATE_NOEXPIRE;

  g_return_val_if_fail (POSTERN_IS_KEYRING (self), NULL);
  if (addresses == NULL || addresses[0] == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "no address to make a key for");
      return NULL;
    }
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      PosternAddress *address = postern_address_parse (addresses[i], error);
      char *spec;
      g_autofree char *own = NULL;

      if (address == NULL)
        return NULL;
      g_ptr_array_add (parsed, address);
      spec = g_utf8_strdown (postern_address_get_addr_spec (address), -1);
      if (g_ptr_array_find_with_equal_func (specs, spec, g_str_equal, NULL))
        {
          g_ptr_array_remove (parsed, address);
          g_free (spec);
          continue;
        }
      g_ptr_array_add (specs, spec);
      own = postern_keyring_find_own_key_sync (self, spec, cancellable, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (own != NULL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "%s already has a key: %s",
                       spec, own);
          return NULL;
        }
    }

  if (!check_cancelled (cancellable, error)
      || (ctx = _postern_keyring_new_context (self, error)) == NULL)
    return NULL;
  primary_uid = format_user_id (parsed->pdata[0]);
  /* FORCE: a key someone else sent for this address (kept for its pin) must
   * not stop us from making our own. */
  if (!_postern_gpg_check (gpgme_op_createkey (ctx, primary_uid, PRIMARY_ALGO, 0, 0, NULL,
                                               GPGME_CREATE_SIGN | GPGME_CREATE_CERT
                                                 | GPGME_CREATE_FORCE | no_passphrase),
                           "cannot generate a key", error))
    return NULL;
  result = gpgme_op_genkey_result (ctx);
  if (result == NULL || result->fpr == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_FAILED,
                   "cannot generate a key: GnuPG did not name the new key");
      return NULL;
    }
  fpr = g_strdup (result->fpr);
  if (!_postern_gpg_check (gpgme_get_key (ctx, fpr, &key, 1), "cannot read the new key", error))
    return NULL;

  /* A primary key without its encryption subkey or with only some of the
   * addresses is of no use; on failure it is removed again, so a retry
   * does not find a half-made key in the way. */
  if (_postern_gpg_check (
        gpgme_op_createsubkey (ctx, key, ENCRYPTION_ALGO, 0, 0, GPGME_CREATE_ENCR | no_passphrase),
        "cannot generate the encryption subkey", &step_error))
    for (guint i = 1; i < parsed->len && step_error == NULL; i++)
      {
        g_autofree char *uid = format_user_id (parsed->pdata[i]);
        _postern_gpg_check (gpgme_op_adduid (ctx, key, uid, 0), "cannot add an address to the key",
                            &step_error);
      }
  /* GnuPG makes the newest user ID primary; the first address given is
   * the one the key is known by. */
  if (step_error == NULL && parsed->len > 1)
    _postern_gpg_check (gpgme_op_set_uid_flag (ctx, key, primary_uid, "primary", NULL),
                        "cannot set the key's primary address", &step_error);
  if (step_error != NULL)
    {
      gpgme_op_delete_ext (ctx, key, GPGME_DELETE_ALLOW_SECRET | GPGME_DELETE_FORCE);
      g_propagate_error (error, step_error);
      return NULL;
    }
  /* Our own key needs no first use to be trusted. */
  for (guint i = 0; self->trust != NULL && i < specs->len; i++)
    if (!postern_trust_verify (self->trust, specs->pdata[i], fpr, error))
      return NULL;
  return get_key (self, ctx, fpr, error);
}

/* One entry per key, whatever GnuPG reports twice (the public and the
 * secret part of one key come as two imports). */
static PosternKeyImport *
find_or_add_import (GPtrArray *imports, const char *fpr)
{
  PosternKeyImport *import;

  for (guint i = 0; i < imports->len; i++)
    {
      import = imports->pdata[i];
      if (g_str_equal (import->fingerprint, fpr))
        return import;
    }
  import = g_new0 (PosternKeyImport, 1);
  import->fingerprint = g_strdup (fpr);
  import->status = POSTERN_KEY_IMPORT_UNCHANGED;
  import->pinned = g_new0 (char *, 1);
  import->conflicts = g_new0 (char *, 1);
  g_ptr_array_add (imports, import);
  return import;
}

/* Imports into GnuPG as it is, with no policy. */
static GPtrArray *
gpg_import (PosternKeyring *self, PosternGpgCtx *ctx, GBytes *data, GError **error)
{
  g_autoptr (PosternGpgData) in = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  gpgme_import_result_t result;
  gpgme_error_t first_failure = 0;

  if ((in = _postern_gpg_data_from_bytes (data, error)) == NULL
      || !_postern_gpg_check (gpgme_op_import (ctx, in), "cannot import", error))
    return NULL;
  result = gpgme_op_import_result (ctx);
  if (result == NULL || result->considered == 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "no OpenPGP key found");
      return NULL;
    }

  imports = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_key_import_free);
  for (gpgme_import_status_t st = result->imports; st != NULL; st = st->next)
    {
      PosternKeyImport *import;

      if (st->result != 0 || st->fpr == NULL)
        {
          if (first_failure == 0)
            first_failure = st->result ? st->result : gpg_error (GPG_ERR_GENERAL);
          continue;
        }
      import = find_or_add_import (imports, st->fpr);
      if (st->status & GPGME_IMPORT_SECRET)
        import->secret = TRUE;
      if (st->status & GPGME_IMPORT_NEW)
        import->status = POSTERN_KEY_IMPORT_NEW;
      else if ((st->status & (GPGME_IMPORT_UID | GPGME_IMPORT_SIG | GPGME_IMPORT_SUBKEY))
               && import->status != POSTERN_KEY_IMPORT_NEW)
        import->status = POSTERN_KEY_IMPORT_UPDATED;
    }
  if (imports->len == 0)
    {
      _postern_gpg_check (first_failure ? first_failure : gpg_error (GPG_ERR_NO_DATA),
                          "no key could be imported", error);
      return NULL;
    }
  return g_steal_pointer (&imports);
}

static GBytes *
export_key (PosternGpgCtx *ctx, const char *fpr, PosternKeyExportFlags flags, GError **error)
{
  g_autoptr (PosternGpgData) out = NULL;
  g_autoptr (GBytes) bytes = NULL;
  gpgme_export_mode_t mode = 0;

  if (!_postern_gpg_check (gpgme_data_new (&out), "cannot export", error))
    return NULL;
  if (flags & POSTERN_KEY_EXPORT_MINIMAL)
    mode |= GPGME_EXPORT_MODE_MINIMAL;
  gpgme_set_armor (ctx, (flags & POSTERN_KEY_EXPORT_BINARY) == 0);
  if (!_postern_gpg_check (gpgme_op_export (ctx, fpr, mode, out), "cannot export", error))
    return NULL;
  bytes = _postern_gpg_data_to_bytes (g_steal_pointer (&out));
  if (g_bytes_get_size (bytes) == 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "the keyring has no key %s", fpr);
      return NULL;
    }
  return g_steal_pointer (&bytes);
}

static gboolean
delete_key (PosternGpgCtx *ctx, const char *fpr, GError **error)
{
  g_autoptr (PosternGpgKey) key = NULL;
  gpgme_error_t err = gpgme_get_key (ctx, fpr, &key, 0);

  if (err != 0 || key == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "the keyring has no key %s", fpr);
      return FALSE;
    }
  return _postern_gpg_check (
    gpgme_op_delete_ext (ctx, key, GPGME_DELETE_ALLOW_SECRET | GPGME_DELETE_FORCE),
    "cannot delete the key", error);
}

/* Puts one imported key through the pins: each of its addresses (or only
 * @only_address) is pinned to it, confirmed, or becomes a conflict. A key
 * the import brought in that no address takes is removed again, so it is
 * held only with its conflicts (or not at all, when the user rejected it
 * before). A secret key is never removed: that would destroy it. */
static gboolean
apply_trust (PosternKeyring *self, PosternGpgCtx *ctx, PosternKeyImport *import, const char *source,
             const char *only_address, GError **error)
{
  g_autoptr (PosternKeyInfo) info = get_key (self, ctx, import->fingerprint, error);
  g_autoptr (GStrvBuilder) pinned = g_strv_builder_new ();
  g_autoptr (GStrvBuilder) conflicts = g_strv_builder_new ();
  g_autoptr (GBytes) keydata = NULL;
  const char *only[] = { only_address, NULL };
  const char *const *addresses;
  gboolean taken = FALSE;
  gboolean in_conflict = FALSE;

  if (info == NULL)
    return FALSE;
  addresses = only_address ? only : (const char *const *) info->addresses;
  if (addresses[0] == NULL)
    return TRUE;

  /* Ask first, so a conflicting key's data is exported while the key is
   * still in the keyring. */
  for (guint i = 0; addresses[i] != NULL && keydata == NULL; i++)
    {
      PosternTrustVerdict verdict;

      if (!postern_trust_check (self->trust, addresses[i], import->fingerprint, &verdict, error))
        return FALSE;
      if (verdict == POSTERN_TRUST_VERDICT_CONFLICT
          && (keydata = export_key (ctx, import->fingerprint, POSTERN_KEY_EXPORT_BINARY, error))
               == NULL)
        return FALSE;
    }
  for (guint i = 0; addresses[i] != NULL; i++)
    {
      PosternTrustVerdict verdict;

      if (!postern_trust_observe (self->trust, addresses[i], import->fingerprint, source, keydata,
                                  &verdict, error))
        return FALSE;
      switch (verdict)
        {
          case POSTERN_TRUST_VERDICT_NEW_PIN:
          case POSTERN_TRUST_VERDICT_PINNED:
            g_strv_builder_add (pinned, addresses[i]);
            taken = TRUE;
            break;
          case POSTERN_TRUST_VERDICT_CONFLICT:
            g_strv_builder_add (conflicts, addresses[i]);
            in_conflict = TRUE;
            break;
          case POSTERN_TRUST_VERDICT_REJECTED:
          default:
            break;
        }
    }
  g_strfreev (import->pinned);
  g_strfreev (import->conflicts);
  import->pinned = g_strv_builder_end (pinned);
  import->conflicts = g_strv_builder_end (conflicts);
  if (taken)
    return TRUE;
  if (import->status == POSTERN_KEY_IMPORT_NEW && !import->secret
      && !delete_key (ctx, import->fingerprint, error))
    return FALSE;
  import->status = in_conflict ? POSTERN_KEY_IMPORT_CONFLICT : POSTERN_KEY_IMPORT_REJECTED;
  return TRUE;
}

/**
 * postern_keyring_import_sync:
 * @data: one or more keys, ASCII-armored or binary
 * @source: (nullable): where the keys came from, shown with any conflict
 *   ("import alice.asc", "Autocrypt header of <id@example>")
 * @only_address: (nullable): pin the keys for this address only, whatever
 *   user IDs they carry (for a key that arrived in a header naming its
 *   address); %NULL pins each key for the addresses of its user IDs
 *
 * Imports keys through the keyring's pins (see postern_trust_observe()).
 * A key whose every address is pinned to another key is not imported: it
 * is reported as %POSTERN_KEY_IMPORT_CONFLICT and kept with the conflict.
 *
 * Returns: (transfer container) (element-type PosternKeyImport): what
 *   happened to each key, or %NULL with @error set when @data held no key
 *   that could be imported.
 */
GPtrArray *
postern_keyring_import_sync (PosternKeyring *self, GBytes *data, const char *source,
                             const char *only_address, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autofree char *only = NULL;

  g_return_val_if_fail (POSTERN_IS_KEYRING (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);
  if (only_address != NULL
      && (only = postern_keyring_normalize_address (only_address, error)) == NULL)
    return NULL;
  if (!check_cancelled (cancellable, error)
      || (ctx = _postern_keyring_new_context (self, error)) == NULL
      || (imports = gpg_import (self, ctx, data, error)) == NULL)
    return NULL;
  for (guint i = 0; self->trust != NULL && i < imports->len; i++)
    if (!apply_trust (self, ctx, imports->pdata[i], source ? source : "import", only, error))
      return NULL;
  return g_steal_pointer (&imports);
}

/* ADDRESS_OR_FINGERPRINT names one key: a fingerprint as it is, an address
 * by our own key for it, else the one key the keyring holds for it. */
static char *
resolve_key (PosternKeyring *self, PosternGpgCtx *ctx, const char *address_or_fingerprint,
             GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *address = NULL;
  char *fpr;

  fpr = postern_keyring_normalize_fingerprint (address_or_fingerprint, NULL);
  if (fpr != NULL)
    return fpr;
  if ((address = postern_keyring_normalize_address (address_or_fingerprint, error)) == NULL)
    return NULL;
  fpr = postern_keyring_find_own_key_sync (self, address, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (fpr != NULL)
    return fpr;
  if (self->trust != NULL)
    {
      g_autoptr (PosternPin) pin = postern_trust_get_pin (self->trust, address, &local_error);
      g_autoptr (PosternKeyInfo) held = NULL;

      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (pin != NULL && (held = get_key (self, ctx, pin->fingerprint, NULL)) != NULL)
        return g_strdup (pin->fingerprint);
    }
  keys = postern_keyring_list_sync (self, address, cancellable, error);
  if (keys == NULL)
    return NULL;
  if (keys->len == 1)
    return g_strdup (((PosternKeyInfo *) keys->pdata[0])->fingerprint);
  if (keys->len == 0)
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "no key for %s", address);
  else
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                 "%u keys for %s: name the one you mean by its fingerprint", keys->len, address);
  return NULL;
}

/**
 * postern_keyring_export_sync:
 * @address_or_fingerprint: the key's fingerprint, or an address: our own
 *   key for it, else the one key held for it
 * @flags: what to export and how
 *
 * Exports a public key; there is no way to export a secret one.
 *
 * Returns: (transfer full): the key, or %NULL with @error set.
 */
GBytes *
postern_keyring_export_sync (PosternKeyring *self, const char *address_or_fingerprint,
                             PosternKeyExportFlags flags, GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autofree char *fpr = NULL;

  g_return_val_if_fail (POSTERN_IS_KEYRING (self), NULL);
  if (!check_cancelled (cancellable, error)
      || (ctx = _postern_keyring_new_context (self, error)) == NULL
      || (fpr = resolve_key (self, ctx, address_or_fingerprint, cancellable, error)) == NULL)
    return NULL;
  return export_key (ctx, fpr, flags, error);
}

/**
 * postern_keyring_delete_sync:
 * @fingerprint: the key to delete, with its secret key if we hold it
 */
gboolean
postern_keyring_delete_sync (PosternKeyring *self, const char *fingerprint,
                             GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autofree char *fpr = NULL;

  g_return_val_if_fail (POSTERN_IS_KEYRING (self), FALSE);
  if ((fpr = postern_keyring_normalize_fingerprint (fingerprint, error)) == NULL
      || !check_cancelled (cancellable, error)
      || (ctx = _postern_keyring_new_context (self, error)) == NULL)
    return FALSE;
  return delete_key (ctx, fpr, error);
}

/**
 * postern_keyring_find_recipient_key_sync:
 * @address: a recipient
 *
 * The key to encrypt to @address with: the one pinned for it, if the
 * keyring holds it and it is usable. GnuPG's own idea of the key's
 * validity (its web of trust) plays no part.
 *
 * Returns: (transfer full) (nullable): the fingerprint, or %NULL with
 *   @error unset when there is no usable pinned key; %NULL with
 *   %POSTERN_ERROR_POLICY when a key conflict over @address is open, since
 *   then no one knows which key is right.
 */
char *
postern_keyring_find_recipient_key_sync (PosternKeyring *self, const char *address,
                                         GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;
  g_autoptr (PosternPin) pin = NULL;
  g_autoptr (PosternKeyInfo) info = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *a = NULL;

  g_return_val_if_fail (POSTERN_IS_KEYRING (self), NULL);
  if ((a = postern_keyring_normalize_address (address, error)) == NULL
      || !check_cancelled (cancellable, error))
    return NULL;
  if (self->trust == NULL)
    return NULL;
  if ((conflicts = postern_trust_list_conflicts (self->trust, a, error)) == NULL)
    return NULL;
  if (conflicts->len > 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY,
                   "unresolved key conflict for %s (postern-cli keys conflicts)", a);
      return NULL;
    }
  pin = postern_trust_get_pin (self->trust, a, &local_error);
  if (pin == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if ((ctx = _postern_keyring_new_context (self, error)) == NULL)
    return NULL;
  info = get_key (self, ctx, pin->fingerprint, &local_error);
  if (info == NULL)
    {
      /* Pinned (from a scanned card, say) but not held yet. */
      if (!g_error_matches (local_error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND))
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (info->validity != POSTERN_KEY_VALID || !info->can_encrypt)
    return NULL;
  return g_strdup (info->fingerprint);
}

/**
 * postern_keyring_resolve_conflict_sync:
 * @address: the address in conflict
 * @fingerprint: (nullable): the conflicting key meant; may be left out
 *   when @address has only one open conflict
 * @replace: %TRUE to pin the conflicting key instead of the pinned one
 *   (importing it now), %FALSE to keep the pinned key and reject the other
 *
 * Settles a key conflict as the user decided.
 */
gboolean
postern_keyring_resolve_conflict_sync (PosternKeyring *self, const char *address,
                                       const char *fingerprint, gboolean replace,
                                       GCancellable *cancellable, GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;
  g_autoptr (GPtrArray) imports = NULL;
  g_autofree char *a = NULL;
  g_autofree char *f = NULL;
  PosternKeyConflict *chosen;

  g_return_val_if_fail (POSTERN_IS_KEYRING (self), FALSE);
  if (self->trust == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_SUPPORTED,
                   "this keyring keeps no pins, so it has no conflicts");
      return FALSE;
    }
  if ((a = postern_keyring_normalize_address (address, error)) == NULL
      || (fingerprint != NULL
          && (f = postern_keyring_normalize_fingerprint (fingerprint, error)) == NULL)
      || !check_cancelled (cancellable, error)
      || (conflicts = postern_trust_list_conflicts (self->trust, a, error)) == NULL)
    return FALSE;
  for (guint i = conflicts->len; f != NULL && i > 0; i--)
    if (!g_str_equal (((PosternKeyConflict *) conflicts->pdata[i - 1])->fingerprint, f))
      g_ptr_array_remove_index (conflicts, i - 1);
  if (conflicts->len == 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "no open key conflict for %s%s%s",
                   a, f ? " and key " : "", f ? f : "");
      return FALSE;
    }
  if (!replace)
    return postern_trust_keep (self->trust, a, f, error);

  if (conflicts->len > 1)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "%u other keys were seen for %s: name the one to pin by its fingerprint",
                   conflicts->len, a);
      return FALSE;
    }
  chosen = conflicts->pdata[0];
  /* A scanned card names its key without carrying it: the pin may come
   * first, and the key is taken when it arrives. */
  if (chosen->keydata == NULL && !chosen->verified)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND,
                   "the key %s is not held any more: import it again", chosen->fingerprint);
      return FALSE;
    }
  /* Into the keyring as it is; the pin follows right after. */
  if (chosen->keydata != NULL
      && ((ctx = _postern_keyring_new_context (self, error)) == NULL
          || (imports = gpg_import (self, ctx, chosen->keydata, error)) == NULL))
    return FALSE;
  return postern_trust_replace (self->trust, a, chosen->fingerprint, error);
}

/* The async API: each call copies its arguments into a task and runs the
 * _sync call in a GTask thread, since gpgme blocks on gpg. */

typedef struct
{
  char **strv;
  char *text;
  GBytes *bytes;
  guint flags;
} KeyringOp;

static void
keyring_op_free (KeyringOp *op)
{
  g_strfreev (op->strv);
  g_free (op->text);
  g_clear_pointer (&op->bytes, g_bytes_unref);
  g_free (op);
}

static GTask *
keyring_task_new (PosternKeyring *self, gpointer source_tag, GCancellable *cancellable,
                  GAsyncReadyCallback callback, gpointer user_data, KeyringOp **out_op)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  KeyringOp *op = g_new0 (KeyringOp, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) keyring_op_free);
  *out_op = op;
  return task;
}

static void
generate_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  KeyringOp *op = task_data;
  GError *error = NULL;
  PosternKeyInfo *info
    = postern_keyring_generate_sync (source, (const char *const *) op->strv, cancellable, &error);

  if (info == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, info, (GDestroyNotify) postern_key_info_free);
}

void
postern_keyring_generate_async (PosternKeyring *self, const char *const *addresses,
                                GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  KeyringOp *op;
  g_autoptr (GTask) task = keyring_task_new (self, postern_keyring_generate_async, cancellable,
                                             callback, user_data, &op);

  op->strv = g_strdupv ((char **) addresses);
  g_task_run_in_thread (task, generate_thread);
}

PosternKeyInfo *
postern_keyring_generate_finish (PosternKeyring *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
list_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  KeyringOp *op = task_data;
  GError *error = NULL;
  GPtrArray *keys = postern_keyring_list_sync (source, op->text, cancellable, &error);

  if (keys == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, keys, (GDestroyNotify) g_ptr_array_unref);
}

void
postern_keyring_list_async (PosternKeyring *self, const char *address, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  KeyringOp *op;
  g_autoptr (GTask) task
    = keyring_task_new (self, postern_keyring_list_async, cancellable, callback, user_data, &op);

  op->text = g_strdup (address);
  g_task_run_in_thread (task, list_thread);
}

GPtrArray *
postern_keyring_list_finish (PosternKeyring *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
import_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  KeyringOp *op = task_data;
  GError *error = NULL;
  GPtrArray *imports = postern_keyring_import_sync (
    source, op->bytes, op->text, op->strv ? op->strv[0] : NULL, cancellable, &error);

  if (imports == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, imports, (GDestroyNotify) g_ptr_array_unref);
}

void
postern_keyring_import_async (PosternKeyring *self, GBytes *data, const char *source,
                              const char *only_address, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  KeyringOp *op;
  g_autoptr (GTask) task
    = keyring_task_new (self, postern_keyring_import_async, cancellable, callback, user_data, &op);
  const char *only[] = { only_address, NULL };

  op->bytes = g_bytes_ref (data);
  op->text = g_strdup (source);
  op->strv = only_address ? g_strdupv ((char **) only) : NULL;
  g_task_run_in_thread (task, import_thread);
}

GPtrArray *
postern_keyring_import_finish (PosternKeyring *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
export_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  KeyringOp *op = task_data;
  GError *error = NULL;
  GBytes *bytes = postern_keyring_export_sync (source, op->text, op->flags, cancellable, &error);

  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

void
postern_keyring_export_async (PosternKeyring *self, const char *address_or_fingerprint,
                              PosternKeyExportFlags flags, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  KeyringOp *op;
  g_autoptr (GTask) task
    = keyring_task_new (self, postern_keyring_export_async, cancellable, callback, user_data, &op);

  op->text = g_strdup (address_or_fingerprint);
  op->flags = flags;
  g_task_run_in_thread (task, export_thread);
}

GBytes *
postern_keyring_export_finish (PosternKeyring *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
delete_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  KeyringOp *op = task_data;
  GError *error = NULL;

  if (!postern_keyring_delete_sync (source, op->text, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
postern_keyring_delete_async (PosternKeyring *self, const char *fingerprint,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  KeyringOp *op;
  g_autoptr (GTask) task
    = keyring_task_new (self, postern_keyring_delete_async, cancellable, callback, user_data, &op);

  op->text = g_strdup (fingerprint);
  g_task_run_in_thread (task, delete_thread);
}

gboolean
postern_keyring_delete_finish (PosternKeyring *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
resolve_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  KeyringOp *op = task_data;
  GError *error = NULL;

  if (!postern_keyring_resolve_conflict_sync (source, op->strv[0], op->text, op->flags != 0,
                                              cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
postern_keyring_resolve_conflict_async (PosternKeyring *self, const char *address,
                                        const char *fingerprint, gboolean replace,
                                        GCancellable *cancellable, GAsyncReadyCallback callback,
                                        gpointer user_data)
{
  KeyringOp *op;
  g_autoptr (GTask) task = keyring_task_new (self, postern_keyring_resolve_conflict_async,
                                             cancellable, callback, user_data, &op);
  const char *addresses[] = { address, NULL };

  op->strv = g_strdupv ((char **) addresses);
  op->text = g_strdup (fingerprint);
  op->flags = replace != FALSE;
  g_task_run_in_thread (task, resolve_thread);
}

gboolean
postern_keyring_resolve_conflict_finish (PosternKeyring *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
