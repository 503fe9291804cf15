/* postern-account.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-account.h"
#include "postern-address.h"
#include "postern-error.h"

struct _PosternAccount
{
  GObject parent_instance;
  char *name;
  char *address;
  char *imap_url;
  char *smtp_url;
  char *user;
  gboolean allow_plaintext;
};

G_DEFINE_FINAL_TYPE (PosternAccount, postern_account, G_TYPE_OBJECT)

static void
postern_account_finalize (GObject *object)
{
  PosternAccount *self = POSTERN_ACCOUNT (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->address, g_free);
  g_clear_pointer (&self->imap_url, g_free);
  g_clear_pointer (&self->smtp_url, g_free);
  g_clear_pointer (&self->user, g_free);
  G_OBJECT_CLASS (postern_account_parent_class)->finalize (object);
}

static void
postern_account_class_init (PosternAccountClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_account_finalize;
}

static void
postern_account_init (PosternAccount *self)
{
}

static gboolean
name_is_valid (const char *name)
{
  if (name == NULL || *name == '\0' || strlen (name) > 64)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.' && *p != '@')
      return FALSE;
  return TRUE;
}

PosternAccount *
postern_account_new (const char *name, const char *address, GError **error)
{
  g_autoptr (PosternAccount) self = NULL;
  g_autoptr (PosternAddress) parsed = NULL;

  if (!name_is_valid (name))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "invalid account name \"%s\": use letters, digits and - _ . @",
                   name ? name : "");
      return NULL;
    }
  parsed = postern_address_parse (address, error);
  if (parsed == NULL)
    return NULL;

  self = g_object_new (POSTERN_TYPE_ACCOUNT, NULL);
  self->name = g_strdup (name);
  self->address = g_strdup (postern_address_get_addr_spec (parsed));
  return g_steal_pointer (&self);
}

const char *
postern_account_get_name (PosternAccount *self)
{
  return self->name;
}

const char *
postern_account_get_address (PosternAccount *self)
{
  return self->address;
}

const char *
postern_account_get_imap_url (PosternAccount *self)
{
  return self->imap_url;
}

const char *
postern_account_get_smtp_url (PosternAccount *self)
{
  return self->smtp_url;
}

const char *
postern_account_get_user (PosternAccount *self)
{
  return self->user != NULL ? self->user : self->address;
}

gboolean
postern_account_get_allow_plaintext (PosternAccount *self)
{
  return self->allow_plaintext;
}

static gboolean
check_url (const char *url, const char *const *schemes, const char *what, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local_error = NULL;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL)
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "invalid %s URL \"%s\": %s", what,
                   url, local_error->message);
      return FALSE;
    }
  if (!g_strv_contains (schemes, g_uri_get_scheme (uri)))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) schemes);
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "invalid %s URL \"%s\": the scheme must be one of %s", what, url, list);
      return FALSE;
    }
  if (g_str_equal (g_uri_get_scheme (uri), "local"))
    {
      if (!g_path_is_absolute (g_uri_get_path (uri)))
        {
          g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                       "invalid %s URL \"%s\": local: needs an absolute profile path", what, url);
          return FALSE;
        }
    }
  else if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID,
                   "invalid %s URL \"%s\": it names no host", what, url);
      return FALSE;
    }
  return TRUE;
}

gboolean
postern_account_set_imap_url (PosternAccount *self, const char *url, GError **error)
{
  static const char *const schemes[] = { "imap", "imaps", NULL };

  if (url != NULL && !check_url (url, schemes, "IMAP", error))
    return FALSE;
  g_free (self->imap_url);
  self->imap_url = g_strdup (url);
  return TRUE;
}

/* Besides SMTP, an account may send with local:/PROFILE, which delivers
 * into the INBOX of another profile on this machine (demo and same-host
 * users); see docs/cli.md. */
gboolean
postern_account_set_smtp_url (PosternAccount *self, const char *url, GError **error)
{
  static const char *const schemes[] = { "smtp", "smtps", "local", NULL };

  if (url != NULL && !check_url (url, schemes, "SMTP", error))
    return FALSE;
  g_free (self->smtp_url);
  self->smtp_url = g_strdup (url);
  return TRUE;
}

void
postern_account_set_user (PosternAccount *self, const char *user)
{
  g_free (self->user);
  self->user = g_strdup (user);
}

void
postern_account_set_allow_plaintext (PosternAccount *self, gboolean allow)
{
  self->allow_plaintext = allow;
}

/* Legacy mail is TLS to the provider, or OPEN when the user explicitly let
 * this account talk without TLS. */
PosternLock
postern_account_get_legacy_lock (PosternAccount *self)
{
  return self->allow_plaintext ? POSTERN_LOCK_OPEN : POSTERN_LOCK_TLS;
}

PosternAccount *
postern_account_load (GKeyFile *keyfile, const char *group, GError **error)
{
  g_autofree char *address = g_key_file_get_string (keyfile, group, "address", NULL);
  g_autofree char *imap = g_key_file_get_string (keyfile, group, "imap", NULL);
  g_autofree char *smtp = g_key_file_get_string (keyfile, group, "smtp", NULL);
  g_autofree char *user = g_key_file_get_string (keyfile, group, "user", NULL);
  g_autoptr (PosternAccount) self = NULL;
  g_autoptr (GError) local_error = NULL;

  self = postern_account_new (group, address, &local_error);
  if (self == NULL || !postern_account_set_imap_url (self, imap, &local_error)
      || !postern_account_set_smtp_url (self, smtp, &local_error))
    {
      g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "account \"%s\": %s", group,
                   local_error->message);
      return NULL;
    }
  postern_account_set_user (self, user);
  self->allow_plaintext = g_key_file_get_boolean (keyfile, group, "allow-plaintext", NULL);
  return g_steal_pointer (&self);
}

void
postern_account_save (PosternAccount *self, GKeyFile *keyfile)
{
  const char *g = self->name;

  g_key_file_remove_group (keyfile, g, NULL);
  g_key_file_set_string (keyfile, g, "address", self->address);
  if (self->imap_url != NULL)
    g_key_file_set_string (keyfile, g, "imap", self->imap_url);
  if (self->smtp_url != NULL)
    g_key_file_set_string (keyfile, g, "smtp", self->smtp_url);
  if (self->user != NULL)
    g_key_file_set_string (keyfile, g, "user", self->user);
  if (self->allow_plaintext)
    g_key_file_set_boolean (keyfile, g, "allow-plaintext", TRUE);
}
