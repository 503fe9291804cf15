/* postern-cli-config.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * config get/set and account add/list.
 */
#include "config.h"

#include <string.h>

#include "postern-cli.h"

int
postern_cli_config (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;

  if (cli->argc == 2 && g_str_equal (cli->argv[0], "get"))
    {
      g_autofree char *value = NULL;
      profile = postern_cli_open_profile (cli, FALSE, &error);
      if (profile == NULL)
        return postern_cli_fail (error);
      value = postern_profile_get_setting (profile, cli->argv[1], &error);
      if (value == NULL)
        return postern_cli_fail (error);
      g_print ("%s\n", value);
      return POSTERN_EXIT_OK;
    }
  if (cli->argc == 3 && g_str_equal (cli->argv[0], "set"))
    {
      profile = postern_cli_open_profile (cli, TRUE, &error);
      if (profile == NULL
          || !postern_profile_set_setting (profile, cli->argv[1], cli->argv[2], &error))
        return postern_cli_fail (error);
      return POSTERN_EXIT_OK;
    }
  return postern_cli_usage (_ ("config get KEY | config set KEY VALUE"));
}

static int
account_add (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternAccount) account = NULL;
  const char *address = NULL, *imap = NULL, *smtp = NULL, *user = NULL;
  gboolean plaintext, password_stdin;

  if (!postern_cli_take_option (cli, "--address", &address, &error)
      || !postern_cli_take_option (cli, "--imap", &imap, &error)
      || !postern_cli_take_option (cli, "--smtp", &smtp, &error)
      || !postern_cli_take_option (cli, "--user", &user, &error))
    return postern_cli_usage (error->message);
  plaintext = postern_cli_take_flag (cli, "--allow-plaintext");
  password_stdin = postern_cli_take_flag (cli, "--password-stdin");
  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 2 || address == NULL)
    return postern_cli_usage (_ ("account add NAME --address ADDR [--imap URL] [--smtp URL]"));

  account = postern_account_new (cli->argv[1], address, &error);
  if (account == NULL || !postern_account_set_imap_url (account, imap, &error)
      || !postern_account_set_smtp_url (account, smtp, &error))
    return postern_cli_fail (error);
  postern_account_set_user (account, user);
  postern_account_set_allow_plaintext (account, plaintext);

  profile = postern_cli_open_profile (cli, TRUE, &error);
  if (profile == NULL)
    return postern_cli_fail (error);
  /* The password goes to the Secret Service first: an account whose
   * password could not be kept is not added. */
  if (password_stdin)
    {
      g_autoptr (GBytes) input = postern_cli_read_stdin (&error);
      g_autofree char *password = NULL;
      gsize len;

      if (input == NULL)
        return postern_cli_fail (error);
      password = g_strndup (g_bytes_get_data (input, &len), g_bytes_get_size (input));
      len = strlen (password);
      while (len > 0 && (password[len - 1] == '\n' || password[len - 1] == '\r'))
        password[--len] = '\0';
      if (len == 0)
        return postern_cli_usage (_ ("--password-stdin read an empty password"));
      if (!postern_secrets_store_password (postern_profile_get_path (profile), cli->argv[1],
                                           password, NULL, &error))
        {
          explicit_bzero (password, len);
          return postern_cli_fail (error);
        }
      explicit_bzero (password, len);
    }
  if (!postern_profile_add_account (profile, account, &error))
    return postern_cli_fail (error);
  return POSTERN_EXIT_OK;
}

static int
account_list (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (GPtrArray) accounts = NULL;
  g_autoptr (JsonBuilder) json = json_builder_new ();
  gboolean as_json = postern_cli_take_flag (cli, "--json");

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1)
    return postern_cli_usage (_ ("account list [--json]"));
  profile = postern_cli_open_profile (cli, FALSE, &error);
  if (profile == NULL || (accounts = postern_profile_list_accounts (profile, &error)) == NULL)
    return postern_cli_fail (error);

  json_builder_begin_array (json);
  for (guint i = 0; i < accounts->len; i++)
    {
      PosternAccount *a = accounts->pdata[i];
      const char *imap = postern_account_get_imap_url (a);
      const char *smtp = postern_account_get_smtp_url (a);

      if (!as_json)
        {
          g_print ("%s\t%s\t%s\t%s\n", postern_account_get_name (a),
                   postern_account_get_address (a), imap ? imap : "-", smtp ? smtp : "-");
          continue;
        }
      json_builder_begin_object (json);
      json_builder_set_member_name (json, "name");
      json_builder_add_string_value (json, postern_account_get_name (a));
      json_builder_set_member_name (json, "address");
      json_builder_add_string_value (json, postern_account_get_address (a));
      json_builder_set_member_name (json, "imap");
      json_builder_add_string_value (json, imap);
      json_builder_set_member_name (json, "smtp");
      json_builder_add_string_value (json, smtp);
      json_builder_set_member_name (json, "user");
      json_builder_add_string_value (json, postern_account_get_user (a));
      json_builder_end_object (json);
    }
  json_builder_end_array (json);
  if (as_json)
    {
      g_autoptr (JsonNode) root = json_builder_get_root (json);
      postern_cli_print_json (root);
    }
  return POSTERN_EXIT_OK;
}

int
postern_cli_account (PosternCli *cli)
{
  if (cli->argc >= 1 && g_str_equal (cli->argv[0], "add"))
    return account_add (cli);
  if (cli->argc >= 1 && g_str_equal (cli->argv[0], "list"))
    return account_list (cli);
  return postern_cli_usage (_ ("account add|list"));
}
