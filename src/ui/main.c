/* main.c
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `postern [--profile DIR] [--demo] [mailto:URI…]`
 */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "postern-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (PosternApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  app = postern_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
