/* postern-card.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-card.h"
#include "postern-error.h"
#include "postern-keyring.h"

/* RFC 6350 §3.2: lines SHOULD NOT be longer than 75 octets. */
#define FOLD_OCTETS 75
#define OPENPGP4FPR "OPENPGP4FPR:"
#define KEY_SCHEME "openpgp4fpr:"

struct _PosternCard
{
  GObject parent_instance;
  char *name;        /* nullable */
  char **addresses;  /* lower-case addr-specs, at least one, each once */
  char *fingerprint; /* upper-case hex */
};

G_DEFINE_FINAL_TYPE (PosternCard, postern_card, G_TYPE_OBJECT)

static void
postern_card_finalize (GObject *object)
{
  PosternCard *self = POSTERN_CARD (object);

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->addresses, g_strfreev);
  g_clear_pointer (&self->fingerprint, g_free);
  G_OBJECT_CLASS (postern_card_parent_class)->finalize (object);
}

static void
postern_card_class_init (PosternCardClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = postern_card_finalize;
}

static void
postern_card_init (PosternCard *self)
{
}

static gboolean invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
invalid (GError **error, const char *format, ...)
{
  va_list ap;
  g_autofree char *message = NULL;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, POSTERN_ERROR, POSTERN_ERROR_INVALID, message);
  return FALSE;
}

/* A name is shown on one line: control characters become spaces. */
static gboolean
clean_name (const char *name, char **out, GError **error)
{
  g_autoptr (GString) clean = g_string_new (NULL);

  *out = NULL;
  if (name == NULL)
    return TRUE;
  if (!g_utf8_validate (name, -1, NULL))
    return invalid (error, "the card's name is not UTF-8 text");
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_iscntrl (c))
        g_string_append_c (clean, ' ');
      else
        g_string_append_unichar (clean, c);
    }
  g_strstrip (clean->str);
  if (*clean->str == '\0')
    return TRUE;
  if (g_utf8_strlen (clean->str, -1) > POSTERN_CARD_MAX_NAME)
    return invalid (error, "the card's name is longer than %d characters", POSTERN_CARD_MAX_NAME);
  *out = g_strdup (clean->str);
  return TRUE;
}

/* Adds @address, normalized, unless it is there already. */
static gboolean
add_address (GPtrArray *addresses, const char *address, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *shown = NULL;
  char *spec = postern_keyring_normalize_address (address, &local_error);

  if (spec == NULL)
    {
      shown = g_utf8_make_valid (address, MIN (strlen (address), 80));
      return invalid (error, "the card's address \"%s\" is not valid: %s", shown,
                      local_error->message);
    }
  if (g_ptr_array_find_with_equal_func (addresses, spec, g_str_equal, NULL))
    {
      g_free (spec);
      return TRUE;
    }
  if (addresses->len >= POSTERN_CARD_MAX_ADDRESSES)
    {
      g_free (spec);
      return invalid (error, "the card holds more than %d addresses", POSTERN_CARD_MAX_ADDRESSES);
    }
  g_ptr_array_add (addresses, spec);
  return TRUE;
}

/* Takes @name, whatever happens. */
static PosternCard *
card_new (char *name_in, GPtrArray *addresses, const char *fingerprint, GError **error)
{
  g_autoptr (PosternCard) self = NULL;
  g_autofree char *fpr = NULL;
  g_autofree char *name = name_in;

  if (fingerprint == NULL)
    {
      invalid (error, "the card carries no OpenPGP fingerprint");
      return NULL;
    }
  if ((fpr = postern_keyring_normalize_fingerprint (fingerprint, error)) == NULL)
    return NULL;
  if (addresses->len == 0)
    {
      invalid (error, "the card names no address");
      return NULL;
    }
  self = g_object_new (POSTERN_TYPE_CARD, NULL);
  self->name = g_steal_pointer (&name);
  g_ptr_array_add (addresses, NULL);
  self->addresses = (char **) g_ptr_array_steal (addresses, NULL);
  self->fingerprint = g_steal_pointer (&fpr);
  return g_steal_pointer (&self);
}

/**
 * postern_card_new:
 * @name: (nullable): the person's name
 * @addresses: (array zero-terminated=1): one or more addresses
 * @fingerprint: their OpenPGP key
 *
 * Returns: (transfer full): the card, or %NULL with @error set
 *   (%POSTERN_ERROR_INVALID) when an address or the fingerprint is not
 *   valid.
 */
PosternCard *
postern_card_new (const char *name, const char *const *addresses, const char *fingerprint,
                  GError **error)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);
  char *clean = NULL;

  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    if (!add_address (list, addresses[i], error))
      return NULL;
  if (!clean_name (name, &clean, error))
    return NULL;
  return card_new (clean, list, fingerprint, error);
}

const char *
postern_card_get_name (PosternCard *self)
{
  g_return_val_if_fail (POSTERN_IS_CARD (self), NULL);
  return self->name;
}

const char *const *
postern_card_get_addresses (PosternCard *self)
{
  g_return_val_if_fail (POSTERN_IS_CARD (self), NULL);
  return (const char *const *) self->addresses;
}

const char *
postern_card_get_fingerprint (PosternCard *self)
{
  g_return_val_if_fail (POSTERN_IS_CARD (self), NULL);
  return self->fingerprint;
}

gboolean
postern_card_equal (PosternCard *a, PosternCard *b)
{
  g_return_val_if_fail (POSTERN_IS_CARD (a) && POSTERN_IS_CARD (b), FALSE);
  return g_strcmp0 (a->name, b->name) == 0 && g_str_equal (a->fingerprint, b->fingerprint)
         && g_strv_equal ((const char *const *) a->addresses, (const char *const *) b->addresses);
}

/* vCard text values (RFC 6350 §3.4): backslash, comma, semicolon and
 * newline are escaped. */
static void
append_escaped (GString *out, const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\\' || *p == ',' || *p == ';')
        g_string_append_c (out, '\\');
      if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static char *
unescape (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p != '\\' || p[1] == '\0')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      g_string_append_c (out, (*p == 'n' || *p == 'N') ? '\n' : *p);
    }
  return g_string_free (out, FALSE);
}

/* Ends a content line, folded into lines of at most 75 octets without
 * cutting a UTF-8 sequence (§3.2). */
static void
append_line (GString *out, const char *line)
{
  gsize room = FOLD_OCTETS;
  const char *p = line;

  while (*p != '\0')
    {
      const char *next = g_utf8_next_char (p);
      gsize n = (gsize) (next - p);

      if (n > room)
        {
          g_string_append (out, "\r\n ");
          room = FOLD_OCTETS - 1;
        }
      g_string_append_len (out, p, (gssize) n);
      room -= n;
      p = next;
    }
  g_string_append (out, "\r\n");
}

static char *
to_vcard (PosternCard *self)
{
  GString *out = g_string_new ("BEGIN:VCARD\r\nVERSION:4.0\r\n");
  g_autoptr (GString) line = g_string_new ("FN:");

  /* FN is the one property a vCard must have. */
  append_escaped (line, self->name ? self->name : self->addresses[0]);
  append_line (out, line->str);
  for (guint i = 0; self->addresses[i] != NULL; i++)
    {
      g_string_assign (line, "EMAIL:");
      append_escaped (line, self->addresses[i]);
      append_line (out, line->str);
    }
  g_string_printf (line, "KEY:" KEY_SCHEME "%s", self->fingerprint);
  append_line (out, line->str);
  g_string_append (out, "END:VCARD\r\n");
  return g_string_free (out, FALSE);
}

static char *
to_openpgp4fpr (PosternCard *self)
{
  GString *out = g_string_new (OPENPGP4FPR);

  g_string_append (out, self->fingerprint);
  for (guint i = 0; self->addresses[i] != NULL; i++)
    {
      g_autofree char *escaped = g_uri_escape_string (self->addresses[i], "@", FALSE);
      g_string_append_printf (out, "%sa=%s", i == 0 ? "#" : "&", escaped);
    }
  if (self->name != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (self->name, NULL, FALSE);
      g_string_append_printf (out, "&n=%s", escaped);
    }
  return g_string_free (out, FALSE);
}

/**
 * postern_card_to_text:
 *
 * Returns: (transfer full): the card as a vCard 4.0 (CRLF line ends,
 *   folded at 75 octets) or as an OPENPGP4FPR: URI with one a= per
 *   address, in the card's order.
 */
char *
postern_card_to_text (PosternCard *self, PosternCardForm form)
{
  g_return_val_if_fail (POSTERN_IS_CARD (self), NULL);
  return form == POSTERN_CARD_FORM_VCARD ? to_vcard (self) : to_openpgp4fpr (self);
}

static gboolean
has_prefix_ci (const char *text, const char *prefix)
{
  return g_ascii_strncasecmp (text, prefix, strlen (prefix)) == 0;
}

static PosternCard *
parse_openpgp4fpr (const char *text, GError **error)
{
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *name = NULL;
  g_autofree char *clean = NULL;
  g_autofree char *fpr = NULL;
  g_auto (GStrv) params = NULL;
  const char *hash;
  const char *body = text + strlen (OPENPGP4FPR);

  hash = strchr (body, '#');
  fpr = hash ? g_strndup (body, (gsize) (hash - body)) : g_strdup (body);
  if (hash != NULL)
    params = g_strsplit (hash + 1, "&", -1);
  for (guint i = 0; params != NULL && params[i] != NULL; i++)
    {
      g_autofree char *value = NULL;
      const char *eq = strchr (params[i], '=');

      /* Other apps add parameters of their own (Delta Chat's i= and s=). */
      if (eq == NULL || eq - params[i] != 1 || (params[i][0] != 'a' && params[i][0] != 'n'))
        continue;
      value = g_uri_unescape_string (eq + 1, NULL);
      if (value == NULL || !g_utf8_validate (value, -1, NULL))
        {
          invalid (error,
                   "the OPENPGP4FPR link's \"%c\" parameter is not valid percent-encoded "
                   "UTF-8",
                   params[i][0]);
          return NULL;
        }
      if (params[i][0] == 'a' && !add_address (addresses, value, error))
        return NULL;
      if (params[i][0] == 'n' && name == NULL)
        name = g_steal_pointer (&value);
    }
  if (!clean_name (name, &clean, error))
    return NULL;
  if (*fpr == '\0')
    {
      invalid (error, "the OPENPGP4FPR link carries no fingerprint");
      return NULL;
    }
  return card_new (g_steal_pointer (&clean), addresses, fpr, error);
}

/* RFC 6350 §3.2: a line that starts with a space or a tab continues the one
 * before; line ends may be CRLF or (from sloppy writers) LF alone. */
static GPtrArray *
unfold (const char *text)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) raw = g_strsplit (text, "\n", -1);

  for (guint i = 0; raw[i] != NULL; i++)
    {
      char *line = raw[i];
      gsize len = strlen (line);

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if ((line[0] == ' ' || line[0] == '\t') && lines->len > 0)
        {
          char *prev = lines->pdata[lines->len - 1];
          lines->pdata[lines->len - 1] = g_strconcat (prev, line + 1, NULL);
          g_free (prev);
        }
      else
        g_ptr_array_add (lines, g_strdup (line));
    }
  return lines;
}

/* Splits "[group.]NAME[;params]:value" into the upper-case NAME and the
 * value; a colon inside a quoted parameter value is not the separator. */
static gboolean
split_line (const char *line, guint number, char **out_name, const char **out_value, GError **error)
{
  gboolean quoted = FALSE;
  const char *colon = NULL;
  const char *end;
  const char *dot;
  g_autofree char *head = NULL;

  for (const char *p = line; *p != '\0' && colon == NULL; p++)
    if (*p == '"')
      quoted = !quoted;
    else if (*p == ':' && !quoted)
      colon = p;
  if (colon == NULL)
    return invalid (error, "line %u of the vCard has no \":\"", number);
  end = memchr (line, ';', (gsize) (colon - line));
  head = g_strndup (line, (gsize) ((end ? end : colon) - line));
  dot = strrchr (head, '.');
  *out_name = g_ascii_strup (dot ? dot + 1 : head, -1);
  *out_value = colon + 1;
  return TRUE;
}

typedef struct
{
  GPtrArray *addresses;
  char *name;
  char *fingerprint;
  gboolean ended;
} VCardState;

static gboolean
read_property (VCardState *st, const char *prop, const char *value, guint number, GError **error)
{
  if (g_str_equal (prop, "VERSION"))
    {
      if (!g_str_equal (value, "4.0") && !g_str_equal (value, "3.0") && !g_str_equal (value, "2.1"))
        {
          g_autofree char *shown = g_utf8_make_valid (value, MIN (strlen (value), 20));
          return invalid (error, "vCard version \"%s\" is not supported (4.0, 3.0 or 2.1)", shown);
        }
    }
  else if (g_str_equal (prop, "FN"))
    {
      if (st->name == NULL)
        st->name = unescape (value);
    }
  else if (g_str_equal (prop, "EMAIL"))
    {
      g_autofree char *address = unescape (value);
      const char *spec = has_prefix_ci (address, "mailto:") ? address + 7 : address;
      return add_address (st->addresses, spec, error);
    }
  else if (g_str_equal (prop, "KEY") && has_prefix_ci (value, KEY_SCHEME))
    {
      g_autofree char *fpr
        = postern_keyring_normalize_fingerprint (value + strlen (KEY_SCHEME), error);
      if (fpr == NULL)
        {
          g_prefix_error (error, "line %u of the vCard: ", number);
          return FALSE;
        }
      if (st->fingerprint != NULL && !g_str_equal (st->fingerprint, fpr))
        return invalid (error, "the card names two OpenPGP keys: %s and %s", st->fingerprint, fpr);
      g_free (st->fingerprint);
      st->fingerprint = g_steal_pointer (&fpr);
    }
  else if (g_str_equal (prop, "BEGIN"))
    return invalid (error, "line %u of the vCard starts another vCard inside it", number);
  else if (g_str_equal (prop, "END"))
    st->ended = TRUE;
  /* Everything else (TEL, ADR, PHOTO, …) is not ours to keep. */
  return TRUE;
}

static PosternCard *
parse_vcard (const char *text, GError **error)
{
  g_autoptr (GPtrArray) lines = unfold (text);
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *clean = NULL;
  VCardState st = { addresses, NULL, NULL, FALSE };
  gboolean begun = FALSE;
  PosternCard *card = NULL;
  guint i;

  for (i = 0; i < lines->len && !st.ended; i++)
    {
      const char *line = lines->pdata[i];
      g_autofree char *prop = NULL;
      const char *value = NULL;

      if (*line == '\0')
        continue;
      if (!begun)
        {
          /* parse() checked that the text starts with BEGIN:VCARD. */
          begun = TRUE;
          continue;
        }
      if (!split_line (line, i + 1, &prop, &value, error)
          || !read_property (&st, prop, value, i + 1, error))
        goto out;
    }
  if (!st.ended)
    {
      invalid (error, "the vCard has no END:VCARD");
      goto out;
    }
  if (clean_name (st.name, &clean, error))
    card = card_new (g_steal_pointer (&clean), addresses, st.fingerprint, error);
out:
  g_free (st.name);
  g_free (st.fingerprint);
  return card;
}

/* The rest of the first line holds nothing but blanks. */
static gboolean
begins_vcard (const char *rest)
{
  for (; *rest != '\0' && *rest != '\n'; rest++)
    if (!g_ascii_isspace (*rest))
      return FALSE;
  return TRUE;
}

/**
 * postern_card_parse:
 * @text: what a QR code, a file or the clipboard held
 * @len: its length, or -1 when NUL-terminated
 *
 * Reads a vCard (4.0, or 3.0 and 2.1 as phones write them; KEY must be an
 * openpgp4fpr: URI) or an OPENPGP4FPR: URI (a= may repeat; parameters of
 * other apps are ignored). Only the first vCard of a file is read.
 *
 * Returns: (transfer full): the card, or %NULL with @error set
 *   (%POSTERN_ERROR_INVALID) saying what is wrong with the text.
 */
PosternCard *
postern_card_parse (const char *text, gssize len, GError **error)
{
  g_autofree char *copy = NULL;
  const char *start;
  gsize n;

  g_return_val_if_fail (text != NULL || len == 0, NULL);
  n = len < 0 ? strlen (text) : (gsize) len;
  if (n > POSTERN_CARD_MAX_TEXT)
    {
      invalid (error, "%" G_GSIZE_FORMAT " bytes are too long for a contact card", n);
      return NULL;
    }
  if (n > 0 && memchr (text, '\0', n) != NULL)
    {
      invalid (error, "the card holds a NUL byte: it is not text");
      return NULL;
    }
  copy = g_strndup (text ? text : "", n);
  if (!g_utf8_validate (copy, -1, NULL))
    {
      invalid (error, "the card is not UTF-8 text");
      return NULL;
    }
  start = copy;
  if (g_str_has_prefix (start, "\xef\xbb\xbf"))
    start += 3;
  while (g_ascii_isspace (*start))
    start++;
  g_strchomp ((char *) start);
  if (has_prefix_ci (start, OPENPGP4FPR))
    return parse_openpgp4fpr (start, error);
  if (has_prefix_ci (start, "BEGIN:VCARD") && begins_vcard (start + 11))
    return parse_vcard (start, error);
  invalid (error, "this is not a contact card: expected a vCard (BEGIN:VCARD) or an "
                  "OPENPGP4FPR: link");
  return NULL;
}
