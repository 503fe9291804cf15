/* postern-cli-pow.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * pow mint and pow verify: proof-of-work stamps (docs/protocols/smtorp.md §3).
 */
#include "config.h"

#include <string.h>

#include "postern-cli.h"

static gboolean
parse_alg (const char *name, PosternPowAlgorithm *out)
{
  if (g_strcmp0 (name, "argon2id") == 0)
    *out = POSTERN_POW_ARGON2ID;
  else if (g_strcmp0 (name, "hashcash") == 0)
    *out = POSTERN_POW_HASHCASH;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_uint (const char *text, guint max, guint *out)
{
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, max, &v, NULL))
    return FALSE;
  *out = (guint) v;
  return TRUE;
}

static int
pow_mint (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternPowStamp) stamp = NULL;
  g_autofree char *header = NULL;
  const char *alg_name = "argon2id", *bits_text = NULL, *resource = NULL;
  const char *m_text = NULL, *t_text = NULL;
  PosternPowAlgorithm alg;
  guint bits, m = 0, t = 0;

  if (!postern_cli_take_option (cli, "--alg", &alg_name, &error)
      || !postern_cli_take_option (cli, "--bits", &bits_text, &error)
      || !postern_cli_take_option (cli, "--resource", &resource, &error)
      || !postern_cli_take_option (cli, "--m", &m_text, &error)
      || !postern_cli_take_option (cli, "--t", &t_text, &error)
      || !postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1 || resource == NULL || !parse_alg (alg_name, &alg)
      || !parse_uint (bits_text, 40, &bits) || (m_text && !parse_uint (m_text, 1048576, &m))
      || (t_text && !parse_uint (t_text, 16, &t)))
    return postern_cli_usage (
      _ ("pow mint --alg argon2id|hashcash --bits N (1-40) --resource ADDR [--m KIB] [--t ITER]"));

  stamp = postern_pow_mint (alg, bits, resource, m, t, g_get_real_time () / G_USEC_PER_SEC, NULL,
                            &error);
  if (stamp == NULL)
    return postern_cli_fail (error);
  header = postern_pow_stamp_to_header (stamp);
  g_print ("%s\n", header);
  return POSTERN_EXIT_OK;
}

static int
pow_verify (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) input = NULL;
  g_autoptr (PosternPowStamp) stamp = NULL;
  g_autofree char *text = NULL;
  const char *resource = NULL, *bits_text = NULL;
  PosternPowPolicy policy;
  guint bits = 0;

  if (!postern_cli_take_option (cli, "--resource", &resource, &error)
      || !postern_cli_take_option (cli, "--bits", &bits_text, &error)
      || !postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1 || resource == NULL || (bits_text && !parse_uint (bits_text, 160, &bits)))
    return postern_cli_usage (_ ("pow verify --resource ADDR [--bits N] < STAMP"));

  input = postern_cli_read_stdin (&error);
  if (input == NULL)
    return postern_cli_fail (error);
  text = g_strndup (g_bytes_get_data (input, NULL), g_bytes_get_size (input));
  postern_pow_policy_init_default (&policy);
  stamp = postern_pow_stamp_parse (text, &error);
  if (stamp == NULL)
    {
      g_printerr ("postern-cli: %s\n", error->message);
      return POSTERN_EXIT_POLICY;
    }
  /* --bits replaces the policy's requirement for the stamp's algorithm,
   * including hashcash's rising schedule. */
  if (bits_text != NULL)
    {
      policy.argon2_bits = bits;
      policy.hashcash_base_bits = bits;
      policy.hashcash_step_days = 0;
    }
  if (!postern_pow_verify (stamp, resource, &policy, g_get_real_time () / G_USEC_PER_SEC, &error))
    return postern_cli_fail (error);
  g_print (_ ("valid: %u bits of %s for %s\n"), stamp->bits,
           stamp->alg == POSTERN_POW_ARGON2ID ? "argon2id" : "hashcash", stamp->resource);
  return POSTERN_EXIT_OK;
}

int
postern_cli_pow (PosternCli *cli)
{
  if (cli->argc >= 1 && g_str_equal (cli->argv[0], "mint"))
    return pow_mint (cli);
  if (cli->argc >= 1 && g_str_equal (cli->argv[0], "verify"))
    return pow_verify (cli);
  return postern_cli_usage (_ ("pow mint|verify"));
}
