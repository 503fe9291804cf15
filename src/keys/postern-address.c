/* postern-address.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-address.h"
#include "postern-error.h"

#define MAX_ADDRESS_LEN 998
#define MAX_LOCAL_LEN 64
#define MAX_DOMAIN_LEN 253
/* A fingerprint label holds N bits, N a multiple of 5 in 20..255. */
#define MIN_FP_CHARS 4
#define MAX_FP_CHARS 51

struct _PosternAddress
{
  GObject parent_instance;
  PosternAddressKind kind;
  char *display_name;
  char *local_part;
  char *domain; /* lowercase */
  char *addr_spec;
  char *onion;       /* the 56 base32 characters, for ONION */
  char *fingerprint; /* the optional label, for ONION */
};

G_DEFINE_FINAL_TYPE (PosternAddress, postern_address, G_TYPE_OBJECT)

static void
postern_address_finalize (GObject *object)
{
  PosternAddress *self = POSTERN_ADDRESS (object);

  g_clear_pointer (&self->display_name, g_free);
  g_clear_pointer (&self->local_part, g_free);
  g_clear_pointer (&self->domain, g_free);
  g_clear_pointer (&self->addr_spec, g_free);
  g_clear_pointer (&self->onion, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  G_OBJECT_CLASS (postern_address_parent_class)->finalize (object);
}

static void
postern_address_class_init (PosternAddressClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_address_finalize;
}

static void
postern_address_init (PosternAddress *self)
{
}

static gboolean
fail (GError **error, const char *text, const char *why)
{
  g_autofree char *shown = g_utf8_make_valid (text, MIN (strlen (text), 80));
  g_set_error (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, "invalid address \"%s\": %s", shown,
               why);
  return FALSE;
}

static gboolean
is_atext (char c)
{
  return g_ascii_isalnum (c) || strchr ("!#$%&'*+-/=?^_`{|}~", c) != NULL || (guchar) c >= 0x80;
}

static gboolean
local_part_is_valid (const char *s, gsize len)
{
  if (len == 0 || len > MAX_LOCAL_LEN)
    return FALSE;
  if (s[0] == '"')
    {
      if (len < 2 || s[len - 1] != '"')
        return FALSE;
      for (gsize i = 1; i + 1 < len; i++)
        if (s[i] == '"' || s[i] == '\r' || s[i] == '\n'
            || (s[i] == '\\' && ++i + 1 >= len))
          return FALSE;
      return TRUE;
    }
  if (s[0] == '.' || s[len - 1] == '.')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!(is_atext (s[i]) || (s[i] == '.' && s[i + 1] != '.')))
      return FALSE;
  return TRUE;
}

static gboolean
domain_is_valid (const char *d)
{
  gsize len = strlen (d);
  const char *label = d;

  if (len == 0 || len > MAX_DOMAIN_LEN)
    return FALSE;
  for (const char *p = d;; p++)
    {
      if (*p == '.' || *p == '\0')
        {
          gsize n = (gsize) (p - label);
          if (n == 0 || n > 63 || label[0] == '-' || p[-1] == '-')
            return FALSE;
          if (*p == '\0')
            return TRUE;
          label = p + 1;
        }
      else if (!g_ascii_isalnum (*p) && *p != '-')
        return FALSE;
    }
}

static gboolean
is_base32 (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' && s[i] <= '7')))
      return FALSE;
  return TRUE;
}

/* DOMAIN is "[FP.]ONION.onion", already lowercase and known to end in .onion. */
static gboolean
parse_onion (PosternAddress *self, const char *text, GError **error)
{
  g_auto (GStrv) labels = g_strsplit (self->domain, ".", -1);
  guint n = g_strv_length (labels);
  const char *onion;

  if (n < 2 || n > 3)
    return fail (error, text, "an onion address is user@[FINGERPRINT.]ONION.onion");
  onion = labels[n - 2];
  if (strlen (onion) != POSTERN_ONION_LEN || !is_base32 (onion, POSTERN_ONION_LEN))
    return fail (error, text, "the onion name must be 56 base32 characters (a v3 onion service)");
  /* The last of the 56 characters encodes the version, 3 → 'd'. */
  if (onion[POSTERN_ONION_LEN - 1] != 'd')
    return fail (error, text, "only version 3 onion services are supported");
  if (n == 3)
    {
      const char *fp = labels[0];
      gsize fp_len = strlen (fp);
      if (fp_len < MIN_FP_CHARS || fp_len > MAX_FP_CHARS || !is_base32 (fp, fp_len))
        return fail (error, text,
                     "the fingerprint label must be 4 to 51 base32 characters (20 to 255 bits)");
      self->fingerprint = g_strdup (fp);
    }
  self->onion = g_strdup (onion);
  self->kind = POSTERN_ADDRESS_ONION;
  return TRUE;
}

static char *
strip (const char *s, gsize len)
{
  while (len > 0 && g_ascii_isspace (*s))
    s++, len--;
  while (len > 0 && g_ascii_isspace (s[len - 1]))
    len--;
  return g_strndup (s, len);
}

/**
 * postern_address_parse:
 * @text: "user@domain", "Name <user@domain>" or an onion address
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the parsed address, or %NULL with @error set to
 *   a message that says what is wrong with @text.
 */
PosternAddress *
postern_address_parse (const char *text, GError **error)
{
  g_autoptr (PosternAddress) self = NULL;
  g_autofree char *spec = NULL;
  const char *lt, *at;

  if (text == NULL || *text == '\0')
    {
      fail (error, "", "it is empty");
      return NULL;
    }
  if (strlen (text) > MAX_ADDRESS_LEN || !g_utf8_validate (text, -1, NULL))
    {
      fail (error, text, "it is too long or not UTF-8");
      return NULL;
    }

  self = g_object_new (POSTERN_TYPE_ADDRESS, NULL);
  lt = strrchr (text, '<');
  if (lt != NULL)
    {
      const char *gt = strchr (lt, '>');
      g_autofree char *name = NULL;
      if (gt == NULL)
        {
          fail (error, text, "\"<\" without \">\"");
          return NULL;
        }
      if (*(gt + 1) != '\0' && strspn (gt + 1, " \t") != strlen (gt + 1))
        {
          fail (error, text, "text after \">\"");
          return NULL;
        }
      spec = strip (lt + 1, (gsize) (gt - lt - 1));
      name = strip (text, (gsize) (lt - text));
      if (name[0] == '"' && strlen (name) >= 2 && name[strlen (name) - 1] == '"')
        self->display_name = g_strndup (name + 1, strlen (name) - 2);
      else if (*name != '\0')
        self->display_name = g_steal_pointer (&name);
    }
  else
    spec = strip (text, strlen (text));

  at = strrchr (spec, '@');
  if (at == NULL)
    {
      fail (error, text, "it has no \"@\"");
      return NULL;
    }
  if (!local_part_is_valid (spec, (gsize) (at - spec)))
    {
      fail (error, text, "the part before \"@\" is not a valid mailbox name");
      return NULL;
    }
  self->local_part = g_strndup (spec, (gsize) (at - spec));
  self->domain = g_ascii_strdown (at + 1, -1);
  if (!domain_is_valid (self->domain))
    {
      fail (error, text, "the part after \"@\" is not a valid domain");
      return NULL;
    }
  if (g_str_has_suffix (self->domain, ".onion") || g_str_equal (self->domain, "onion"))
    {
      if (!parse_onion (self, text, error))
        return NULL;
    }
  else
    self->kind = POSTERN_ADDRESS_LEGACY;

  self->addr_spec = g_strconcat (self->local_part, "@", self->domain, NULL);
  return g_steal_pointer (&self);
}

PosternAddressKind
postern_address_get_kind (PosternAddress *self)
{
  return self->kind;
}

const char *
postern_address_get_display_name (PosternAddress *self)
{
  return self->display_name;
}

const char *
postern_address_get_local_part (PosternAddress *self)
{
  return self->local_part;
}

const char *
postern_address_get_domain (PosternAddress *self)
{
  return self->domain;
}

const char *
postern_address_get_addr_spec (PosternAddress *self)
{
  return self->addr_spec;
}

const char *
postern_address_get_onion (PosternAddress *self)
{
  return self->onion;
}

const char *
postern_address_get_fingerprint (PosternAddress *self)
{
  return self->fingerprint;
}

char *
postern_address_to_string (PosternAddress *self)
{
  if (self->display_name == NULL)
    return g_strdup (self->addr_spec);
  return g_strdup_printf ("\"%s\" <%s>", self->display_name, self->addr_spec);
}
