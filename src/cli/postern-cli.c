/* postern-cli.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * postern-cli: every capability of Postern without a display. The contract
 * (commands, output, exit codes) is docs/cli.md.
 */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "postern-cli.h"
#include "postern-tor.h"

static const char usage_text[] = N_ (
  "Usage: postern-cli [--profile DIR] COMMAND [ARGS…]\n"
  "\n"
  "Commands:\n"
  "  config get KEY | config set KEY VALUE\n"
  "  account add NAME --address ADDR [--imap URL] [--smtp URL] [--user U] [--password-stdin]\n"
  "  account list [--json]\n"
  "  import mbox|maildir PATH [--folder F]\n"
  "  list [FOLDER] [--json]\n"
  "  show ID\n"
  "  search QUERY [--json]\n"
  "  route ADDR…\n"
  "  send [--account A] < MESSAGE\n"
  "  sync [ACCOUNT]\n"
  "  pow mint --alg argon2id|hashcash --bits N --resource R\n"
  "  pow verify --resource R [--bits N] < STAMP\n"
  "  keys generate ADDR… | keys list [--json] | keys import FILE | keys export ADDR\n"
  "  keys conflicts [--json] | keys resolve ADDR [FINGERPRINT] --keep|--replace\n"
  "  qr export [--format png|svg|pdf|vcard|openpgp4fpr] [--output FILE] | qr import FILE\n"
  "  smtorp address | smtorp serve [--port N]\n"
  "  ves encrypt --to ADDR… < MESSAGE | ves decrypt < ENCRYPTED\n"
  "\n"
  "Exit status: 0 done, 1 failed, 2 usage, 3 refused by policy.\n");

static const struct
{
  const char *name;
  PosternCliCommand run;
} commands[] = {
  { "config", postern_cli_config }, { "account", postern_cli_account },
  { "import", postern_cli_import }, { "list", postern_cli_list },
  { "show", postern_cli_show },     { "search", postern_cli_search },
  { "route", postern_cli_route },   { "send", postern_cli_send },
  { "sync", postern_cli_sync },     { "pow", postern_cli_pow },
  { "keys", postern_cli_keys },     { "qr", postern_cli_qr },
  { "smtorp", postern_cli_smtorp }, { "ves", postern_cli_ves },
};

int
postern_cli_usage (const char *message)
{
  if (message != NULL)
    g_printerr ("postern-cli: %s\n", message);
  g_printerr ("%s", _ (usage_text));
  return POSTERN_EXIT_USAGE;
}

int
postern_cli_fail (GError *error)
{
  g_printerr ("postern-cli: %s\n", error->message);
  if (g_error_matches (error, POSTERN_ERROR, POSTERN_ERROR_POLICY))
    return POSTERN_EXIT_POLICY;
  return POSTERN_EXIT_FAILED;
}

PosternProfile *
postern_cli_open_profile (PosternCli *cli, gboolean create, GError **error)
{
  return postern_profile_open (cli->profile_path, create, error);
}

static void
remove_args (PosternCli *cli, int at, int count)
{
  memmove (&cli->argv[at], &cli->argv[at + count], sizeof (char *) * (cli->argc - at - count + 1));
  cli->argc -= count;
}

gboolean
postern_cli_take_flag (PosternCli *cli, const char *flag)
{
  for (int i = 0; i < cli->argc; i++)
    {
      if (g_str_equal (cli->argv[i], "--"))
        break;
      if (g_str_equal (cli->argv[i], flag))
        {
          remove_args (cli, i, 1);
          return TRUE;
        }
    }
  return FALSE;
}

/* Takes "--option VALUE" or "--option=VALUE" out of the arguments. */
gboolean
postern_cli_take_option (PosternCli *cli, const char *option, const char **out_value,
                         GError **error)
{
  gsize n = strlen (option);

  for (int i = 0; i < cli->argc; i++)
    {
      const char *arg = cli->argv[i];
      if (g_str_equal (arg, "--"))
        break;
      if (g_str_equal (arg, option))
        {
          if (i + 1 >= cli->argc)
            {
              g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, _ ("%s needs a value"),
                           option);
              return FALSE;
            }
          *out_value = cli->argv[i + 1];
          remove_args (cli, i, 2);
          return TRUE;
        }
      if (strncmp (arg, option, n) == 0 && arg[n] == '=')
        {
          *out_value = arg + n + 1;
          remove_args (cli, i, 1);
          return TRUE;
        }
    }
  return TRUE;
}

gboolean
postern_cli_no_options_left (PosternCli *cli, GError **error)
{
  for (int i = 0; i < cli->argc; i++)
    {
      if (g_str_equal (cli->argv[i], "--"))
        {
          remove_args (cli, i, 1);
          return TRUE;
        }
      if (g_str_has_prefix (cli->argv[i], "--"))
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, _ ("unknown option %s"),
                       cli->argv[i]);
          return FALSE;
        }
    }
  return TRUE;
}

void
postern_cli_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (gen, node);
  json_generator_set_pretty (gen, FALSE);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

GBytes *
postern_cli_read_stdin (GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buf[65536];
  ssize_t n;

  while ((n = read (STDIN_FILENO, buf, sizeof buf)) != 0)
    {
      if (n < 0)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, _ ("cannot read standard input: %s"),
                       g_strerror (errno));
          return NULL;
        }
      g_byte_array_append (data, buf, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

int
main (int argc, char **argv)
{
  PosternCli cli = { NULL, 0, NULL };
  g_autofree char **args = g_new0 (char *, argc + 1);
  int n = 0;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--profile") || g_str_has_prefix (argv[i], "--profile="))
        {
          if (argv[i][9] == '=')
            cli.profile_path = argv[i] + 10;
          else if (i + 1 < argc)
            cli.profile_path = argv[++i];
          else
            return postern_cli_usage (_ ("--profile needs a folder"));
          continue;
        }
      if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
        {
          g_print ("%s", _ (usage_text));
          return POSTERN_EXIT_OK;
        }
      args[n++] = argv[i];
    }
  if (n == 0)
    return postern_cli_usage (_ ("no command given"));

  cli.argc = n - 1;
  cli.argv = args + 1;
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (args[0], commands[i].name))
      {
        int status = commands[i].run (&cli);
        /* A tor started for this command ends with it, and before it:
         * the next command of the profile must not find it still going. */
        postern_tor_forget_shared ();
        return status;
      }

  {
    g_autofree char *message = g_strdup_printf (_ ("unknown command \"%s\""), args[0]);
    return postern_cli_usage (message);
  }
}
