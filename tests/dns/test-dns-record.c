/* test-dns-record.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The RDATA decoders on hand-made records, well-formed and broken.
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-resolver.h"

static void
test_srv (void)
{
  static const guint8 rdata[] = { 0, 10, 0, 5, 0x2c, 0x6b, 4, 'P', 'o', 's', 't', 1, 'a', 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternSrvRecord) srv = postern_dns_parse_srv (rdata, sizeof rdata, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (srv->priority, ==, 10);
  g_assert_cmpuint (srv->weight, ==, 5);
  g_assert_cmpuint (srv->port, ==, 11371);
  g_assert_cmpstr (srv->target, ==, "post.a");
}

static void
test_srv_root_target (void)
{
  static const guint8 rdata[] = { 0, 0, 0, 0, 0, 0, 0 };
  g_autoptr (PosternSrvRecord) srv = postern_dns_parse_srv (rdata, sizeof rdata, NULL);

  g_assert_cmpstr (srv->target, ==, ".");
}

static void
test_srv_malformed (void)
{
  static const struct
  {
    guint8 data[16];
    gsize len;
  } cases[] = {
    { { 0, 1, 0, 1, 0, 25 }, 6 },                        /* no target */
    { { 0, 1, 0, 1, 0, 25, 9, 'a', 'b' }, 9 },           /* label past the end */
    { { 0, 1, 0, 1, 0, 25, 1, 'a' }, 8 },                /* no root label */
    { { 0, 1, 0, 1, 0, 25, 0xc0, 12 }, 8 },              /* compression pointer */
    { { 0, 1, 0, 1, 0, 25, 1, 'a', 0, 7 }, 10 },         /* data after the name */
    { { 0, 1, 0, 1, 0, 25, 3, 'a', ' ', 'b', 0 }, 11 },  /* not a host name */
    { { 0, 1, 0, 1, 0, 25, 3, 'a', '\0', 'b', 0 }, 11 }, /* NUL in a label */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PosternSrvRecord) srv
        = postern_dns_parse_srv (cases[i].data, cases[i].len, &error);

      g_assert_null (srv);
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
      g_assert_true (g_str_has_prefix (error->message, "malformed SRV record"));
    }
}

static void
test_name_too_long (void)
{
  g_autoptr (GByteArray) wire = g_byte_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *name = NULL;
  guint8 label[64];

  label[0] = 63;
  memset (label + 1, 'x', 63);
  for (guint i = 0; i < 5; i++)
    g_byte_array_append (wire, label, sizeof label);
  g_byte_array_append (wire, (const guint8 *) "", 1);
  name = postern_dns_name_from_wire (wire->data, wire->len, NULL, &error);
  g_assert_null (name);
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
}

static void
test_txt (void)
{
  static const guint8 two[] = { 3, 'v', '=', '1', 2, ' ', 'x' };
  static const guint8 empty_string[] = { 0 };
  static const guint8 latin1[] = { 2, 'a', 0xe9 };
  g_autofree char *a = postern_dns_parse_txt (two, sizeof two, NULL);
  g_autofree char *b = postern_dns_parse_txt (empty_string, sizeof empty_string, NULL);
  g_autofree char *c = postern_dns_parse_txt (latin1, sizeof latin1, NULL);

  g_assert_cmpstr (a, ==, "v=1 x");
  g_assert_cmpstr (b, ==, "");
  g_assert_cmpstr (c, ==, "a\xef\xbf\xbd");
}

static void
test_txt_malformed (void)
{
  static const guint8 truncated[] = { 5, 'a', 'b' };
  static const guint8 nul[] = { 3, 'a', 0, 'b' };
  g_autoptr (GError) error = NULL;

  g_assert_null (postern_dns_parse_txt (truncated, sizeof truncated, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (postern_dns_parse_txt (nul, sizeof nul, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (postern_dns_parse_txt (nul, 0, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
}

static void
test_sort (void)
{
  g_autoptr (GPtrArray) records
    = g_ptr_array_new_with_free_func ((GDestroyNotify) postern_srv_record_free);
  static const guint16 prio_weight[][2] = { { 20, 1 }, { 10, 1 }, { 10, 50 } };

  for (guint i = 0; i < G_N_ELEMENTS (prio_weight); i++)
    {
      PosternSrvRecord *r = g_new0 (PosternSrvRecord, 1);
      r->priority = prio_weight[i][0];
      r->weight = prio_weight[i][1];
      r->target = g_strdup_printf ("h%u", i);
      g_ptr_array_add (records, r);
    }
  postern_dns_sort_srv (records);
  g_assert_cmpstr (((PosternSrvRecord *) records->pdata[0])->target, ==, "h2");
  g_assert_cmpstr (((PosternSrvRecord *) records->pdata[1])->target, ==, "h1");
  g_assert_cmpstr (((PosternSrvRecord *) records->pdata[2])->target, ==, "h0");
}

static void
test_dane_name (void)
{
  g_autofree char *name = postern_dane_openpgpkey_name ("hugh", "example.com");

  /* RFC 7929 §3's own example. */
  g_assert_cmpstr (
    name, ==, "c93f1e400f26708f98cb19d936620da35eec8f72e57f9eec01c1afd6._openpgpkey.example.com");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Dns/Record/srv", test_srv);
  g_test_add_func ("/Postern/Dns/Record/srv-root-target", test_srv_root_target);
  g_test_add_func ("/Postern/Dns/Record/srv-malformed", test_srv_malformed);
  g_test_add_func ("/Postern/Dns/Record/name-too-long", test_name_too_long);
  g_test_add_func ("/Postern/Dns/Record/txt", test_txt);
  g_test_add_func ("/Postern/Dns/Record/txt-malformed", test_txt_malformed);
  g_test_add_func ("/Postern/Dns/Record/sort", test_sort);
  g_test_add_func ("/Postern/Dns/Record/dane-name", test_dane_name);
  return g_test_run ();
}
