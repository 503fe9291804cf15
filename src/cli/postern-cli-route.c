/* postern-cli-route.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * route and send: the router's verdict per recipient, and the durable
 * outbox in front of the transports.
 */
#include "config.h"

#include "postern-cli.h"

static JsonNode *
routes_to_json (GPtrArray *routes, GPtrArray *conflicts)
{
  g_autoptr (JsonBuilder) json = json_builder_new ();

  json_builder_begin_array (json);
  for (guint i = 0; i < routes->len; i++)
    {
      PosternRoute *r = routes->pdata[i];
      json_builder_begin_object (json);
      json_builder_set_member_name (json, "address");
      json_builder_add_string_value (json, r->address);
      json_builder_set_member_name (json, "transport");
      json_builder_add_string_value (json, r->transport);
      json_builder_set_member_name (json, "lock");
      json_builder_add_string_value (json, postern_lock_to_string (r->lock));
      json_builder_set_member_name (json, "conflict");
      json_builder_add_boolean_value (json, g_ptr_array_find (conflicts, r, NULL));
      json_builder_end_object (json);
    }
  json_builder_end_array (json);
  return json_builder_get_root (json);
}

/* The profile is optional for route: without one, legacy mail is assumed
 * to go by SMTP over TLS. */
static PosternRouter *
open_router (PosternCli *cli, const char *account_name, PosternProfile **out_profile,
             GError **error)
{
  g_autoptr (PosternProfile) profile = postern_cli_open_profile (cli, FALSE, NULL);
  g_autoptr (PosternAccount) account = NULL;

  if (profile != NULL)
    {
      g_autoptr (GError) local_error = NULL;
      account = postern_profile_find_account (profile, account_name, &local_error);
      if (account == NULL && account_name != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  if (out_profile != NULL)
    *out_profile = g_steal_pointer (&profile);
  return postern_router_new (profile, account);
}

int
postern_cli_route (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternRouter) router = NULL;
  g_autoptr (GPtrArray) routes = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;
  g_autoptr (JsonNode) json = NULL;
  const char *account = NULL;

  if (!postern_cli_take_option (cli, "--account", &account, &error)
      || !postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc == 0)
    return postern_cli_usage (_ ("route ADDR…"));

  router = open_router (cli, account, NULL, &error);
  if (router == NULL)
    return postern_cli_fail (error);
  routes = postern_router_route (router, (const char *const *) cli->argv, &error);
  if (routes == NULL)
    return postern_cli_fail (error);

  conflicts = postern_routes_find_conflicts (routes, NULL);
  json = routes_to_json (routes, conflicts);
  postern_cli_print_json (json);
  if (!postern_routes_check_single_transport (routes, &error))
    return postern_cli_fail (error);
  return POSTERN_EXIT_OK;
}

static void
print_routes (GPtrArray *routes)
{
  for (guint i = 0; i < routes->len; i++)
    {
      PosternRoute *r = routes->pdata[i];
      g_print ("%s %s %s\n", r->address, r->transport, postern_lock_to_string (r->lock));
    }
}

int
postern_cli_send (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternAccount) account = NULL;
  g_autoptr (PosternOutbox) outbox = NULL;
  g_autoptr (GBytes) input = NULL;
  g_autoptr (GBytes) message = NULL;
  g_autoptr (GPtrArray) routes = NULL;
  g_autoptr (GPtrArray) results = NULL;
  g_autofree char *id = NULL;
  const char *account_name = NULL;
  int status = POSTERN_EXIT_OK;

  if (!postern_cli_take_option (cli, "--account", &account_name, &error)
      || !postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 0)
    return postern_cli_usage (_ ("send [--account A] < MESSAGE"));

  profile = postern_cli_open_profile (cli, FALSE, &error);
  if (profile == NULL
      || (account = postern_profile_find_account (profile, account_name, &error)) == NULL
      || (input = postern_cli_read_stdin (&error)) == NULL
      || (message = postern_outbox_prepare (input, postern_account_get_address (account), &error))
           == NULL)
    return postern_cli_fail (error);

  outbox = postern_outbox_new (profile, account);
  id = postern_outbox_enqueue (outbox, message, &routes, &error);
  if (id == NULL)
    return postern_cli_fail (error);

  /* Send everything queued, this message and any earlier one that an
   * interrupted run left behind. */
  results = postern_outbox_flush_sync (outbox, NULL, &error);
  if (results == NULL)
    return postern_cli_fail (error);
  for (guint i = 0; i < results->len; i++)
    {
      PosternOutboxResult *r = results->pdata[i];
      if (r->error != NULL)
        {
          g_printerr (_ ("postern-cli: %s stays in the outbox: %s\n"), r->id, r->error->message);
          status = POSTERN_EXIT_FAILED;
        }
      else if (g_str_equal (r->id, id))
        print_routes (r->routes);
    }
  return status;
}

/* Sends what the Outbox holds (left there by an interrupted or failed
 * send), then fetches mail: the IMAP sync of the account, or of every
 * account when none is named. */
int
postern_cli_sync (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternAccount) account = NULL;
  g_autoptr (PosternOutbox) outbox = NULL;
  g_autoptr (GPtrArray) results = NULL;
  guint sent = 0, failed = 0;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc > 1)
    return postern_cli_usage (_ ("sync [ACCOUNT]"));

  profile = postern_cli_open_profile (cli, FALSE, &error);
  if (profile == NULL
      || (account = postern_profile_find_account (profile, cli->argc ? cli->argv[0] : NULL, &error))
           == NULL)
    return postern_cli_fail (error);

  outbox = postern_outbox_new (profile, account);
  results = postern_outbox_flush_sync (outbox, NULL, &error);
  if (results == NULL)
    return postern_cli_fail (error);
  for (guint i = 0; i < results->len; i++)
    {
      PosternOutboxResult *r = results->pdata[i];
      if (r->error != NULL)
        {
          g_printerr (_ ("postern-cli: %s stays in the outbox: %s\n"), r->id, r->error->message);
          failed++;
        }
      else
        sent++;
    }
  g_print (_ ("sent %u queued messages, %u still queued\n"), sent, failed);
  if (postern_cli_sync_imap (profile, cli->argc ? cli->argv[0] : NULL) != POSTERN_EXIT_OK)
    failed++;
  return failed ? POSTERN_EXIT_FAILED : POSTERN_EXIT_OK;
}
