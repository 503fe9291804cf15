/* postern-cli-ves.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * ves encrypt and ves decrypt (docs/protocols/ves.md): a message from
 * standard input to standard output, in constant memory.
 */
#include "config.h"

#include <errno.h>
#include <gio/gunixoutputstream.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "postern-cli.h"

/* Standard input as a file that can be read twice: itself when it is a
 * regular file, else a copy in an unlinked temporary file. */
static int
seekable_stdin (GError **error)
{
  struct stat st;
  g_autofree char *path = NULL;
  guint8 buffer[65536];
  ssize_t n;
  int fd;

  if (fstat (STDIN_FILENO, &st) == 0 && S_ISREG (st.st_mode))
    return dup (STDIN_FILENO);
  fd = g_file_open_tmp ("postern-ves-in-XXXXXX", &path, error);
  if (fd < 0)
    return -1;
  unlink (path);
  while ((n = read (STDIN_FILENO, buffer, sizeof buffer)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 || write (fd, buffer, (size_t) n) != n)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, _ ("cannot read standard input: %s"),
                       g_strerror (errno));
          close (fd);
          return -1;
        }
    }
  return fd;
}

static int
ves_encrypt (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternVesPlan) plan = NULL;
  g_autoptr (GPtrArray) fingerprints = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) own = NULL;
  g_autoptr (GOutputStream) out = NULL;
  g_autofree char *key_block = NULL;
  guint8 key[POSTERN_VES_KEY_BYTES];
  gboolean ok;
  int fd;

  /* ves encrypt --to ADDR… : every argument after --to is an address. */
  if (cli->argc < 3 || !g_str_equal (cli->argv[1], "--to"))
    return postern_cli_usage (_ ("ves encrypt --to ADDR… < MESSAGE > ENCRYPTED"));
  if ((profile = postern_cli_open_profile (cli, FALSE, &error)) == NULL)
    return postern_cli_fail (error);
  keyring = postern_keyring_new_for_profile (profile);
  for (int i = 2; i < cli->argc; i++)
    {
      char *fpr = postern_keyring_find_recipient_key_sync (keyring, cli->argv[i], NULL, &error);
      if (fpr == NULL)
        {
          g_printerr (_ ("postern-cli: no key to encrypt to %s: %s\n"), cli->argv[i],
                      error ? error->message : _ ("none is pinned"));
          return POSTERN_EXIT_POLICY;
        }
      g_ptr_array_add (fingerprints, fpr);
    }
  /* The profile's own keys too, so its Sent copy stays readable. */
  own = postern_keyring_list_sync (keyring, NULL, NULL, &error);
  if (own == NULL)
    return postern_cli_fail (error);
  for (guint i = 0; i < own->len; i++)
    {
      PosternKeyInfo *info = own->pdata[i];
      if (info->secret)
        g_ptr_array_add (fingerprints, g_strdup (info->fingerprint));
    }
  g_ptr_array_add (fingerprints, NULL);

  if ((fd = seekable_stdin (&error)) < 0 || (plan = postern_ves_plan_new (fd, &error)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return postern_cli_fail (error);
    }
  close (fd);
  randombytes_buf (key, sizeof key);
  key_block = postern_ves_key_wrap_sync (keyring, key, postern_ves_plan_get_message_id (plan),
                                         (const char *const *) fingerprints->pdata, &error);
  out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  ok = key_block != NULL && postern_ves_plan_write (plan, key, key_block, out, NULL, &error);
  sodium_memzero (key, sizeof key);
  if (!ok)
    return postern_cli_fail (error);
  return POSTERN_EXIT_OK;
}

static int
ves_decrypt (PosternCli *cli)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PosternProfile) profile = NULL;
  g_autoptr (PosternKeyring) keyring = NULL;
  g_autoptr (PosternVesSealed) sealed = NULL;
  g_autoptr (GOutputStream) out = NULL;
  guint8 key[POSTERN_VES_KEY_BYTES];
  const char *key_block;
  gboolean ok;
  int fd;

  if (cli->argc != 1)
    return postern_cli_usage (_ ("ves decrypt < ENCRYPTED > MESSAGE"));
  if ((profile = postern_cli_open_profile (cli, FALSE, &error)) == NULL)
    return postern_cli_fail (error);
  if ((fd = seekable_stdin (&error)) < 0 || (sealed = postern_ves_sealed_open (fd, &error)) == NULL)
    {
      if (fd >= 0)
        close (fd);
      return postern_cli_fail (error);
    }
  close (fd);
  key_block = postern_ves_sealed_get_key_block (sealed);
  if (key_block == NULL)
    {
      g_printerr (_ ("postern-cli: the message carries no key; it is waiting for its key\n"));
      return POSTERN_EXIT_FAILED;
    }
  keyring = postern_keyring_new_for_profile (profile);
  if (!postern_ves_key_unwrap_sync (keyring, key_block, postern_ves_sealed_get_message_id (sealed),
                                    key, &error))
    return postern_cli_fail (error);
  out = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  ok = postern_ves_sealed_decrypt (sealed, key, out, NULL, &error);
  sodium_memzero (key, sizeof key);
  if (!ok)
    return postern_cli_fail (error);
  return POSTERN_EXIT_OK;
}

int
postern_cli_ves (PosternCli *cli)
{
  if (cli->argc >= 1 && g_str_equal (cli->argv[0], "encrypt"))
    return ves_encrypt (cli);
  if (cli->argc >= 1 && g_str_equal (cli->argv[0], "decrypt"))
    return ves_decrypt (cli);
  return postern_cli_usage (_ ("ves encrypt --to ADDR… | ves decrypt"));
}
