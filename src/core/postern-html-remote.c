/* postern-html-remote.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "postern-html-remote.h"

typedef struct
{
  const char *p;
  const char *end;
} Cursor;

static gboolean
starts_with_ci (const char *p, const char *end, const char *prefix)
{
  gsize n = strlen (prefix);

  return (gsize) (end - p) >= n && g_ascii_strncasecmp (p, prefix, n) == 0;
}

static const char *
find_ci (const char *p, const char *end, const char *needle)
{
  for (; p < end; p++)
    if (starts_with_ci (p, end, needle))
      return p;
  return NULL;
}

/* A URL that the network would have to answer: a scheme-relative one
 * ("//host/x") resolves against the message's base, which is remote-less,
 * but a renderer may still treat it as http, so it counts. */
static gboolean
is_remote_url (const char *p, const char *end)
{
  while (p < end && (g_ascii_isspace (*p) || *p == '"' || *p == '\''))
    p++;
  return starts_with_ci (p, end, "http:") || starts_with_ci (p, end, "https:")
         || starts_with_ci (p, end, "ftp:") || starts_with_ci (p, end, "//");
}

/* CSS text: url(...) or @import pointing at the network. One pass. */
static gboolean
css_is_remote (const char *p, const char *end)
{
  for (; p < end; p++)
    {
      if (starts_with_ci (p, end, "url(") && is_remote_url (p + 4, end))
        return TRUE;
      if (starts_with_ci (p, end, "@import") && is_remote_url (p + 7, end))
        return TRUE;
    }
  return FALSE;
}

static gboolean
srcset_is_remote (const char *p, const char *end)
{
  /* Candidates are separated by commas; any remote one is enough. */
  for (const char *item = p; item < end;)
    {
      const char *comma = memchr (item, ',', (gsize) (end - item));
      if (is_remote_url (item, comma ? comma : end))
        return TRUE;
      if (comma == NULL)
        break;
      item = comma + 1;
    }
  return FALSE;
}

static gboolean
name_is (const char *name, gsize len, const char *what)
{
  return strlen (what) == len && g_ascii_strncasecmp (name, what, len) == 0;
}

static gboolean
attribute_is_remote (const char *tag, gsize tag_len, const char *name, gsize name_len,
                     const char *value, const char *value_end)
{
  static const char *const fetched[]
    = { "src", "background", "poster", "data", "lowsrc", "dynsrc", "codebase", "code", NULL };

  for (guint i = 0; fetched[i] != NULL; i++)
    if (name_is (name, name_len, fetched[i]))
      return is_remote_url (value, value_end);
  if (name_is (name, name_len, "srcset"))
    return srcset_is_remote (value, value_end);
  if (name_is (name, name_len, "style"))
    return css_is_remote (value, value_end);
  /* A link's href is followed only when clicked; a style sheet's, an
   * SVG image's or a use element's is fetched on sight. */
  if (name_is (name, name_len, "href") || name_is (name, name_len, "xlink:href"))
    return (name_is (tag, tag_len, "link") || name_is (tag, tag_len, "image")
            || name_is (tag, tag_len, "use"))
           && is_remote_url (value, value_end);
  return FALSE;
}

static gboolean
is_name_char (char c)
{
  return !g_ascii_isspace (c) && c != '>' && c != '/' && c != '=' && c != '<';
}

/* Reads one tag's attributes; leaves the cursor after its '>'. */
static gboolean
scan_tag (Cursor *c, const char *tag, gsize tag_len)
{
  while (c->p < c->end && *c->p != '>')
    {
      const char *name;
      gsize name_len;
      const char *value = c->p;
      const char *value_end = c->p;

      if (!is_name_char (*c->p))
        {
          c->p++;
          continue;
        }
      name = c->p;
      while (c->p < c->end && is_name_char (*c->p))
        c->p++;
      name_len = (gsize) (c->p - name);
      while (c->p < c->end && g_ascii_isspace (*c->p))
        c->p++;
      if (c->p < c->end && *c->p == '=')
        {
          c->p++;
          while (c->p < c->end && g_ascii_isspace (*c->p))
            c->p++;
          if (c->p < c->end && (*c->p == '"' || *c->p == '\''))
            {
              char quote = *c->p++;
              const char *close = memchr (c->p, quote, (gsize) (c->end - c->p));
              value = c->p;
              value_end = close ? close : c->end;
              c->p = close ? close + 1 : c->end;
            }
          else
            {
              value = c->p;
              while (c->p < c->end && !g_ascii_isspace (*c->p) && *c->p != '>')
                c->p++;
              value_end = c->p;
            }
        }
      if (attribute_is_remote (tag, tag_len, name, name_len, value, value_end))
        return TRUE;
    }
  if (c->p < c->end)
    c->p++;
  return FALSE;
}

/**
 * postern_html_has_remote_content:
 * @html: (array length=length): the HTML as the message carries it, any encoding
 *   compatible with ASCII
 *
 * Returns: whether showing @html in full would fetch anything from the
 *   network. Tolerant of any markup, broken or hostile.
 */
gboolean
postern_html_has_remote_content (const char *html, gsize length)
{
  Cursor c;

  if (html == NULL || length == 0)
    return FALSE;
  c.p = html;
  c.end = html + length;
  while (c.p < c.end)
    {
      const char *lt = memchr (c.p, '<', (gsize) (c.end - c.p));
      const char *tag;
      gsize tag_len;

      if (lt == NULL)
        break;
      c.p = lt + 1;
      if (starts_with_ci (c.p, c.end, "!--"))
        {
          const char *close = find_ci (c.p + 3, c.end, "-->");
          c.p = close ? close + 3 : c.end;
          continue;
        }
      tag = c.p;
      while (c.p < c.end && (g_ascii_isalnum (*c.p) || *c.p == ':' || *c.p == '-'))
        c.p++;
      tag_len = (gsize) (c.p - tag);
      if (tag_len == 0)
        continue;
      if (scan_tag (&c, tag, tag_len))
        return TRUE;
      if (name_is (tag, tag_len, "style"))
        {
          const char *close = find_ci (c.p, c.end, "</style");
          const char *css_end = close ? close : c.end;
          if (css_is_remote (c.p, css_end))
            return TRUE;
          c.p = css_end;
        }
    }
  return FALSE;
}
