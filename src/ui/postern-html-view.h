/* postern-html-view.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HTML mail rendered by WebKitGTK with JavaScript off and nothing fetched
 * from the network until the user asks: a bar offers to load remote
 * content when the message has some. Links open in the user's browser,
 * never inside the reader. A button switches the reader to the message's
 * plain-text rendering instead.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define POSTERN_TYPE_HTML_VIEW (postern_html_view_get_type ())
G_DECLARE_FINAL_TYPE (PosternHtmlView, postern_html_view, POSTERN, HTML_VIEW, GtkBox)

gboolean postern_html_view_is_supported (void);
void postern_html_view_set_html (PosternHtmlView *self, const char *html);
gboolean postern_html_view_get_as_text (PosternHtmlView *self);
char *postern_html_view_build_document (const char *html, gboolean allow_remote);

G_END_DECLS
