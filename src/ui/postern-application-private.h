/* postern-application-private.h
 *
 * Copyright 2026 The Postern authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "postern-application.h"

G_BEGIN_DECLS

struct _PosternApplication
{
  AdwApplication parent_instance;
  GSettings *settings; /* NULL when the schema is not installed */
  char *profile_path;  /* from --profile, or NULL for the default */
  gboolean demo;       /* --demo */
};

void _postern_application_add_actions (PosternApplication *self);
GtkWindow *_postern_application_get_main_window (PosternApplication *self);

G_END_DECLS
