/* postern-dns-record.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The RDATA of the DNS records Postern reads, decoded from the wire form a
 * resolver hands over (RFC 1035 §3.3, RFC 2782, RFC 7929). These parse
 * what a DNS server sent, so every length is checked against the data and
 * anything malformed is a GError, never a crash.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* RR types, as numbered by IANA. */
enum
{
  POSTERN_DNS_TYPE_A = 1,
  POSTERN_DNS_TYPE_TXT = 16,
  POSTERN_DNS_TYPE_AAAA = 28,
  POSTERN_DNS_TYPE_SRV = 33,
  POSTERN_DNS_TYPE_OPENPGPKEY = 61,
};

/**
 * PosternSrvRecord:
 * @priority: lower is tried first
 * @weight: share among records of one priority
 * @port: the service's port
 * @target: the host, without the trailing dot; "." means "no such service"
 *
 * One SRV record (RFC 2782).
 */
typedef struct
{
  guint16 priority;
  guint16 weight;
  guint16 port;
  char *target;
} PosternSrvRecord;

#define POSTERN_TYPE_SRV_RECORD (postern_srv_record_get_type ())
GType postern_srv_record_get_type (void);
PosternSrvRecord *postern_srv_record_copy (const PosternSrvRecord *record);
void postern_srv_record_free (PosternSrvRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PosternSrvRecord, postern_srv_record_free)

char *postern_dns_name_from_wire (const guint8 *data, gsize len, gsize *out_used, GError **error);
PosternSrvRecord *postern_dns_parse_srv (const guint8 *data, gsize len, GError **error);
char *postern_dns_parse_txt (const guint8 *data, gsize len, GError **error);
void postern_dns_sort_srv (GPtrArray *records);

G_END_DECLS
