/* postern-profile.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "postern-error.h"
#include "postern-fsutil.h"
#include "postern-profile.h"
#include "postern-smtorp-identity.h"

#define PROFILE_FILE "profile.ini"
#define ACCOUNTS_FILE "accounts.ini"
#define PROFILE_VERSION 1

struct _PosternProfile
{
  GObject parent_instance;
  char *path;
  char *profile_file;
  char *accounts_file;
  char *gnupg_home;
  PosternStore *store;
};

G_DEFINE_FINAL_TYPE (PosternProfile, postern_profile, G_TYPE_OBJECT)

typedef gboolean (*SettingCheck) (const char *value, GError **error);

static gboolean check_upstream (const char *value, GError **error);
static gboolean check_tor_mode (const char *value, GError **error);
static gboolean check_ca_file (const char *value, GError **error);
static gboolean check_trust_anchor (const char *value, GError **error);
static gboolean check_auto_locate (const char *value, GError **error);

static const struct
{
  const char *key;
  const char *fallback;
  SettingCheck check;
} settings[] = {
  { "dns.upstream", "", check_upstream },
  { "dns.trust-anchor", "", check_trust_anchor },
  { "tls.ca-file", "", check_ca_file },
  { "keys.auto-locate", "true", check_auto_locate },
  { "tor.mode", "managed", check_tor_mode },
  { "tor.control", "", NULL },
  { "tor.extra-config", "", NULL },
  { "smtorp.user", "me", postern_smtorp_check_user },
  { "smtorp.stamp-bits", "12", postern_smtorp_check_stamp_bits },
};

static void
postern_profile_finalize (GObject *object)
{
  PosternProfile *self = POSTERN_PROFILE (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->profile_file, g_free);
  g_clear_pointer (&self->accounts_file, g_free);
  g_clear_pointer (&self->gnupg_home, g_free);
  G_OBJECT_CLASS (postern_profile_parent_class)->finalize (object);
}

static void
postern_profile_class_init (PosternProfileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_profile_finalize;
}

static void
postern_profile_init (PosternProfile *self)
{
}

char *
postern_profile_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "postern", NULL);
}

static gboolean
load_keyfile (const char *path, GKeyFile *keyfile, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (g_key_file_load_from_file (keyfile, path, G_KEY_FILE_KEEP_COMMENTS, &local_error))
    return TRUE;
  if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    return TRUE;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot read %s: %s", path,
               local_error->message);
  return FALSE;
}

static gboolean
save_keyfile (const char *path, GKeyFile *keyfile, GError **error)
{
  gsize len;
  g_autofree char *data = g_key_file_to_data (keyfile, &len, NULL);
  return postern_fs_write_file_durable (path, data, len, error);
}

/**
 * postern_profile_open:
 * @path: (nullable): the profile folder, or %NULL for the default
 * @create: whether to create a missing profile
 * @error: return location for a #GError
 *
 * Opens a profile. Without @create, a folder that holds no profile is an
 * error (%POSTERN_ERROR_NOT_FOUND) rather than silently becoming one.
 */
PosternProfile *
postern_profile_open (const char *path, gboolean create, GError **error)
{
  g_autoptr (PosternProfile) self = g_object_new (POSTERN_TYPE_PROFILE, NULL);

  self->path
    = path != NULL ? g_canonicalize_filename (path, NULL) : postern_profile_default_path ();
  self->profile_file = g_build_filename (self->path, PROFILE_FILE, NULL);
  self->accounts_file = g_build_filename (self->path, ACCOUNTS_FILE, NULL);
  self->gnupg_home = g_build_filename (self->path, "gnupg", NULL);

  if (!g_file_test (self->profile_file, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr (GKeyFile) keyfile = g_key_file_new ();

      if (!create)
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "no Postern profile at %s",
                       self->path);
          return NULL;
        }
      if (g_file_test (self->path, G_FILE_TEST_EXISTS)
          && !g_file_test (self->path, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "cannot create a profile at %s: it is not a folder", self->path);
          return NULL;
        }
      if (!postern_fs_mkdir_durable (self->path, error))
        return NULL;
      g_key_file_set_integer (keyfile, "profile", "version", PROFILE_VERSION);
      if (!save_keyfile (self->profile_file, keyfile, error))
        return NULL;
    }

  if (!postern_fs_mkdir_durable (self->gnupg_home, error))
    return NULL;
  /* gpg refuses a home others can read. */
  if (g_chmod (self->gnupg_home, 0700) != 0)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_IO, "cannot protect %s: %s",
                   self->gnupg_home, g_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&self);
}

const char *
postern_profile_get_path (PosternProfile *self)
{
  return self->path;
}

const char *
postern_profile_get_gnupg_home (PosternProfile *self)
{
  return self->gnupg_home;
}

/* The store is opened on first use: commands that only read settings need
 * not pay for checking the Maildirs. */
PosternStore *
postern_profile_get_store (PosternProfile *self, GError **error)
{
  if (self->store == NULL)
    {
      g_autofree char *root = g_build_filename (self->path, "store", NULL);
      g_autofree char *index = g_build_filename (self->path, "index.sqlite", NULL);
      self->store = postern_store_open (root, index, error);
    }
  return self->store;
}

const char *const *
postern_profile_list_setting_keys (void)
{
  static const char *keys[G_N_ELEMENTS (settings) + 1];

  if (keys[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
      keys[i] = settings[i].key;
  return keys;
}

static int
find_setting (const char *key, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    if (g_strcmp0 (settings[i].key, key) == 0)
      return (int) i;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "unknown setting \"%s\"",
               key ? key : "");
  return -1;
}

char *
postern_profile_get_setting (PosternProfile *self, const char *key, GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  int i = find_setting (key, error);
  char *value;

  if (i < 0 || !load_keyfile (self->profile_file, keyfile, error))
    return NULL;
  value = g_key_file_get_string (keyfile, "settings", key, NULL);
  return value != NULL ? value : g_strdup (settings[i].fallback);
}

gboolean
postern_profile_set_setting (PosternProfile *self, const char *key, const char *value,
                             GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  int i = find_setting (key, error);

  if (i < 0)
    return FALSE;
  if (!g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "%s: the value is not UTF-8", key);
      return FALSE;
    }
  if (*value != '\0' && settings[i].check != NULL && !settings[i].check (value, error))
    return FALSE;
  if (!load_keyfile (self->profile_file, keyfile, error))
    return FALSE;
  if (*value == '\0')
    g_key_file_remove_key (keyfile, "settings", key, NULL);
  else
    g_key_file_set_string (keyfile, "settings", key, value);
  return save_keyfile (self->profile_file, keyfile, error);
}

static gboolean
check_upstream (const char *value, GError **error)
{
  const char *at = strrchr (value, '@');
  g_autofree char *host = g_strndup (value, at ? (gsize) (at - value) : strlen (value));

  if (*host == '\0' || strchr (host, ' ') != NULL)
    goto bad;
  if (at != NULL)
    {
      guint64 port;
      if (!g_ascii_string_to_unsigned (at + 1, 10, 1, 65535, &port, NULL))
        goto bad;
    }
  return TRUE;
bad:
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
               "dns.upstream: \"%s\" is not HOST or HOST@PORT", value);
  return FALSE;
}

static gboolean
check_tor_mode (const char *value, GError **error)
{
  if (g_str_equal (value, "managed") || g_str_equal (value, "attach"))
    return TRUE;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
               "tor.mode: \"%s\" is neither managed nor attach", value);
  return FALSE;
}

static gboolean
check_ca_file (const char *value, GError **error)
{
  if (g_path_is_absolute (value) && g_file_test (value, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
               "tls.ca-file: \"%s\" is not an absolute path to a file", value);
  return FALSE;
}

static gboolean
check_trust_anchor (const char *value, GError **error)
{
  if (g_path_is_absolute (value) && g_file_test (value, G_FILE_TEST_IS_REGULAR))
    return TRUE;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
               "dns.trust-anchor: \"%s\" is not an absolute path to a file", value);
  return FALSE;
}
static gboolean
check_auto_locate (const char *value, GError **error)
{
  if (g_str_equal (value, "true") || g_str_equal (value, "false"))
    return TRUE;
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
               "keys.auto-locate: \"%s\" is neither true nor false", value);
  return FALSE;
}

GPtrArray *
postern_profile_list_accounts (PosternProfile *self, GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();
  g_autoptr (GPtrArray) accounts = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto (GStrv) groups = NULL;

  if (!load_keyfile (self->accounts_file, keyfile, error))
    return NULL;
  groups = g_key_file_get_groups (keyfile, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      PosternAccount *account = postern_account_load (keyfile, groups[i], error);
      if (account == NULL)
        return NULL;
      g_ptr_array_add (accounts, account);
    }
  return g_steal_pointer (&accounts);
}

PosternAccount *
postern_profile_find_account (PosternProfile *self, const char *name, GError **error)
{
  g_autoptr (GPtrArray) accounts = postern_profile_list_accounts (self, error);

  if (accounts == NULL)
    return NULL;
  if (name == NULL && accounts->len > 0)
    return g_object_ref (accounts->pdata[0]);
  for (guint i = 0; i < accounts->len; i++)
    if (g_strcmp0 (postern_account_get_name (accounts->pdata[i]), name) == 0)
      return g_object_ref (accounts->pdata[i]);
  if (name == NULL)
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND,
                 "this profile has no account yet (postern-cli account add)");
  else
    g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_NOT_FOUND, "no account named \"%s\"", name);
  return NULL;
}

gboolean
postern_profile_add_account (PosternProfile *self, PosternAccount *account, GError **error)
{
  g_autoptr (GKeyFile) keyfile = g_key_file_new ();

  if (!load_keyfile (self->accounts_file, keyfile, error))
    return FALSE;
  postern_account_save (account, keyfile);
  return save_keyfile (self->accounts_file, keyfile, error);
}
