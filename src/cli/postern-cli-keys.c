/* postern-cli-keys.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * keys: the profile's OpenPGP keyring (generate, list, import, export,
 * delete, locate) and its trust-on-first-use pins (conflicts, resolve).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "postern-cli.h"
#include "postern-keyring.h"

static const char keys_usage[]
  = N_ ("keys generate ADDR… | keys list [--json] | keys import FILE | keys export ADDR | "
        "keys conflicts [--json] | keys resolve ADDR [FINGERPRINT] --keep|--replace");

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
    return postern_cli_usage (_ ("keys generate ADDR…"));
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

/* The strongest pin on a key, and the addresses pinned to it. */
static PosternTrustLevel
key_trust (GPtrArray *pins, const char *fpr, char ***out_addresses)
{
  g_autoptr (GStrvBuilder) addresses = g_strv_builder_new ();
  PosternTrustLevel level = POSTERN_TRUST_NONE;

  for (guint i = 0; i < pins->len; i++)
    {
      PosternPin *pin = pins->pdata[i];
      if (!g_str_equal (pin->fingerprint, fpr))
        continue;
      g_strv_builder_add (addresses, pin->address);
      level = MAX (level, pin->level);
    }
  *out_addresses = g_strv_builder_end (addresses);
  return level;
}

static int
keys_list (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GPtrArray) pins = NULL;
  g_autoptr (JsonBuilder) json = json_builder_new ();
  gboolean as_json = postern_cli_take_flag (cli, "--json");

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 0)
    return postern_cli_usage (_ ("keys list [--json]"));
  keyring = open_keyring (cli, FALSE, NULL, &error);
  if (keyring == NULL || (keys = postern_keyring_list_sync (keyring, NULL, NULL, &error)) == NULL
      || (pins = postern_trust_list_pins (postern_keyring_get_trust (keyring), &error)) == NULL)
    return postern_cli_fail (error);

  json_builder_begin_array (json);
  for (guint i = 0; i < keys->len; i++)
    {
      PosternKeyInfo *key = keys->pdata[i];
      g_autofree char *created = format_time (key->created);
      g_autofree char *expires = format_time (key->expires);
      g_auto (GStrv) pinned = NULL;
      const char *validity = postern_key_validity_to_string (key->validity);
      const char *trust
        = postern_trust_level_to_string (key_trust (pins, key->fingerprint, &pinned));

      if (!as_json)
        {
          g_autofree char *uids = g_strjoinv (", ", key->uids);
          g_print ("%s  %s  %-8s  %-8s  %-20s  %s\n", key->fingerprint, key->secret ? "sec" : "pub",
                   validity, trust, *expires ? expires : "never", uids);
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
      add_string (json, "trust", trust);
      add_strv (json, "pinned", pinned);
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
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, _ ("cannot import %s"),
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
  g_autoptr (GString) conflicts = g_string_new (NULL);
  g_autofree char *name = NULL;
  g_autofree char *source = NULL;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1)
    return postern_cli_usage (_ ("keys import FILE"));
  if ((data = read_key_file (cli->argv[0], &error)) == NULL)
    return postern_cli_fail (error);
  name = g_str_equal (cli->argv[0], "-") ? g_strdup ("standard input")
                                         : g_path_get_basename (cli->argv[0]);
  source = g_strdup_printf ("import of %s", name);
  keyring = open_keyring (cli, TRUE, NULL, &error);
  if (keyring == NULL
      || (imports = postern_keyring_import_sync (keyring, data, source, NULL, NULL, &error))
           == NULL)
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
      for (guint j = 0; import->conflicts[j] != NULL; j++)
        g_string_append_printf (conflicts, "%s%s for %s", conflicts->len ? ", " : "",
                                import->fingerprint, import->conflicts[j]);
    }
  /* A key that would replace a pinned one is refused by policy; the user
   * decides with keys resolve. */
  if (conflicts->len > 0)
    {
      g_printerr (_ ("postern-cli: not imported, another key is pinned: %s (postern-cli keys "
                     "conflicts; keys resolve)\n"),
                  conflicts->str);
      return POSTERN_EXIT_POLICY;
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
    return postern_cli_usage (_ ("keys export ADDR"));
  keyring = open_keyring (cli, FALSE, NULL, &error);
  if (keyring == NULL
      || (key = postern_keyring_export_sync (keyring, cli->argv[0], POSTERN_KEY_EXPORT_DEFAULT,
                                             NULL, &error))
           == NULL)
    return postern_cli_fail (error);
  data = g_bytes_get_data (key, &len);
  if (fwrite (data, 1, len, stdout) != len || fflush (stdout) != 0)
    {
      g_printerr (_ ("postern-cli: cannot write the key: %s\n"), g_strerror (errno));
      return POSTERN_EXIT_FAILED;
    }
  return POSTERN_EXIT_OK;
}

static int
keys_delete (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autofree char *fpr = NULL;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1)
    return postern_cli_usage (_ ("keys delete FINGERPRINT"));
  /* A key is deleted by its full fingerprint only: an address could name
   * more than one key, and the wrong one would be gone. */
  if ((fpr = postern_keyring_normalize_fingerprint (cli->argv[0], &error)) == NULL)
    return postern_cli_fail (error);
  keyring = open_keyring (cli, FALSE, NULL, &error);
  if (keyring == NULL || !postern_keyring_delete_sync (keyring, fpr, NULL, &error))
    return postern_cli_fail (error);
  g_print (_ ("%s deleted\n"), fpr);
  return POSTERN_EXIT_OK;
}

static int
keys_locate (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternKeyLocator) locator = NULL;
  g_autoptr (PosternLocatedKey) key = NULL;
  gboolean as_json = postern_cli_take_flag (cli, "--json");
  const char *fingerprint = NULL;
  const char *status;
  gboolean conflict;

  if (!postern_cli_take_option (cli, "--fingerprint", &fingerprint, &error)
      || !postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1)
    return postern_cli_usage (_ ("keys locate ADDR [--fingerprint FPR] [--json]"));
  keyring = open_keyring (cli, TRUE, &profile, &error);
  if (keyring == NULL
      || (locator = postern_key_locator_new_for_profile (profile, keyring, &error)) == NULL
      || (key = postern_key_locator_locate_sync (locator, cli->argv[0], fingerprint, NULL, &error))
           == NULL)
    return postern_cli_fail (error);

  status = postern_key_import_status_to_string (key->import->status);
  conflict = key->import->conflicts[0] != NULL;
  if (as_json)
    {
      g_autoptr (JsonBuilder) json = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_array (json);
      json_builder_begin_object (json);
      add_string (json, "address", key->address);
      add_string (json, "fingerprint", key->import->fingerprint);
      add_string (json, "source", postern_key_source_to_string (key->source));
      add_string (json, "location", key->location);
      add_string (json, "dnssec", postern_dnssec_status_to_string (key->dnssec));
      add_string (json, "status", status);
      add_boolean (json, "conflict", conflict);
      json_builder_end_object (json);
      json_builder_end_array (json);
      root = json_builder_get_root (json);
      postern_cli_print_json (root);
    }
  else
    g_print ("%s %s %s %s %s\n", key->import->fingerprint, status,
             postern_key_source_to_string (key->source),
             postern_dnssec_status_to_string (key->dnssec), key->location);
  /* As for keys import: a key that would replace the pinned one is
   * refused by policy, and kept as a conflict for keys resolve. */
  if (conflict)
    {
      g_printerr (_ ("postern-cli: not imported, another key is pinned for %s: %s was found by %s "
                     "(postern-cli keys conflicts; keys resolve)\n"),
                  key->address, key->import->fingerprint,
                  postern_key_source_to_string (key->source));
      return POSTERN_EXIT_POLICY;
    }
  return POSTERN_EXIT_OK;
}

static int
keys_conflicts (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternTrust) trust = NULL;
  g_autoptr (GPtrArray) conflicts = NULL;
  g_autoptr (JsonBuilder) json = json_builder_new ();
  gboolean as_json = postern_cli_take_flag (cli, "--json");

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 0)
    return postern_cli_usage (_ ("keys conflicts [--json]"));
  profile = postern_cli_open_profile (cli, FALSE, &error);
  if (profile == NULL)
    return postern_cli_fail (error);
  trust = postern_trust_new_for_profile (profile);
  if ((conflicts = postern_trust_list_conflicts (trust, NULL, &error)) == NULL)
    return postern_cli_fail (error);

  json_builder_begin_array (json);
  for (guint i = 0; i < conflicts->len; i++)
    {
      PosternKeyConflict *c = conflicts->pdata[i];
      g_autofree char *first_seen = format_time (c->first_seen);
      g_autofree char *last_seen = format_time (c->last_seen);

      if (!as_json)
        {
          g_print ("%s  %s  %s  %s  %s\n", c->address, c->pinned_fingerprint, c->fingerprint,
                   last_seen, c->source);
          continue;
        }
      json_builder_begin_object (json);
      add_string (json, "address", c->address);
      add_string (json, "pinned", c->pinned_fingerprint);
      add_string (json, "fingerprint", c->fingerprint);
      add_string (json, "source", c->source);
      add_string (json, "first_seen", first_seen);
      add_string (json, "last_seen", last_seen);
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

static int
keys_resolve (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternPin) pin = NULL;
  gboolean keep = postern_cli_take_flag (cli, "--keep");
  gboolean replace = postern_cli_take_flag (cli, "--replace");
  const char *fingerprint;

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc < 1 || cli->argc > 2 || keep == replace)
    return postern_cli_usage (_ ("keys resolve ADDR [FINGERPRINT] --keep|--replace"));
  fingerprint = cli->argc == 2 ? cli->argv[1] : NULL;
  keyring = open_keyring (cli, FALSE, NULL, &error);
  if (keyring == NULL
      || !postern_keyring_resolve_conflict_sync (keyring, cli->argv[0], fingerprint, replace, NULL,
                                                 &error)
      || (pin = postern_trust_get_pin (postern_keyring_get_trust (keyring), cli->argv[0], &error))
           == NULL)
    {
      if (error == NULL)
        g_set_error (&error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, _ ("nothing is pinned for %s"),
                     cli->argv[0]);
      return postern_cli_fail (error);
    }
  g_print ("%s %s\n", pin->address, pin->fingerprint);
  return POSTERN_EXIT_OK;
}

static const struct
{
  const char *name;
  PosternCliCommand run;
} keys_commands[] = {
  { "generate", keys_generate },   { "list", keys_list },       { "import", keys_import },
  { "export", keys_export },       { "delete", keys_delete },   { "locate", keys_locate },
  { "conflicts", keys_conflicts }, { "resolve", keys_resolve },
};

int
postern_cli_keys (PosternCli *cli)
{
  PosternCli sub;

  if (cli->argc == 0)
    return postern_cli_usage (_ (keys_usage));
  sub = (PosternCli){ cli->profile_path, cli->argc - 1, cli->argv + 1 };
  for (guint i = 0; i < G_N_ELEMENTS (keys_commands); i++)
    if (g_str_equal (cli->argv[0], keys_commands[i].name))
      return keys_commands[i].run (&sub);
  {
    g_autofree char *message
      = g_strdup_printf (_ ("unknown keys command \"%s\" (%s)"), cli->argv[0], _ (keys_usage));
    return postern_cli_usage (message);
  }
}
