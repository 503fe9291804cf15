/* postern-key-locator.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "postern-error.h"
#include "postern-gpg-private.h"
#include "postern-key-locator.h"
#include "postern-net.h"
#include "postern-profile.h"
#include "postern-resolved-address.h"

/* More than any real key with its signatures; a server sending more is
 * not serving a key. */
#define MAX_KEY_BYTES (1024 * 1024)
#define HTTP_TIMEOUT_SECONDS 30

struct _PosternKeyLocator
{
  GObject parent_instance;
  PosternKeyring *keyring;
  PosternResolver *resolver;
  char *extra_ca_file;
};

G_DEFINE_FINAL_TYPE (PosternKeyLocator, postern_key_locator, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (PosternLocatedKey, postern_located_key, postern_located_key_copy,
                     postern_located_key_free)

const char *
postern_key_source_to_string (PosternKeySource source)
{
  switch (source)
    {
      case POSTERN_KEY_SOURCE_WKD:
        return "wkd";
      case POSTERN_KEY_SOURCE_DANE:
        return "dane";
      case POSTERN_KEY_SOURCE_HKP:
        return "hkp";
      default:
        return "unknown";
    }
}

PosternLocatedKey *
postern_located_key_copy (const PosternLocatedKey *key)
{
  PosternLocatedKey *copy = g_new0 (PosternLocatedKey, 1);

  *copy = *key;
  copy->address = g_strdup (key->address);
  copy->location = g_strdup (key->location);
  copy->import = key->import ? postern_key_import_copy (key->import) : NULL;
  return copy;
}

void
postern_located_key_free (PosternLocatedKey *key)
{
  if (key == NULL)
    return;
  g_free (key->address);
  g_free (key->location);
  g_clear_pointer (&key->import, postern_key_import_free);
  g_free (key);
}

static void
postern_key_locator_finalize (GObject *object)
{
  PosternKeyLocator *self = POSTERN_KEY_LOCATOR (object);

  g_clear_object (&self->keyring);
  g_clear_object (&self->resolver);
  g_free (self->extra_ca_file);
  G_OBJECT_CLASS (postern_key_locator_parent_class)->finalize (object);
}

static void
postern_key_locator_class_init (PosternKeyLocatorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_key_locator_finalize;
}

static void
postern_key_locator_init (PosternKeyLocator *self)
{
}

/**
 * postern_key_locator_new:
 * @keyring: where found keys are imported (with its trust policy)
 * @resolver: the DNS resolver
 * @extra_ca_file: (nullable): a CA trusted besides the system's for HTTPS
 */
PosternKeyLocator *
postern_key_locator_new (PosternKeyring *keyring, PosternResolver *resolver,
                         const char *extra_ca_file)
{
  PosternKeyLocator *self = g_object_new (POSTERN_TYPE_KEY_LOCATOR, NULL);

  self->keyring = g_object_ref (keyring);
  self->resolver = g_object_ref (resolver);
  self->extra_ca_file = extra_ca_file && *extra_ca_file ? g_strdup (extra_ca_file) : NULL;
  return self;
}

/**
 * postern_key_locator_new_for_profile:
 *
 * A locator with the profile's resolver settings (dns.upstream,
 * dns.trust-anchor) and extra CA (tls.ca-file).
 */
PosternKeyLocator *
postern_key_locator_new_for_profile (PosternProfile *profile, PosternKeyring *keyring,
                                     GError **error)
{
  g_autoptr (PosternResolver) resolver = postern_resolver_new_for_profile (profile, error);
  g_autofree char *ca = NULL;

  if (resolver == NULL
      || (ca = postern_profile_get_setting (profile, "tls.ca-file", error)) == NULL)
    return NULL;
  return postern_key_locator_new (keyring, resolver, ca);
}

/**
 * postern_wkd_hash:
 * @local_part: an address's local part
 *
 * The WKD name of a local part: SHA-1 of the lower-cased local part,
 * z-base-32 encoded (32 characters).
 */
char *
postern_wkd_hash (const char *local_part)
{
  static const char alphabet[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
  g_autofree char *lower = g_utf8_strdown (local_part, -1);
  g_autoptr (GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize len = sizeof digest;
  GString *out = g_string_sized_new (32);
  guint bits = 0, nbits = 0;

  g_checksum_update (sha1, (const guchar *) lower, (gssize) strlen (lower));
  g_checksum_get_digest (sha1, digest, &len);
  for (gsize i = 0; i < len; i++)
    {
      bits = (bits << 8) | digest[i];
      nbits += 8;
      while (nbits >= 5)
        {
          g_string_append_c (out, alphabet[(bits >> (nbits - 5)) & 31]);
          nbits -= 5;
        }
    }
  return g_string_free (out, FALSE);
}

/* One attempt at one source. */
typedef struct
{
  PosternKeySource source;
  char *location;
  PosternDnssecStatus dnssec;
  GBytes *data;
} Found;

static void
found_clear (Found *found)
{
  g_clear_pointer (&found->location, g_free);
  g_clear_pointer (&found->data, g_bytes_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Found, found_clear)

static PosternDnssecStatus
weakest (PosternDnssecStatus a, PosternDnssecStatus b)
{
  return a == POSTERN_DNSSEC_SECURE && b == POSTERN_DNSSEC_SECURE ? POSTERN_DNSSEC_SECURE
                                                                  : POSTERN_DNSSEC_INSECURE;
}

typedef struct
{
  GTlsDatabase *extra;
  GSocketConnectable *identity;
} CertCheck;

static gboolean
accept_certificate (SoupMessage *msg, GTlsCertificate *peer, GTlsCertificateFlags errors,
                    gpointer user_data)
{
  CertCheck *check = user_data;

  return postern_net_extra_ca_vouches (check->extra, peer, errors, check->identity);
}

static GBytes *
read_limited (GInputStream *in, const char *url, GCancellable *cancellable, GError **error)
{
  g_autoptr (GByteArray) body = g_byte_array_new ();
  guint8 buffer[16384];

  for (;;)
    {
      gssize n = g_input_stream_read (in, buffer, sizeof buffer, cancellable, error);
      if (n < 0)
        {
          g_prefix_error (error, "%s: ", url);
          return NULL;
        }
      if (n == 0)
        break;
      if (body->len + (gsize) n > MAX_KEY_BYTES)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "%s sent more than %d bytes: not a key", url, MAX_KEY_BYTES);
          return NULL;
        }
      g_byte_array_append (body, buffer, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&body));
}

/* GET @url from @host's @addresses, which our resolver found: libsoup
 * must not look the host up again through the system. Redirects are not
 * followed, since they would lead to a host nobody looked up. */
static GBytes *
http_get (PosternKeyLocator *self, const char *url, const char *host, guint16 port,
          GList *addresses, GCancellable *cancellable, GError **error)
{
  g_autoptr (GSocketConnectable) target = postern_resolved_address_new (host, port, addresses);
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GTlsDatabase) extra = NULL;
  CertCheck check = { NULL, target };
  guint status;

  if (msg == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "%s is not a URL", url);
      return NULL;
    }
  if (self->extra_ca_file != NULL)
    {
      extra = g_tls_file_database_new (self->extra_ca_file, &local_error);
      if (extra == NULL)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "tls.ca-file %s cannot be read: %s", self->extra_ca_file,
                       local_error->message);
          return NULL;
        }
      check.extra = extra;
    }
  session = soup_session_new_with_options ("remote-connectable", target, "timeout",
                                           HTTP_TIMEOUT_SECONDS, "user-agent", "Postern", NULL);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate), &check);
  in = soup_session_send (session, msg, cancellable, &local_error);
  if (in == NULL)
    {
      if (g_error_matches (local_error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        {
          g_autofree char *why = postern_net_describe_certificate_errors (
            soup_message_get_tls_peer_certificate_errors (msg));
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY,
                       "the certificate of %s was refused: %s", host, why);
        }
      else if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "%s: %s", url, local_error->message);
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_NOT_FOUND)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "%s: no key there", url);
      return NULL;
    }
  if (status != SOUP_STATUS_OK)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "%s: the server answered %u %s", url,
                   status, soup_message_get_reason_phrase (msg));
      return NULL;
    }
  return read_limited (in, url, cancellable, error);
}

static char *
url_host_port (const char *host, guint16 port, guint16 default_port)
{
  return port == default_port ? g_strdup (host) : g_strdup_printf ("%s:%u", host, port);
}

/* WKD: the advanced method when openpgpkey.DOMAIN exists, else the direct
 * one (draft-koch-openpgp-webkey-service §3.1). Always port 443; the
 * harness's WKD server may sit elsewhere (POSTERN_WKD_PORT, tests only). */
static gboolean
try_wkd (PosternKeyLocator *self, const char *local, const char *domain, Found *found,
         GCancellable *cancellable, GError **error)
{
  g_autofree char *hash = postern_wkd_hash (local);
  g_autofree char *escaped = g_uri_escape_string (local, NULL, FALSE);
  g_autofree char *advanced = g_strconcat ("openpgpkey.", domain, NULL);
  g_autofree char *hostport = NULL;
  g_autoptr (GError) local_error = NULL;
  const char *port_env = g_getenv ("POSTERN_WKD_PORT");
  guint64 port = 443;
  const char *host = advanced;
  GList *addresses;

  if (port_env != NULL && !g_ascii_string_to_unsigned (port_env, 10, 1, 65535, &port, NULL))
    port = 443;
  addresses = postern_resolver_lookup_host_sync (self->resolver, advanced, &found->dnssec,
                                                 cancellable, &local_error);
  if (addresses == NULL)
    {
      if (!g_error_matches (local_error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_clear_error (&local_error);
      host = domain;
      addresses = postern_resolver_lookup_host_sync (self->resolver, domain, &found->dnssec,
                                                     cancellable, error);
      if (addresses == NULL)
        return FALSE;
    }
  hostport = url_host_port (host, (guint16) port, 443);
  if (host == advanced)
    found->location = g_strdup_printf ("https://%s/.well-known/openpgpkey/%s/hu/%s?l=%s", hostport,
                                       domain, hash, escaped);
  else
    found->location
      = g_strdup_printf ("https://%s/.well-known/openpgpkey/hu/%s?l=%s", hostport, hash, escaped);
  found->data
    = http_get (self, found->location, host, (guint16) port, addresses, cancellable, error);
  g_list_free_full (addresses, g_object_unref);
  return found->data != NULL;
}

static gboolean
try_dane (PosternKeyLocator *self, const char *address, Found *found, GCancellable *cancellable,
          GError **error)
{
  found->data = postern_resolver_lookup_openpgpkey_sync (self->resolver, address, &found->location,
                                                         &found->dnssec, cancellable, error);
  return found->data != NULL;
}

/* HKP from the servers the domain's _pks._tcp SRV names, in order, until
 * one answers; a key is asked for by fingerprint when one is expected. */
static gboolean
try_hkp (PosternKeyLocator *self, const char *address, const char *domain, const char *fingerprint,
         Found *found, GCancellable *cancellable, GError **error)
{
  PosternDnssecStatus srv_status = POSTERN_DNSSEC_INSECURE;
  g_autoptr (GPtrArray) servers = postern_resolver_lookup_srv_sync (
    self->resolver, "pks", "tcp", domain, &srv_status, cancellable, error);
  g_autofree char *search = NULL;
  g_autoptr (GError) last_error = NULL;

  if (servers == NULL)
    return FALSE;
  search = fingerprint ? g_strconcat ("0x", fingerprint, NULL)
                       : g_uri_escape_string (address, NULL, FALSE);
  for (guint i = 0; i < servers->len; i++)
    {
      PosternSrvRecord *srv = servers->pdata[i];
      PosternDnssecStatus host_status = POSTERN_DNSSEC_INSECURE;
      g_autofree char *hostport = url_host_port (srv->target, srv->port, 80);
      GList *addresses;

      g_clear_error (&last_error);
      addresses = postern_resolver_lookup_host_sync (self->resolver, srv->target, &host_status,
                                                     cancellable, &last_error);
      if (addresses == NULL)
        {
          if (g_error_matches (last_error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_BOGUS))
            break;
          continue;
        }
      found->location
        = g_strdup_printf ("http://%s/pks/lookup?op=get&options=mr&search=%s", hostport, search);
      found->dnssec = weakest (srv_status, host_status);
      found->data = http_get (self, found->location, srv->target, srv->port, addresses, cancellable,
                              &last_error);
      g_list_free_full (addresses, g_object_unref);
      if (found->data != NULL)
        return TRUE;
      g_clear_pointer (&found->location, g_free);
      if (g_error_matches (last_error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND))
        break;
    }
  g_propagate_error (error, g_steal_pointer (&last_error));
  return FALSE;
}

/* Whether @data holds exactly one key, and it is the one wanted: it names
 * @address in a user ID and, when given, has @fingerprint. The data is
 * only read here, not imported. */
static gboolean
check_key (PosternKeyLocator *self, GBytes *data, const char *address, const char *fingerprint,
           GError **error)
{
  g_autoptr (PosternGpgCtx) ctx = _postern_keyring_new_context (self->keyring, error);
  g_autoptr (PosternGpgData) in = NULL;
  g_autofree char *fpr = NULL;
  gboolean names_address = FALSE;
  guint count = 0;

  if (ctx == NULL || (in = _postern_gpg_data_from_bytes (data, error)) == NULL
      || !_postern_gpg_check (gpgme_op_keylist_from_data_start (ctx, in, 0), "cannot read the key",
                              error))
    return FALSE;
  for (;;)
    {
      g_autoptr (PosternGpgKey) key = NULL;
      if (gpgme_op_keylist_next (ctx, &key) != 0 || key == NULL)
        break;
      if (++count > 1 || key->subkeys == NULL || key->subkeys->fpr == NULL)
        continue;
      fpr = g_ascii_strup (key->subkeys->fpr, -1);
      for (gpgme_user_id_t uid = key->uids; uid != NULL; uid = uid->next)
        {
          g_autofree char *uid_address = _postern_gpg_uid_address (uid->uid, uid->email);
          if (!uid->revoked && !uid->invalid && uid_address != NULL
              && g_ascii_strcasecmp (uid_address, address) == 0)
            names_address = TRUE;
        }
    }
  gpgme_op_keylist_end (ctx);
  if (count == 0)
    {
      g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                           "what was served is not an OpenPGP key");
      return FALSE;
    }
  if (count > 1)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "%u keys were served, not one%s",
                   count, fingerprint ? "" : " (name the one meant by its fingerprint)");
      return FALSE;
    }
  if (!names_address)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "the key served (%s) has no user ID for %s", fpr, address);
      return FALSE;
    }
  if (fingerprint != NULL && !g_str_equal (fpr, fingerprint))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "the key served is %s, not %s",
                   fpr, fingerprint);
      return FALSE;
    }
  return TRUE;
}

static const char *
source_label (PosternKeySource source)
{
  switch (source)
    {
      case POSTERN_KEY_SOURCE_WKD:
        return "WKD";
      case POSTERN_KEY_SOURCE_DANE:
        return "DANE";
      case POSTERN_KEY_SOURCE_HKP:
      default:
        return "HKP";
    }
}

/**
 * postern_key_locator_locate_sync:
 * @address: the address whose key is wanted
 * @fingerprint: (nullable): the key expected (from a scanned card, say);
 *   other keys are passed over
 *
 * Looks for the key by WKD, then DANE, then HKP, and imports the first
 * one found through the keyring's trust policy. A key in conflict with
 * the one pinned for @address is a result too (its import status says
 * CONFLICT), not an error.
 *
 * Returns: (transfer full): where the key came from and what importing it
 *   did; %NULL with POSTERN_ERROR_NOT_FOUND when no source had a key
 *   (the message says what each answered), POSTERN_RESOLVER_ERROR_BOGUS
 *   when a DNS answer failed validation, or another error.
 */
PosternLocatedKey *
postern_key_locator_locate_sync (PosternKeyLocator *self, const char *address,
                                 const char *fingerprint, GCancellable *cancellable, GError **error)
{
  g_autofree char *addr = NULL;
  g_autofree char *fpr = NULL;
  g_autoptr (GString) why = g_string_new (NULL);
  const char *at;
  g_autofree char *local = NULL;

  g_return_val_if_fail (POSTERN_IS_KEY_LOCATOR (self), NULL);
  if ((addr = postern_keyring_normalize_address (address, error)) == NULL)
    return NULL;
  if (fingerprint != NULL
      && (fpr = postern_keyring_normalize_fingerprint (fingerprint, error)) == NULL)
    return NULL;
  at = strrchr (addr, '@');
  if (at == NULL || g_str_has_suffix (addr, ".onion"))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "%s: keys are looked up for user@domain addresses only", addr);
      return NULL;
    }
  local = g_strndup (addr, (gsize) (at - addr));

  for (PosternKeySource source = POSTERN_KEY_SOURCE_WKD; source <= POSTERN_KEY_SOURCE_HKP; source++)
    {
      g_auto (Found) found = { source, NULL, POSTERN_DNSSEC_INSECURE, NULL };
      g_autoptr (GError) local_error = NULL;
      g_autoptr (GPtrArray) imports = NULL;
      g_autofree char *origin = NULL;
      PosternLocatedKey *located;
      gboolean ok;

      if (source == POSTERN_KEY_SOURCE_WKD)
        ok = try_wkd (self, local, at + 1, &found, cancellable, &local_error);
      else if (source == POSTERN_KEY_SOURCE_DANE)
        ok = try_dane (self, addr, &found, cancellable, &local_error);
      else
        ok = try_hkp (self, addr, at + 1, fpr, &found, cancellable, &local_error);
      if (ok)
        ok = check_key (self, found.data, addr, fpr, &local_error);
      if (!ok)
        {
          /* A forged answer is an attack or a broken domain: no other
           * source is asked in its place. */
          if (g_error_matches (local_error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_BOGUS)
              || g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          g_string_append_printf (why, "%s%s: %s", why->len ? "; " : "", source_label (source),
                                  local_error->message);
          continue;
        }

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      origin = g_strdup_printf ("%s %s (DNSSEC %s)", source_label (source), found.location,
                                postern_dnssec_status_to_string (found.dnssec));
      imports
        = postern_keyring_import_sync (self->keyring, found.data, origin, addr, cancellable, error);
      if (imports == NULL)
        return NULL;
      located = g_new0 (PosternLocatedKey, 1);
      located->address = g_strdup (addr);
      located->source = source;
      located->location = g_steal_pointer (&found.location);
      located->dnssec = found.dnssec;
      located->import = postern_key_import_copy (imports->pdata[0]);
      return located;
    }
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "no key found for %s (%s)", addr,
               why->str);
  return NULL;
}

typedef struct
{
  char *address;
  char *fingerprint;
} LocateOp;

static void
locate_op_free (LocateOp *op)
{
  g_free (op->address);
  g_free (op->fingerprint);
  g_free (op);
}

static void
locate_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LocateOp *op = task_data;
  GError *error = NULL;
  PosternLocatedKey *key
    = postern_key_locator_locate_sync (source, op->address, op->fingerprint, cancellable, &error);

  if (key == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, key, (GDestroyNotify) postern_located_key_free);
}

void
postern_key_locator_locate_async (PosternKeyLocator *self, const char *address,
                                  const char *fingerprint, GCancellable *cancellable,
                                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  LocateOp *op = g_new0 (LocateOp, 1);

  op->address = g_strdup (address);
  op->fingerprint = g_strdup (fingerprint);
  g_task_set_source_tag (task, postern_key_locator_locate_async);
  g_task_set_task_data (task, op, (GDestroyNotify) locate_op_free);
  /* DNS and gpgme calls block; a cancelled search returns at once, and
   * its thread stops at the next step (it checks before importing). */
  g_task_set_return_on_cancel (task, TRUE);
  /* GLib 2.74 leaks the error of a return-on-cancel task started already
   * cancelled; such a task needs no thread anyway. */
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_run_in_thread (task, locate_thread);
}

PosternLocatedKey *
postern_key_locator_locate_finish (PosternKeyLocator *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
