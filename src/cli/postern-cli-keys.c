/* postern-cli-keys.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * keys: the profile's OpenPGP keyring (generate, list, import, export).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "postern-cli.h"
#include "postern-keyring.h"

static const char keys_usage[] = "keys generate ADDR… | keys list [--json] | keys import FILE | "
                                 "keys export ADDR";

static char *
format_time (gint64 t)
{
  g_autoptr (GDateTime) dt = t > 0 ? g_date_time_new_from_unix_utc (t) : NULL;
  return dt != NULL ? g_date_time_format_iso8601 (dt) : g_strdup ("");
}

static PosternKeyring *
open_keyring (PosternCli *cli, gboolean create, PosternProfile **out_profile, GError **error)
{
  g_autoptr (PosternProfile) profile = postern_cli_open_profile (cli, create, error);
  PosternKeyring *keyring;

  if (profile == NULL)
    return NULL;
  keyring = postern_keyring_new_for_profile (profile);
  if (out_profile != NULL)
    *out_profile = g_steal_pointer (&profile);
  return keyring;
}

static int
keys_generate (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternKeyInfo) info = NULL;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc == 0)
    return postern_cli_usage ("keys generate ADDR…");
  /* Refuse a bad address before a profile is created for it. */
  for (int i = 0; i < cli->argc; i++)
    {
      g_autofree char *address = postern_keyring_normalize_address (cli->argv[i], &error);
      if (address == NULL)
        return postern_cli_fail (error);
    }
  keyring = open_keyring (cli, TRUE, NULL, &error);
  if (keyring == NULL
      || (info
          = postern_keyring_generate_sync (keyring, (const char *const *) cli->argv, NULL, &error))
           == NULL)
    return postern_cli_fail (error);
  g_print ("%s\n", info->fingerprint);
  return POSTERN_EXIT_OK;
}

static void
add_string (JsonBuilder *json, const char *name, const char *value)
{
  json_builder_set_member_name (json, name);
  json_builder_add_string_value (json, value ? value : "");
}

static void
add_strv (JsonBuilder *json, const char *name, char **values)
{
  json_builder_set_member_name (json, name);
  json_builder_begin_array (json);
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    json_builder_add_string_value (json, values[i]);
  json_builder_end_array (json);
}

static void
add_boolean (JsonBuilder *json, const char *name, gboolean value)
{
  json_builder_set_member_name (json, name);
  json_builder_add_boolean_value (json, value);
}

static int
keys_list (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (JsonBuilder) json = json_builder_new ();
  gboolean as_json = postern_cli_take_flag (cli, "--json");

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 0)
    return postern_cli_usage ("keys list [--json]");
  keyring = open_keyring (cli, FALSE, NULL, &error);
  if (keyring == NULL || (keys = postern_keyring_list_sync (keyring, NULL, NULL, &error)) == NULL)
    return postern_cli_fail (error);

  json_builder_begin_array (json);
  for (guint i = 0; i < keys->len; i++)
    {
      PosternKeyInfo *key = keys->pdata[i];
      g_autofree char *created = format_time (key->created);
      g_autofree char *expires = format_time (key->expires);
      const char *validity = postern_key_validity_to_string (key->validity);

      if (!as_json)
        {
          g_autofree char *uids = g_strjoinv (", ", key->uids);
          g_print ("%s  %s  %-8s  %-20s  %s\n", key->fingerprint, key->secret ? "sec" : "pub",
                   validity, *expires ? expires : "never", uids);
          continue;
        }
      json_builder_begin_object (json);
      add_string (json, "fingerprint", key->fingerprint);
      add_strv (json, "uids", key->uids);
      add_strv (json, "addresses", key->addresses);
      add_boolean (json, "secret", key->secret);
      add_string (json, "validity", validity);
      add_boolean (json, "can_encrypt", key->can_encrypt);
      add_boolean (json, "can_sign", key->can_sign);
      add_string (json, "created", created);
      add_string (json, "expires", expires);
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

static GBytes *
read_key_file (const char *path, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  char *data = NULL;
  gsize len = 0;

  if (g_str_equal (path, "-"))
    return postern_cli_read_stdin (error);
  if (!g_file_get_contents (path, &data, &len, &local_error))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot import %s",
                   local_error->message);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

static int
keys_import (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (GBytes) data = NULL;
  g_autoptr (GPtrArray) imports = NULL;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1)
    return postern_cli_usage ("keys import FILE");
  if ((data = read_key_file (cli->argv[0], &error)) == NULL)
    return postern_cli_fail (error);
  keyring = open_keyring (cli, TRUE, NULL, &error);
  if (keyring == NULL
      || (imports = postern_keyring_import_sync (keyring, data, NULL, &error)) == NULL)
    {
      if (error->domain == POSTERN_ERROR && error->code == POSTERN_ERROR_INVALID)
        g_prefix_error (&error, "%s: ", cli->argv[0]);
      return postern_cli_fail (error);
    }

  for (guint i = 0; i < imports->len; i++)
    {
      PosternKeyImport *import = imports->pdata[i];
      g_print ("%s %s%s\n", import->fingerprint,
               postern_key_import_status_to_string (import->status),
               import->secret ? " secret" : "");
    }
  return POSTERN_EXIT_OK;
}

static int
keys_export (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (GBytes) key = NULL;
  gsize len;
  const char *data;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1)
    return postern_cli_usage ("keys export ADDR");
  keyring = open_keyring (cli, FALSE, NULL, &error);
  if (keyring == NULL
      || (key = postern_keyring_export_sync (keyring, cli->argv[0], POSTERN_KEY_EXPORT_DEFAULT,
                                             NULL, &error))
           == NULL)
    return postern_cli_fail (error);
  data = g_bytes_get_data (key, &len);
  if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
    {
      g_printerr ("postern-cli: cannot write the key: %s\n", g_strerror (errno));
      return POSTERN_EXIT_FAILED;
    }
  return POSTERN_EXIT_OK;
}

static const struct
{
  const char *name;
  PosternCliCommand run;
} keys_commands[] = {
  { "generate", keys_generate },
  { "list", keys_list },
  { "import", keys_import },
  { "export", keys_export },
};

int
postern_cli_keys (PosternCli *cli)
{
  PosternCli sub;

  if (cli->argc == 0)
    return postern_cli_usage (keys_usage);
  sub = (PosternCli){ cli->profile_path, cli->argc - 1, cli->argv + 1 };
  for (guint i = 0; i < G_N_ELEMENTS (keys_commands); i++)
    if (g_str_equal (cli->argv[0], keys_commands[i].name))
      return keys_commands[i].run (&sub);
  {
    g_autofree char *message
      = g_strdup_printf ("unknown keys command \"%s\" (%s)", cli->argv[0], keys_usage);
    return postern_cli_usage (message);
  }
}
