/* postern-resolver.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DNS through libunbound, validating DNSSEC. Every answer says whether it
 * was secure (signed, and the signatures chain up to a trust anchor) or
 * insecure (nothing signed it); a bogus answer (signatures that do not
 * verify: forged or damaged on the way) is never handed out, only a
 * POSTERN_RESOLVER_ERROR_BOGUS error naming the record and the reason.
 *
 * The server asked is the profile's dns.upstream (HOST[@PORT], as a
 * forwarder), else the system's (/etc/resolv.conf). The trust anchor is the
 * profile's dns.trust-anchor file, else the DNS root's key.
 *
 * One object may be used from any thread; the _sync calls block and are
 * for worker threads and the CLI, the _async ones run them on a thread.
 */
#pragma once

#include <gio/gio.h>

#include "postern-dns-record.h"
#include "postern-types.h"

G_BEGIN_DECLS

#define POSTERN_RESOLVER_ERROR (postern_resolver_error_quark ())
GQuark postern_resolver_error_quark (void);

/**
 * PosternResolverError:
 * @POSTERN_RESOLVER_ERROR_FAILED: the lookup could not be done (no server
 *   answered, a server failure, bad settings)
 * @POSTERN_RESOLVER_ERROR_NOT_FOUND: the name does not exist, or has no
 *   record of the type asked for
 * @POSTERN_RESOLVER_ERROR_BOGUS: the answer failed DNSSEC validation and
 *   was refused
 * @POSTERN_RESOLVER_ERROR_INVALID: a record in the answer is malformed
 */
typedef enum
{
  POSTERN_RESOLVER_ERROR_FAILED,
  POSTERN_RESOLVER_ERROR_NOT_FOUND,
  POSTERN_RESOLVER_ERROR_BOGUS,
  POSTERN_RESOLVER_ERROR_INVALID,
} PosternResolverError;

/**
 * PosternDnssecStatus:
 * @POSTERN_DNSSEC_INSECURE: nothing vouches for the answer (an unsigned
 *   zone, or one no trust anchor covers)
 * @POSTERN_DNSSEC_SECURE: the answer's signatures chain up to a trust anchor
 *
 * How far an answer can be believed. (Bogus answers never get this far.)
 */
typedef enum
{
  POSTERN_DNSSEC_INSECURE,
  POSTERN_DNSSEC_SECURE,
} PosternDnssecStatus;

const char *postern_dnssec_status_to_string (PosternDnssecStatus status);

/**
 * PosternDnsAnswer:
 * @name: the name asked for, lower case, without the trailing dot
 * @rrtype: the record type asked for
 * @status: its DNSSEC status
 * @ttl: the answer's time to live, in seconds
 * @rdata: (element-type GBytes): each record's RDATA in wire form, never
 *   empty (no records is POSTERN_RESOLVER_ERROR_NOT_FOUND)
 */
typedef struct
{
  char *name;
  guint rrtype;
  PosternDnssecStatus status;
  guint ttl;
  GPtrArray *rdata;
} PosternDnsAnswer;

#define POSTERN_TYPE_DNS_ANSWER (postern_dns_answer_get_type ())
GType postern_dns_answer_get_type (void);
PosternDnsAnswer *postern_dns_answer_copy (const PosternDnsAnswer *answer);
void postern_dns_answer_free (PosternDnsAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternDnsAnswer, postern_dns_answer_free)

GPtrArray *postern_dns_answer_get_srv (PosternDnsAnswer *answer, GError **error);
GStrv postern_dns_answer_get_txt (PosternDnsAnswer *answer, GError **error);
GList *postern_dns_answer_get_addresses (PosternDnsAnswer *answer);

#define POSTERN_TYPE_RESOLVER (postern_resolver_get_type ())
G_DECLARE_FINAL_TYPE (PosternResolver, postern_resolver, POSTERN, RESOLVER, GObject)

PosternResolver *postern_resolver_new (const char *upstream, const char *trust_anchor_file,
                                       GError **error);
PosternResolver *postern_resolver_new_for_profile (PosternProfile *profile, GError **error);

PosternDnsAnswer *postern_resolver_lookup_sync (PosternResolver *self, const char *name,
                                                guint rrtype, GCancellable *cancellable,
                                                GError **error);
void postern_resolver_lookup_async (PosternResolver *self, const char *name, guint rrtype,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data);
PosternDnsAnswer *postern_resolver_lookup_finish (PosternResolver *self, GAsyncResult *result,
                                                  GError **error);

GPtrArray *postern_resolver_lookup_srv_sync (PosternResolver *self, const char *service,
                                             const char *protocol, const char *domain,
                                             PosternDnssecStatus *out_status,
                                             GCancellable *cancellable, GError **error);
GStrv postern_resolver_lookup_txt_sync (PosternResolver *self, const char *name,
                                        PosternDnssecStatus *out_status, GCancellable *cancellable,
                                        GError **error);
GList *postern_resolver_lookup_host_sync (PosternResolver *self, const char *host,
                                          PosternDnssecStatus *out_status,
                                          GCancellable *cancellable, GError **error);
GBytes *postern_resolver_lookup_openpgpkey_sync (PosternResolver *self, const char *address,
                                                 char **out_name, PosternDnssecStatus *out_status,
                                                 GCancellable *cancellable, GError **error);
char *postern_dane_openpgpkey_name (const char *local_part, const char *domain);

G_END_DECLS
