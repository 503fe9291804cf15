/* postern-cli-smtorp.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * smtorp address and smtorp serve: the user's SMTorP address and the
 * built-in server in the foreground (docs/protocols/smtorp.md).
 */
#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>

#include "postern-cli.h"
#include "postern-smtorp-identity.h"
#include "postern-smtorp-onion.h"
#include "postern-smtorp-server.h"
#include "postern-tor.h"

static gboolean
parse_uint (const char *text, guint min, guint max, guint *out)
{
  guint64 v;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &v, NULL))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

/* The address, or an error that says why there is none: without an onion
 * service, nobody outside this machine could reach the server, and an
 * address with a made-up onion name would be a lie. */
static char *
own_address (PosternProfile *profile, PosternSmtorpIdentity *identity, GError **error)
{
  g_autofree char *user = postern_profile_get_setting (profile, "smtorp.user", error);
  g_autofree char *onion = NULL;
  g_autoptr (GError) local_error = NULL;

  if (user == NULL)
    return NULL;
  onion = postern_smtorp_identity_get_onion (identity, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (onion == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND,
                   _ ("this profile has no onion service yet, so it has no SMTorP address "
                      "(smtorp serve publishes one through tor); its server key's fingerprint "
                      "is %s"),
                   postern_smtorp_identity_get_fingerprint (identity));
      return NULL;
    }
  return postern_smtorp_identity_build_address (identity, user, onion, error);
}

static int
smtorp_address (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternSmtorpIdentity) identity = NULL;
  g_autofree char *address = NULL;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1)
    return postern_cli_usage (_ ("smtorp address"));
  profile = postern_cli_open_profile (cli, TRUE, &error);
  if (profile == NULL)
    return postern_cli_fail (error);
  identity = postern_smtorp_identity_load (postern_profile_get_path (profile), &error);
  if (identity == NULL)
    return postern_cli_fail (error);
  address = own_address (profile, identity, &error);
  if (address == NULL)
    return postern_cli_fail (error);
  g_print ("%s\n", address);
  return POSTERN_EXIT_OK;
}

static gboolean
on_signal (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

static void
on_delivered (PosternSmtorpServer *server, const char *id, gpointer data)
{
  g_print ("delivered %s\n", id);
  fflush (stdout);
}

static void
on_tor_progress (PosternTor *tor, guint percent, const char *summary, gpointer data)
{
  g_print ("tor %u%% %s\n", percent, summary);
  fflush (stdout);
}

typedef struct
{
  GMainLoop *loop;
  PosternProfile *profile;
  PosternSmtorpIdentity *identity;
  int status;
} Serve;

static void
published (GObject *source, GAsyncResult *result, gpointer data)
{
  Serve *serve = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *onion = postern_smtorp_onion_start_finish (result, &error);
  g_autofree char *address = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (onion != NULL)
    address = own_address (serve->profile, serve->identity, &error);
  if (address == NULL)
    {
      serve->status = postern_cli_fail (error);
      g_main_loop_quit (serve->loop);
      return;
    }
  g_print ("address %s\n", address);
  fflush (stdout);
}

static int
smtorp_serve (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternSmtorpServer) server = NULL;
  g_autoptr (PosternSmtorpIdentity) identity = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree char *address = NULL;
  const char *port_text = NULL, *argon2_text = NULL, *hashcash_text = NULL;
  const char *timeout_text = NULL;
  gboolean no_tor = FALSE;
  g_autoptr (PosternTor) tor = NULL;
  g_autoptr (GCancellable) cancel_publish = g_cancellable_new ();
  Serve serve = { 0 };
  guint port = 0, timeout = 0;
  PosternPowPolicy policy;
  guint sigint, sigterm;

  /* GIO cannot set a minimum TLS version per connection; its GnuTLS
   * backend reads this once, before the first connection, so in a process
   * of its own the server refuses TLS 1.0 and 1.1 in the handshake itself.
   * (The server checks the version after the handshake as well, for
   * processes that use TLS for other things.) */
  if (g_getenv ("G_TLS_GNUTLS_PRIORITY") == NULL)
    g_setenv ("G_TLS_GNUTLS_PRIORITY", "NORMAL:%COMPAT:-VERS-TLS1.1:-VERS-TLS1.0:-VERS-DTLS1.0",
              TRUE);

  postern_pow_policy_init_default (&policy);
  no_tor = postern_cli_take_flag (cli, "--no-tor");
  if (!postern_cli_take_option (cli, "--port", &port_text, &error)
      || !postern_cli_take_option (cli, "--argon2-bits", &argon2_text, &error)
      || !postern_cli_take_option (cli, "--hashcash-bits", &hashcash_text, &error)
      || !postern_cli_take_option (cli, "--timeout", &timeout_text, &error)
      || !postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1 || !parse_uint (port_text, 0, 65535, &port)
      || !parse_uint (argon2_text, 1, POSTERN_POW_MAX_BITS, &policy.argon2_bits)
      || !parse_uint (hashcash_text, 1, 160, &policy.hashcash_base_bits)
      || !parse_uint (timeout_text, 1, 86400, &timeout))
    return postern_cli_usage (_ ("smtorp serve [--port N] [--argon2-bits N] [--hashcash-bits N] "
                                 "[--timeout SECONDS] [--no-tor]"));
  /* A fixed requirement, as asked: no rise over time. */
  if (hashcash_text != NULL)
    policy.hashcash_step_days = 0;

  profile = postern_cli_open_profile (cli, TRUE, &error);
  if (profile == NULL)
    return postern_cli_fail (error);
  server = postern_smtorp_server_new (postern_profile_get_path (profile), &error);
  if (server == NULL)
    return postern_cli_fail (error);
  postern_smtorp_server_set_policy (server, &policy);
  if (timeout > 0)
    postern_smtorp_server_set_timeout (server, timeout);
  if (!postern_smtorp_server_listen (server, (guint16) port, &error))
    return postern_cli_fail (error);

  g_print ("listening on 127.0.0.1:%u\n", postern_smtorp_server_get_port (server));
  identity = postern_smtorp_identity_load (postern_profile_get_path (profile), &error);
  if (identity == NULL)
    return postern_cli_fail (error);
  loop = g_main_loop_new (NULL, FALSE);
  serve.loop = loop;
  serve.profile = profile;
  serve.identity = identity;
  if (no_tor)
    {
      address = own_address (profile, identity, &error);
      if (address != NULL)
        g_print ("address %s\n", address);
      else if (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND))
        g_print (_ ("no onion service (--no-tor): only this machine can reach the server; "
                    "mail for %s at any onion name with the label %.16s is accepted\n"),
                 postern_smtorp_server_get_user (server),
                 postern_smtorp_server_get_fingerprint (server));
      else
        return postern_cli_fail (error);
    }
  else
    {
      /* The server listens already; tor bootstraps and publishes it
       * meanwhile, and "address" follows once the onion is reachable. */
      tor = postern_tor_get_shared (profile, &error);
      if (tor == NULL)
        return postern_cli_fail (error);
      g_signal_connect (tor, "progress", G_CALLBACK (on_tor_progress), NULL);
      postern_smtorp_onion_start_async (tor, postern_profile_get_path (profile),
                                        postern_smtorp_server_get_port (server), cancel_publish,
                                        published, &serve);
    }
  /* Scripts read the port before the first message arrives. */
  fflush (stdout);

  g_signal_connect (server, "message-delivered", G_CALLBACK (on_delivered), NULL);
  sigint = g_unix_signal_add (SIGINT, on_signal, loop);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, loop);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_cancellable_cancel (cancel_publish);
  /* The onion service goes with tor (or with the control connection). */
  if (tor != NULL)
    {
      g_signal_handlers_disconnect_by_func (tor, on_tor_progress, NULL);
      postern_tor_stop (tor);
      postern_tor_forget_shared ();
    }

  /* A message being stored is finished before the process ends, so no
   * half-written file is left behind; sessions close within seconds. */
  {
    PosternSmtorpServer *alive = server;
    g_object_add_weak_pointer (G_OBJECT (alive), (gpointer *) &alive);
    postern_smtorp_server_stop (server);
    g_clear_object (&server);
    while (alive != NULL)
      g_main_context_iteration (NULL, TRUE);
  }
  return serve.status;
}

int
postern_cli_smtorp (PosternCli *cli)
{
  if (cli->argc >= 1 && g_str_equal (cli->argv[0], "address"))
    return smtorp_address (cli);
  if (cli->argc >= 1 && g_str_equal (cli->argv[0], "serve"))
    return smtorp_serve (cli);
  return postern_cli_usage (_ ("smtorp address|serve"));
}
