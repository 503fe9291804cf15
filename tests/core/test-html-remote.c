/* test-html-remote.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Which HTML asks the network for something when shown: images, style
 * sheets, fonts and media do; links, inline data and cid: parts do not.
 */
#include "config.h"

#include <string.h>

#include "postern-html-remote.h"

static gboolean
remote (const char *html)
{
  return postern_html_has_remote_content (html, strlen (html));
}

static void
test_fetched_on_sight (void)
{
  g_assert_true (remote ("<p>Hi <img src=\"https://tracker.example/p.png\"></p>"));
  g_assert_true (remote ("<IMG SRC=HTTP://X.EXAMPLE/A.GIF>"));
  g_assert_true (remote ("<img src='//cdn.example/a.png'>"));
  g_assert_true (remote ("<td background=\"http://x.example/bg.jpg\">"));
  g_assert_true (remote ("<img srcset=\"a.png 1x, https://x.example/b.png 2x\">"));
  g_assert_true (remote ("<link rel=stylesheet href=http://x.example/y.css>"));
  g_assert_true (remote ("<div style=\"background:url( 'https://x.example/b.gif')\">"));
  g_assert_true (remote ("<style>\n@import \"https://x.example/a.css\";</style>"));
  g_assert_true (remote ("<style>p { background: URL(http://x.example/p.png) }</style>"));
  g_assert_true (remote ("<video poster=\"https://x.example/v.jpg\"></video>"));
  g_assert_true (remote ("<svg><image xlink:href=\"https://x.example/i.svg\"/></svg>"));
}

static void
test_not_fetched (void)
{
  g_assert_false (remote (""));
  g_assert_false (remote ("plain words, http://example.org/ in the text"));
  g_assert_false (remote ("<a href=\"https://example.org/\">a link</a>"));
  g_assert_false (
    remote ("<img src=\"cid:logo@example.org\"><img src=\"data:image/png;base64,AA\">"));
  g_assert_false (remote ("<!-- <img src=\"http://x.example/old.png\"> --><p>hi</p>"));
  g_assert_false (remote ("<p title=\"src=http://x.example/\">not an attribute</p>"));
  g_assert_false (remote ("<style>p { color: red }</style><p>url(http://x) outside style</p>"));
  /* Broken markup ends quietly. */
  g_assert_false (remote ("<img src="));
  g_assert_false (remote ("<img src=\"unterminated"));
  g_assert_false (remote ("<<<>>>=\"'"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/html-remote/fetched-on-sight", test_fetched_on_sight);
  g_test_add_func ("/html-remote/not-fetched", test_not_fetched);
  return g_test_run ();
}
