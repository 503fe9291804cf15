/* test-router.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-core.h"
#include "postern-test-util.h"

#define ONION "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryd"
#define ONION2 "sp3k262uwy4r2k3ycr5awluarykdpag6a7y33jxop4cs2lu5uz5sseqd"

static void
test_address_parse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternAddress) a = postern_address_parse ("René <Rene@Example.TEST>", &error);
  g_autoptr (PosternAddress) o = postern_address_parse ("bob@abcde." ONION ".onion", &error);
  g_autoptr (PosternAddress) q = postern_address_parse ("\"Doe, Jane\" <\"jane doe\"@example.test>", &error);

  g_assert_no_error (error);
  g_assert_cmpint (postern_address_get_kind (a), ==, POSTERN_ADDRESS_LEGACY);
  g_assert_cmpstr (postern_address_get_display_name (a), ==, "René");
  g_assert_cmpstr (postern_address_get_addr_spec (a), ==, "Rene@example.test");
  g_assert_cmpint (postern_address_get_kind (o), ==, POSTERN_ADDRESS_ONION);
  g_assert_cmpstr (postern_address_get_onion (o), ==, ONION);
  g_assert_cmpstr (postern_address_get_fingerprint (o), ==, "abcde");
  g_assert_cmpstr (postern_address_get_display_name (q), ==, "Doe, Jane");
  g_assert_cmpstr (postern_address_get_local_part (q), ==, "\"jane doe\"");
}

static void
test_address_errors (void)
{
  const struct
  {
    const char *text;
    const char *why;
  } bad[] = {
    { "", "empty" },
    { "nobody", "no \"@\"" },
    { "a@", "valid domain" },
    { "@example.test", "mailbox name" },
    { "a..b@example.test", "mailbox name" },
    { "a@exa mple.test", "valid domain" },
    { "a@-bad.test", "valid domain" },
    { "Name <a@b.test", "without \">\"" },
    { "x@short.onion", "56 base32" },
    { "x@" ONION "x.onion", "56 base32" },
    { "x@" "pg6mmjiyjmcrsslvykfwnntlaru7p5svn6y2ymmju6nubxndf4pscryc.onion", "version 3" },
    { "x@ab." ONION ".onion", "fingerprint label" },
    { "x@a.b." ONION ".onion", "[FINGERPRINT.]ONION.onion" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      PosternAddress *a = postern_address_parse (bad[i].text, &error);
      g_assert_null (a);
      g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID);
      if (strstr (error->message, bad[i].why) == NULL)
        g_error ("\"%s\": expected \"%s\" in \"%s\"", bad[i].text, bad[i].why, error->message);
    }
}

static PosternRoute *
route (PosternRouter *router, const char *addr)
{
  g_autoptr (GError) error = NULL;
  PosternRoute *r = postern_router_route_one (router, addr, &error);
  g_assert_no_error (error);
  return r;
}

static void
test_route_classes (void)
{
  g_autoptr (PosternRouter) router = postern_router_new (NULL, NULL);
  g_autoptr (PosternRoute) legacy = route (router, "alice@example.test");
  g_autoptr (PosternRoute) onion = route (router, "bob@" ONION ".onion");

  g_assert_cmpstr (legacy->transport, ==, "smtp");
  g_assert_cmpint (legacy->lock, ==, POSTERN_LOCK_TLS);
  g_assert_cmpstr (onion->transport, ==, "smtorp");
  g_assert_cmpint (onion->lock, ==, POSTERN_LOCK_ONION);
}

static void
test_route_follows_account (void)
{
  g_autoptr (PosternAccount) local = postern_account_new ("demo", "me@example.test", NULL);
  g_autoptr (PosternAccount) plain = postern_account_new ("old", "me@example.test", NULL);
  g_autoptr (PosternRouter) r1 = NULL;
  g_autoptr (PosternRouter) r2 = NULL;
  g_autoptr (PosternRoute) a = NULL;
  g_autoptr (PosternRoute) b = NULL;

  g_assert_true (postern_account_set_smtp_url (local, "local:/tmp/somewhere", NULL));
  g_assert_true (postern_account_set_smtp_url (plain, "smtp://mail.example.test:25", NULL));
  postern_account_set_allow_plaintext (plain, TRUE);
  r1 = postern_router_new (NULL, local);
  r2 = postern_router_new (NULL, plain);
  a = route (r1, "x@example.test");
  b = route (r2, "x@example.test");
  g_assert_cmpstr (a->transport, ==, "local");
  g_assert_cmpint (a->lock, ==, POSTERN_LOCK_TLS);
  g_assert_cmpstr (b->transport, ==, "smtp");
  g_assert_cmpint (b->lock, ==, POSTERN_LOCK_OPEN);
}

static GPtrArray *
route_all (const char *const *addrs)
{
  g_autoptr (PosternRouter) router = postern_router_new (NULL, NULL);
  g_autoptr (GError) error = NULL;
  GPtrArray *routes = postern_router_route (router, addrs, &error);

  g_assert_no_error (error);
  return routes;
}

static void
test_mixed_transports (void)
{
  const char *same[] = { "a@example.test", "b@example.org", NULL };
  const char *mixed[] = { "a@example.test", "x@" ONION ".onion", "b@example.org", NULL };
  const char *tie[] = { "a@example.test", "x@" ONION ".onion", NULL };
  const char *onions[] = { "x@" ONION ".onion", "y@" ONION2 ".onion", "a@example.test", NULL };
  g_autoptr (GPtrArray) r_same = route_all (same);
  g_autoptr (GPtrArray) r_mixed = route_all (mixed);
  g_autoptr (GPtrArray) r_tie = route_all (tie);
  g_autoptr (GPtrArray) r_onions = route_all (onions);
  g_autoptr (GPtrArray) conflicts = NULL;
  g_autoptr (GError) error = NULL;
  const char *keep = NULL;

  g_assert_true (postern_routes_check_single_transport (r_same, &error));
  g_assert_no_error (error);

  /* The majority keeps the message; the odd one out is named. */
  conflicts = postern_routes_find_conflicts (r_mixed, &keep);
  g_assert_cmpstr (keep, ==, "smtp");
  g_assert_cmpuint (conflicts->len, ==, 1);
  g_assert_cmpstr (((PosternRoute *) conflicts->pdata[0])->address, ==, "x@" ONION ".onion");
  g_assert_false (postern_routes_check_single_transport (r_mixed, &error));
  g_assert_error (error, POSTERN_ERROR, POSTERN_ERROR_POLICY);
  g_assert_nonnull (strstr (error->message, "x@" ONION ".onion (smtorp)"));
  g_clear_error (&error);
  g_clear_pointer (&conflicts, g_ptr_array_unref);

  /* On a tie the stronger lock stays, so removing never weakens it. */
  conflicts = postern_routes_find_conflicts (r_tie, &keep);
  g_assert_cmpstr (keep, ==, "smtorp");
  g_assert_cmpuint (conflicts->len, ==, 1);
  g_assert_cmpstr (((PosternRoute *) conflicts->pdata[0])->address, ==, "a@example.test");
  g_clear_pointer (&conflicts, g_ptr_array_unref);

  conflicts = postern_routes_find_conflicts (r_onions, &keep);
  g_assert_cmpstr (keep, ==, "smtorp");
  g_assert_cmpuint (conflicts->len, ==, 1);
}

static void
route_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GPtrArray **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = postern_router_route_finish (POSTERN_ROUTER (source), result, &error);
  g_assert_no_error (error);
}

static void
test_route_async (void)
{
  g_autoptr (PosternRouter) router = postern_router_new (NULL, NULL);
  const char *addrs[] = { "a@example.test", "x@" ONION ".onion", NULL };
  g_autoptr (GPtrArray) routes = NULL;

  postern_router_route_async (router, addrs, NULL, route_done, &routes);
  while (routes == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (routes->len, ==, 2);
  g_assert_cmpstr (((PosternRoute *) routes->pdata[1])->transport, ==, "smtorp");
  g_clear_pointer (&routes, g_ptr_array_unref);
  /* The worker thread drops its reference to the task (and so to the
   * router) a moment after the callback ran; no reference may survive. */
  {
    PosternRouter *weak = g_steal_pointer (&router);
    g_object_add_weak_pointer (G_OBJECT (weak), (gpointer *) &weak);
    g_object_unref (weak);
    for (guint i = 0; weak != NULL && i < 500; i++)
      {
        g_main_context_iteration (NULL, FALSE);
        g_usleep (2000);
      }
    g_assert_null (weak);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/Postern/Keys/Address/parse", test_address_parse);
  g_test_add_func ("/Postern/Keys/Address/errors", test_address_errors);
  g_test_add_func ("/Postern/Core/Router/classes", test_route_classes);
  g_test_add_func ("/Postern/Core/Router/follows-account", test_route_follows_account);
  g_test_add_func ("/Postern/Core/Router/mixed-transports", test_mixed_transports);
  g_test_add_func ("/Postern/Core/Router/async", test_route_async);
  return g_test_run ();
}
