/* test-resolver.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The libunbound resolver against a real NSD that tests/harness/with-servers
 * --dns starts: a signed zone answers secure, an unsigned one insecure, and a
 * zone whose data was changed after signing is refused as bogus.
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-resolver.h"
#include "postern-test-util.h"

static PosternResolver *
make_resolver (void)
{
  g_autoptr (GError) error = NULL;
  PosternResolver *resolver
    = postern_resolver_new (postern_test_harness_env ("POSTERN_DNS_UPSTREAM"),
                            postern_test_harness_env ("POSTERN_DNS_TRUST_ANCHOR"), &error);
  g_assert_no_error (error);
  return resolver;
}

static void
test_secure_txt (void)
{
  g_autoptr (PosternResolver) resolver = make_resolver ();
  g_autoptr (GError) error = NULL;
  PosternDnssecStatus status = POSTERN_DNSSEC_INSECURE;
  g_auto (GStrv) txt
    = postern_resolver_lookup_txt_sync (resolver, "Secure.Test.", &status, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (txt), ==, 1);
  g_assert_cmpstr (txt[0], ==, "v=postern-test secure");
  g_assert_cmpint (status, ==, POSTERN_DNSSEC_SECURE);
}

static void
test_insecure_txt (void)
{
  g_autoptr (PosternResolver) resolver = make_resolver ();
  g_autoptr (GError) error = NULL;
  PosternDnssecStatus status = POSTERN_DNSSEC_SECURE;
  g_auto (GStrv) txt
    = postern_resolver_lookup_txt_sync (resolver, "insecure.test", &status, NULL, &error);

  g_assert_no_error (error);
  /* Two character-strings, read as one text. */
  g_assert_cmpstrv (txt, ((const char *const[]){ "v=postern-test insecure", NULL }));
  g_assert_cmpint (status, ==, POSTERN_DNSSEC_INSECURE);
}

static void
test_bogus_refused (void)
{
  g_autoptr (PosternResolver) resolver = make_resolver ();
  static const guint types[] = { POSTERN_DNS_TYPE_TXT, POSTERN_DNS_TYPE_A };
  static const char *names[] = { "bogus.test", "openpgpkey.bogus.test" };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PosternDnsAnswer) answer
        = postern_resolver_lookup_sync (resolver, names[i], types[i], NULL, &error);

      g_assert_null (answer);
      g_assert_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_BOGUS);
      g_assert_nonnull (strstr (error->message, "failed DNSSEC validation"));
      g_assert_nonnull (strstr (error->message, names[i]));
    }
}

static void
test_srv (void)
{
  g_autoptr (PosternResolver) resolver = make_resolver ();
  g_autoptr (GError) error = NULL;
  PosternDnssecStatus status = POSTERN_DNSSEC_INSECURE;
  g_autoptr (GPtrArray) srv = postern_resolver_lookup_srv_sync (
    resolver, "submission", "tcp", "secure.test", &status, NULL, &error);
  PosternSrvRecord *first, *second;

  g_assert_no_error (error);
  g_assert_cmpint (status, ==, POSTERN_DNSSEC_SECURE);
  g_assert_cmpuint (srv->len, ==, 2);
  first = srv->pdata[0];
  second = srv->pdata[1];
  g_assert_cmpuint (first->priority, ==, 0);
  g_assert_cmpuint (first->port, ==, 587);
  g_assert_cmpstr (first->target, ==, "post.secure.test");
  g_assert_cmpuint (second->priority, ==, 10);
  g_assert_cmpuint (second->port, ==, 2587);
  g_assert_cmpstr (second->target, ==, "ns.secure.test");
}

static void
test_host (void)
{
  g_autoptr (PosternResolver) resolver = make_resolver ();
  g_autoptr (GError) error = NULL;
  PosternDnssecStatus status = POSTERN_DNSSEC_INSECURE;
  GList *addresses
    = postern_resolver_lookup_host_sync (resolver, "post.secure.test", &status, NULL, &error);
  g_autofree char *ip = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (g_list_length (addresses), ==, 1);
  ip = g_inet_address_to_string (addresses->data);
  g_assert_cmpstr (ip, ==, "127.0.0.1");
  g_assert_cmpint (status, ==, POSTERN_DNSSEC_SECURE);
  g_list_free_full (addresses, g_object_unref);
}

static void
test_openpgpkey (void)
{
  g_autoptr (PosternResolver) resolver = make_resolver ();
  static const struct
  {
    const char *address;
    PosternDnssecStatus status;
  } cases[] = {
    { "alice@secure.test", POSTERN_DNSSEC_SECURE },
    { "erin@insecure.test", POSTERN_DNSSEC_INSECURE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *name = NULL;
      g_autofree char *file = g_strdup_printf (
        "%s/%s.pgp", postern_test_harness_env ("POSTERN_DNS_KEYS"), cases[i].address);
      g_autofree char *expected = NULL;
      gsize expected_len;
      PosternDnssecStatus status = !cases[i].status;
      g_autoptr (GBytes) key = postern_resolver_lookup_openpgpkey_sync (
        resolver, cases[i].address, &name, &status, NULL, &error);

      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (file, &expected, &expected_len, NULL));
      g_assert_cmpmem (g_bytes_get_data (key, NULL), g_bytes_get_size (key), expected,
                       expected_len);
      g_assert_cmpint (status, ==, cases[i].status);
      g_assert_true (g_str_has_suffix (name, "._openpgpkey.secure.test")
                     || g_str_has_suffix (name, "._openpgpkey.insecure.test"));
    }
}

static void
test_not_found (void)
{
  g_autoptr (PosternResolver) resolver = make_resolver ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) key = postern_resolver_lookup_openpgpkey_sync (resolver, "nobody@secure.test",
                                                                    NULL, NULL, NULL, &error);

  g_assert_null (key);
  g_assert_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  /* A name that exists, without the type asked for. */
  g_assert_null (
    postern_resolver_lookup_srv_sync (resolver, "pks", "tcp", "insecure.test", NULL, NULL, &error));
  g_assert_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_NOT_FOUND);
}

static void
lookup_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PosternDnsAnswer **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = postern_resolver_lookup_finish (POSTERN_RESOLVER (source), result, &error);
  g_assert_no_error (error);
}

static void
test_async (void)
{
  g_autoptr (PosternResolver) resolver = make_resolver ();
  g_autoptr (PosternDnsAnswer) answer = NULL;
  g_autoptr (GList) addresses = NULL;

  postern_resolver_lookup_async (resolver, "openpgpkey.secure.test", POSTERN_DNS_TYPE_A, NULL,
                                 lookup_done, &answer);
  while (answer == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (answer->name, ==, "openpgpkey.secure.test");
  g_assert_cmpint (answer->status, ==, POSTERN_DNSSEC_SECURE);
  g_assert_cmpuint (answer->ttl, <=, 300);
  addresses = postern_dns_answer_get_addresses (answer);
  g_assert_cmpuint (g_list_length (addresses), ==, 1);
  g_list_free_full (g_steal_pointer (&addresses), g_object_unref);
}

static void
test_bad_settings (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternResolver) resolver = postern_resolver_new (
    postern_test_harness_env ("POSTERN_DNS_UPSTREAM"), "/nonexistent/ta.txt", &error);

  g_assert_null (resolver);
  g_assert_error (error, POSTERN_RESOLVER_ERROR, POSTERN_RESOLVER_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "dns.trust-anchor"));
}

/* No settings: the system's resolver and the root's key. Only built here,
 * since nothing outside the test's network namespace may be asked. */
static void
test_default_settings (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternResolver) resolver = postern_resolver_new (NULL, "", &error);

  g_assert_no_error (error);
  g_assert_true (POSTERN_IS_RESOLVER (resolver));
}

static void
cancelled_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  PosternDnsAnswer *answer
    = postern_resolver_lookup_finish (POSTERN_RESOLVER (source), result, error);

  g_assert_null (answer);
}

static void
test_cancelled (void)
{
  g_autoptr (PosternResolver) resolver = make_resolver ();
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GError) error = NULL;

  g_cancellable_cancel (cancellable);
  postern_resolver_lookup_async (resolver, "secure.test", POSTERN_DNS_TYPE_TXT, cancellable,
                                 cancelled_done, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* The lookup's thread still holds the resolver; it must let go. */
  {
    PosternResolver *weak = g_steal_pointer (&resolver);
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
    g_object_unref (weak);
    while (weak != NULL && g_get_monotonic_time () < deadline)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (1000);
      }
    g_assert_null (weak);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Dns/Resolver/secure", test_secure_txt);
  g_test_add_func ("/Postern/Dns/Resolver/insecure", test_insecure_txt);
  g_test_add_func ("/Postern/Dns/Resolver/bogus-refused", test_bogus_refused);
  g_test_add_func ("/Postern/Dns/Resolver/srv", test_srv);
  g_test_add_func ("/Postern/Dns/Resolver/host", test_host);
  g_test_add_func ("/Postern/Dns/Resolver/openpgpkey", test_openpgpkey);
  g_test_add_func ("/Postern/Dns/Resolver/not-found", test_not_found);
  g_test_add_func ("/Postern/Dns/Resolver/async", test_async);
  g_test_add_func ("/Postern/Dns/Resolver/bad-settings", test_bad_settings);
  g_test_add_func ("/Postern/Dns/Resolver/default-settings", test_default_settings);
  g_test_add_func ("/Postern/Dns/Resolver/cancelled", test_cancelled);
  return g_test_run ();
}
