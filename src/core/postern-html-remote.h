/* postern-html-remote.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Whether an HTML mail asks for anything from the network when shown:
 * images, style sheets, fonts, media. The reader blocks all of that by
 * its content security policy whatever this says; this only decides
 * whether to offer the user to load it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean postern_html_has_remote_content (const char *html, gsize length);

G_END_DECLS
