/* postern-cli-qr.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * qr export and qr import: the user's contact card as a QR code (PNG, SVG,
 * a printable PDF) or as text, and taking in someone else's card from an
 * image of its QR code or from its text.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "postern-cli.h"

static const char qr_usage[]
  = N_ ("qr export [--format png|svg|pdf|vcard|openpgp4fpr] [--qr vcard|openpgp4fpr] "
        "[--output FILE] [--address ADDR] [--name NAME] | qr import FILE [--locate]");

/* An image of a card is a photo at most. */
#define MAX_CARD_INPUT (64 * 1024 * 1024)

static gboolean
parse_form (const char *text, PosternCardForm *out)
{
  if (g_strcmp0 (text, "vcard") == 0)
    *out = POSTERN_CARD_FORM_VCARD;
  else if (g_strcmp0 (text, "openpgp4fpr") == 0)
    *out = POSTERN_CARD_FORM_OPENPGP4FPR;
  else
    return FALSE;
  return TRUE;
}

static gboolean
write_output (const char *path, GBytes *data, GError **error)
{
  gsize len = 0;
  const char *bytes = g_bytes_get_data (data, &len);

  if (path == NULL || g_str_equal (path, "-"))
    {
      if (fwrite (bytes, 1, len, stdout) != len || fflush (stdout) != 0)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, _ ("cannot write the card: %s"),
                       g_strerror (errno));
          return FALSE;
        }
      return TRUE;
    }
  /* Written aside and renamed: a failed export leaves no half card. */
  return g_file_set_contents (path, bytes, (gssize) len, error);
}

static int
qr_export (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternCard) card = NULL;
  g_autoptr (GBytes) out = NULL;
  const char *format = "vcard", *qr = "vcard", *output = NULL, *address = NULL, *name = NULL;
  PosternCardForm text_form, qr_form;
  PosternCardImage image = POSTERN_CARD_IMAGE_PNG;

  if (!postern_cli_take_option (cli, "--format", &format, &error)
      || !postern_cli_take_option (cli, "--qr", &qr, &error)
      || !postern_cli_take_option (cli, "--output", &output, &error)
      || !postern_cli_take_option (cli, "--address", &address, &error)
      || !postern_cli_take_option (cli, "--name", &name, &error)
      || !postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 0 || !parse_form (qr, &qr_form))
    return postern_cli_usage (_ (qr_usage));
  if (g_str_equal (format, "png"))
    image = POSTERN_CARD_IMAGE_PNG;
  else if (g_str_equal (format, "svg"))
    image = POSTERN_CARD_IMAGE_SVG;
  else if (g_str_equal (format, "pdf"))
    image = POSTERN_CARD_IMAGE_PDF;
  else if (!parse_form (format, &text_form))
    return postern_cli_usage (_ (qr_usage));

  profile = postern_cli_open_profile (cli, FALSE, &error);
  if (profile == NULL)
    return postern_cli_fail (error);
  keyring = postern_keyring_new_for_profile (profile);
  card = postern_card_new_own_sync (profile, keyring, address, name, NULL, &error);
  if (card == NULL)
    return postern_cli_fail (error);
  if (parse_form (format, &text_form))
    {
      char *text = postern_card_to_text (card, text_form);
      if (text_form == POSTERN_CARD_FORM_OPENPGP4FPR)
        {
          char *line = g_strconcat (text, "\n", NULL);
          g_free (text);
          text = line;
        }
      out = g_bytes_new_take (text, strlen (text));
    }
  else
    out = postern_card_render (card, qr_form, image, &error);
  if (out == NULL || !write_output (output, out, &error))
    return postern_cli_fail (error);
  return POSTERN_EXIT_OK;
}

static GBytes *
read_input (const char *path, GError **error)
{
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileInfo) info = NULL;
  char *data = NULL;
  gsize len = 0;

  if (g_str_equal (path, "-"))
    return postern_cli_read_stdin (error);
  file = g_file_new_for_commandline_arg (path);
  info
    = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, NULL, NULL);
  if (info != NULL && g_file_info_get_size (info) > MAX_CARD_INPUT)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   _ ("%s is too big to be a card or a picture of one"), path);
      return NULL;
    }
  if (!g_file_load_contents (file, NULL, &data, &len, NULL, error))
    return NULL;
  return g_bytes_new_take (data, len);
}

static int
qr_import (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternCard) card = NULL;
  g_autoptr (GBytes) data = NULL;
  g_autoptr (PosternCardImport) import = NULL;
  g_autofree char *name = NULL;
  g_autofree char *source = NULL;

  gboolean locate = postern_cli_take_flag (cli, "--locate");

  if (!postern_cli_no_options_left (cli, &error))
    return postern_cli_usage (error->message);
  if (cli->argc != 1)
    return postern_cli_usage (_ ("qr import FILE [--locate]"));
  if ((data = read_input (cli->argv[0], &error)) == NULL)
    return postern_cli_fail (error);
  if ((card = postern_card_read (data, &error)) == NULL)
    {
      g_prefix_error (&error, "%s: ", cli->argv[0]);
      return postern_cli_fail (error);
    }
  name = g_str_equal (cli->argv[0], "-") ? g_strdup (_ ("standard input"))
                                         : g_path_get_basename (cli->argv[0]);
  source = g_strdup_printf ("card scanned from %s", name);
  profile = postern_cli_open_profile (cli, TRUE, &error);
  if (profile == NULL)
    return postern_cli_fail (error);
  keyring = postern_keyring_new_for_profile (profile);
  import = postern_card_import_sync (keyring, card, source, NULL, &error);
  if (import == NULL)
    return postern_cli_fail (error);

  if (locate && !import->have_key)
    {
      g_autoptr (PosternKeyLocator) locator
        = postern_key_locator_new_for_profile (profile, keyring, &error);
      if (locator == NULL || !postern_card_import_locate_sync (import, locator, NULL, &error))
        {
          g_printerr (_ ("postern-cli: the key %s was not found: %s\n"), import->fingerprint,
                      error->message);
          g_clear_error (&error);
        }
    }
  for (guint i = 0; import->verified[i] != NULL; i++)
    g_print ("%s %s verified\n", import->verified[i], import->fingerprint);
  for (guint i = 0; import->conflicts[i] != NULL; i++)
    g_print ("%s %s conflict\n", import->conflicts[i], import->fingerprint);
  if (!import->have_key)
    g_printerr (_ ("postern-cli: the keyring does not hold the key %s yet: it is taken when it "
                   "arrives (keys import), and any other key for these addresses is a "
                   "conflict\n"),
                import->fingerprint);
  if (import->conflicts[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", import->conflicts);
      g_printerr (_ ("postern-cli: another key is pinned for %s: the card is an open conflict "
                     "(postern-cli keys conflicts; keys resolve)\n"),
                  list);
      return POSTERN_EXIT_POLICY;
    }
  return POSTERN_EXIT_OK;
}

int
postern_cli_qr (PosternCli *cli)
{
  PosternCli sub;

  if (cli->argc == 0)
    return postern_cli_usage (_ (qr_usage));
  sub = (PosternCli){ cli->profile_path, cli->argc - 1, cli->argv + 1 };
  if (g_str_equal (cli->argv[0], "export"))
    return qr_export (&sub);
  if (g_str_equal (cli->argv[0], "import"))
    return qr_import (&sub);
  {
    g_autofree char *message
      = g_strdup_printf (_ ("unknown qr command \"%s\" (%s)"), cli->argv[0], _ (qr_usage));
    return postern_cli_usage (message);
  }
}
