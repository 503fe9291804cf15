/* postern-resolver.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <unbound.h>

#include "postern-error.h"
#include "postern-profile.h"
#include "postern-resolver.h"

/* The DNS root's key-signing key (KSK-2017, tag 20326), used when neither
 * the profile nor the system (dns-root-data) names a trust anchor. */
#define ROOT_TRUST_ANCHOR \
  ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"
#define SYSTEM_ROOT_KEY "/usr/share/dns/root.key"

struct _PosternResolver
{
  GObject parent_instance;
  struct ub_ctx *ctx;
};

G_DEFINE_FINAL_TYPE (PosternResolver, postern_resolver, G_TYPE_OBJECT)
G_DEFINE_QUARK (postern - resolver - error - quark, postern_resolver_error)
G_DEFINE_BOXED_TYPE (PosternDnsAnswer, postern_dns_answer, postern_dns_answer_copy,
                     postern_dns_answer_free)

const char *
postern_dnssec_status_to_string (PosternDnssecStatus status)
{
  return status == POSTERN_DNSSEC_SECURE ? "secure" : "insecure";
}

PosternDnsAnswer *
postern_dns_answer_copy (const PosternDnsAnswer *answer)
{
  PosternDnsAnswer *copy = g_new0 (PosternDnsAnswer, 1);

  *copy = *answer;
  copy->name = g_strdup (answer->name);
  copy->rdata = g_ptr_array_ref (answer->rdata);
  return copy;
}

void
postern_dns_answer_free (PosternDnsAnswer *answer)
{
  if (answer == NULL)
    return;
  g_free (answer->name);
  g_clear_pointer (&answer->rdata, g_ptr_array_unref);
  g_free (answer);
}

/**
 * postern_dns_answer_get_srv:
 *
 * Returns: (transfer container) (element-type PosternSrvRecord): the SRV
 *   records in the order to try them, without the "." target that says
 *   the service is not offered (an empty array then).
 */
GPtrArray *
postern_dns_answer_get_srv (PosternDnsAnswer *answer, GError **error)
{
  g_autoptr (GPtrArray) records
    = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_srv_record_free);

  for (guint i = 0; i < answer->rdata->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (answer->rdata->pdata[i], &len);
      PosternSrvRecord *record = postern_dns_parse_srv (data, len, error);

      if (record == NULL)
        {
          g_prefix_error (error, "%s: ", answer->name);
          return NULL;
        }
      if (g_str_equal (record->target, "."))
        postern_srv_record_free (record);
      else
        g_ptr_array_add (records, record);
    }
  postern_dns_sort_srv (records);
  return g_steal_pointer (&records);
}

/**
 * postern_dns_answer_get_txt:
 *
 * Returns: (transfer full): one string per TXT record.
 */
GStrv
postern_dns_answer_get_txt (PosternDnsAnswer *answer, GError **error)
{
  g_autoptr (GStrvBuilder) texts = g_strv_builder_new ();

  for (guint i = 0; i < answer->rdata->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (answer->rdata->pdata[i], &len);
      g_autofree char *text = postern_dns_parse_txt (data, len, error);

      if (text == NULL)
        {
          g_prefix_error (error, "%s: ", answer->name);
          return NULL;
        }
      g_strv_builder_add (texts, text);
    }
  return g_strv_builder_end (texts);
}

/**
 * postern_dns_answer_get_addresses:
 *
 * Returns: (transfer full) (element-type GInetAddress): the addresses of
 *   an A or AAAA answer; records of the wrong size are skipped.
 */
GList *
postern_dns_answer_get_addresses (PosternDnsAnswer *answer)
{
  GList *addresses = NULL;
  gsize want = answer->rrtype == POSTERN_DNS_TYPE_AAAA ? 16 : 4;
  GSocketFamily family
    = answer->rrtype == POSTERN_DNS_TYPE_AAAA ? G_SOCKET_FAMILY_IPV6 : G_SOCKET_FAMILY_IPV4;

  for (guint i = 0; i < answer->rdata->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (answer->rdata->pdata[i], &len);
      if (len == want)
        addresses = g_list_prepend (addresses, g_inet_address_new_from_bytes (data, family));
    }
  return g_list_reverse (addresses);
}

static void
postern_resolver_finalize (GObject *object)
{
  PosternResolver *self = POSTERN_RESOLVER (object);

  g_clear_pointer (&self->ctx, ub_ctx_delete);
  G_OBJECT_CLASS (postern_resolver_parent_class)->finalize (object);
}

static void
postern_resolver_class_init (PosternResolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_resolver_finalize;
}

static void
postern_resolver_init (PosternResolver *self)
{
}

static gboolean
ub_check (int err, const char *what, GError **error)
{
  if (err == 0)
    return TRUE;
  g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_FAILED, "%s: %s", what,
               ub_strerror (err));
  return FALSE;
}

/* libunbound forwards to an IP address only; a host name in dns.upstream
 * is looked up once, through the system. */
static char *
upstream_address (const char *upstream, GError **error)
{
  const char *at = strrchr (upstream, '@');
  g_autofree char *host = g_strndup (upstream, at ? (gsize) (at - upstream) : strlen (upstream));
  g_autoptr (GInetAddress) literal = g_inet_address_new_from_string (host);
  g_autoptr (GError) local_error = NULL;
  g_autofree char *ip = NULL;
  GList *found;

  if (literal != NULL)
    ip = g_inet_address_to_string (literal);
  else
    {
      found = g_resolver_lookup_by_name (g_resolver_get_default (), host, NULL, &local_error);
      if (found == NULL)
        {
          g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_FAILED,
                       "dns.upstream %s cannot be found: %s", host, local_error->message);
          return NULL;
        }
      ip = g_inet_address_to_string (found->data);
      g_resolver_free_addresses (found);
    }
  return at ? g_strdup_printf ("%s@%s", ip, at + 1) : g_steal_pointer (&ip);
}

/**
 * postern_resolver_new:
 * @upstream: (nullable): HOST[@PORT] of the DNS server to forward every
 *   query to; %NULL or "" for the system's
 * @trust_anchor_file: (nullable): a zone file of DS or DNSKEY records to
 *   validate with instead of the root's key; %NULL or "" for the root's
 *
 * Returns: (transfer full): a resolver, or %NULL when the settings cannot
 *   be used.
 */
PosternResolver *
postern_resolver_new (const char *upstream, const char *trust_anchor_file, GError **error)
{
  g_autoptr (PosternResolver) self = g_object_new (POSTERN_TYPE_RESOLVER, NULL);
  gboolean have_upstream = upstream != NULL && *upstream != '\0';

  self->ctx = ub_ctx_create ();
  if (self->ctx == NULL)
    {
      g_set_error_literal (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_FAILED,
                           "cannot set up the DNS resolver");
      return NULL;
    }
  /* A resolver on this machine (systemd-resolved on 127.0.0.53, a test
   * server on 127.0.0.1) is as good an upstream as any. */
  if (!ub_check (ub_ctx_set_option (self->ctx, "do-not-query-localhost:", "no"),
                 "cannot set up the DNS resolver", error))
    return NULL;
  if (have_upstream)
    {
      g_autofree char *address = upstream_address (upstream, error);
      if (address == NULL
          || !ub_check (ub_ctx_set_fwd (self->ctx, address), "dns.upstream cannot be used", error))
        return NULL;
    }
  else
    {
      /* Without resolv.conf libunbound resolves from the root itself. */
      ub_ctx_resolvconf (self->ctx, NULL);
      ub_ctx_hosts (self->ctx, NULL);
    }

  if (trust_anchor_file != NULL && *trust_anchor_file != '\0')
    {
      if (!g_file_test (trust_anchor_file, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_FAILED,
                       "dns.trust-anchor %s is not a file", trust_anchor_file);
          return NULL;
        }
      if (!ub_check (ub_ctx_add_ta_file (self->ctx, trust_anchor_file),
                     "dns.trust-anchor cannot be used", error))
        return NULL;
    }
  else if (g_file_test (SYSTEM_ROOT_KEY, G_FILE_TEST_IS_REGULAR))
    {
      if (!ub_check (ub_ctx_add_ta_file (self->ctx, SYSTEM_ROOT_KEY),
                     "the DNS root's trust anchor cannot be used", error))
        return NULL;
    }
  else if (!ub_check (ub_ctx_add_ta (self->ctx, ROOT_TRUST_ANCHOR),
                      "the DNS root's trust anchor cannot be used", error))
    return NULL;

  /* libunbound answers the RFC 6761 name test. itself (NXDOMAIN, without
   * asking anyone). A configured upstream is asked instead: test setups use
   * it. This must come last: it finalizes the configuration. */
  if (have_upstream
      && !ub_check (ub_ctx_zone_remove (self->ctx, "test."), "cannot set up the DNS resolver",
                    error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * postern_resolver_new_for_profile:
 *
 * A resolver with the profile's dns.upstream and dns.trust-anchor.
 */
PosternResolver *
postern_resolver_new_for_profile (PosternProfile *profile, GError **error)
{
  g_autofree char *upstream = postern_profile_get_setting (profile, "dns.upstream", error);
  g_autofree char *anchor = NULL;

  if (upstream == NULL
      || (anchor = postern_profile_get_setting (profile, "dns.trust-anchor", error)) == NULL)
    return NULL;
  return postern_resolver_new (upstream, anchor, error);
}

static char *
type_name (guint rrtype)
{
  switch (rrtype)
    {
      case POSTERN_DNS_TYPE_A:
        return g_strdup ("A");
      case POSTERN_DNS_TYPE_TXT:
        return g_strdup ("TXT");
      case POSTERN_DNS_TYPE_AAAA:
        return g_strdup ("AAAA");
      case POSTERN_DNS_TYPE_SRV:
        return g_strdup ("SRV");
      case POSTERN_DNS_TYPE_OPENPGPKEY:
        return g_strdup ("OPENPGPKEY");
      default:
        return g_strdup_printf ("TYPE%u", rrtype);
    }
}

static char *
normalize_name (const char *name, GError **error)
{
  g_autofree char *ascii = g_hostname_to_ascii (name);
  gsize len;

  if (ascii == NULL || *ascii == '\0')
    {
      g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_INVALID,
                   "\"%s\" is not a domain name", name);
      return NULL;
    }
  len = strlen (ascii);
  if (len > 1 && ascii[len - 1] == '.')
    ascii[len - 1] = '\0';
  return g_ascii_strdown (ascii, -1);
}

typedef struct ub_result PosternUbResult;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternUbResult, ub_resolve_free)

/**
 * postern_resolver_lookup_sync:
 * @name: a domain name
 * @rrtype: a record type (POSTERN_DNS_TYPE_…)
 *
 * Asks for @name's records of @rrtype, class IN, and validates the answer.
 *
 * Returns: (transfer full): the answer with its DNSSEC status, or %NULL
 *   and a POSTERN_RESOLVER_ERROR: BOGUS when validation failed, NOT_FOUND
 *   when there is no such record, FAILED when no answer came.
 */
PosternDnsAnswer *
postern_resolver_lookup_sync (PosternResolver *self, const char *name, guint rrtype,
                              GCancellable *cancellable, GError **error)
{
  g_autofree char *qname = NULL;
  g_autofree char *tname = type_name (rrtype);
  g_autoptr (PosternUbResult) result = NULL;
  g_autoptr (PosternDnsAnswer) answer = NULL;
  int err;

  g_return_val_if_fail (POSTERN_IS_RESOLVER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  if (g_cancellable_set_error_if_cancelled (cancellable, error)
      || (qname = normalize_name (name, error)) == NULL)
    return NULL;
  err = ub_resolve (self->ctx, qname, (int) rrtype, 1 /* IN */, &result);
  if (err != 0)
    {
      g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_FAILED,
                   "cannot look up %s %s: %s", qname, tname, ub_strerror (err));
      return NULL;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  /* A bogus answer still carries rcode 0 and the (forged) data: only the
   * bogus flag tells, so it is read before anything else. */
  if (result->bogus)
    {
      g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_BOGUS,
                   "the DNS answer for %s %s failed DNSSEC validation and was refused (%s)", qname,
                   tname, result->why_bogus ? result->why_bogus : "bogus");
      return NULL;
    }
  if (result->nxdomain || (result->rcode == 0 && !result->havedata))
    {
      g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_NOT_FOUND,
                   "%s has no %s record", qname, tname);
      return NULL;
    }
  if (result->rcode != 0)
    {
      g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_FAILED,
                   "cannot look up %s %s: the DNS server answered %s", qname, tname,
                   result->rcode == 2   ? "SERVFAIL"
                   : result->rcode == 5 ? "REFUSED"
                                        : "with an error");
      return NULL;
    }

  answer = g_new0 (PosternDnsAnswer, 1);
  answer->name = g_steal_pointer (&qname);
  answer->rrtype = rrtype;
  answer->status = result->secure ? POSTERN_DNSSEC_SECURE : POSTERN_DNSSEC_INSECURE;
  answer->ttl = result->ttl > 0 ? (guint) result->ttl : 0;
  answer->rdata = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; result->data[i] != NULL; i++)
    g_ptr_array_add (answer->rdata, g_bytes_new (result->data[i], (gsize) MAX (result->len[i], 0)));
  return g_steal_pointer (&answer);
}

typedef struct
{
  char *name;
  guint rrtype;
} LookupOp;

static void
lookup_op_free (LookupOp *op)
{
  g_free (op->name);
  g_free (op);
}

static void
lookup_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LookupOp *op = task_data;
  GError *error = NULL;
  PosternDnsAnswer *answer
    = postern_resolver_lookup_sync (source, op->name, op->rrtype, cancellable, &error);

  if (answer == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, answer, (GDestroyNotify) postern_dns_answer_free);
}

void
postern_resolver_lookup_async (PosternResolver *self, const char *name, guint rrtype,
                               GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  LookupOp *op = g_new0 (LookupOp, 1);

  op->name = g_strdup (name);
  op->rrtype = rrtype;
  g_task_set_source_tag (task, postern_resolver_lookup_async);
  g_task_set_task_data (task, op, (GDestroyNotify) lookup_op_free);
  /* libunbound's blocking call cannot be interrupted: a cancelled lookup
   * returns at once and the thread finishes on its own. */
  g_task_set_return_on_cancel (task, TRUE);
  /* GLib 2.74 leaks the error of a return-on-cancel task started already
   * cancelled; such a task needs no thread anyway. */
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_run_in_thread (task, lookup_thread);
}

PosternDnsAnswer *
postern_resolver_lookup_finish (PosternResolver *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * postern_resolver_lookup_srv_sync:
 * @service: "pks", "submission", …, without the underscore
 * @protocol: "tcp" or "udp"
 * @out_status: (out) (optional): the answer's DNSSEC status
 *
 * Returns: (transfer container) (element-type PosternSrvRecord): the
 *   records in the order to try them; NOT_FOUND when there are none or the
 *   domain says (target ".") that it offers no such service.
 */
GPtrArray *
postern_resolver_lookup_srv_sync (PosternResolver *self, const char *service, const char *protocol,
                                  const char *domain, PosternDnssecStatus *out_status,
                                  GCancellable *cancellable, GError **error)
{
  g_autofree char *name = g_strdup_printf ("_%s._%s.%s", service, protocol, domain);
  g_autoptr (PosternDnsAnswer) answer
    = postern_resolver_lookup_sync (self, name, POSTERN_DNS_TYPE_SRV, cancellable, error);
  g_autoptr (GPtrArray) records = NULL;

  if (answer == NULL || (records = postern_dns_answer_get_srv (answer, error)) == NULL)
    return NULL;
  if (records->len == 0)
    {
      g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_NOT_FOUND,
                   "%s offers no %s service", domain, service);
      return NULL;
    }
  if (out_status != NULL)
    *out_status = answer->status;
  return g_steal_pointer (&records);
}

/**
 * postern_resolver_lookup_txt_sync:
 * @out_status: (out) (optional): the answer's DNSSEC status
 *
 * Returns: (transfer full): one string per TXT record of @name.
 */
GStrv
postern_resolver_lookup_txt_sync (PosternResolver *self, const char *name,
                                  PosternDnssecStatus *out_status, GCancellable *cancellable,
                                  GError **error)
{
  g_autoptr (PosternDnsAnswer) answer
    = postern_resolver_lookup_sync (self, name, POSTERN_DNS_TYPE_TXT, cancellable, error);
  GStrv texts;

  if (answer == NULL || (texts = postern_dns_answer_get_txt (answer, error)) == NULL)
    return NULL;
  if (out_status != NULL)
    *out_status = answer->status;
  return texts;
}

/**
 * postern_resolver_lookup_host_sync:
 * @out_status: (out) (optional): secure only when every address came in a
 *   secure answer
 *
 * Looks up a host's IPv4 and IPv6 addresses (an IP literal is returned as
 * it is, insecure). A bogus answer for either refuses the host.
 *
 * Returns: (transfer full) (element-type GInetAddress): the addresses,
 *   IPv6 first.
 */
GList *
postern_resolver_lookup_host_sync (PosternResolver *self, const char *host,
                                   PosternDnssecStatus *out_status, GCancellable *cancellable,
                                   GError **error)
{
  static const guint types[] = { POSTERN_DNS_TYPE_AAAA, POSTERN_DNS_TYPE_A };
  GInetAddress *literal = g_inet_address_new_from_string (host);
  GList *addresses = NULL;
  PosternDnssecStatus status = POSTERN_DNSSEC_SECURE;

  if (literal != NULL)
    {
      if (out_status != NULL)
        *out_status = POSTERN_DNSSEC_INSECURE;
      return g_list_append (NULL, literal);
    }
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (PosternDnsAnswer) answer
        = postern_resolver_lookup_sync (self, host, types[i], cancellable, &local_error);

      if (answer == NULL)
        {
          if (g_error_matches (local_error, POSTERN_RESOLVER_ERROR,
                               POSTERN_RESOLVER_ERROR_NOT_FOUND))
            continue;
          g_list_free_full (addresses, g_object_unref);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (answer->status != POSTERN_DNSSEC_SECURE)
        status = POSTERN_DNSSEC_INSECURE;
      addresses = g_list_concat (addresses, postern_dns_answer_get_addresses (answer));
    }
  if (addresses == NULL)
    {
      g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_NOT_FOUND,
                   "the host %s has no address", host);
      return NULL;
    }
  if (out_status != NULL)
    *out_status = status;
  return addresses;
}

/**
 * postern_dane_openpgpkey_name:
 * @local_part: the address's local part, as it is written
 * @domain: the address's domain
 *
 * The owner name of an address's OPENPGPKEY records (RFC 7929 §3): the
 * SHA2-256 of the local part, cut to 28 octets, in hex, under
 * _openpgpkey.DOMAIN.
 */
char *
postern_dane_openpgpkey_name (const char *local_part, const char *domain)
{
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, local_part, -1);

  hash[56] = '\0';
  return g_strdup_printf ("%s._openpgpkey.%s", hash, domain);
}

/**
 * postern_resolver_lookup_openpgpkey_sync:
 * @address: user@domain
 * @out_name: (out) (optional): the name asked for
 * @out_status: (out) (optional): the answer's DNSSEC status
 *
 * Looks up the OpenPGP keys an address's domain publishes for it in DNS
 * (RFC 7929). The local part is hashed as written (lower-cased addresses
 * are what Postern keeps).
 *
 * Returns: (transfer full): the keys' binary OpenPGP packets, every record
 *   one after the other.
 */
GBytes *
postern_resolver_lookup_openpgpkey_sync (PosternResolver *self, const char *address,
                                         char **out_name, PosternDnssecStatus *out_status,
                                         GCancellable *cancellable, GError **error)
{
  const char *at = strrchr (address, '@');
  g_autofree char *local = NULL;
  g_autofree char *name = NULL;
  g_autoptr (PosternDnsAnswer) answer = NULL;
  g_autoptr (GByteArray) keys = g_byte_array_new ();

  if (at == NULL || at == address || at[1] == '\0')
    {
      g_set_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_INVALID,
                   "\"%s\" is not an e-mail address", address);
      return NULL;
    }
  local = g_strndup (address, (gsize) (at - address));
  name = postern_dane_openpgpkey_name (local, at + 1);
  answer
    = postern_resolver_lookup_sync (self, name, POSTERN_DNS_TYPE_OPENPGPKEY, cancellable, error);
  if (answer == NULL)
    return NULL;
  for (guint i = 0; i < answer->rdata->len; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (answer->rdata->pdata[i], &len);
      g_byte_array_append (keys, data, (guint) len);
    }
  if (out_status != NULL)
    *out_status = answer->status;
  if (out_name != NULL)
    *out_name = g_steal_pointer (&name);
  return g_byte_array_free_to_bytes (g_steal_pointer (&keys));
}
