/* postern-cli.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The pieces every command of postern-cli shares. Each command group lives
 * in its own file and is a thin client of libpostern-core.
 */
#pragma once

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "postern-core.h"

G_BEGIN_DECLS

enum
{
  POSTERN_EXIT_OK = 0,
  POSTERN_EXIT_FAILED = 1,
  POSTERN_EXIT_USAGE = 2,
  POSTERN_EXIT_POLICY = 3,
};

typedef struct
{
  const char *profile_path; /* NULL: the default */
  int argc;                 /* the command's own arguments, without the command */
  char **argv;
} PosternCli;

typedef int (*PosternCliCommand) (PosternCli *cli);

int postern_cli_usage (const char *message);
int postern_cli_fail (GError *error);
PosternProfile *postern_cli_open_profile (PosternCli *cli, gboolean create, GError **error);
gboolean postern_cli_take_flag (PosternCli *cli, const char *flag);
gboolean postern_cli_take_option (PosternCli *cli, const char *option, const char **out_value,
                                  GError **error);
gboolean postern_cli_no_options_left (PosternCli *cli, GError **error);
void postern_cli_print_json (JsonNode *node);
GBytes *postern_cli_read_stdin (GError **error);

int postern_cli_config (PosternCli *cli);
int postern_cli_account (PosternCli *cli);
int postern_cli_route (PosternCli *cli);
int postern_cli_send (PosternCli *cli);
int postern_cli_sync (PosternCli *cli);
int postern_cli_sync_imap (PosternProfile *profile, const char *account_name);
int postern_cli_pow (PosternCli *cli);
int postern_cli_import (PosternCli *cli);
int postern_cli_list (PosternCli *cli);
int postern_cli_show (PosternCli *cli);
int postern_cli_search (PosternCli *cli);
int postern_cli_keys (PosternCli *cli);
int postern_cli_qr (PosternCli *cli);
int postern_cli_smtorp (PosternCli *cli);
int postern_cli_ves (PosternCli *cli);

G_END_DECLS
